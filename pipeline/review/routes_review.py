"""Review app routes for the lists of runs and articles, the article page with its claim panel,
and the editors' decisions on a claim."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import and_, case, distinct, func, select

from . import export, store
from .db import Article, Claim, Decision, Run, RunArticle, RunError
from .overlay import CORRECTABLE, choices, table_of, write_correction
from .web import Web, _BadParam, id_param, version, wants_json, web_of

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "none": 3}
VERDICTS = ("supported", "contradicted", "overstated", "unsupported", "unverifiable")
SEVERITIES = ("high", "medium", "low", "none")
REVIEW_STATUSES = ("pending", "confirmed", "dismissed", "stale", "edited")
ACTION_MESSAGES = {"confirm": "Flag confirmed.", "dismiss": "Flag dismissed.", "edit": "Wording saved.",
                   "note": "Note added."}

router = APIRouter()


# -- lists -----------------------------------------------------------------------------------


@router.get("/")
def index(request: Request):
    web_of(request).editor(request)
    return RedirectResponse("/articles", status_code=303)


@router.get("/runs", response_class=HTMLResponse)
def runs(request: Request):
    web = web_of(request)
    me = web.editor(request)
    with web.db.Session() as s:
        rows = s.execute(select(Run).order_by(Run.id.desc()).limit(500)).scalars().all()
        errors = {rid: n for rid, n in s.execute(select(RunError.run_id, func.count()).group_by(RunError.run_id))}
        reviewed = dict(s.execute(
            select(RunArticle.run_id, func.count(distinct(Decision.claim_id)))
            .join(Claim, Claim.article_id == RunArticle.article_id)
            .join(Decision, and_(Decision.claim_id == Claim.id, Decision.status.is_not(None)))
            .group_by(RunArticle.run_id)).all())
    return web.render(request, "runs.html.j2", {"me": me, "runs": rows, "errors": errors, "reviewed": reviewed})


@router.get("/articles", response_class=HTMLResponse)
def articles(request: Request, run: str = "", verdict: str = "", severity: str = "", drug: str = "",
             condition: str = "", status: str = "", site: str = "", flagged: str = ""):
    web = web_of(request)
    me = web.editor(request)
    f = {"run": run, "verdict": verdict, "severity": severity, "drug": drug, "condition": condition,
         "status": status, "site": site, "flagged": flagged}
    with web.db.Session() as s:
        rows, opts = _article_rows(s, f)
    return web.render(request, "articles.html.j2", {"me": me, "rows": rows, "f": f, "opts": opts,
                                                    "verdicts": VERDICTS, "severities": SEVERITIES,
                                                    "statuses": REVIEW_STATUSES})


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


def _article_query(f: dict):
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
    rid = id_param(f["run"], "run")
    if rid is not None:
        q = q.where(Article.id.in_(select(RunArticle.article_id).where(RunArticle.run_id == rid)))
    return q


def _filter_options(s) -> dict:
    drugs = s.execute(select(Claim.drug_id, func.min(Claim.drug_name)).where(Claim.drug_id.is_not(None), Claim.present.is_(True))
                      .group_by(Claim.drug_id).order_by(func.min(Claim.drug_name))).all()
    conds = s.execute(select(Claim.condition_id, func.min(Claim.condition_name))
                      .where(Claim.condition_id.is_not(None), Claim.present.is_(True))
                      .group_by(Claim.condition_id).order_by(func.min(Claim.condition_name))).all()
    sites = [x for x, in s.execute(select(distinct(Article.site)).where(Article.site.is_not(None)).order_by(Article.site))]
    run_ids = [x for x, in s.execute(select(Run.id).order_by(Run.id.desc()).limit(200))]
    return {"drugs": drugs, "conditions": conds, "sites": sites, "runs": run_ids}


def _article_rows(s, f: dict) -> tuple[list[dict], dict]:
    rows = []
    for art, n, nf, nrev, nstale, nhigh in s.execute(_article_query(f).limit(1000)).all():
        rows.append({"art": art, "n": n or 0, "flagged": nf or 0, "reviewed": nrev or 0, "stale": nstale or 0,
                     "high": nhigh or 0})
    return rows, _filter_options(s)


# -- article and claim panel -----------------------------------------------------------------


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


def _article_data(s, aid: int, claim: str | None, show: str) -> dict | None:
    """What the article page shows, read in one session (None: no such article)."""
    art = s.get(Article, aid)
    if art is None:
        return None
    claims = s.execute(select(Claim).where(Claim.article_id == aid, Claim.present.is_(True))
                       .order_by(Claim.start, Claim.id)).scalars().all()
    decs = {d.claim_id: store.decision_dict(s, d) for d in s.execute(
        select(Decision).where(Decision.claim_id.in_([c.id for c in claims]))).scalars()}
    listed = [c for c in claims if show == "all" or c.flagged or c.id in decs]
    sel = next((c for c in claims if c.id == claim), None) or (listed[0] if listed else None)
    hist = store.history(s, sel.id) if sel else []
    runs_of = [r for r, in s.execute(select(RunArticle.run_id).where(RunArticle.article_id == aid)
                                     .order_by(RunArticle.run_id))]
    return {"art": art, "all": claims, "claims": listed, "decs": decs, "sel": sel, "hist": hist, "runs_of": runs_of}


def _neighbours(listed: list, sel, decs: dict) -> dict:
    """The next unreviewed flag and the claims before and after the selected one."""
    idx = next((i for i, c in enumerate(listed) if sel and c.id == sel.id), -1)
    nxt = next((c.id for c in listed[idx + 1:] if c.flagged and not (decs.get(c.id) or {}).get("status")), None)
    return {"next_id": nxt, "prev_id": listed[idx - 1].id if idx > 0 else None,
            "following_id": listed[idx + 1].id if 0 <= idx < len(listed) - 1 else None}


def article_page(request: Request, aid: int, me: dict, *, claim: str | None, show: str,
                 message: str | None = None, conflict: dict | None = None, status: int = 200,
                 form_error: str | None = None):
    web = web_of(request)
    message = message or request.session.pop("flash", None)
    with web.db.Session() as s:
        d = _article_data(s, aid, claim, show)
    if d is None:
        return web.render(request, "error.html.j2", {"me": me, "message": "No such article."}, 404)
    sel, claims = d["sel"], d.pop("all")
    ref_entries = [e for e in (sel.evidence if sel else []) if e.get("entry_id", "").split(":", 1)[0]
                   in ("approval", "evidence", "label")]
    return web.render(request, "article.html.j2", {
        "me": me, **d, "all_count": len(claims), "segments": _segments(d["art"].text, claims, d["claims"],
                                                                       sel.id if sel else None),
        "show": show, "message": message, "conflict": conflict, "form_error": form_error,
        "ref_entries": ref_entries, "correctable": CORRECTABLE, "choices": choices(), "ratings": export.RATINGS,
        "verdict_rating": export.VERDICT_RATING, **_neighbours(d["claims"], sel, d["decs"])}, status)


@router.get("/articles/{aid}", response_class=HTMLResponse)
def article(request: Request, aid: str, claim: str | None = None, show: str = "flagged"):
    web = web_of(request)
    me = web.editor(request)
    try:
        num = id_param(aid, "the article id")
    except _BadParam:
        num = None
    if num is None:
        return web.render(request, "error.html.j2", {"me": me, "message": "No such article."}, 404)
    return article_page(request, num, me, claim=claim, show="all" if show == "all" else "flagged")


@router.get("/claims/{cid}")
def claim_view(request: Request, cid: str):
    web = web_of(request)
    me = web.editor(request)
    with web.db.Session() as s:
        c = s.get(Claim, cid)
        if c is None:
            return web.render(request, "error.html.j2", {"me": me, "message": "No such claim."}, 404)
        if wants_json(request):
            return JSONResponse({"claim": c.record, "present": c.present,
                                 "decision": store.decision_dict(s, s.get(Decision, cid)),
                                 "history": store.history(s, cid)})
        show = "flagged" if c.flagged else "all"
        return RedirectResponse(f"/articles/{c.article_id}?{urlencode({'claim': cid, 'show': show})}#c-{cid}",
                                status_code=303)


# -- decisions -------------------------------------------------------------------------------


def correct_reference(request: Request, s, c: Claim, me: dict, version: int, form: dict) -> tuple[dict | None, str]:
    """Write an editor's correction of a reference entry to the overlay (ValueError, never a
    500, when the form or the overlay is wrong) and record it in the claim's history."""
    overlay = request.app.state.overlay
    entry_id, field, value = (str(form.get(k, "")).strip() for k in ("entry_id", "field", "value"))
    reason = str(form.get("reason", "")).strip()
    if not overlay:
        raise ValueError("no editor overlay configured: start the server with --overlay PATH")
    if entry_id not in {e.get("entry_id") for e in c.evidence}:
        raise ValueError("that reference entry is not among this claim's evidence")
    if not reason:
        raise ValueError("say what is wrong with the entry")
    if field not in CORRECTABLE[table_of(entry_id)]:
        raise ValueError(f"{field or 'the field'} cannot be corrected on {entry_id}")
    written = write_correction(overlay, entry_id, {field: value}, reason=reason, editor=me["username"],
                               claim_id=c.id, base_overlays=web_of(request).base_overlays)
    cur = store.decide(s, c.id, me["id"], "reference_wrong", version, reason=reason,
                       reference_entry=entry_id, correction={field: written.get(field)})
    return cur, (f"Reference entry {entry_id} corrected in {overlay}; the next audit with "
                 f"--overlay {overlay} uses it.")


