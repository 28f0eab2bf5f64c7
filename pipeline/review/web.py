"""What every route of the review app shares: templates, the signed-in editor, CSRF, parameter
checks, security headers and the error pages.

The routers (:mod:`.routes_account`, :mod:`.routes_review`, :mod:`.routes_export`) reach it with
:func:`web_of`; :func:`pipeline.review.app.create_app` builds one :class:`Web` per application.

Example:
    >>> safe_next("//evil.example"), safe_next("/articles/3")
    ('/articles', '/articles/3')
"""
from __future__ import annotations

import importlib.resources as resources
import re
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from ..util.urls import link_url
from . import auth, sessions

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
MAX_ID = 2 ** 31 - 1  # ids are 32-bit integers in the database
_DIGITS = re.compile(r"^[0-9]{1,10}$")
CSRF_FAILED = "The form was stale or did not come from this site (CSRF check failed). Reload the page and try again."


class _NeedLogin(Exception):
    pass


class _Forbidden(Exception):
    pass


class _BadParam(ValueError):
    """A query or path parameter that is not a valid value (answered with 400)."""


def pkg_dir(name: str) -> str:
    return str(resources.files("pipeline.review").joinpath(name))


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(pkg_dir("templates")), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["qs"] = lambda d: urlencode({k: v for k, v in d.items() if v not in (None, "")})
    env.filters["link_url"] = link_url
    return env


class Web:
    """The review app's shared state and request helpers (``app.state.web``).

    ``app.state.overlay`` and ``app.state.public_url`` stay the settings the routes read.
    """

    def __init__(self, db, *, guard, session_hours: int, base_overlays: tuple[str, ...] = ()) -> None:
        self.db = db
        self.guard = guard
        self.session_hours = session_hours
        self.base_overlays = tuple(base_overlays)
        self.env = _environment()
        self.templates = Jinja2Templates(env=self.env)

    def csrf(self, request: Request) -> str:
        tok = request.session.get("csrf")
        if not tok:
            tok = auth.new_token()
            request.session["csrf"] = tok
        return tok

    async def check_csrf(self, request: Request) -> dict:
        form = dict(await request.form())
        sent = form.get("csrf_token") or request.headers.get("x-csrf-token")
        if not auth.tokens_match(request.session.get("csrf"), sent):
            raise _Forbidden()
        return form

    def editor(self, request: Request) -> dict:
        """The signed-in editor of this request's server-side session, else sign in first."""
        token = request.session.get("sid")
        if not token:
            raise _NeedLogin()
        with self.db.Session.begin() as s:
            me = sessions.lookup(s, token)
        if me is None:  # signed out, expired, revoked, or the editor was disabled or removed
            request.session.clear()
            raise _NeedLogin()
        return me

    def render(self, request: Request, name: str, ctx: dict, status: int = 200,
               headers: dict | None = None) -> HTMLResponse:
        me = ctx.pop("me", None)
        ctx = {"request": request, "csrf_token": self.csrf(request), "me": me, "overlay": request.app.state.overlay,
               "notice": request.session.pop("notice", None) if me else None, **ctx}
        return self.templates.TemplateResponse(request, name, ctx, status_code=status, headers=headers)

    def error_page(self, request: Request, message: str, status: int) -> HTMLResponse:
        """The plain error page (no session details: also answers before sign-in)."""
        return HTMLResponse(self.env.get_template("error.html.j2").render(message=message, me=None, request=request,
                                                                          csrf_token=""), status_code=status)


def web_of(request: Request) -> Web:
    return request.app.state.web


def install(app: FastAPI, web: Web) -> None:
    """Security headers and the answers to sign-in, CSRF and parameter errors."""

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        resp = await call_next(request)
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        if request.url.path not in ("/login",) and not request.url.path.startswith("/static"):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    @app.exception_handler(_NeedLogin)
    async def _login_redirect(request: Request, exc: _NeedLogin):
        if wants_json(request):
            return JSONResponse({"error": "sign in first"}, status_code=401)
        nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': nxt})}", status_code=303)

    @app.exception_handler(_BadParam)
    async def _bad_param(request: Request, exc: _BadParam):
        if wants_json(request):
            return JSONResponse({"error": str(exc)}, status_code=400)
        return web.error_page(request, str(exc), 400)

    @app.exception_handler(_Forbidden)
    async def _forbidden(request: Request, exc: Exception):
        if wants_json(request):
            return JSONResponse({"error": CSRF_FAILED}, status_code=403)
        return web.error_page(request, CSRF_FAILED, 403)


def id_param(value: str | None, name: str) -> int | None:
    """A database id from a parameter: None when empty; :class:`_BadParam` when it is not a whole
    number from 1 to :data:`MAX_ID` (a larger one would overflow the database's integer)."""
    v = str(value if value is not None else "").strip()
    if not v:
        return None
    if not _DIGITS.match(v) or not 1 <= int(v) <= MAX_ID:
        raise _BadParam(f"{name} must be a whole number from 1 to {MAX_ID}, not {v[:40]!r}")
    return int(v)


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def client(request: Request) -> str:
    """The client's address (the TCP peer; behind a proxy, ``serve --proxy`` makes it the forwarded one)."""
    return request.client.host if request.client else "?"


def version(value) -> int:
    """The decision version a form names (-1 when it is not a small whole number: a conflict)."""
    v = str(value if value is not None else "0").strip() or "0"
    return int(v) if _DIGITS.match(v) and int(v) <= MAX_ID else -1


def safe_next(nxt: str) -> str:
    """Only local paths (no open redirect)."""
    if not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt:
        return "/articles"
    return nxt

