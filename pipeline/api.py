"""Python API for notebooks: audit texts or files and get pandas DataFrames.

Example:
    >>> from pipeline.api import check
    >>> res = check("Baclofen has been shown to be effective for fibromyalgia.")
    >>> res.to_dataframe()[["type", "verdict", "severity"]].values.tolist()
    [['efficacy', 'overstated', 'high']]
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .types import ArticleResult, CheckedClaim


@functools.lru_cache(maxsize=4)
def _auditor(overlays: tuple[str, ...] = ()):
    from .audit import Auditor

    return Auditor(overlays=overlays)


@dataclass
class CheckResult:
    """Claims and verdicts of one text, with ``to_dataframe()``."""

    result: ArticleResult
    claims: list[CheckedClaim] = field(default_factory=list)

    def to_dataframe(self):
        import pandas as pd

        from .report.records import claim_record

        rows = []
        for cc in self.claims:
            r = claim_record(cc)
            r["drug"] = (r["drug"] or {}).get("name")
            r["condition"] = (r["condition"] or {}).get("name")
            rows.append(r)
        return pd.DataFrame(rows)


def check(text: str, *, overlays: Iterable[str] = ()) -> CheckResult:
    """Check a sentence or paragraph.

    Args:
        text: the text.
        overlays: editor overlay files/folders for the reference.

    Returns:
        A :class:`CheckResult` (``.claims``, ``.to_dataframe()``).
    """
    from .ingest import article_from_text

    res = _auditor(tuple(str(o) for o in overlays)).audit_article(article_from_text(text, id="text"))
    return CheckResult(result=res, claims=res.claims)
