"""The curated reference: what is known about drugs, conditions, approvals, evidence and labels.

Load it with :func:`load_reference`; it reads the curated YAML files shipped in
``corpora/reference`` (found with ``importlib.resources``) plus any overlay
folders given.

Example:
    >>> from pipeline.reference import load_reference
    >>> ref = load_reference()
    >>> ref.drug_by_name("Lioresal").name
    'baclofen'
"""
from __future__ import annotations

from .model import (APPROVAL_STATUSES, CITATION_STATUSES, DIRECTIONS, GRADES, Approval, Condition,
                    Drug, Evidence, LabelFacts, Source, normalise_name)
from .loader import load_reference
from .store import Reference

__all__ = [
    "Approval", "Condition", "Drug", "Evidence", "LabelFacts", "Source", "Reference",
    "load_reference", "normalise_name", "DIRECTIONS", "GRADES", "APPROVAL_STATUSES",
    "CITATION_STATUSES",
]
