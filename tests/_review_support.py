"""Shared helpers of the review tests: a fresh database (SQLite in tmp_path, or the PostgreSQL
database named by ``OVERCLAIM_TEST_DB_URL``, emptied first) and sign-in helpers."""
from __future__ import annotations

import os
import re
from pathlib import Path

ENV_URL = "OVERCLAIM_TEST_DB_URL"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def fresh_db_url(tmp_path: Path) -> str:
    """A database URL with no tables: PostgreSQL from the environment (its public schema is
    dropped and re-created) or a new SQLite file."""
    url = os.environ.get(ENV_URL)
    if not url:
        return f"sqlite:///{tmp_path / 'review.sqlite3'}"
    from sqlalchemy import create_engine, text

    from pipeline.review.db import db_url

    url = db_url(url)
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    eng.dispose()
    return url


def add_editor(url: str, name: str, password: str) -> None:
    from pipeline.review.auth import add_editor as _add
    from pipeline.review.store import ReviewDB

    rdb = ReviewDB(url)
    with rdb.Session.begin() as s:
        _add(s, name, password)
    rdb.dispose()


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def sign_in(client, name: str, password: str):
    r = client.get("/login")
    tok = csrf_of(r.text)
    return client.post("/login", data={"username": name, "password": password, "csrf_token": tok,
                                       "next": "/articles"}, follow_redirects=False)


def seed_article(data_dir: Path | None, prefix: str = "000"):
    """The seed article whose file name starts with ``prefix`` (None when seeds are absent)."""
    if data_dir is None or not (data_dir / "seeds").is_dir():
        return None
    from pipeline.ingest.reader import iter_articles

    for art in iter_articles([data_dir / "seeds"]):
        if not isinstance(art, Exception) and art.id.startswith(prefix):
            return art
    return None
