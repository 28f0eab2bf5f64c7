"""The editor review web app (FastAPI, server-rendered Jinja2 templates, no front-end build).

Start it with ``overclaim serve --db URL`` or build it in code:

Example:
    >>> import tempfile, pathlib
    >>> app = create_app(str(pathlib.Path(tempfile.mkdtemp()) / "r.sqlite3"))
    >>> app.url_path_for("export_csv"), app.url_path_for("export_claimreview")
    ('/export/decisions.csv', '/export/claimreview.jsonld')

Security: every page escapes article text (Jinja2 autoescape; no ``|safe`` on data), every POST
carries a per-session CSRF token, the session cookie is signed, HttpOnly and SameSite=Lax and names
a server-side session (:mod:`.sessions`) that sign-out and account changes revoke, sign-ins are
throttled (:mod:`.signin`), only http(s) URLs become links (:func:`pipeline.report.html.link_url`),
and a Content-Security-Policy forbids inline scripts.

The routes are FastAPI routers, one module each: :mod:`.routes_account` (sign in and out),
:mod:`.routes_review` (lists, the article page, decisions) and :mod:`.routes_export`; what they
share (templates, the signed-in editor, CSRF, error pages, security headers) is in :mod:`.web`.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from ..util.urls import link_url
from . import routes_account, routes_export, routes_review, store
from .db import AppSetting
from .signin import SignInGuard, SignInPolicy
from .web import Web, install, pkg_dir
from ..reference import load_reference

ROUTERS = (routes_account.router, routes_review.router, routes_export.router)


def _secret(db: store.ReviewDB) -> str:
    env = os.environ.get("OVERCLAIM_SECRET_KEY")
    if env:
        return env
    with db.Session.begin() as s:
        row = s.get(AppSetting, "session_secret")
        if row is None:
            row = AppSetting(key="session_secret", value=secrets.token_urlsafe(48))
            s.add(row)
        return row.value


def check_public_url(url: str | None) -> str | None:
    """The public base URL of published ClaimReviews (None when not configured).

    Raises:
        ValueError: not an absolute http(s) URL.
    """
    if url in (None, ""):
        return None
    if link_url(str(url).replace("{claim_id}", "x")) is None:
        raise ValueError(f"--public-url {url!r}: give an absolute http(s) URL, e.g. https://factcheck.example.org")
    return str(url)


def check_overlays(overlay: str | Path | None, base_overlays: tuple[str, ...] = ()) -> None:
    """Load the overlays ``serve`` uses (the editor overlay when it exists) on top of the
    reference, so an invalid one stops the server before it starts.

    Raises:
        pipeline.errors.ReferenceDataError: every problem, naming file, entry and field.
    """
    paths = [*base_overlays, *([str(overlay)] if overlay and Path(overlay).exists() else [])]
    if paths:
        load_reference(paths, use_cache=False)


def create_app(db_url: str, *, overlay: str | Path | None = None, base_overlays: tuple[str, ...] = (),
               secure_cookies: bool = False, session_hours: int = 12, public_url: str | None = None,
               signin_policy: SignInPolicy | None = None) -> FastAPI:
    """Build the review app over the database at ``db_url`` (schema upgraded on start).

    Args:
        db_url: SQLAlchemy URL or SQLite file path.
        overlay: the editor overlay YAML that "mark reference entry wrong" writes to (the next
            ``overclaim audit --overlay PATH`` uses it); None disables that action.
        base_overlays: other overlays audits use (loaded under ``overlay`` when correcting).
        secure_cookies: mark the session cookie Secure (behind HTTPS).
        session_hours: how long a sign-in lasts.
        public_url: the public base URL of published ClaimReviews (``serve --public-url``); the
            export never uses the request's Host header, and leaves ``url`` out without it.
        signin_policy: sign-in throttling limits (default :class:`~.signin.SignInPolicy`).

    Returns:
        A FastAPI application.

    Raises:
        pipeline.errors.ReferenceDataError: an overlay is invalid (every error, one per line).
        ValueError: ``public_url`` is not an http(s) URL.
    """
    public_url = check_public_url(public_url)
    check_overlays(overlay, base_overlays)
    db = store.ReviewDB(db_url)
    app = FastAPI(title="Overclaim review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.db = db
    app.state.overlay = str(overlay) if overlay else None
    app.state.public_url = public_url
    app.state.signin = guard = SignInGuard(db, signin_policy)
    app.state.web = web = Web(db, guard=guard, session_hours=session_hours, base_overlays=tuple(base_overlays))
    app.mount("/static", StaticFiles(directory=pkg_dir("static")), name="static")
    app.add_middleware(SessionMiddleware, secret_key=_secret(db), session_cookie="overclaim_session",
                       max_age=session_hours * 3600, same_site="lax", https_only=secure_cookies)
    install(app, web)
    for router in ROUTERS:
        app.include_router(router)
    return app
