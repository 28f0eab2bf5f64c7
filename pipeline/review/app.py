"""The editor review web app (FastAPI, server-rendered Jinja2 templates, no front-end build).

Start it with ``overclaim serve --db URL`` or build it in code:

Example:
    >>> import tempfile, pathlib
    >>> app = create_app(str(pathlib.Path(tempfile.mkdtemp()) / "r.sqlite3"))
    >>> sorted(r.path for r in app.routes if getattr(r, "path", "").startswith("/export"))
    ['/export/claimreview.jsonld', '/export/decisions.csv']

Security: every page escapes article text (Jinja2 autoescape; no ``|safe`` on data), every POST
carries a per-session CSRF token, the session cookie is signed, HttpOnly and SameSite=Lax and names
a server-side session (:mod:`.sessions`) that sign-out and account changes revoke, sign-ins are
throttled (:mod:`.signin`), only http(s) URLs become links (:func:`pipeline.report.html.link_url`),
and a Content-Security-Policy forbids inline scripts.
"""
from __future__ import annotations

import asyncio
import importlib.resources as resources
import os
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from jinja2 import Environment, FileSystemLoader
from sqlalchemy import and_, case, distinct, func, select
from starlette.middleware.sessions import SessionMiddleware

from ..report.html import link_url
from . import auth, export, sessions, store
from .db import AppSetting, Article, Claim, Decision, Run, RunArticle, RunError
from .overlay import CORRECTABLE, choices, table_of, write_correction
from .signin import SignInGuard, SignInPolicy

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "none": 3}
VERDICTS = ("supported", "contradicted", "overstated", "unsupported", "unverifiable")
SEVERITIES = ("high", "medium", "low", "none")
REVIEW_STATUSES = ("pending", "confirmed", "dismissed", "stale", "edited")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def _pkg_dir(name: str) -> str:
    return str(resources.files("pipeline.review").joinpath(name))


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


class _NeedLogin(Exception):
    pass


class _Forbidden(Exception):
    pass


class _BadParam(ValueError):
    """A query or path parameter that is not a valid value (answered with 400)."""


MAX_ID = 2 ** 31 - 1  # ids are 32-bit integers in the database
_DIGITS = re.compile(r"^[0-9]{1,10}$")


