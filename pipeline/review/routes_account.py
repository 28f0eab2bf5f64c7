"""Review app routes for signing in and out, and the health check."""
from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from . import auth, sessions
from .web import Web, client, safe_next, wants_json, web_of

router = APIRouter()


async def _backoff(seconds: float) -> None:
    """Wait before answering a failed sign-in (in the event loop: holds no thread)."""
    if seconds > 0:
        await asyncio.sleep(seconds)


def _start_session(web: Web, editor_id: int, request: Request) -> str:
    with web.db.Session.begin() as s:
        return sessions.create(s, editor_id, hours=web.session_hours, client=client(request),
                               user_agent=request.headers.get("user-agent"))


def _end_session(web: Web, token: str, reason: str = "signed out") -> None:
    with web.db.Session.begin() as s:
        sessions.revoke(s, token, reason)


def _refused(web: Web, request: Request, res, nxt: str):
    status = {"locked": 429, "busy": 503}.get(res.status, 401)
    headers = {"Retry-After": str(res.retry_after)} if res.retry_after else None
    if wants_json(request):
        return JSONResponse({"error": res.message}, status_code=status, headers=headers)
    return web.render(request, "login.html.j2", {"next": nxt, "error": res.message, "locked": res.status == "locked"},
                      status, headers)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/articles"):
    return web_of(request).render(request, "login.html.j2", {"next": safe_next(next), "error": None})


@router.post("/login")
async def login(request: Request):
    web = web_of(request)
    form = await web.check_csrf(request)
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    nxt = safe_next(str(form.get("next", "/articles")))
    res = await web.guard.sign_in(username, password, client(request))
    if res.status != "ok":
        await _backoff(res.delay)
        return _refused(web, request, res, nxt)
    old = request.session.get("sid")
    if old:  # signing in again ends the session this browser had
        await run_in_threadpool(_end_session, web, old, "replaced")
    token = await run_in_threadpool(_start_session, web, res.editor_id, request)
    request.session.clear()  # a new session on sign-in (no fixation)
    request.session.update(sid=token, csrf=auth.new_token(), notice=res.notice)
    return RedirectResponse(nxt, status_code=303)


@router.post("/logout")
async def logout(request: Request):
    web = web_of(request)
    await web.check_csrf(request)
    token = request.session.get("sid")
    if token:
        await run_in_threadpool(_end_session, web, token)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/healthz")
def healthz():
    return {"ok": True}
