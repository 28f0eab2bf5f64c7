"""Exports of editors' decisions: CSV, and schema.org ClaimReview JSON-LD (what fact-checkers publish).

A ClaimReview is published only for a rating an editor stands behind: a **confirmed** flag is
rated by the verdict the editor confirmed (:data:`VERDICT_RATING`), and an editor may choose a
rating from :data:`RATINGS` when confirming or dismissing. A dismissed flag without an editor's
rating is not rated at all (dismissing says the tool was wrong, not that the claim is accurate); a
stale decision (the verdict changed since) is not published until an editor decides again. The
review's ``editor`` and ``datePublished`` are who confirmed (or dismissed) and when, not who edited
last. ``url`` comes from the configured public base URL only (never from a request's Host
header); without one it is left out. Article URLs go through the one URL policy
(:func:`pipeline.report.html.link_url`), and :func:`to_jsonld` escapes ``<``, ``>`` and ``&`` so
the output can be embedded in a ``<script type="application/ld+json">`` element.

Example:
    >>> row = {"claim_id": "c1", "sentence": "Baclofen cures fibromyalgia.", "verdict": "overstated",
    ...        "status": "confirmed", "rating": "", "stale": False, "rationale": "No trial supports it.",
    ...        "suggestion": "", "edited_wording": "", "reason": "", "decided_by": "ana",
    ...        "decided_at": "2026-01-02T03:04:05", "article_url": "https://example.org/a",
    ...        "article_title": "A", "article_author": "Jo Bloggs", "article_date": "2025-12-30"}
    >>> cr = claim_review(row, public_url="https://factcheck.example.org")
    >>> cr["url"], cr["reviewRating"]["alternateName"], cr["itemReviewed"]["author"]["name"]
    ('https://factcheck.example.org/claims/c1', 'Overstated', 'Jo Bloggs')
    >>> to_jsonld({"claimReviewed": "</script>"})
    '{\\n  "claimReviewed": "\\\\u003c/script\\\\u003e"\\n}'
"""
from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Iterable
from urllib.parse import quote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ..util.urls import link_url
from .db import Article, Claim, Decision, Editor, RunArticle

CSV_COLUMNS = ["claim_id", "article_id", "article_title", "article_url", "article_author", "article_date",
               "sentence", "start", "end", "type", "drug", "condition", "verdict", "severity", "flagged", "status",
               "rating", "reason", "edited_wording", "suggestion", "stale", "editor", "decided_at", "last_editor",
               "updated_at", "version", "rationale"]

# The rating scale (1 = false ... 5 = accurate); the name is what Google shows (alternateName).
RATINGS: dict[str, int] = {"Contradicted": 1, "Overstated": 2, "Unsupported": 2, "Unverifiable": 3,
                           "Mostly accurate": 4, "Accurate": 5}
# The rating of a confirmed flag, from the verdict the editor confirmed.
VERDICT_RATING = {"contradicted": "Contradicted", "overstated": "Overstated", "unsupported": "Unsupported",
                  "unverifiable": "Unverifiable"}
PUBLISHER = "Overclaim editors"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def decision_rows(s: Session, *, run_id: int | None = None, article_id: int | None = None,
                  status: str | None = None) -> list[dict[str, Any]]:
    """One dict per decided claim (with its article, who decided and who acted last), oldest first."""
    last, decider = aliased(Editor), aliased(Editor)
    q = (select(Decision, Claim, Article, last.username, decider.username)
         .join(Claim, Claim.id == Decision.claim_id).join(Article, Article.id == Claim.article_id)
         .outerjoin(last, last.id == Decision.editor_id).outerjoin(decider, decider.id == Decision.decided_by_id)
         .order_by(Decision.updated_at, Decision.claim_id))
    if article_id is not None:
        q = q.where(Article.id == article_id)
    if status:
        q = q.where(Decision.status == status)
    if run_id is not None:
        q = q.where(Article.id.in_(select(RunArticle.article_id).where(RunArticle.run_id == run_id)))
    return [_row(d, c, a, last_name, decider_name) for d, c, a, last_name, decider_name in s.execute(q).all()]


