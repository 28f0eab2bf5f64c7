"""repoDB v1.0 (Brown & Patel 2017, CC BY 4.0): approved and stopped drug–indication pairs.

* **Approved** rows (DrugCentral 2016 label indications, UMLS-coded) become ``indications`` with
  relation ``approved_indication`` -- a second, CUI-coded label source, not an FDA approval row.
* **Stopped** rows (terminated / withdrawn / suspended trials, each with NCT id, phase and the
  trial's why-stopped text) become ``trials`` with their condition and intervention: evidence that a
  trial happened, never proof of no effect.
* Only a trial whose why-stopped text says it stopped for futility or lack of efficacy
  (patterns in ``pipeline/resources/repodb_stop_reasons.yaml``), that tested a single drug (a
  regimen's failure is not one drug's), for a pair no source lists as approved or indicated,
  becomes an ``evidence`` row: ``no_benefit``, grade ``low`` (one stopped trial), quoting the
  reason and the NCT id.

The file is an R workspace read with ``pyreadr``.

Example:
    >>> stop_reason("Study was stopped due to futility at interim analysis")
    'futility'
    >>> stop_reason("Slow accrual"), stop_reason("")
    ('accrual_or_business', 'not_given')
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator


from ...errors import ReferenceDataError
from .common import need
from .state import CompileState
from ...resources.schema import load_resource

_NCT = re.compile(r"NCT\d{8}")
_TRIAL_STATUS = {"Terminated": "TERMINATED", "Withdrawn": "WITHDRAWN", "Suspended": "SUSPENDED"}


@lru_cache(maxsize=1)
def _stop_rules() -> tuple[tuple[str, re.Pattern], ...]:
    raw = load_resource("repodb_stop_reasons.yaml")
    try:
        return tuple((r["reason"], re.compile(r["pattern"], re.I)) for r in raw["reasons"])
    except (KeyError, TypeError, re.error) as e:
        raise ReferenceDataError(f"pipeline/resources/repodb_stop_reasons.yaml: bad rule ({e})") from None


def stop_reason(why: str | None) -> str:
    """Classify a trial's why-stopped text: ``futility``, ``safety``, ``accrual_or_business``,
    ``other`` or ``not_given`` (first matching rule of the data file wins)."""
    text = (why or "").strip()
    if not text:
        return "not_given"
    for reason, pattern in _stop_rules():
        if pattern.search(text):
            return reason
    return "other"


def _clean(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return " ".join(str(v).split())


def read_repodb(path: Path) -> Iterator[dict[str, str]]:
    """Rows of repoDB's ``drug.fr`` data frame as plain dicts (NCT id taken from ``TrialStatus``)."""
    try:
        import pyreadr
    except ImportError as e:  # pragma: no cover - declared in pyproject
        raise ReferenceDataError("reading repoDB needs pyreadr", hint="pip install 'pyreadr>=0.5.2,<0.6'") from e
    try:
        frames = pyreadr.read_r(str(path))
    except Exception as e:  # pyreadr raises its own error types for damaged files
        raise ReferenceDataError(f"{path}: not a readable R workspace ({e})") from None
    if "drug.fr" not in frames:
        raise ReferenceDataError(f"{path}: no data frame 'drug.fr' (found {sorted(frames)})")
    for rec in frames["drug.fr"].to_dict("records"):
        m = _NCT.search(_clean(rec.get("TrialStatus")))
        yield {"drug_name": _clean(rec.get("drug_name")), "drugbank": _clean(rec.get("drug_id")),
               "ind_name": _clean(rec.get("ind_name")), "cui": _clean(rec.get("ind_id")),
               "status": _clean(rec.get("status")), "phase": _clean(rec.get("phase")),
               "nct_id": m.group(0) if m else "", "why_stopped": _clean(rec.get("DetailedStatus"))}


def _drug(st: CompileState, row: dict) -> str | None:
    return st.drug_by_xref.get(("drugbank", row["drugbank"])) or st.find_drug(row["drug_name"])


def _condition(st: CompileState, row: dict) -> str | None:
    return st.cond_by_xref.get(("umls", row["cui"])) or st.find_condition(row["ind_name"])