def _decide(request: Request, s, c: Claim, me: dict, form: dict) -> tuple[dict | None, str]:
    """Apply the form's action to claim ``c`` (raises :class:`store.Conflict` or ``ValueError``)."""
    action, ver = str(form.get("action", "")), version(form.get("version"))
    if action == "reference_wrong":
        return correct_reference(request, s, c, me, ver, form)
    cur = store.decide(s, c.id, me["id"], action, ver, reason=form.get("reason"), wording=form.get("wording"),
                       note=form.get("note"), rating=form.get("rating"))
    return cur, ACTION_MESSAGES.get(action, "Saved.")


def _refused_action(request: Request, e: Exception, aid: int, me: dict, cid: str, show: str):
    """The answer to a decision that was refused: a conflict (409) or a bad form (400)."""
    if isinstance(e, store.Conflict):
        if wants_json(request):
            return JSONResponse({"error": str(e), "current": e.current}, status_code=409)
        return article_page(request, aid, me, claim=cid, show=show, conflict=e.current, message=str(e), status=409)
    if wants_json(request):
        return JSONResponse({"error": str(e)}, status_code=400)
    return article_page(request, aid, me, claim=cid, show=show, form_error=str(e), status=400)


def _no_claim(web: Web, request: Request, me: dict, cid: str):
    if wants_json(request):
        return JSONResponse({"error": f"no claim {cid}"}, status_code=404)
    return web.render(request, "error.html.j2", {"me": me, "message": "No such claim."}, 404)


@router.post("/claims/{cid}/action")
async def claim_action(request: Request, cid: str):
    web = web_of(request)
    me = web.editor(request)
    form = await web.check_csrf(request)
    show = "all" if form.get("show") == "all" else "flagged"
    with web.db.Session() as s:
        c = s.get(Claim, cid)
        if c is None:
            return _no_claim(web, request, me, cid)
        aid = c.article_id
        try:
            cur, msg = _decide(request, s, c, me, form)
            s.commit()
        except (store.Conflict, ValueError) as e:
            s.rollback()
            return _refused_action(request, e, aid, me, cid, show)
    if wants_json(request):
        return JSONResponse({"ok": True, "message": msg, "decision": cur})
    nxt = str(form.get("next", "") or "")
    go = nxt if str(form.get("action", "")) in ("confirm", "dismiss") and nxt else cid
    request.session["flash"] = msg
    return RedirectResponse(f"/articles/{aid}?{urlencode({'claim': go, 'show': show})}#c-{go}", status_code=303)