def _id_param(value: str | None, name: str) -> int | None:
    """A database id from a parameter: None when empty; :class:`_BadParam` when it is not a whole
    number from 1 to :data:`MAX_ID` (a larger one would overflow the database's integer)."""
    v = str(value if value is not None else "").strip()
    if not v:
        return None
    if not _DIGITS.match(v) or not 1 <= int(v) <= MAX_ID:
        raise _BadParam(f"{name} must be a whole number from 1 to {MAX_ID}, not {v[:40]!r}")
    return int(v)


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
        from ..reference import load_reference

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
    env = Environment(loader=FileSystemLoader(_pkg_dir("templates")), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["qs"] = lambda d: urlencode({k: v for k, v in d.items() if v not in (None, "")})
    env.filters["link_url"] = link_url
    templates = Jinja2Templates(env=env)
    app.mount("/static", StaticFiles(directory=_pkg_dir("static")), name="static")
    app.add_middleware(SessionMiddleware, secret_key=_secret(db), session_cookie="overclaim_session",
                       max_age=session_hours * 3600, same_site="lax", https_only=secure_cookies)

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
        if _wants_json(request):
            return JSONResponse({"error": "sign in first"}, status_code=401)
        nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': nxt})}", status_code=303)

    @app.exception_handler(_BadParam)
    async def _bad_param(request: Request, exc: _BadParam):
        if _wants_json(request):
            return JSONResponse({"error": str(exc)}, status_code=400)
        return HTMLResponse(env.get_template("error.html.j2").render(message=str(exc), me=None, request=request,
                                                                     csrf_token=""), status_code=400)

    # -- helpers -----------------------------------------------------------------------------
    def csrf(request: Request) -> str:
        tok = request.session.get("csrf")
        if not tok:
            tok = auth.new_token()
            request.session["csrf"] = tok
        return tok

    async def check_csrf(request: Request) -> dict:
        form = dict(await request.form())
        sent = form.get("csrf_token") or request.headers.get("x-csrf-token")
        if not auth.tokens_match(request.session.get("csrf"), sent):
            raise _Forbidden()
        return form

    def editor(request: Request) -> dict:
        """The signed-in editor of this request's server-side session, else sign in first."""
        token = request.session.get("sid")
        if not token:
            raise _NeedLogin()
        with db.Session.begin() as s:
            me = sessions.lookup(s, token)
        if me is None:  # signed out, expired, revoked, or the editor was disabled or removed
            request.session.clear()
            raise _NeedLogin()
        return me

    def render(request: Request, name: str, ctx: dict, status: int = 200,
               headers: dict | None = None) -> HTMLResponse:
        me = ctx.pop("me", None)
        ctx = {"request": request, "csrf_token": csrf(request), "me": me, "overlay": app.state.overlay,
               "notice": request.session.pop("notice", None) if me else None, **ctx}
        return templates.TemplateResponse(request, name, ctx, status_code=status, headers=headers)

    @app.exception_handler(_Forbidden)
    async def _forbidden(request: Request, exc: Exception):
        msg = "The form was stale or did not come from this site (CSRF check failed). Reload the page and try again."
        if _wants_json(request):
            return JSONResponse({"error": msg}, status_code=403)
        return HTMLResponse(env.get_template("error.html.j2").render(message=msg, me=None, request=request,
                                                                     csrf_token=""), status_code=403)

    # -- sign in -----------------------------------------------------------------------------
    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/articles"):
        return render(request, "login.html.j2", {"next": _safe_next(next), "error": None})

    @app.post("/login")
    async def login(request: Request):
        form = await check_csrf(request)
        username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
        nxt = _safe_next(str(form.get("next", "/articles")))
        res = await guard.sign_in(username, password, _client(request))
        if res.status != "ok":
            await _backoff(res.delay)
            return _refused(request, res, nxt)
        old = request.session.get("sid")
        if old:  # signing in again ends the session this browser had
            await run_in_threadpool(_end_session, old, "replaced")
        token = await run_in_threadpool(_start_session, res.editor_id, request)
        request.session.clear()  # a new session on sign-in (no fixation)
        request.session.update(sid=token, csrf=auth.new_token(), notice=res.notice)
        return RedirectResponse(nxt, status_code=303)

    def _start_session(editor_id: int, request: Request) -> str:
        with db.Session.begin() as s:
            return sessions.create(s, editor_id, hours=session_hours, client=_client(request),
                                   user_agent=request.headers.get("user-agent"))

    def _refused(request: Request, res, nxt: str):
        status = {"locked": 429, "busy": 503}.get(res.status, 401)
        headers = {"Retry-After": str(res.retry_after)} if res.retry_after else None
        if _wants_json(request):
            return JSONResponse({"error": res.message}, status_code=status, headers=headers)
        return render(request, "login.html.j2", {"next": nxt, "error": res.message, "locked": res.status == "locked"},
                      status, headers)

    @app.post("/logout")
    async def logout(request: Request):
        await check_csrf(request)
        token = request.session.get("sid")
        if token:
            await run_in_threadpool(_end_session, token)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    def _end_session(token: str, reason: str = "signed out") -> None:
        with db.Session.begin() as s:
            sessions.revoke(s, token, reason)

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    # -- lists -------------------------------------------------------------------------------
    @app.get("/")
    def index(request: Request):
        editor(request)
        return RedirectResponse("/articles", status_code=303)

    @app.get("/runs", response_class=HTMLResponse)
    def runs(request: Request):
        me = editor(request)
        with db.Session() as s:
            rows = s.execute(select(Run).order_by(Run.id.desc()).limit(500)).scalars().all()
            errors = {rid: n for rid, n in s.execute(select(RunError.run_id, func.count()).group_by(RunError.run_id))}
            reviewed = dict(s.execute(
                select(RunArticle.run_id, func.count(distinct(Decision.claim_id)))
                .join(Claim, Claim.article_id == RunArticle.article_id)
                .join(Decision, and_(Decision.claim_id == Claim.id, Decision.status.is_not(None)))
                .group_by(RunArticle.run_id)).all())
        return render(request, "runs.html.j2", {"me": me, "runs": rows, "errors": errors, "reviewed": reviewed})

    @app.get("/articles", response_class=HTMLResponse)
    def articles(request: Request, run: str = "", verdict: str = "", severity: str = "", drug: str = "",
                 condition: str = "", status: str = "", site: str = "", flagged: str = ""):
        me = editor(request)
        f = {"run": run, "verdict": verdict, "severity": severity, "drug": drug, "condition": condition,
             "status": status, "site": site, "flagged": flagged}
        with db.Session() as s:
            rows, opts = _article_rows(s, f)
        return render(request, "articles.html.j2", {"me": me, "rows": rows, "f": f, "opts": opts,
                                                    "verdicts": VERDICTS, "severities": SEVERITIES,
                                                    "statuses": REVIEW_STATUSES})

    # -- article and claim panel -------------------------------------------------------------
    def article_page(request: Request, aid: int, me: dict, *, claim: str | None, show: str,
                     message: str | None = None, conflict: dict | None = None, status: int = 200,
                     form_error: str | None = None):
        message = message or request.session.pop("flash", None)
        with db.Session() as s:
            art = s.get(Article, aid)
            if art is None:
                return render(request, "error.html.j2", {"me": me, "message": "No such article."}, 404)
            claims = s.execute(select(Claim).where(Claim.article_id == aid, Claim.present.is_(True))
                               .order_by(Claim.start, Claim.id)).scalars().all()
            decs = {d.claim_id: store.decision_dict(s, d) for d in s.execute(
                select(Decision).where(Decision.claim_id.in_([c.id for c in claims]))).scalars()}
            listed = [c for c in claims if show == "all" or c.flagged or c.id in decs]
            sel = next((c for c in claims if c.id == claim), None) or (listed[0] if listed else None)
            hist = store.history(s, sel.id) if sel else []
            runs_of = [r for r, in s.execute(select(RunArticle.run_id).where(RunArticle.article_id == aid)
                                             .order_by(RunArticle.run_id))]
        segments = _segments(art.text, claims, listed, sel.id if sel else None)
        idx = next((i for i, c in enumerate(listed) if sel and c.id == sel.id), -1)
        nxt = next((c.id for c in listed[idx + 1:] if c.flagged and not (decs.get(c.id) or {}).get("status")), None)
        ref_entries = [e for e in (sel.evidence if sel else []) if e.get("entry_id", "").split(":", 1)[0]
                       in ("approval", "evidence", "label")]
        return render(request, "article.html.j2", {
            "me": me, "art": art, "claims": listed, "all_count": len(claims), "decs": decs, "sel": sel,
            "hist": hist, "segments": segments, "show": show, "next_id": nxt, "message": message,
            "conflict": conflict, "form_error": form_error, "runs_of": runs_of, "ref_entries": ref_entries,
            "correctable": CORRECTABLE, "choices": choices(), "ratings": export.RATINGS,
            "verdict_rating": export.VERDICT_RATING,
            "prev_id": listed[idx - 1].id if idx > 0 else None,
            "following_id": listed[idx + 1].id if 0 <= idx < len(listed) - 1 else None}, status)

    @app.get("/articles/{aid}", response_class=HTMLResponse)
    def article(request: Request, aid: str, claim: str | None = None, show: str = "flagged"):
        me = editor(request)
        try:
            num = _id_param(aid, "the article id")
        except _BadParam:
            num = None
        if num is None:
            return render(request, "error.html.j2", {"me": me, "message": "No such article."}, 404)
        return article_page(request, num, me, claim=claim, show="all" if show == "all" else "flagged")

    @app.get("/claims/{cid}")
    def claim_view(request: Request, cid: str):
        me = editor(request)
        with db.Session() as s:
            c = s.get(Claim, cid)
            if c is None:
                return render(request, "error.html.j2", {"me": me, "message": "No such claim."}, 404)
            if _wants_json(request):
                return JSONResponse({"claim": c.record, "present": c.present,
                                     "decision": store.decision_dict(s, s.get(Decision, cid)),
                                     "history": store.history(s, cid)})
            show = "flagged" if c.flagged else "all"
            return RedirectResponse(f"/articles/{c.article_id}?{urlencode({'claim': cid, 'show': show})}#c-{cid}",
                                    status_code=303)

    def correct_reference(s, c: Claim, me: dict, version: int, form: dict) -> tuple[dict | None, str]:
        """Write an editor's correction of a reference entry to the overlay (ValueError, never a
        500, when the form or the overlay is wrong) and record it in the claim's history."""
        entry_id, field, value = (str(form.get(k, "")).strip() for k in ("entry_id", "field", "value"))
        reason = str(form.get("reason", "")).strip()
        if not app.state.overlay:
            raise ValueError("no editor overlay configured: start the server with --overlay PATH")
        if entry_id not in {e.get("entry_id") for e in c.evidence}:
            raise ValueError("that reference entry is not among this claim's evidence")
        if not reason:
            raise ValueError("say what is wrong with the entry")
        if field not in CORRECTABLE[table_of(entry_id)]:
            raise ValueError(f"{field or 'the field'} cannot be corrected on {entry_id}")
        written = write_correction(app.state.overlay, entry_id, {field: value}, reason=reason,
                                   editor=me["username"], claim_id=c.id, base_overlays=tuple(base_overlays))
        cur = store.decide(s, c.id, me["id"], "reference_wrong", version, reason=reason,
                           reference_entry=entry_id, correction={field: written.get(field)})
        return cur, (f"Reference entry {entry_id} corrected in {app.state.overlay}; the next audit with "
                     f"--overlay {app.state.overlay} uses it.")

    @app.post("/claims/{cid}/action")
    async def claim_action(request: Request, cid: str):
        me = editor(request)
        form = await check_csrf(request)
        action = str(form.get("action", ""))
        show = "all" if form.get("show") == "all" else "flagged"
        version = _version(form.get("version"))
        with db.Session() as s:
            c = s.get(Claim, cid)
            if c is None:
                if _wants_json(request):
                    return JSONResponse({"error": f"no claim {cid}"}, status_code=404)
                return render(request, "error.html.j2", {"me": me, "message": "No such claim."}, 404)
            aid = c.article_id
            try:
                if action == "reference_wrong":
                    cur, msg = correct_reference(s, c, me, version, form)
                else:
                    cur = store.decide(s, cid, me["id"], action, version, reason=form.get("reason"),
                                       wording=form.get("wording"), note=form.get("note"),
                                       rating=form.get("rating"))
                    msg = {"confirm": "Flag confirmed.", "dismiss": "Flag dismissed.", "edit": "Wording saved.",
                           "note": "Note added."}.get(action, "Saved.")
                s.commit()
            except store.Conflict as e:
                s.rollback()
                if _wants_json(request):
                    return JSONResponse({"error": str(e), "current": e.current}, status_code=409)
                return article_page(request, aid, me, claim=cid, show=show, conflict=e.current, message=str(e),
                                    status=409)
            except ValueError as e:
                s.rollback()
                if _wants_json(request):
                    return JSONResponse({"error": str(e)}, status_code=400)
                return article_page(request, aid, me, claim=cid, show=show, form_error=str(e), status=400)
        if _wants_json(request):
            return JSONResponse({"ok": True, "message": msg, "decision": cur})
        go = cid
        nxt = str(form.get("next", "") or "")
        if action in ("confirm", "dismiss") and nxt:
            go = nxt
        request.session["flash"] = msg
        return RedirectResponse(f"/articles/{aid}?{urlencode({'claim': go, 'show': show})}#c-{go}", status_code=303)

    # -- exports -----------------------------------------------------------------------------
    def _export_rows(request: Request, run: str, article: str, status: str) -> list[dict]:
        editor(request)
        run_id, article_id = _id_param(run, "run"), _id_param(article, "article")
        with db.Session() as s:
            return export.decision_rows(s, run_id=run_id, article_id=article_id, status=status or None)

    @app.get("/export/decisions.csv")
    def export_csv(request: Request, run: str = "", article: str = "", status: str = ""):
        rows = _export_rows(request, run, article, status)
        return Response(export.to_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="overclaim-decisions.csv"'})

    @app.get("/export/claimreview.jsonld")
    def export_claimreview(request: Request, run: str = "", article: str = "", include: str = ""):
        editor(request)
        run_id, article_id = _id_param(run, "run"), _id_param(article, "article")
        with db.Session() as s:  # the public URL is configured: never the request's Host header
            data = export.claim_review_export(s, run_id=run_id, article_id=article_id,
                                              include_dismissed=include == "dismissed", public_url=app.state.public_url)
        return Response(export.to_jsonld(data), media_type="application/ld+json",
                        headers={"Content-Disposition": 'attachment; filename="overclaim-claimreview.jsonld"'})

    return app


# ---------------------------------------------------------------------------------------------


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def _backoff(seconds: float) -> None:
    """Wait before answering a failed sign-in (in the event loop: holds no thread)."""
    if seconds > 0:
        await asyncio.sleep(seconds)


def _client(request: Request) -> str:
    """The client's address (the TCP peer; behind a proxy, ``serve --proxy`` makes it the forwarded one)."""
    return request.client.host if request.client else "?"


def _version(value) -> int:
    """The decision version a form names (-1 when it is not a small whole number: a conflict)."""
    v = str(value if value is not None else "0").strip() or "0"
    return int(v) if _DIGITS.match(v) and int(v) <= MAX_ID else -1


def _safe_next(nxt: str) -> str:
    """Only local paths (no open redirect)."""
    if not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt:
        return "/articles"
    return nxt


def _claim_filters(f: dict) -> list:
    conds: list[Any] = [Claim.present.is_(True)]
    if f["verdict"] in VERDICTS:
        conds.append(Claim.verdict == f["verdict"])
    if f["severity"] in SEVERITIES:
        conds.append(Claim.severity == f["severity"])
    if f["drug"]:
        conds.append(Claim.drug_id == f["drug"])
    if f["condition"]:
        conds.append(Claim.condition_id == f["condition"])
    if f["flagged"] == "yes":
        conds.append(Claim.flagged.is_(True))
    st = f["status"]
    if st == "pending":
        conds += [Claim.flagged.is_(True), Decision.status.is_(None)]
    elif st in ("confirmed", "dismissed"):
        conds.append(Decision.status == st)
    elif st == "stale":
        conds.append(Decision.stale.is_(True))
    elif st == "edited":
        conds.append(Decision.edited_wording.is_not(None))
    return conds


def _article_rows(s, f: dict) -> tuple[list[dict], dict]:
    claim_filter = any(f[k] for k in ("verdict", "severity", "drug", "condition", "status", "flagged"))
    one = lambda cond: func.sum(case((cond, 1), else_=0))  # noqa: E731
    q = (select(Article, func.count(Claim.id), one(Claim.flagged.is_(True)),
                one(and_(Claim.flagged.is_(True), Decision.status.is_not(None))),
                one(Decision.stale.is_(True)),
                one(and_(Claim.flagged.is_(True), Claim.severity == "high")))
         .outerjoin(Claim, and_(Claim.article_id == Article.id, Claim.present.is_(True)))
         .outerjoin(Decision, Decision.claim_id == Claim.id)
         .group_by(Article.id).order_by(Article.id))
    if claim_filter:
        q = q.where(*_claim_filters(f))
    if f["site"]:
        q = q.where(Article.site == f["site"]) if f["site"] != "-" else q.where(Article.site.is_(None))
    rid = _id_param(f["run"], "run")
    if rid is not None:
        q = q.where(Article.id.in_(select(RunArticle.article_id).where(RunArticle.run_id == rid)))
    rows = []
    for art, n, nf, nrev, nstale, nhigh in s.execute(q.limit(1000)).all():
        rows.append({"art": art, "n": n or 0, "flagged": nf or 0, "reviewed": nrev or 0, "stale": nstale or 0,
                     "high": nhigh or 0})
    drugs = s.execute(select(Claim.drug_id, func.min(Claim.drug_name)).where(Claim.drug_id.is_not(None), Claim.present.is_(True))
                      .group_by(Claim.drug_id).order_by(func.min(Claim.drug_name))).all()
    conds = s.execute(select(Claim.condition_id, func.min(Claim.condition_name))
                      .where(Claim.condition_id.is_not(None), Claim.present.is_(True))
                      .group_by(Claim.condition_id).order_by(func.min(Claim.condition_name))).all()
    sites = [x for x, in s.execute(select(distinct(Article.site)).where(Article.site.is_not(None)).order_by(Article.site))]
    run_ids = [x for x, in s.execute(select(Run.id).order_by(Run.id.desc()).limit(200))]
    return rows, {"drugs": drugs, "conditions": conds, "sites": sites, "runs": run_ids}


def _segments(text: str, claims: list, listed: list, selected: str | None) -> list[dict]:
    """Split the article text into plain and highlighted pieces (highlights never overlap)."""
    listed_ids = {c.id for c in listed}
    spans: dict[tuple[int, int], list] = {}
    for c in claims:
        if 0 <= c.start < c.end <= len(text):
            spans.setdefault((c.start, c.end), []).append(c)
    out, pos = [], 0
    for (b, e), cs in sorted(spans.items()):
        if b < pos:
            continue
        if b > pos:
            out.append({"text": text[pos:b]})
        cs = sorted(cs, key=lambda c: (not c.flagged, SEVERITY_ORDER.get(c.severity, 9)))
        lead = next((c for c in cs if c.id in listed_ids), cs[0])
        out.append({"text": text[b:e], "claim": lead, "flagged": any(c.flagged for c in cs),
                    "severity": cs[0].severity if cs[0].flagged else "none", "listed": lead.id in listed_ids,
                    "selected": any(c.id == selected for c in cs)})
        pos = e
    if pos < len(text):
        out.append({"text": text[pos:]})
    return out
