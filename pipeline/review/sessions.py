"""Server-side sessions of the review app.

The signed session cookie carries a random token; the database keeps only its SHA-256 with the
editor, the expiry and whether it was revoked. Every request looks the token up, so signing out,
a password change, or disabling or removing the editor ends every copy of the cookie at once.

Example:
    >>> import tempfile, pathlib
    >>> from pipeline.review.store import ReviewDB
    >>> from pipeline.review.auth import add_editor
    >>> rdb = ReviewDB(str(pathlib.Path(tempfile.mkdtemp()) / "r.sqlite3"))
    >>> with rdb.Session.begin() as s:
    ...     ed = add_editor(s, "ana", "ana-password-1")
    ...     token = create(s, ed.id, hours=12)
    ...     lookup(s, token)["username"]
    'ana'
    >>> with rdb.Session.begin() as s:
    ...     revoke(s, token, "signed out")
    ...     lookup(s, token) is None
    True
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from .db import Editor, EditorSession, utcnow

TOUCH_EVERY = dt.timedelta(seconds=60)  # how often last_seen_at is refreshed (not on every request)
KEEP_ENDED = dt.timedelta(days=30)  # ended sessions are deleted this long after they expired


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(s: Session, editor_id: int, *, hours: float, client: str | None = None,
           user_agent: str | None = None) -> str:
    """Start a session for ``editor_id`` lasting ``hours``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    s.execute(delete(EditorSession).where(EditorSession.expires_at < now - KEEP_ENDED))
    s.add(EditorSession(id=_key(token), editor_id=editor_id, created_at=now, last_seen_at=now,
                        expires_at=now + dt.timedelta(hours=hours), client=(client or "")[:64] or None,
                        user_agent=(user_agent or "")[:255] or None))
    s.flush()
    return token


def lookup(s: Session, token: str | None) -> dict | None:
    """The signed-in editor (``{"id", "username", "session"}``) for a cookie token, or None when
    the session is unknown, expired, revoked, or its editor is disabled or removed."""
    if not token or not isinstance(token, str) or len(token) > 128:
        return None
    row = s.get(EditorSession, _key(token))
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    ed = s.get(Editor, row.editor_id)
    if ed is None or not ed.active or ed.removed_at is not None:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    return {"id": ed.id, "username": ed.username, "session": row.id}


def revoke(s: Session, token: str | None, reason: str) -> None:
    """End one session (sign-out)."""
    if token and isinstance(token, str):
        s.execute(update(EditorSession).where(EditorSession.id == _key(token), EditorSession.revoked_at.is_(None))
                  .values(revoked_at=utcnow(), revoked_reason=reason[:32]))


def revoke_all(s: Session, editor_id: int, reason: str) -> int:
    """End every open session of an editor (password change, disabled, removed); returns how many."""
    res = s.execute(update(EditorSession)
                    .where(EditorSession.editor_id == editor_id, EditorSession.revoked_at.is_(None))
                    .values(revoked_at=utcnow(), revoked_reason=reason[:32]))
    return res.rowcount or 0
