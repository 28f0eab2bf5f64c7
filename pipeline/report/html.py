"""Self-contained HTML report: each article's flagged sentences highlighted and explained.

All article text is untrusted and escaped (Jinja2 autoescape). URLs go through :func:`link_url`,
the one URL policy of the report, the review app and every export: only absolute http and https
URLs become links; anything else (``javascript:``, ``data:``, relative or malformed) is shown as text."""
from __future__ import annotations

import importlib.resources as resources
import re
from typing import Any
from urllib.parse import urlsplit

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "none": 3}
LINK_SCHEMES = ("http", "https")
_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\\]")  # controls, whitespace, backslash


def link_url(url: Any) -> str | None:
    """``url`` when it may become a link or a published URL, else None.

    Only absolute ``http``/``https`` URLs with a host qualify; whitespace, control characters and
    backslashes (which browsers may strip or reinterpret) disqualify a URL.

    Example:
        >>> link_url("https://example.org/a?b=1"), link_url("javascript:alert(1)"), link_url(" java\tscript:x")
        ('https://example.org/a?b=1', None, None)
    """
    if not isinstance(url, str) or not url or len(url) > 4096 or _UNSAFE_IN_URL.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    if parts.scheme.lower() not in LINK_SCHEMES or not host:
        return None
    return url


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
