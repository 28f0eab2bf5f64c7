"""Check curated FDA approvals against the open approval sources.

For every curated (or overlay) approval with regulator FDA:

* status ``approved``: the open sources *cover* the drug when LabeledIn or an openFDA label lists
  any indication for it; then the pair (or a broader/narrower condition) must be among them.
  Drugs@FDA must also hold at least one application for the ingredient.
* status ``not_approved``: an open FDA label indication for the same pair is a disagreement.

Disagreements are listed for review, never dropped.

Example:
    >>> from pipeline.reference import load_reference
    >>> rep = check_consistency(load_reference())  # doctest: +SKIP
    >>> rep["checked"] >= rep["agree"]  # doctest: +SKIP
    True
"""
from __future__ import annotations

from typing import Any

from .compiled import query

_OPEN_FDA = ("labeledin", "openfda_label")


def check_consistency(ref) -> dict[str, Any]:
    """Compare curated FDA approvals with LabeledIn/openFDA labels and Drugs@FDA.

    Returns a dict with ``checked``, ``agree``, ``not_covered`` counts and ``disagreements``
    (each: drug, condition, curated status, problem, open evidence).
    """
    if not ref.compiled_path:
        return {"checked": 0, "agree": 0, "not_covered": 0, "disagreements": [],
                "note": "no compiled reference loaded: run `overclaim reference build` first"}
    open_by_drug: dict[str, list] = {}
    for a in ref.approvals:
        if a.origin in _OPEN_FDA and a.regulator == "FDA":
            open_by_drug.setdefault(a.drug, []).append(a)
    fda_apps = {r["drug_id"]: r["n"] for r in query(
        ref.compiled_path, "SELECT drug_id, COUNT(*) AS n FROM fda_products GROUP BY drug_id")}
    out: dict[str, Any] = {"checked": 0, "agree": 0, "not_covered": 0, "disagreements": []}
    for a in ref.approvals:
        if a.regulator != "FDA" or not (a.origin == "curated" or a.origin.startswith("overlay")):
            continue
        drug = ref.ingredient_of(a.drug)
        if not drug.startswith("rxcui:"):
            continue
        out["checked"] += 1
        cond_family = set(ref.condition_ancestors(a.condition))
        rows = open_by_drug.get(drug, [])
        matching = [o for o in rows if o.condition in cond_family or a.condition in ref.condition_ancestors(o.condition)]
        dname = ref.drugs[drug].name if drug in ref.drugs else drug
        cname = ref.conditions[a.condition].name if a.condition in ref.conditions else a.condition
        base = {"drug": dname, "drug_id": drug, "condition": cname, "condition_id": a.condition,
                "curated_status": a.status, "route": a.route, "curated_source": a.source.short(), "origin": a.origin}
        problems = []
        if a.status == "approved":
            if drug not in fda_apps:
                problems.append(("no Drugs@FDA application for this ingredient (snapshot 2019-07-02)", []))
            if rows and not matching:
                problems.append(("open FDA-label indications cover this drug but not this condition",
                                 sorted({ref.conditions[o.condition].name for o in rows if o.condition in ref.conditions})))
            if not rows:
                out["not_covered"] += 1
        elif a.status == "not_approved" and matching:
            problems.append(("an open FDA-label source lists this indication",
                             sorted({f"{ref.conditions[o.condition].name} ({o.origin})" for o in matching})))
        if problems:
            for problem, evidence in problems:
                out["disagreements"].append({**base, "problem": problem, "open_evidence": evidence})
        else:
            out["agree"] += 1
    return out


def format_report(rep: dict[str, Any]) -> str:
    """Markdown report of a consistency check."""
    lines = ["# Curated FDA approvals vs open approval sources", "",
             f"checked {rep['checked']}, consistent {rep['agree']}, drugs not covered by open label "
             f"indications {rep['not_covered']}, disagreements {len(rep['disagreements'])}", ""]
    if rep.get("note"):
        lines += [rep["note"], ""]
    for d in rep["disagreements"]:
        ev = "; ".join(d["open_evidence"][:12]) if d["open_evidence"] else "-"
        lines.append(f"- **{d['drug']}** ({d['drug_id']}) for **{d['condition']}** ({d['condition_id']}), curated "
                     f"`{d['curated_status']}`{' ' + d['route'] if d['route'] else ''} [{d['curated_source']}]: "
                     f"{d['problem']}. Open sources list: {ev}")
    return "\n".join(lines) + "\n"
