"""Storing audit runs and editors' decisions in the review database.

:class:`ReviewSink` is a result sink for :func:`pipeline.run.runner.run_audit`: every article is
stored in its own transaction, so an interrupted audit keeps what it stored. Claims are keyed by
their stable id, so a re-audit updates the same rows and editors' decisions stay attached; a
decision whose claim's verdict changed since it was made is marked *stale*.

:func:`decide` records an editor's action with optimistic concurrency: the caller names the
decision version it saw, and a different current version raises :class:`Conflict` with the
current state instead of overwriting it.

Example:
    >>> import tempfile, pathlib
    >>> from pipeline.run.auditor import Auditor
    >>> from pipeline.ingest.reader import article_from_text
    >>> url = str(pathlib.Path(tempfile.mkdtemp()) / "r.sqlite3")
    >>> sink = ReviewSink(url)
    >>> sink.add(Auditor().audit_article(article_from_text(
    ...     "Baclofen has been shown to be effective for fibromyalgia.", id="demo")))
    >>> sink.close()["db_claims"]
    1
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import urlparse
from collections import Counter

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .db import (Article, Claim, Decision, DecisionEvent, Editor, Run, RunArticle, RunError, db_url, open_engine,
                 safe_url, session_factory, utcnow)
from ..errors import InputError
from ..report.records import claim_record

ACTIONS = ("confirm", "dismiss", "edit", "note", "reference_wrong")
STATUS_OF_ACTION = {"confirm": "confirmed", "dismiss": "dismissed"}


def verdict_key(rec: dict) -> str:
    """What "the verdict changed" compares: label, severity and whether the claim is flagged."""
    return f"{rec['verdict']}|{rec['severity']}|{'flagged' if rec['flagged'] else 'ok'}"


def site_of(url: str | None) -> str | None:
    """The host of an article URL without ``www.`` (None without a URL).

    >>> site_of("https://www.example.org/a/b")
    'example.org'
    """
    if not url:
        return None
    host = urlparse(url).hostname
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


class ReviewSink:
    """Result sink that stores an audit run in the review database.

    Args:
        url: SQLAlchemy URL or SQLite file path (``--db``); the schema is upgraded on open.
        overlays: the overlay files the audit used (recorded on the run).
        label: an optional label for the run.

    Use with ``run_audit(..., sinks=[ReviewSink(url)])``; ``close()`` returns
    ``{"db": url, "db_run": id, "db_claims": n, "db_changed": n}`` for the run summary.
    """

    def __init__(self, url: str, *, overlays: Iterable[str] = (), label: str | None = None) -> None:
        self.url = db_url(url)
        self.engine = open_engine(self.url)
        self.Session = session_factory(self.engine)
        self.overlays = [str(o) for o in overlays]
        self.label = label
        self.run_id: int | None = None
        self.n_claims = 0
        self.n_changed = 0

    def _ensure_run(self) -> int:
        if self.run_id is None:
            with self.Session.begin() as s:
                run = Run(status="running", overlays=self.overlays, label=self.label, started_at=utcnow())
                s.add(run)
                s.flush()
                self.run_id = run.id
        return self.run_id

    def add(self, item: Any) -> None:
        """Store one :class:`~pipeline.types.ArticleResult` or :class:`~pipeline.errors.InputError`
        in its own transaction."""
        run_id = self._ensure_run()
        with self.Session.begin() as s:
            run = s.get(Run, run_id)
            if isinstance(item, InputError):
                s.add(RunError(run_id=run_id, path=item.path, row=item.row, code=item.code, message=str(item)))
                run.n_errors += 1
                return
            n, changed, flagged = store_result(s, run_id, item)
            run.n_articles += 1
            run.n_claims += n
            run.n_flagged += flagged
            run.n_changed += changed
        self.n_claims += n
        self.n_changed += changed

    def close(self) -> dict | None:
        """Mark the run complete and return its summary entries."""
        run_id = self._ensure_run()
        with self.Session.begin() as s:
            run = s.get(Run, run_id)
            run.status = "complete"
            run.finished_at = utcnow()
        self.engine.dispose()
        return {"db": safe_url(self.url), "db_run": run_id, "db_claims": self.n_claims, "db_changed": self.n_changed}

    def abort(self) -> None:
        """Mark the run aborted (articles already stored are kept)."""
        try:
            if self.run_id is not None:
                with self.Session.begin() as s:
                    run = s.get(Run, self.run_id)
                    if run is not None and run.status == "running":
                        run.status = "aborted"
                        run.finished_at = utcnow()
        finally:
            self.engine.dispose()


def _author_of(article) -> str | None:
    """The article's author when its reader found one (``meta["author"]``: HTML metadata or an
    ``author`` column), else None."""
    v = (getattr(article, "meta", None) or {}).get("author")
    if isinstance(v, (list, tuple)):
        v = ", ".join(str(x) for x in v if x)
    return str(v).strip()[:500] or None if v else None


def store_result(s: Session, run_id: int, res) -> tuple[int, int, int]:
    """Store one article result in session ``s``; returns (claims, claims whose verdict changed, flagged)."""
    recs: dict[str, dict] = {}
    for cc in res.claims:
        rec = claim_record(cc)
        recs.setdefault(rec["claim_id"], rec)  # the same sentence twice in one article: keep the first
    n_flagged = sum(1 for r in recs.values() if r["flagged"])
    art = _store_article(s, run_id, res, recs, n_flagged)
    existing = {c.id: c for c in s.execute(select(Claim).where(Claim.article_id == art.id)).scalars()}
    decisions = {d.claim_id: d for d in s.execute(
        select(Decision).join(Claim, Claim.id == Decision.claim_id).where(Claim.article_id == art.id)).scalars()}
    changed = 0
    for cid, rec in recs.items():
        key = verdict_key(rec)
        cols = _claim_columns(rec, art.id, run_id, key)
        c = existing.get(cid)
        if c is None:
            s.add(Claim(id=cid, first_run_id=run_id, **cols))
            continue
        if c.verdict_key != key:
            changed += 1
            cols["verdict_changed_run_id"] = run_id
        for k, v in cols.items():
            setattr(c, k, v)
        if decisions.get(cid) is not None:
            _mark_stale(s, decisions[cid], rec, key, run_id)
    for cid, c in existing.items():
        if cid not in recs and c.present:
            c.present = False
    return len(recs), changed, n_flagged


def _store_article(s: Session, run_id: int, res, recs: dict[str, dict], n_flagged: int):
    """Insert or update the article row and its row for this run; return the article row."""
    a = res.article
    art = s.execute(select(Article).where(Article.key == a.id)).scalar_one_or_none()
    fields = dict(title=a.title, url=a.url, date=a.date, author=_author_of(a), source=a.source, site=site_of(a.url),
                  text=a.text,
                  findings=[f.to_dict() for f in res.findings],
                  boilerplate=[{"start": b, "end": e, "kind": k} for b, e, k in res.boilerplate],
                  n_claims=len(recs), n_flagged=n_flagged, last_run_id=run_id, updated_at=utcnow())
    if art is None:
        art = Article(key=a.id, first_run_id=run_id, **fields)
        s.add(art)
        s.flush()
    else:
        for k, v in fields.items():
            setattr(art, k, v)
    counts = Counter(r["verdict"] for r in recs.values())
    ra = s.get(RunArticle, (run_id, art.id))
    if ra is None:
        s.add(RunArticle(run_id=run_id, article_id=art.id, n_claims=len(recs), n_flagged=n_flagged,
                         counts=dict(counts)))
    else:
        ra.n_claims, ra.n_flagged, ra.counts = len(recs), n_flagged, dict(counts)
    return art


def _claim_columns(rec: dict, article_id: int, run_id: int, key: str) -> dict[str, Any]:
    """The columns of a claim row, from its ``claims.jsonl`` record."""
    drug, cond = rec.get("drug") or {}, rec.get("condition") or {}
    return dict(article_id=article_id, sentence=rec["sentence"], start=rec["start"], end=rec["end"], type=rec["type"],
                subtype=rec.get("subtype"), drug_id=drug.get("id"), drug_name=drug.get("name") or drug.get("text"),
                condition_id=cond.get("id"), condition_name=cond.get("name") or cond.get("text"),
                verdict=rec["verdict"], flagged=bool(rec["flagged"]), severity=rec["severity"],
                rationale=rec.get("rationale") or "", suggestion=rec.get("suggestion"),
                evidence=rec.get("evidence") or [], record=rec, verdict_key=key, present=True, last_run_id=run_id)


def _mark_stale(s: Session, d, rec: dict, key: str, run_id: int) -> None:
    """A decision goes stale when the verdict it was made on changes, and current again when the
    verdict comes back (each change a new version and a history event)."""
    stale = d.verdict_key != key
    if stale == d.stale:
        return
    d.stale = stale
    d.version += 1
    s.add(DecisionEvent(claim_id=d.claim_id, editor_id=None, action="stale" if stale else "current",
                        reason=(f"verdict changed to {rec['verdict']} ({rec['severity']}) in run {run_id}; "
                                f"decided on {d.verdict_key.split('|')[0]}") if stale else
                        f"verdict back to the one decided on in run {run_id}",
                        verdict_key=key, version=d.version, created_at=utcnow()))


# ---------------------------------------------------------------------------------------------
# Decisions


class Conflict(Exception):
    """Someone else changed the decision since the editor loaded it."""

    def __init__(self, claim_id: str, expected: int, current: dict | None) -> None:
        who = (current or {}).get("editor") or "another editor"
        super().__init__(f"This claim was changed by {who} since you opened it (you saw version {expected}, "
                         f"it is now version {(current or {}).get('version', 0)}). Nothing was overwritten: "
                         f"review the current decision below and act again if needed.")
        self.claim_id = claim_id
        self.expected = expected
        self.current = current


class NotFound(LookupError):
    pass


def decision_dict(s: Session, d: Decision | None) -> dict | None:
    """The current decision as a plain dict (None when the claim has no decision yet)."""
    if d is None:
        return None
    ed = s.get(Editor, d.editor_id)
    by = s.get(Editor, d.decided_by_id) if d.decided_by_id is not None else None
    return {"claim_id": d.claim_id, "status": d.status, "reason": d.reason, "edited_wording": d.edited_wording,
            "editor": ed.username if ed else None, "updated_at": d.updated_at.isoformat(timespec="seconds"),
            "decided_by": by.username if by else None,
            "decided_at": d.decided_at.isoformat(timespec="seconds") if d.decided_at else None,
            "rating": d.rating, "stale": d.stale, "version": d.version}


def decide(s: Session, claim_id: str, editor_id: int, action: str, expected_version: int, *,
           reason: str | None = None, wording: str | None = None, note: str | None = None,
           reference_entry: str | None = None, correction: dict | None = None,
           rating: str | None = None) -> dict | None:
    """Record an editor's action on a claim (in the caller's transaction).

    Args:
        s: session (the caller commits).
        claim_id: the stable claim id.
        editor_id: who acts.
        action: ``confirm``, ``dismiss`` (needs ``reason``), ``edit`` (needs ``wording``), ``note``
            (needs ``note``) or ``reference_wrong`` (needs ``reference_entry``; the overlay is
            written by the caller).
        expected_version: the decision version the editor saw (0: no decision yet). Notes and
            reference corrections only add to the history and do not check it.
        rating: with ``confirm`` or ``dismiss``, a rating name of :data:`pipeline.review.export.RATINGS`
            to publish instead of the verdict's (empty: the verdict's rating; none for a dismissal).

    Returns:
        The current decision as a dict.

    Raises:
        Conflict: the decision changed since ``expected_version`` (nothing is written).
        NotFound: no such claim. ValueError: a required field is missing.

    Example:
        >>> # decide(s, "d514e9cda64bf286", editor.id, "dismiss", 0, reason="correct in context")
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    claim = s.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    reason, wording, note = ((x or "").strip() or None for x in (reason, wording, note))
    _check_fields(action, reason, wording, note, reference_entry)
    rating = _check_rating(rating, action)
    now = utcnow()
    current = s.get(Decision, claim_id)
    if action in ("note", "reference_wrong"):
        s.add(DecisionEvent(claim_id=claim_id, editor_id=editor_id, action=action, reason=reason, note=note,
                            reference_entry=reference_entry, correction=correction, verdict_key=claim.verdict_key,
                            version=current.version if current else 0, created_at=now))
        return decision_dict(s, current)
    cur_version = current.version if current is not None else 0
    if expected_version != cur_version:
        raise Conflict(claim_id, expected_version, decision_dict(s, current))
    values: dict[str, Any] = {"editor_id": editor_id, "updated_at": now}
    if action in STATUS_OF_ACTION:
        values.update(status=STATUS_OF_ACTION[action], reason=reason, verdict_key=claim.verdict_key, stale=False,
                      decided_by_id=editor_id, decided_at=now, rating=rating)
    else:  # edit
        values.update(edited_wording=wording)
    new_version = _write_decision(s, claim, current, expected_version, values)
    s.add(DecisionEvent(claim_id=claim_id, editor_id=editor_id, action=action, reason=reason, edited_wording=wording,
                        rating=rating, verdict_key=claim.verdict_key, version=new_version, created_at=now))
    s.flush()
    s.expire_all()
    return decision_dict(s, s.get(Decision, claim_id))


