"""Review database: SQLAlchemy 2.0 models, engine creation and Alembic migrations.

The schema is created and upgraded only by the Alembic migrations shipped in
``pipeline/review/migrations`` (:func:`migrate` is ``alembic upgrade head``); the models here
must match the latest migration (a test compares them).

Example:
    >>> import tempfile, pathlib
    >>> url = db_url(pathlib.Path(tempfile.mkdtemp()) / "review.sqlite3")
    >>> engine = open_engine(url)  # creates the file and upgrades the schema
    >>> sorted(t for t in Base.metadata.tables)[:3]
    ['app_settings', 'articles', 'claims']
"""
from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import (JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, create_engine,
                        event)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from ..errors import DatabaseError

DEFAULT_DB = "overclaim-review.sqlite3"


def utcnow() -> dt.datetime:
    """Timezone-aware current UTC time (stored as naive UTC for SQLite/PostgreSQL parity)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Editor(Base):
    __tablename__ = "editors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # Set by ``overclaim editors remove`` when the account named decisions (kept so history names them).
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class EditorSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored. Sign-out,
    a password change, disabling or removing the editor revoke sessions."""

    __tablename__ = "editor_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie token
    editor_id: Mapped[int] = mapped_column(ForeignKey("editors.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    client: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class SignInEvent(Base):
    """Every sign-in attempt: who (the name typed), from where, when and how it ended."""

    __tablename__ = "sign_in_events"
    __table_args__ = (Index("ix_sign_in_events_username_at", "username", "at"),
                      Index("ix_sign_in_events_client_at", "client", "at"),
                      Index("ix_sign_in_events_editor_id_at", "editor_id", "at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("editors.id", ondelete="CASCADE"))
    client: Mapped[str] = mapped_column(String(64), nullable=False)
    # ok | wrong_password | unknown_user | disabled (these three count as failures) | locked | busy
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="running")  # running|complete|aborted
    label: Mapped[str | None] = mapped_column(String(255))
    overlays: Mapped[Any] = mapped_column(JSON, nullable=False, default=list)
    n_articles: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    n_claims: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    n_flagged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    n_errors: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    n_changed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # claims whose verdict changed


class Article(Base):
    """One article (by its audit id); text and metadata from its latest audit."""

    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(1000), unique=True, nullable=False)  # the audit's article id
    title: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    date: Mapped[str | None] = mapped_column(String(64))
    author: Mapped[str | None] = mapped_column(Text)  # from the article's metadata, when known
    source: Mapped[str | None] = mapped_column(Text)  # file path it came from
    site: Mapped[str | None] = mapped_column(String(255), index=True)  # host of the url, else None
    text: Mapped[str] = mapped_column(Text, nullable=False)
    findings: Mapped[Any] = mapped_column(JSON, nullable=False, default=list)
    boilerplate: Mapped[Any] = mapped_column(JSON, nullable=False, default=list)
    n_claims: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    n_flagged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    first_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), nullable=False)
    last_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), nullable=False, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class RunArticle(Base):
    """Which articles a run audited, with that run's counts."""

    __tablename__ = "run_articles"
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    n_claims: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    n_flagged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    counts: Mapped[Any] = mapped_column(JSON, nullable=False, default=dict)


class RunError(Base):
    """An input that could not be read or audited in a run."""

    __tablename__ = "run_errors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True)
    path: Mapped[str | None] = mapped_column(Text)
    row: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(16), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)


class Claim(Base):
    """A claim by its stable id, with the verdict of the latest audit that saw it."""

    __tablename__ = "claims"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # stable claim id
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True)
    sentence: Mapped[str] = mapped_column(Text, nullable=False)
    start: Mapped[int] = mapped_column(Integer, nullable=False)
    end: Mapped[int] = mapped_column(Integer, nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    subtype: Mapped[str | None] = mapped_column(String(64))
    drug_id: Mapped[str | None] = mapped_column(String(255), index=True)
    drug_name: Mapped[str | None] = mapped_column(String(255))
    condition_id: Mapped[str | None] = mapped_column(String(255), index=True)
    condition_name: Mapped[str | None] = mapped_column(String(255))
    verdict: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    flagged: Mapped[bool] = mapped_column(Boolean, nullable=False, index=True)
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")
    suggestion: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[Any] = mapped_column(JSON, nullable=False, default=list)
    record: Mapped[Any] = mapped_column(JSON, nullable=False, default=dict)  # the full claims.jsonl record
    verdict_key: Mapped[str] = mapped_column(String(255), nullable=False)  # what "verdict changed" compares
    present: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)  # in the article's latest audit
    first_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), nullable=False)
    last_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), nullable=False)
    verdict_changed_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))


