"""DDSAE (Vasilakes et al. 2019, MIT): dietary-supplement adverse-event signals from FDA's CAERS.

Each (ingredient or product, MedDRA event) pair that passed a disproportionality method's
threshold becomes one ``ae_signals`` row, with the methods that flagged it and their statistics,
worded as a signal -- "FDA adverse-event reports (CAERS) associate X with Y" -- never as a cause.
Ingredient names are raw CAERS strings: HTML fragments are dropped, and a name is linked to a
known substance by name; a clean name the vocabulary lacks becomes a new intervention entry
(``oc:ddsae-<slug>``, typed by :func:`~pipeline.reference.interventions.classify_substance`,
default ``supplement``).

Example:
    >>> clean_name("HYDROXAGEN PLUS <P CLASS='INDENT01B'>GARCINIA") is None
    True
    >>> clean_name("Turmeric"), clean_name("ALLIUM SATIVUM")
    ('turmeric', 'allium sativum')
    >>> clean_name("TOTAL CARBOHYDRATES") is None, clean_name("Calories from Fat") is None
    (True, True)
"""
from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

from ..interventions import classify_substance
from ..model import normalise_name
from .common import need, slug
from .state import CompileState

METHODS = {"PRR": "PRR05", "ROR": "ROR05", "BCPNN": "IC025", "GPS": "EB05"}
_NOT_AN_INGREDIENT = re.compile(r"\b(system|blend|complex|formula|proprietary|matrix|other|natural flavors?|"
                                r"ingredients?|capsule|gelatin|cellulose|stearate|silicon dioxide|water)\b")
# Nutrition-facts lines that CAERS lists as "ingredients" (calories, total fat, sugars, ...).
_NUTRITION_LINE = re.compile(r"^(total |added |free )?(calories( from fat)?|carbohydrates?|fats?|protein|sugars?|sodium|"
                             r"dietary fiber|cholesterol|(poly|mono)?unsaturated fat|saturated fat)$|^(with|mixed|micronized) ")
_CLEAN = re.compile(r"^[a-z][a-z '\-]{2,40}$")


def clean_name(raw: str) -> str | None:
    """A CAERS ingredient string as a lower-case name, or ``None`` when it is a product string,
    an HTML fragment, a systematic chemical name or a filler."""
    n = normalise_name(raw)
    if not _CLEAN.match(n) or len(n.split()) > 4 or _NOT_AN_INGREDIENT.search(n) or _NUTRITION_LINE.search(n):
        return None
    return n


def read_signals(folder: Path, subject: str) -> dict[tuple[str, str], dict]:
    """(name, event) -> {count, stats{statistic: value}} over the four method files of
    ``ingredient_adverse_events`` or ``product_adverse_events``."""
    out: dict[tuple[str, str], dict] = {}
    for method, stat in METHODS.items():
        path = need(folder / f"{subject}_adverse_events" / f"{method}.csv", "ddsae")
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                name, event = row.get(subject, "").strip(), row.get("adverse_event", "").strip()
                if not name or not event:
                    continue
                rec = out.setdefault((name, event), {"count": 0, "stats": {}})
                rec["count"] = max(rec["count"], int(float(row.get("count") or 0)))
                rec["stats"][stat] = round(float(row[stat]), 3)
    return out


def signal_wording(subject: str, event: str, count: int, stats: dict[str, float]) -> str:
    """The one sentence an editor may quote: a signal, not a cause."""
    methods = ", ".join(sorted(stats))
    return (f"FDA adverse-event reports (CAERS, to about 2017) associate {subject} with {event.lower()} "
            f"({count} reports; a disproportionality signal by {methods}, not evidence that it causes it).")


def _ingredient_id(st: CompileState, raw: str, created: dict[str, str]) -> str | None:
    did = st.find_drug(raw)
    if did:
        return did
    name = clean_name(raw)
    if name is None:
        return None
    did = st.find_drug(name)
    if did:
        return did
    if name in created:
        return created[name]
    # A name the vocabulary already gives several meanings, or an everyday English word ("wine",
    # "lemon"), is not made a new entry: its signals stay under the raw product string.
    if st.drug_index.get(name) or (" " not in name and st.filter.is_common_word(name)):
        return None
    did = f"oc:ddsae-{slug(name)}"
    st.drugs[did] = {"id": did, "name": name, "kind": classify_substance(name) or "supplement", "rxcui": None,
                     "drugbank": None, "unii": None, "mesh": None, "umls": None, "drugcentral_id": None,
                     "ingredients": None, "source": "ddsae"}
    st.add_drug_name(did, name, "name", "ddsae")
    created[name] = did
    return did


def import_ddsae(st: CompileState, src: Path) -> None:
    """Ingredient and product signals -> ``ae_signals``; unknown clean ingredients -> interventions."""
    folder = src / "ddsae_2019"
    created: dict[str, str] = {}
    per_subject: dict[str, int] = defaultdict(int)
    for subject in ("ingredient", "product"):
        for (name, event), rec in sorted(read_signals(folder, subject).items()):
            did = _ingredient_id(st, name, created) if subject == "ingredient" else st.find_drug(name)
            label = st.drugs[did]["name"] if did else " ".join(name.split()).lower()
            st.ae_signals.append({"drug_id": did, "subject": " ".join(name.split())[:200], "subject_type": subject,
                                  "event": event, "count": rec["count"],
                                  "methods": ",".join(sorted(rec["stats"])),
                                  "statistics": ";".join(f"{k}={v}" for k, v in sorted(rec["stats"].items())),
                                  "wording": signal_wording(label, event, rec["count"], rec["stats"]),
                                  "source": "ddsae"})
            per_subject[subject] += 1
    st.counts["ddsae ingredient signals"] = per_subject["ingredient"]
    st.counts["ddsae product signals"] = per_subject["product"]
    st.counts["ddsae signals linked to a substance"] = sum(1 for s in st.ae_signals if s["drug_id"])
    st.counts["ddsae new intervention entries"] = len(created)
