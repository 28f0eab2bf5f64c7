"""Review app routes for the exports: editors' decisions as CSV, published fact-checks as ClaimReview."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import export
from .web import id_param, web_of

router = APIRouter()


def _export_rows(request: Request, run: str, article: str, status: str) -> list[dict]:
    web = web_of(request)
    web.editor(request)
    run_id, article_id = id_param(run, "run"), id_param(article, "article")
    with web.db.Session() as s:
        return export.decision_rows(s, run_id=run_id, article_id=article_id, status=status or None)


@router.get("/export/decisions.csv")
def export_csv(request: Request, run: str = "", article: str = "", status: str = ""):
    rows = _export_rows(request, run, article, status)
    return Response(export.to_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="overclaim-decisions.csv"'})


@router.get("/export/claimreview.jsonld")
def export_claimreview(request: Request, run: str = "", article: str = "", include: str = ""):
    web = web_of(request)
    web.editor(request)
    run_id, article_id = id_param(run, "run"), id_param(article, "article")
    with web.db.Session() as s:  # the public URL is configured: never the request's Host header
        data = export.claim_review_export(s, run_id=run_id, article_id=article_id,
                                          include_dismissed=include == "dismissed",
                                          public_url=request.app.state.public_url)
    return Response(export.to_jsonld(data), media_type="application/ld+json",
                    headers={"Content-Disposition": 'attachment; filename="overclaim-claimreview.jsonld"'})
