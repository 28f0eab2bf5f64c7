"""Overclaim: fact-check health articles against a curated reference.

The research API (:mod:`pipeline.api`) is exported lazily: ``import pipeline`` loads no model,
reference or pandas until a function is called.

    >>> import pipeline
    >>> res = pipeline.audit(["Baclofen has been shown to be effective for fibromyalgia."])  # doctest: +SKIP
    >>> res.claims[["drug", "condition", "verdict"]]                                          # doctest: +SKIP
    >>> pipeline.check("Baclofen cures fibromyalgia.").to_dataframe()                         # doctest: +SKIP
    >>> pipeline.load_reference().evidence.head()                                             # doctest: +SKIP

``pipeline.audit`` is both the function :func:`pipeline.api.audit` (call it) and the stage module
``pipeline/audit.py`` (its attributes, e.g. ``pipeline.audit.Auditor``): a package attribute and a
submodule cannot otherwise share the name once the submodule is imported.
"""
from __future__ import annotations

import importlib
import sys
import types

__version__ = "0.1.0"

_API = ("audit", "check", "load_reference", "AuditResult", "CheckResult", "ReferenceTables")
__all__ = [*_API, "__version__"]


class _AuditEntry:
    """``pipeline.audit``: call it to audit articles (:func:`pipeline.api.audit`); its attributes
    are those of the module ``pipeline/audit.py`` (``Auditor``)."""

    __slots__ = ()

    def __call__(self, *args, **kwargs):
        from .api import audit

        return audit(*args, **kwargs)

    @staticmethod
    def _module():
        return importlib.import_module("pipeline.audit")

    def __getattr__(self, name: str):
        if name == "__doc__":  # pragma: no cover - help()
            from .api import audit

            return audit.__doc__
        return getattr(self._module(), name)

    def __setattr__(self, name: str, value) -> None:  # e.g. monkeypatching pipeline.audit.Auditor
        setattr(self._module(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._module(), name)

    def __dir__(self):
        return dir(self._module())

    def __repr__(self) -> str:
        return "<function pipeline.audit (pipeline.api.audit); module attributes from pipeline/audit.py>"


_AUDIT = _AuditEntry()


class _Package(types.ModuleType):
    def __getattribute__(self, name: str):
        if name == "audit":
            return _AUDIT
        return super().__getattribute__(name)


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals().keys(), *_API])


sys.modules[__name__].__class__ = _Package
