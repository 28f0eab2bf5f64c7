"""ClinicalTrials.gov API v2 study JSON -> trial records.

Accepts one study (``{"protocolSection": ...}``), a ``/studies`` page (``{"studies": [...]}``)
or a list of studies. Derived MeSH ids are normalised: older records zero-pad them to ten
characters ("D000001943" -> "D001943", "C000500026" -> "C500026").

Example:
    >>> normalise_mesh_id("D000001943"), normalise_mesh_id("D001943"), normalise_mesh_id("C000500026")
    ('D001943', 'D001943', 'C500026')
    >>> normalise_mesh_id("D000070639")
    'D000070639'
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from ...errors import InputError

_MESH = re.compile(r"^([A-Z])0*(\d+)$")


# MeSH ids created before ~2017 have six digits (D001943, C500026); newer ones have nine
# (D000070639, C000596385). Below these numbers an id is old-style, so zero-padding is stripped
# back to six digits; above, the nine-digit form is the official one.
_NEW_STYLE_FROM = {"D": 66900, "C": 590000}


def normalise_mesh_id(mesh_id: str) -> str:
    """Normalise a MeSH descriptor (D) or supplementary concept (C) id's zero-padding."""
    m = _MESH.match(mesh_id.strip())
    if not m:
        return mesh_id.strip()
    letter, digits = m.groups()
    n = int(digits)
    if n >= _NEW_STYLE_FROM.get(letter, 10 ** 9):
        return f"{letter}{n:09d}"
    return f"{letter}{n:06d}"


def iter_studies(path: Path) -> Iterator[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise InputError(f"not a readable ClinicalTrials.gov JSON file: {e}", path=str(path)) from None
    if isinstance(data, dict) and "studies" in data:
        data = data["studies"]
    if isinstance(data, dict):
        data = [data]
    for i, s in enumerate(data if isinstance(data, list) else []):
        if not isinstance(s, dict) or "protocolSection" not in s:
            raise InputError("study record lacks protocolSection", path=str(path), row=i + 1)
        yield s


def parse_study(study: dict[str, Any]) -> dict[str, Any]:
    """One study as {trial, conditions, interventions, outcomes} plain dicts."""
    ps = study.get("protocolSection") or {}
    ident = ps.get("identificationModule") or {}
    status = ps.get("statusModule") or {}
    design = ps.get("designModule") or {}
    nct = ident.get("nctId")
    if not nct:
        raise InputError("study has no identificationModule.nctId")
    derived = study.get("derivedSection") or {}
    cond_mesh = [(normalise_mesh_id(m["id"]), m.get("term")) for m in
                 (derived.get("conditionBrowseModule") or {}).get("meshes") or [] if m.get("id")]
    int_mesh = [(normalise_mesh_id(m["id"]), m.get("term")) for m in
                (derived.get("interventionBrowseModule") or {}).get("meshes") or [] if m.get("id")]
    outcomes = []
    results = (study.get("resultsSection") or {}).get("outcomeMeasuresModule") or {}
    for om in results.get("outcomeMeasures") or []:
        for a in om.get("analyses") or []:
            outcomes.append({"type": om.get("type"), "title": om.get("title"), "p_value": a.get("pValue"),
                             "method": a.get("statisticalMethod"), "param_type": a.get("paramType"),
                             "param_value": a.get("paramValue"), "ci_lower": a.get("ciLowerLimit"),
                             "ci_upper": a.get("ciUpperLimit")})
    trial = {
        "nct_id": nct, "title": ident.get("briefTitle"), "official_title": ident.get("officialTitle"),
        "status": status.get("overallStatus"), "why_stopped": status.get("whyStopped"),
        "start_date": (status.get("startDateStruct") or {}).get("date"),
        "completion_date": (status.get("completionDateStruct") or {}).get("date"),
        "study_type": design.get("studyType"), "phases": "|".join(design.get("phases") or []) or None,
        "allocation": (design.get("designInfo") or {}).get("allocation"),
        "enrollment": (design.get("enrollmentInfo") or {}).get("count"),
        "has_results": int(bool(study.get("hasResults"))),
        "primary_outcomes": json.dumps([o.get("measure") for o in
                                        (ps.get("outcomesModule") or {}).get("primaryOutcomes") or []]),
        "results": json.dumps(outcomes) if outcomes else None,
    }
    conds = [{"nct_id": nct, "name": c, "mesh_id": None} for c in
             (ps.get("conditionsModule") or {}).get("conditions") or []]
    conds += [{"nct_id": nct, "name": term, "mesh_id": mid} for mid, term in cond_mesh]
    ints = []
    for it in (ps.get("armsInterventionsModule") or {}).get("interventions") or []:
        ints.append({"nct_id": nct, "type": it.get("type"), "name": it.get("name"),
                     "other_names": "|".join(it.get("otherNames") or []) or None, "mesh_id": None})
    ints += [{"nct_id": nct, "type": "MESH", "name": term, "other_names": None, "mesh_id": mid}
             for mid, term in int_mesh]
    return {"trial": trial, "conditions": conds, "interventions": ints}
