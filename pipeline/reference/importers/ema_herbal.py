"""EMA herbal medicines (HMPC) table of 2026-06-12 (EMA reuse with attribution).

Each herbal substance (de-duplicated record) becomes an ``herb`` intervention -- an existing
substance when its common or botanical name is known, else ``oc:ema-<latin slug>`` -- with its
pharmacopoeial Latin name, botanical binomials and common name as synonyms, and one
``herbal_assessments`` row (outcome: EU herbal monograph, list entry or public statement; status;
therapeutic areas; EMA page). For therapeutic areas that name a condition
(``pipeline/resources/ema_herbal_areas.yaml``) a monograph also gives an ``evidence`` row of
direction ``insufficient``, grade ``very_low``: most HMPC monographs are *traditional use*
(long-standing use and plausibility), which is not proof of efficacy, and the table does not say
which are well-established use.

Example:
    >>> binomials("Fragaria vescaL.;Fragaria moschataWeston;Fragaria x ananassa (Weston) Duchesne")
    ['fragaria vesca', 'fragaria moschata', 'fragaria x ananassa']
    >>> bare_common_name("Valerian Root")
    'valerian'
"""
from __future__ import annotations

import json
import re
from pathlib import Path


from ...errors import ReferenceDataError
from ..model import normalise_name
from .common import need, slug
from .curated_names import CuratedNames
from .state import CompileState
from ...resources.schema import load_resource

TABLE_DATE = "2026-06-12"
CITATION = f"European Medicines Agency, Herbal medicines (HMPC) overview, data of {TABLE_DATE}"
_PARTS = re.compile(r"\s+(root|roots|leaf|leaves|flower|flowers|fruit|seed|seeds|bark|rhizome|herb|oil|"
                    r"berry|peel|tincture|extract|with herb|root with herb|distillate|flowering top)+$", re.I)
_AUTHOR = re.compile(r"(?<=[a-z])(?=[A-Z])")  # "vescaL." -> "vesca L."


def binomials(botanical: str) -> list[str]:
    """Genus-species names in EMA's botanical-name field (authors and ``;`` lists handled)."""
    out = []
    for part in (botanical or "").split(";"):
        words = _AUTHOR.sub(" ", part).split()
        if len(words) >= 2 and words[0][:1].isupper() and words[1][:1].islower():
            name = words[:3] if len(words) >= 3 and words[1] == "x" else words[:2]
            out.append(" ".join(name).lower().rstrip("."))
    return list(dict.fromkeys(out))


def bare_common_name(common: str) -> str:
    """The common name without the plant part ("Valerian Root" -> "valerian")."""
    return _PARTS.sub("", normalise_name(common)).strip()


def read_table(path: Path) -> list[dict[str, str]]:
    """The de-duplicated records of EMA's JSON export."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        rows = doc["data"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ReferenceDataError(f"{path}: not EMA's herbal medicines JSON export ({e})") from None
    seen, out = set(), []
    for r in rows:
        key = json.dumps(r, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append({k: " ".join(str(v or "").split()) for k, v in r.items()})
    return out


def _areas() -> dict[str, list[str]]:
    return dict(load_resource("ema_herbal_areas.yaml")["areas"])


def _herb_id(st: CompileState, r: dict, curated: CuratedNames) -> str:
    common, bins = r["english_common_name"], binomials(r["botanical_name"])
    for cand in [common, bare_common_name(common), *bins]:
        did = (curated.drug(cand) or st.find_drug(cand)) if cand else None
        if did:
            return did
    did = f"oc:ema-{slug(r['latin_name'])}"
    if did not in st.drugs:
        name = normalise_name(common or r["latin_name"])
        st.drugs[did] = {"id": did, "name": name, "kind": "herb", "rxcui": None, "drugbank": None, "unii": None,
                         "mesh": None, "umls": None, "drugcentral_id": None, "ingredients": None,
                         "source": "ema_hmpc_herbal"}
        st.add_drug_name(did, name, "name", "ema_hmpc_herbal")
    return did


def _monograph_evidence(r: dict, did: str, cid: str, area: str) -> dict:
    herb = r["english_common_name"] or r["latin_name"]
    return {"drug_id": did, "condition_id": cid, "outcome": None, "direction": "insufficient", "grade": "very_low",
            "n_rcts": None,
            "summary": (f"The EU herbal committee (HMPC) has an EU herbal monograph on {herb.lower()} "
                        f"({r['latin_name']}) in the area '{area}'; most such monographs record traditional "
                        f"use (long-standing use), which is not proof that it works."),
            "citation": CITATION, "url": r["herbal_medicine_url"] or None, "citation_status": "verified",
            "date_checked": TABLE_DATE, "source": "ema_hmpc_herbal"}


def import_ema_herbal(st: CompileState, src: Path, curated: CuratedNames) -> None:
    """Herbs -> interventions + herbal_assessments; monographs in condition areas -> evidence."""
    rows = read_table(need(src / "ema_hmpc_herbal_2026" / "Medicines_output_herbal_medicines_en.json",
                           "ema_hmpc_herbal"))
    areas = _areas()
    n_ev = 0
    for r in rows:
        did = _herb_id(st, r, curated)
        d = st.drugs.get(did)  # None for a curated-only entry: its names and kind are curated
        if d is not None and d["kind"] == "drug":
            d["kind"] = "herb"
        for s in [r["latin_name"], r["english_common_name"], bare_common_name(r["english_common_name"]),
                  *binomials(r["botanical_name"])]:
            if s:
                st.add_drug_name(did, s, "synonym", "ema_hmpc_herbal")
        outcome = r["outcome_of_european_assessment"]
        st.herbal_assessments.append({
            "drug_id": did, "latin_name": r["latin_name"], "common_name": r["english_common_name"],
            "botanical_name": r["botanical_name"], "combination": r["combination"],
            "therapeutic_area": r["therapeutic_area"], "outcome": outcome or None, "status": r["status"] or None,
            "last_updated": r["last_updated_date"] or None, "url": r["herbal_medicine_url"] or None,
            "source": "ema_hmpc_herbal"})
        if "monograph" not in outcome.lower() or r["combination"] == "Yes":
            continue
        for area in [a.strip() for a in r["therapeutic_area"].split(";") if a.strip()]:
            for cname in areas.get(area, []):
                cid = curated.condition(cname) or st.find_condition(cname)
                if cid is None:
                    st.warnings.append(f"ema_herbal_areas.yaml: no condition named {cname!r}")
                    continue
                st.evidence.append(_monograph_evidence(r, did, cid, area))
                n_ev += 1
    st.counts["ema herbal records"] = len(rows)
    st.counts["ema herbal monograph evidence rows"] = n_ev
