"""Overclaim: fact-check health articles against a curated reference.

The research API (:mod:`pipeline.api`) is exported lazily: ``import pipeline`` loads no model,
reference or pandas until a function is called.

    >>> import pipeline
    >>> res = pipeline.audit(["Baclofen has been shown to be effective for fibromyalgia."])  # doctest: +SKIP
    >>> res.claims[["drug", "condition", "verdict"]]                                          # doctest: +SKIP
    >>> pipeline.check("Baclofen cures fibromyalgia.").to_dataframe()                         # doctest: +SKIP
    >>> pipeline.load_reference().evidence.head()                                             # doctest: +SKIP

The stages are subpackages, in the order the data flows: :mod:`pipeline.ingest`,
:mod:`pipeline.nlp`, :mod:`pipeline.claims`, :mod:`pipeline.frames`, :mod:`pipeline.verify`,
:mod:`pipeline.assess`, :mod:`pipeline.report`; :mod:`pipeline.run` runs them over articles.
"""
from __future__ import annotations

__version__ = "0.1.0"

_API = ("audit", "check", "load_reference", "AuditResult", "CheckResult", "ReferenceTables")
__all__ = [*_API, "__version__"]


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals().keys(), *_API])