def _iso(t) -> str:
    return t.isoformat(timespec="seconds") if t is not None else ""


def _row(d: Decision, c: Claim, a: Article, last_name: str | None, decider_name: str | None) -> dict[str, Any]:
    row = {"claim_id": c.id, "article_id": a.key, "article_title": a.title or "", "article_url": a.url or "",
           "article_author": a.author or "", "article_date": a.date or "", "sentence": c.sentence,
           "start": c.start, "end": c.end, "type": c.type, "drug": c.drug_name or "",
           "condition": c.condition_name or "", "verdict": c.verdict, "severity": c.severity, "flagged": c.flagged,
           "status": d.status or "", "rating": d.rating or "", "reason": d.reason or "",
           "edited_wording": d.edited_wording or "", "suggestion": c.suggestion or "", "stale": d.stale,
           "editor": decider_name or (last_name if d.status is None else "") or "",
           "decided_by": decider_name or "", "decided_at": _iso(d.decided_at), "last_editor": last_name or "",
           "updated_at": _iso(d.updated_at), "version": d.version, "rationale": c.rationale}
    row["published_rating"] = rating_of(row) or ""
    return row


def to_csv(rows: Iterable[dict]) -> str:
    """CSV text with :data:`CSV_COLUMNS` (values that a spreadsheet would run as a formula are quoted
    with a leading apostrophe; ``rating`` is the rating a ClaimReview would publish, if any)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _cell(r.get("published_rating") if k == "rating" else r.get(k)) for k in CSV_COLUMNS})
    return buf.getvalue()


def _cell(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def rating_of(row: dict) -> str | None:
    """The rating name a decision publishes: the editor's rating, else the confirmed verdict's; None
    for a stale decision, a dismissed flag nobody rated, or a verdict without a rating."""
    if row.get("stale"):
        return None
    if row.get("rating") in RATINGS and row.get("status") in ("confirmed", "dismissed"):
        return row["rating"]
    if row.get("status") == "confirmed":
        return VERDICT_RATING.get(row.get("verdict", ""))
    return None


def review_url(public_url: str | None, claim_id: str) -> str | None:
    """The published URL of a claim's review: ``{claim_id}`` in ``public_url`` is replaced, else
    ``/claims/<id>`` is appended; None without a public URL."""
    if not public_url:
        return None
    cid = quote(claim_id, safe="")
    if "{claim_id}" in public_url:
        return public_url.replace("{claim_id}", cid)
    return f"{public_url.rstrip('/')}/claims/{cid}"


def _iso_date(value: str | None) -> str | None:
    return value[:10] if value and _ISO_DATE.match(value) else None


def _work(app: dict) -> dict[str, Any]:
    """A CreativeWork for one article the claim appears in (only http(s) URLs are published)."""
    work: dict[str, Any] = {"@type": "CreativeWork"}
    if link_url(app.get("url")):
        work["url"] = app["url"]
    if app.get("title"):
        work["headline"] = app["title"]
    if app.get("author"):
        work["author"] = {"@type": "Person", "name": app["author"]}
    if _iso_date(app.get("date")):
        work["datePublished"] = _iso_date(app.get("date"))
    return work


def item_reviewed(row: dict, appearances: list[dict] | None = None) -> dict[str, Any]:
    """The ``Claim`` reviewed: its author and date (from its first appearance, where known), the
    first appearance and every known appearance."""
    apps = appearances or [{"url": row.get("article_url"), "title": row.get("article_title"),
                            "author": row.get("article_author"), "date": row.get("article_date")}]
    item: dict[str, Any] = {"@type": "Claim"}
    first = apps[0]
    if first.get("author"):
        item["author"] = {"@type": "Person", "name": first["author"]}
    if _iso_date(first.get("date")):
        item["datePublished"] = _iso_date(first.get("date"))
    item["firstAppearance"] = _work(first)
    item["appearance"] = [_work(a) for a in apps]
    return item


def _publisher(name: str, public_url: str | None) -> dict[str, Any]:
    org: dict[str, Any] = {"@type": "Organization", "name": name}
    if public_url:
        p = urlsplit(public_url)
        org["url"] = f"{p.scheme}://{p.netloc}/"
    return org


def _body(row: dict) -> str:
    if row.get("status") != "confirmed":
        return f"Editor's review: {row.get('reason') or row.get('rationale')}"
    body = row["rationale"]
    better = row.get("edited_wording") or row.get("suggestion")
    return body + (f" A wording the evidence supports: \u201c{better}\u201d" if better else "")


def claim_review(row: dict, *, public_url: str | None = None, appearances: list[dict] | None = None,
                 publisher: str = PUBLISHER) -> dict[str, Any] | None:
    """A schema.org ``ClaimReview`` for one decision, or None when it publishes no rating
    (:func:`rating_of`)."""
    name = rating_of(row)
    if name is None:
        return None
    out: dict[str, Any] = {"@context": "https://schema.org", "@type": "ClaimReview"}
    url = review_url(public_url, row["claim_id"])
    if url:
        out["url"] = url
    out.update({"claimReviewed": row["sentence"], "itemReviewed": item_reviewed(row, appearances),
                "author": _publisher(publisher, public_url),
                "datePublished": (row.get("decided_at") or row.get("updated_at") or "")[:10],
                "reviewRating": {"@type": "Rating", "ratingValue": RATINGS[name], "bestRating": 5,
                                 "worstRating": 1, "alternateName": name},
                "reviewBody": _body(row)})
    if row.get("decided_by"):
        out["editor"] = {"@type": "Person", "name": row["decided_by"]}
    return out


def claim_reviews(rows: Iterable[dict], *, public_url: str | None = None, include_dismissed: bool = False,
                  appearances: dict[str, list[dict]] | None = None) -> list[dict]:
    """ClaimReviews of confirmed flags (and of dismissed flags an editor rated, with
    ``include_dismissed``); ``appearances`` maps a claim sentence to the articles it appears in."""
    keep = ("confirmed", "dismissed") if include_dismissed else ("confirmed",)
    out = []
    for r in rows:
        if r["status"] in keep:
            cr = claim_review(r, public_url=public_url, appearances=(appearances or {}).get(r["sentence"]))
            if cr is not None:
                out.append(cr)
    return out


def appearances_of(s: Session, sentences: Iterable[str]) -> dict[str, list[dict]]:
    """Every stored article in which each sentence appears as a claim, earliest first (by the
    article's date where known, then by the run that first stored it)."""
    out: dict[str, list[dict]] = {}
    todo = sorted(set(sentences))
    for i in range(0, len(todo), 200):
        q = (select(Claim.sentence, Article).join(Article, Article.id == Claim.article_id)
             .where(Claim.sentence.in_(todo[i:i + 200]), Claim.present.is_(True)))
        for sentence, a in s.execute(q).all():
            apps = out.setdefault(sentence, [])
            if all(x["id"] != a.id for x in apps):
                apps.append({"id": a.id, "url": a.url, "title": a.title, "author": a.author, "date": a.date,
                             "run": a.first_run_id})
    for apps in out.values():
        apps.sort(key=lambda x: (_iso_date(x["date"]) or "9999", x["run"], x["id"]))
    return out


def claim_review_export(s: Session, *, run_id: int | None = None, article_id: int | None = None,
                        include_dismissed: bool = False, public_url: str | None = None) -> list[dict]:
    """The ClaimReview export of the review database (see :func:`claim_reviews`)."""
    rows = decision_rows(s, run_id=run_id, article_id=article_id)
    return claim_reviews(rows, public_url=public_url, include_dismissed=include_dismissed,
                         appearances=appearances_of(s, (r["sentence"] for r in rows if r["published_rating"])))


def to_jsonld(data: Any) -> str:
    """JSON text that is safe inside a ``<script type="application/ld+json">`` element: ``<``, ``>``
    and ``&`` (and the JavaScript line separators U+2028/U+2029) are written as ``\\u`` escapes."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text