def _check_fields(action: str, reason: str | None, wording: str | None, note: str | None,
                  reference_entry: str | None) -> None:
    """The field each action needs (``ValueError`` when it is missing)."""
    if action == "dismiss" and not reason:
        raise ValueError("a dismissal needs a reason")
    if action == "edit" and not wording:
        raise ValueError("the edited wording is empty")
    if action == "note" and not note:
        raise ValueError("the note is empty")
    if action == "reference_wrong" and not (reference_entry and reason):
        raise ValueError("name the reference entry and say what is wrong with it")


def _write_decision(s: Session, claim, current, expected_version: int, values: dict[str, Any]) -> int:
    """Create the claim's decision or move it from ``expected_version`` to the next one (optimistic
    concurrency: :class:`Conflict` when another editor got there first); return the new version."""
    claim_id = claim.id
    if current is None:
        d = Decision(claim_id=claim_id, version=1, **{"status": None, "verdict_key": claim.verdict_key,
                                                       "stale": False, **values})
        s.add(d)
        try:
            s.flush()
        except IntegrityError:  # another editor's first decision won the race: nothing of ours is kept
            s.rollback()
            raise Conflict(claim_id, expected_version, decision_dict(s, s.get(Decision, claim_id))) from None
        return 1
    res = s.execute(update(Decision).where(Decision.claim_id == claim_id, Decision.version == expected_version)
                    .values(version=expected_version + 1, **values).execution_options(synchronize_session=False))
    if res.rowcount != 1:
        s.expire_all()
        raise Conflict(claim_id, expected_version, decision_dict(s, s.get(Decision, claim_id)))
    return expected_version + 1


