"""openFDA drug label JSON -> label facts and FDA approvals.

Accepts a bulk/API file (``{"meta": ..., "results": [...]}``), a bare list of records or one
record. Each record's ingredient is resolved from ``openfda.unii``, then
``openfda.substance_name`` / ``generic_name``; its indication section is scanned for condition
names of the vocabulary (longest match, unambiguous names only) to give approved FDA indications
(prescription labels only: OTC monographs and homeopathic products are not approvals).

Example:
    >>> rec = {"set_id": "x", "indications_and_usage": ["1 INDICATIONS Foo is indicated for gout."]}
    >>> parse_label(rec)["indications"]
    'Foo is indicated for gout.'
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ...errors import InputError
from ..model import normalise_name

_PREG_FIELDS = ("pregnancy", "teratogenic_effects", "pregnancy_or_breast_feeding", "use_in_specific_populations")
_HEADING = re.compile(r"^\s*(\d+(\.\d+)*\s+)?[A-Z][A-Z &/,\-]{3,}\s+")
_MAX_DOSE = re.compile(
    r"(?:maximum(?: recommended)?(?: total)? (?:daily )?dos(?:e|age)[^.]{0,60}?|"
    r"(?:do not|should not) exceed|not to exceed|up to a maximum of)\D{0,25}?"
    r"(\d+(?:[.,]\d+)?)\s*(mg|mcg|g|units?)\b(?:\s*(?:per|/|a)\s*day|\s*daily)?", re.I)


def _text(rec: dict, field: str) -> str | None:
    v = rec.get(field)
    if not v:
        return None
    s = " ".join(v) if isinstance(v, list) else str(v)
    s = " ".join(s.split())
    return _HEADING.sub("", s, count=1) or None


def iter_label_records(path: Path) -> Iterator[dict[str, Any]]:
    """Records of an openFDA label JSON file (envelope, list or single record)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise InputError(f"not a readable openFDA label JSON file: {e}", path=str(path)) from None
    if isinstance(data, dict) and "results" in data:
        data = data["results"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise InputError("expected an object with 'results', a list of records, or one record", path=str(path))
    for i, rec in enumerate(data):
        if not isinstance(rec, dict):
            raise InputError("label record is not an object", path=str(path), row=i + 1)
        yield rec


def parse_label(rec: dict[str, Any]) -> dict[str, Any]:
    """The facts of one label record as a flat dict (None when a section is absent)."""
    ofda = rec.get("openfda") or {}
    dosage = _text(rec, "dosage_and_administration")
    max_dose = unit = None
    if dosage:
        m = _MAX_DOSE.search(dosage)
        if m:
            max_dose, unit = float(m.group(1).replace(",", "")), m.group(2).lower()
    preg = next((t for t in (_text(rec, f) for f in _PREG_FIELDS) if t), None)
    product_type = (ofda.get("product_type") or [None])[0]
    return {
        "set_id": rec.get("set_id"), "spl_id": rec.get("id"), "effective_time": rec.get("effective_time"),
        "brand": (ofda.get("brand_name") or [None])[0], "generic": (ofda.get("generic_name") or [None])[0],
        "substances": list(ofda.get("substance_name") or []), "unii": list(ofda.get("unii") or []),
        "rxcui": list(ofda.get("rxcui") or []), "application": (ofda.get("application_number") or [None])[0],
        "route": (ofda.get("route") or [None])[0], "product_type": product_type,
        "indications": _text(rec, "indications_and_usage"), "dosage": dosage,
        "max_daily_dose": max_dose, "max_daily_dose_unit": unit,
        "boxed_warning": _text(rec, "boxed_warning"), "pregnancy": preg,
        "mechanism": _text(rec, "mechanism_of_action"),
        "interactions": _text(rec, "drug_interactions"),
        "pharm_class_epc": list(ofda.get("pharm_class_epc") or []),
        "pharm_class_moa": list(ofda.get("pharm_class_moa") or []),
    }


def find_conditions(text: str, names: dict[str, str], max_words: int = 6) -> list[tuple[str, str]]:
    """Longest-match scan of ``text`` for vocabulary names; returns (surface, condition id)."""
    words = re.findall(r"[\w'\-]+", normalise_name(text))
    out, i = [], 0
    while i < len(words):
        for n in range(min(max_words, len(words) - i), 0, -1):
            key = " ".join(words[i:i + n])
            if key in names:
                out.append((key, names[key]))
                i += n
                break
        else:
            i += 1
    seen: set[str] = set()
    return [(s, c) for s, c in out if not (c in seen or seen.add(c))]


def import_labels(paths: Iterable[Path], *, resolve_drug: Callable[[dict], str | None],
                  condition_names: dict[str, str]) -> tuple[list[dict], list[dict], int]:
    """Parse label files; return (label_facts rows, approval rows, records skipped)."""
    facts, approvals, skipped = [], [], 0
    for path in paths:
        for rec in iter_label_records(path):
            p = parse_label(rec)
            did = resolve_drug(p)
            if did is None:
                skipped += 1
                continue
            src = f"openFDA label set_id {p['set_id']}" + (f" ({p['application']})" if p["application"] else "")
            facts.append({"drug_id": did, "set_id": p["set_id"], "route": (p["route"] or "").lower() or None,
                          "brand": p["brand"], "application": p["application"], "product_type": p["product_type"],
                          "effective_time": p["effective_time"], "indications": p["indications"],
                          "dosage": p["dosage"], "max_daily_dose": p["max_daily_dose"],
                          "max_daily_dose_unit": p["max_daily_dose_unit"], "boxed_warning": p["boxed_warning"],
                          "pregnancy": p["pregnancy"], "mechanism": p["mechanism"],
                          "interactions": p["interactions"], "source": "openfda_label", "citation": src})
            if p["indications"] and (p["product_type"] or "").upper().startswith("HUMAN PRESCRIPTION"):
                year = int(p["effective_time"][:4]) if (p["effective_time"] or "")[:4].isdigit() else None
                for surface, cid in find_conditions(p["indications"], condition_names):
                    approvals.append({"drug_id": did, "condition_id": cid, "regulator": "FDA", "status": "approved",
                                      "indication_text": p["indications"][:2000], "year": None,
                                      "application": p["application"], "product": p["brand"],
                                      "route": (p["route"] or "").lower() or None,
                                      "note": f"'{surface}' in the indications section of {src}, label of {year}",
                                      "source": "openfda_label"})
    return facts, approvals, skipped
