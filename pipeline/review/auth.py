"""Editor accounts: argon2 password hashes (argon2-cffi), disabling and removing accounts, CSRF tokens.

Example:
    >>> h = hash_password("correct horse battery staple")
    >>> h.startswith("$argon2id$"), verify_password(h, "correct horse battery staple"), verify_password(h, "x")
    (True, True, False)
"""
from __future__ import annotations

import hmac
import re
import secrets

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.orm import Session

from . import sessions
from .db import Decision, DecisionEvent, Editor, EditorSession, SignInEvent, utcnow

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD = 8


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher().hash(password)


def verify_password(hashed: str, password: str) -> bool:
    """True when ``password`` matches ``hashed`` (never raises on a mismatch or a bad hash)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return _hasher().verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A hash to verify against when the user does not exist, so timing does not reveal usernames.
_DUMMY: str | None = None


def check_password(s: Session, username: str, password: str) -> tuple[Editor | None, str]:
    """Check a sign-in: ``(editor, "ok")``, or ``(editor or None, why)`` with why one of
    ``wrong_password``, ``unknown_user``, ``disabled``. An unknown or disabled account costs the
    same argon2 check, so timing does not reveal which usernames exist."""
    global _DUMMY
    ed = s.execute(select(Editor).where(Editor.username == username)).scalar_one_or_none()
    if ed is None or not ed.active or ed.removed_at is not None:
        if _DUMMY is None:
            _DUMMY = hash_password(secrets.token_hex(8))
        verify_password(_DUMMY, password)
        return ed, "unknown_user" if ed is None else "disabled"
    return (ed, "ok") if verify_password(ed.password_hash, password) else (ed, "wrong_password")


def add_editor(s: Session, username: str, password: str, *, update: bool = False) -> Editor:
    """Create an editor account (or, with ``update``, reset an existing one's password).

    Raises:
        ValueError: bad username, short password, or the editor exists (without ``update``).
    """
    if not USERNAME_RE.match(username or ""):
        raise ValueError("username: 2-64 letters, digits or _ . @ -")
    if len(password or "") < MIN_PASSWORD:
        raise ValueError(f"password must have at least {MIN_PASSWORD} characters")
    ed = s.execute(select(Editor).where(Editor.username == username)).scalar_one_or_none()
    if ed is not None and not update:
        raise ValueError(f"editor {username!r} exists (use --update to reset the password)")
    if ed is None:
        ed = Editor(username=username, password_hash=hash_password(password), active=True, created_at=utcnow())
        s.add(ed)
    else:
        ed.password_hash = hash_password(password)
        ed.active = True
        ed.removed_at = None
        sessions.revoke_all(s, ed.id, "password changed")
    s.flush()
    return ed


def _named(s: Session, username: str) -> Editor:
    ed = s.execute(select(Editor).where(Editor.username == username)).scalar_one_or_none()
    if ed is None:
        raise ValueError(f"no editor {username!r} (see `overclaim editors list`)")
    return ed


def set_active(s: Session, username: str, active: bool) -> Editor:
    """Enable or disable an account; disabling ends all its sessions at once.

    Raises:
        ValueError: no such editor, or it was removed (add it again with ``editors add --update``).
    """
    ed = _named(s, username)
    if ed.removed_at is not None:
        raise ValueError(f"editor {username!r} was removed; give it a new password with "
                         f"`overclaim editors add {username} --update` to use it again")
    ed.active = active
    if not active:
        sessions.revoke_all(s, ed.id, "editor disabled")
    s.flush()
    return ed


def remove_editor(s: Session, username: str) -> str:
    """Remove an account: it can no longer sign in and its sessions end.

    An editor who never acted on a claim is deleted with its sessions and sign-in records. One
    whose name is on decisions or their history is kept as *removed* (no password, cannot sign in)
    so the history still says who decided; returns ``"deleted"`` or ``"kept"``.
    """
    ed = _named(s, username)
    sessions.revoke_all(s, ed.id, "editor removed")
    acted = s.execute(select(or_(
        exists().where(Decision.editor_id == ed.id), exists().where(Decision.decided_by_id == ed.id),
        exists().where(DecisionEvent.editor_id == ed.id)))).scalar()
    if not acted:
        s.execute(delete(EditorSession).where(EditorSession.editor_id == ed.id))
        s.execute(delete(SignInEvent).where(SignInEvent.editor_id == ed.id))
        s.delete(ed)
        s.flush()
        return "deleted"
    ed.active = False
    ed.removed_at = utcnow()
    ed.password_hash = "!removed"  # matches no password
    s.flush()
    return "kept"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