def _check_rating(rating: str | None, action: str) -> str | None:
    from .export import RATINGS

    rating = (rating or "").strip() or None
    if rating is None:
        return None
    if action not in STATUS_OF_ACTION:
        raise ValueError("a rating goes with confirming or dismissing a flag")
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {', '.join(RATINGS)}")
    return rating


def history(s: Session, claim_id: str) -> list[dict]:
    """Every action on a claim, oldest first, with who and when."""
    rows = s.execute(select(DecisionEvent, Editor.username).outerjoin(Editor, Editor.id == DecisionEvent.editor_id)
                     .where(DecisionEvent.claim_id == claim_id).order_by(DecisionEvent.id)).all()
    return [{"action": e.action, "editor": name or "system", "at": e.created_at.isoformat(timespec="seconds"),
             "reason": e.reason, "edited_wording": e.edited_wording, "note": e.note,
             "reference_entry": e.reference_entry, "correction": e.correction, "rating": e.rating,
             "version": e.version,
             "verdict": e.verdict_key.split("|")[0]} for e, name in rows]


@dataclass
class ReviewDB:
    """An open review database (engine + session factory)."""

    url: str

    def __post_init__(self) -> None:
        self.url = db_url(self.url)
        self.engine = open_engine(self.url)
        self.Session = session_factory(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def today() -> str:
    return dt.date.today().isoformat()
