"""The shipped verification rules; importing this package registers them (one file per claim type)."""
from . import approval, dosage, efficacy, evidence, mechanism, safety, usage  # noqa: F401
