"""Editor accounts: argon2 password hashes (argon2-cffi), CSRF tokens.

Example:
    >>> h = hash_password("correct horse battery staple")
    >>> h.startswith("$argon2id$"), verify_password(h, "correct horse battery staple"), verify_password(h, "x")
    (True, True, False)
"""
from __future__ import annotations

import hmac
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import Editor, utcnow

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


def authenticate(s: Session, username: str, password: str) -> Editor | None:
    """The active editor with this username and password, else None."""
    global _DUMMY
    ed = s.execute(select(Editor).where(Editor.username == username)).scalar_one_or_none()
    if ed is None or not ed.active:
        if _DUMMY is None:
            _DUMMY = hash_password(secrets.token_hex(8))
        verify_password(_DUMMY, password)
        return None
    return ed if verify_password(ed.password_hash, password) else None


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
    s.flush()
    return ed


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
