"""Exports of editors' decisions: CSV, and schema.org ClaimReview JSON-LD (what fact-checkers publish).

Example:
    >>> claim_review({"claim_id": "c1", "sentence": "Baclofen cures fibromyalgia.", "verdict": "overstated",
    ...               "rationale": "No trial supports it.", "suggestion": None, "edited_wording": None,
    ...               "article_url": "https://example.org/a", "article_title": "A", "updated_at": "2026-01-02T03:04:05",
    ...               "editor": "ana", "status": "confirmed"}, base_url="http://127.0.0.1:8000/")["reviewRating"]["alternateName"]
    'Overstated'
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import Article, Claim, Decision, Editor

CSV_COLUMNS = ["claim_id", "article_id", "article_title", "article_url", "sentence", "start", "end", "type", "drug",
               "condition", "verdict", "severity", "flagged", "status", "reason", "edited_wording", "suggestion",
               "stale", "editor", "decided_at", "version", "rationale"]

# A 1-5 rating scale (1 = false) with the verdict as the rating's name.
RATING = {"contradicted": 1, "unsupported": 2, "overstated": 2, "unverifiable": 3, "supported": 5}
NOT_A_FLAG = "Accurate (flag dismissed by an editor)"


def decision_rows(s: Session, *, run_id: int | None = None, article_id: int | None = None,
                  status: str | None = None) -> list[dict[str, Any]]:
    """One dict per decided claim (with its article and the deciding editor), oldest decision first."""
    q = (select(Decision, Claim, Article, Editor.username)
         .join(Claim, Claim.id == Decision.claim_id).join(Article, Article.id == Claim.article_id)
         .outerjoin(Editor, Editor.id == Decision.editor_id).order_by(Decision.updated_at, Decision.claim_id))
    if article_id is not None:
        q = q.where(Article.id == article_id)
    if status:
        q = q.where(Decision.status == status)
    if run_id is not None:
        from .db import RunArticle

        q = q.where(Article.id.in_(select(RunArticle.article_id).where(RunArticle.run_id == run_id)))
    out = []
    for d, c, a, name in s.execute(q).all():
        out.append({"claim_id": c.id, "article_id": a.key, "article_title": a.title or "", "article_url": a.url or "",
                    "sentence": c.sentence, "start": c.start, "end": c.end, "type": c.type,
                    "drug": c.drug_name or "", "condition": c.condition_name or "", "verdict": c.verdict,
                    "severity": c.severity, "flagged": c.flagged, "status": d.status or "",
                    "reason": d.reason or "", "edited_wording": d.edited_wording or "",
                    "suggestion": c.suggestion or "", "stale": d.stale, "editor": name or "",
                    "decided_at": d.updated_at.isoformat(timespec="seconds"), "updated_at":
                    d.updated_at.isoformat(timespec="seconds"), "version": d.version, "rationale": c.rationale})
    return out


def to_csv(rows: Iterable[dict]) -> str:
    """CSV text with :data:`CSV_COLUMNS` (values that a spreadsheet would run as a formula are quoted
    with a leading apostrophe)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _cell(r.get(k)) for k in CSV_COLUMNS})
    return buf.getvalue()


def _cell(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def claim_review(row: dict, *, base_url: str, publisher: str = "Overclaim editors") -> dict[str, Any]:
    """A schema.org ``ClaimReview`` for one decided claim.

    A confirmed flag is rated by its verdict (``contradicted`` 1 ... ``supported`` 5 of 5); a
    dismissed flag is rated 5 with the name :data:`NOT_A_FLAG` and the editor's reason.
    """
    confirmed = row["status"] == "confirmed"
    name = row["verdict"].capitalize() if confirmed else NOT_A_FLAG
    value = RATING.get(row["verdict"], 3) if confirmed else 5
    body = row["rationale"] if confirmed else f"Editor's review: {row['reason']}"
    better = row.get("edited_wording") or row.get("suggestion")
    if confirmed and better:
        body += f" A wording the evidence supports: \u201c{better}\u201d"
    appearance: dict[str, Any] = {"@type": "CreativeWork"}
    if row.get("article_url"):
        appearance["url"] = row["article_url"]
    if row.get("article_title"):
        appearance["headline"] = row["article_title"]
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{base_url.rstrip('/')}/claims/{row['claim_id']}",
        "claimReviewed": row["sentence"],
        "itemReviewed": {"@type": "Claim", "appearance": appearance},
        "author": {"@type": "Organization", "name": publisher},
        "editor": {"@type": "Person", "name": row["editor"]},
        "datePublished": row["updated_at"][:10],
        "reviewRating": {"@type": "Rating", "ratingValue": value, "bestRating": 5, "worstRating": 1,
                         "alternateName": name},
        "reviewBody": body,
    }


def claim_reviews(rows: Iterable[dict], *, base_url: str, include_dismissed: bool = False) -> list[dict]:
    """ClaimReviews of confirmed flags (and dismissed ones with ``include_dismissed``)."""
    keep = ("confirmed", "dismissed") if include_dismissed else ("confirmed",)
    return [claim_review(r, base_url=base_url) for r in rows if r["status"] in keep]
