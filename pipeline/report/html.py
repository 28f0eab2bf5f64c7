"""Self-contained HTML report: each article's flagged sentences highlighted and explained.

All article text is untrusted and escaped (Jinja2 autoescape). URLs go through :func:`pipeline.util.urls.link_url`,
the one URL policy of the report, the review app and every export: only absolute http and https
URLs become links; anything else (``javascript:``, ``data:``, relative or malformed) is shown as text."""
from __future__ import annotations

import importlib.resources as resources
from typing import Any

from ..util.urls import link_url

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "none": 3}


def _segments(text: str, flagged: list[dict]) -> list[dict]:
    """Split ``text`` into plain and highlighted segments (one highlight per flagged sentence)."""
    spans: dict[tuple[int, int], list[dict]] = {}
    for c in flagged:
        spans.setdefault((c["start"], c["end"]), []).append(c)
    out, pos = [], 0
    for (s, e), claims in sorted(spans.items()):
        if s < pos:
            continue
        if s > pos:
            out.append({"text": text[pos:s]})
        sev = min((c["severity"] for c in claims), key=lambda x: SEVERITY_ORDER.get(x, 9))
        out.append({"text": text[s:e], "claims": claims, "severity": sev, "anchor": claims[0]["claim_id"]})
        pos = e
    if pos < len(text):
        out.append({"text": text[pos:]})
    return out


def render_report(items: list[tuple[dict, list[dict], str]], summary: dict[str, Any]) -> str:
    """Render the report.

    Args:
        items: (article record, claim records, article text) per article.
        summary: run summary (counts).

    Returns:
        The HTML document as a string.
    """
    import jinja2

    tpl_text = resources.files("pipeline.report").joinpath("templates", "report.html.j2").read_text("utf-8")
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["link_url"] = link_url
    tpl = env.from_string(tpl_text)
    articles = []
    for arec, crecs, text in items:
        flagged = sorted([c for c in crecs if c["flagged"]], key=lambda c: (c["start"], SEVERITY_ORDER[c["severity"]]))
        articles.append({"rec": arec, "flagged": flagged, "segments": _segments(text, flagged),
                         "n_supported": sum(1 for c in crecs if c["verdict"] == "supported")})
    return tpl.render(articles=articles, summary=summary)