def _futility_evidence(row: dict, did: str, cid: str) -> dict:
    phase = row["phase"] or "phase not given"
    return {"drug_id": did, "condition_id": cid, "outcome": None, "direction": "no_benefit", "grade": "low",
            "n_rcts": None,
            "summary": (f"A {phase} trial of {row['drug_name'].lower()} for {row['ind_name'].lower()} "
                        f"({row['nct_id']}) was {row['status'].lower()} for lack of efficacy "
                        f"(\"{row['why_stopped'][:160]}\"); one stopped trial, not a systematic review."),
            "citation": f"repoDB v1.0 (Brown & Patel 2017), trial {row['nct_id']} as recorded in AACT 2016",
            "url": f"https://clinicaltrials.gov/study/{row['nct_id']}", "citation_status": "unverified",
            "date_checked": "2017-03-21", "source": "repodb"}


def _known_uses(st: CompileState) -> set[tuple[str, str]]:
    """(drug, condition) pairs any compiled source lists as approved or indicated."""
    return ({(a["drug_id"], a["condition_id"]) for a in st.approvals if a["status"] == "approved"}
            | {(i["drug_id"], i["condition_id"]) for i in st.indications if i["relation"] != "not_indicated"})


def import_repodb(st: CompileState, src: Path) -> None:
    """Approved pairs -> indications; stopped trials -> trials (+ conditions, interventions);
    futility stops of never-approved pairs -> evidence."""
    rows = list(read_repodb(need(src / "repodb_2017" / "shiny.RData", "repodb")))
    approved = {(r["drugbank"], r["cui"]) for r in rows if r["status"] == "Approved"}
    drugs_per_trial: dict[str, set[str]] = {}
    for r in rows:
        if r["nct_id"]:
            drugs_per_trial.setdefault(r["nct_id"], set()).add(r["drug_name"].lower())
    seen_trials: set[str] = set()
    seen: set[tuple] = set()
    counts = {"approved": 0, "stopped": 0, "unmapped": 0, "futility_evidence": 0}
    futile: list[tuple[dict, str, str]] = []
    for r in rows:
        did, cid = _drug(st, r), _condition(st, r)
        if r["status"] == "Approved":
            if did and cid and (did, cid) not in seen:
                seen.add((did, cid))
                st.indications.append({"drug_id": did, "condition_id": cid, "relation": "approved_indication",
                                       "text": f"{r['drug_name']} - {r['ind_name']} (repoDB: approved, "
                                               f"DrugCentral 2016 label indication)", "source": "repodb"})
                counts["approved"] += 1
            else:
                counts["unmapped"] += did is None or cid is None
            continue
        if not r["nct_id"] or r["status"] not in _TRIAL_STATUS:
            continue
        counts["stopped"] += 1
        reason = stop_reason(r["why_stopped"])
        if r["nct_id"] not in seen_trials:
            seen_trials.add(r["nct_id"])
            st.trials.append({"nct_id": r["nct_id"], "title": None, "official_title": None,
                              "status": _TRIAL_STATUS[r["status"]], "why_stopped": r["why_stopped"] or None,
                              "stop_reason": reason, "start_date": None, "completion_date": None,
                              "study_type": "INTERVENTIONAL", "phases": r["phase"] or None, "allocation": None,
                              "enrollment": None, "has_results": None, "primary_outcomes": None, "results": None,
                              "source": "repodb"})
        key = (r["nct_id"], r["cui"], r["drugbank"])
        if key in seen:
            continue
        seen.add(key)
        st.trial_conditions.append({"nct_id": r["nct_id"], "name": r["ind_name"], "mesh_id": None,
                                    "condition_id": cid, "source": "repodb"})
        st.trial_interventions.append({"nct_id": r["nct_id"], "type": "DRUG", "name": r["drug_name"],
                                       "other_names": None, "mesh_id": None, "drug_id": did, "source": "repodb"})
        if (reason == "futility" and did and cid and len(drugs_per_trial[r["nct_id"]]) == 1
                and (r["drugbank"], r["cui"]) not in approved):
            futile.append((r, did, cid))
    known = _known_uses(st)
    for r, did, cid in futile:
        if (did, cid) not in known:
            st.evidence.append(_futility_evidence(r, did, cid))
            counts["futility_evidence"] += 1
    for k, v in counts.items():
        st.counts[f"repodb {k}"] = v
