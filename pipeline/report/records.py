"""Output records (one dict per claim, per article, per error) and their JSON Schema.

``SCHEMA_VERSION`` is written into every record; the schemas ship in
``pipeline/report/schema/`` and are loaded with :func:`load_schema`.
"""
from __future__ import annotations

import functools
import importlib.resources as resources
import json
from collections import Counter
from typing import Any

import jsonschema

from ..errors import InputError
from ..types import ArticleResult, CheckedClaim, VerdictLabel

SCHEMA_VERSION = "1.0"
VERDICTS = [v.value for v in VerdictLabel]
CSV_COLUMNS = ["article_id", "claim_id", "sentence", "start", "end", "type", "subtype", "drug", "drug_id",
               "condition", "condition_id", "outcome", "polarity", "strength", "attribution", "verdict",
               "flagged", "severity", "rationale", "suggestion", "evidence_sources"]


def _mention(m) -> dict | None:
    if m is None:
        return None
    return {"text": m.text, "id": m.id, "name": m.name, "start": m.start, "end": m.end, "score": round(m.score, 3),
            "via": m.via}


def claim_record(cc: CheckedClaim) -> dict[str, Any]:
    """The ``claims.jsonl`` record of one checked claim."""
    c, v = cc.claim, cc.verdict
    return {
        "schema_version": SCHEMA_VERSION,
        "claim_id": c.id,
        "article_id": c.article_id,
        "sentence": c.sentence,
        "start": c.start,
        "end": c.end,
        "type": c.type.value,
        "subtype": c.subtype,
        "drug": _mention(c.drug),
        "condition": _mention(c.condition),
        "outcome": c.outcome,
        "polarity": c.polarity,
        "strength": int(c.strength),
        "strength_prob": c.strength_prob,
        "attribution": c.attribution,
        "quantities": [q.to_dict() for q in c.quantities],
        "cues": [cue.to_dict() for cue in c.cues],
        "verdict": v.label.value,
        "flagged": v.flagged,
        "severity": v.severity.value,
        "rationale": v.rationale,
        "evidence": [e.to_dict() for e in v.evidence],
        "suggestion": v.suggestion,
        "allowed_strength": None if v.allowed_strength is None else int(v.allowed_strength),
        "frame": c.frame.to_dict() if c.frame is not None else None,
        "reason": v.reason,
    }


def article_record(res: ArticleResult) -> dict[str, Any]:
    """The ``articles.jsonl`` record of one audited article."""
    counts = Counter(cc.verdict.label.value for cc in res.claims)
    flagged = [cc for cc in res.claims if cc.verdict.flagged]
    sev = Counter(cc.verdict.severity.value for cc in flagged)
    a = res.article
    return {
        "schema_version": SCHEMA_VERSION,
        "article_id": a.id,
        "title": a.title,
        "url": a.url,
        "date": a.date,
        "source": a.source,
        "n_chars": len(a.text),
        "n_claims": len(res.claims),
        "n_flagged": len(flagged),
        "counts": {v: counts.get(v, 0) for v in VERDICTS},
        "flagged_by_severity": {k: sev.get(k, 0) for k in ("high", "medium", "low")},
        "findings": [f.to_dict() for f in res.findings],
        "boilerplate": [{"start": s, "end": e, "kind": k} for s, e, k in res.boilerplate],
        "scorecard": res.scorecard or {},
        "seconds": round(res.seconds, 4),
    }


def error_record(err: InputError) -> dict[str, Any]:
    """The ``errors.jsonl`` record of an input that could not be read or audited."""
    return {"schema_version": SCHEMA_VERSION, "path": err.path, "row": err.row, "code": err.code,
            "error": err.reason, "message": str(err)}


def csv_row(rec: dict[str, Any]) -> dict[str, Any]:
    """Flatten a claim record for ``claims.csv``."""
    d, c = rec.get("drug") or {}, rec.get("condition") or {}
    srcs = []
    for e in rec.get("evidence") or []:
        s = e.get("source") or {}
        srcs.append(", ".join(str(x) for x in (s.get("title"), s.get("application"), s.get("year")) if x))
    return {
        "article_id": rec["article_id"], "claim_id": rec["claim_id"], "sentence": rec["sentence"],
        "start": rec["start"], "end": rec["end"], "type": rec["type"], "subtype": rec.get("subtype") or "",
        "drug": d.get("name") or d.get("text") or "", "drug_id": d.get("id") or "",
        "condition": c.get("name") or c.get("text") or "", "condition_id": c.get("id") or "",
        "outcome": rec.get("outcome") or "", "polarity": rec["polarity"], "strength": rec["strength"],
        "attribution": rec.get("attribution") or "", "verdict": rec["verdict"], "flagged": rec["flagged"],
        "severity": rec["severity"], "rationale": rec["rationale"], "suggestion": rec.get("suggestion") or "",
        "evidence_sources": " | ".join(srcs),
    }


@functools.lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    """Load a shipped JSON Schema: ``claim``, ``article`` or ``error``."""
    text = resources.files("pipeline.report").joinpath("schema", f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)


def validate_record(rec: dict, name: str) -> None:
    """Raise ``jsonschema.ValidationError`` if ``rec`` does not match schema ``name``."""
    jsonschema.validate(rec, load_schema(name))