class Decision(Base):
    """The current editorial decision on a claim (one row per claim; ``version`` for optimistic
    concurrency: every change must name the version it read)."""

    __tablename__ = "decisions"
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str | None] = mapped_column(String(16), index=True)  # confirmed | dismissed | None
    reason: Mapped[str | None] = mapped_column(Text)
    edited_wording: Mapped[str | None] = mapped_column(Text)
    editor_id: Mapped[int] = mapped_column(ForeignKey("editors.id"), nullable=False)  # who acted last
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    verdict_key: Mapped[str] = mapped_column(String(255), nullable=False)  # the claim's verdict when decided
    stale: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # Who confirmed or dismissed, and when (edits and notes do not change them): the reviewing editor.
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("editors.id", name="fk_decisions_decided_by_id_editors"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    rating: Mapped[str | None] = mapped_column(String(32))  # a rating the editor chose (export.RATINGS)


class DecisionEvent(Base):
    """Append-only history of every editor action on a claim."""

    __tablename__ = "decision_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), nullable=False, index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("editors.id"))  # None: the system (re-audit)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    edited_wording: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    reference_entry: Mapped[str | None] = mapped_column(String(255))
    correction: Mapped[Any | None] = mapped_column(JSON)
    rating: Mapped[str | None] = mapped_column(String(32))
    verdict_key: Mapped[str] = mapped_column(String(255), nullable=False)
    version: Mapped[int | None] = mapped_column(Integer)  # decision version after the action
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class AppSetting(Base):
    __tablename__ = "app_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


# ---------------------------------------------------------------------------------------------

def db_url(value: str | Path | None) -> str:
    """Turn ``--db`` into an SQLAlchemy URL: a URL is kept (``postgresql://`` uses psycopg 3), a
    plain path becomes an SQLite file URL.

    Example:
        >>> db_url("reviews.sqlite3")
        'sqlite:///reviews.sqlite3'
        >>> db_url("postgresql://u@127.0.0.1/db")
        'postgresql+psycopg://u@127.0.0.1/db'
    """
    v = str(value or DEFAULT_DB)
    if "://" not in v:
        return f"sqlite:///{v}"
    for prefix in ("postgresql://", "postgres://"):
        if v.startswith(prefix):
            return "postgresql+psycopg://" + v[len(prefix):]
    return v


def safe_url(url: str) -> str:
    """The URL with any password hidden (for messages and summaries)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # pragma: no cover - not a URL
        return "<db>"


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest migration (``alembic upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "pipeline.review:migrations")
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


_LOCK = threading.Lock()


def open_engine(url: str, *, upgrade: bool = True) -> Engine:
    """Create an engine for ``url`` (SQLite: WAL, foreign keys, a busy timeout) and, by default,
    upgrade its schema.

    Raises:
        pipeline.errors.DatabaseError: the database cannot be opened (message names it).
    """
    url = db_url(url)
    u = make_url(url)
    kwargs: dict[str, Any] = {"future": True}
    if u.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        if u.database and u.database != ":memory:":
            parent = Path(u.database).expanduser().resolve().parent
            if not parent.is_dir():
                raise DatabaseError(f"{u.database}: folder {parent} does not exist",
                                    hint="create it or give another --db path")
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if u.get_backend_name() == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _rec):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
    if upgrade:
        try:
            with _LOCK:
                migrate(engine)
        except Exception as e:
            engine.dispose()
            raise DatabaseError(f"cannot open review database {safe_url(url)}: {type(e).__name__}: {e}",
                                hint="check the --db URL and that the server is running") from None
    return engine


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False, future=True)


__all__ = ["Base", "Editor", "EditorSession", "SignInEvent", "Run", "Article", "RunArticle", "RunError", "Claim", "Decision", "DecisionEvent",
           "AppSetting", "db_url", "safe_url", "migrate", "open_engine", "session_factory", "utcnow", "DEFAULT_DB"]
