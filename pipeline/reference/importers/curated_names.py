"""Names of the curated reference's drugs and conditions, for importers that resolve a source's
wording to an entry the open vocabularies lack ("chemotherapy-induced nausea and vomiting").

Only names and ids are read (the facts stay in the curated layer); ids are the curated ids, so a
compiled row that uses one joins the curated entry when the reference is loaded.

Example:
    >>> names = curated_name_index()
    >>> names.condition("hot flashes")
    'mesh:D019584'
"""
from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from ..model import normalise_name
from ..store import curated_files


@dataclass
class CuratedNames:
    """Normalised surface form -> id, one table per kind (a form naming two entries is left out)."""

    drugs: dict[str, str] = field(default_factory=dict)
    conditions: dict[str, str] = field(default_factory=dict)

    def drug(self, name: str) -> str | None:
        return self.drugs.get(normalise_name(name))

    def condition(self, name: str) -> str | None:
        return self.conditions.get(normalise_name(name))


def _index(entries: list, table: dict[str, str], clash: set[str]) -> None:
    for e in entries or []:
        if not isinstance(e, dict) or not e.get("id"):
            continue
        for surface in [e.get("name"), *(e.get("synonyms") or [])]:
            if not isinstance(surface, str):
                continue
            key = normalise_name(surface)
            if key in table and table[key] != e["id"]:
                clash.add(key)
            table.setdefault(key, e["id"])


def curated_name_index() -> CuratedNames:
    """Names of every drug and condition in the shipped curated YAML files."""
    out = CuratedNames()
    clash_d: set[str] = set()
    clash_c: set[str] = set()
    for _, text in curated_files():
        doc = yaml.safe_load(text) or {}
        _index(doc.get("drugs"), out.drugs, clash_d)
        _index(doc.get("conditions"), out.conditions, clash_c)
    for k in clash_d:
        out.drugs.pop(k, None)
    for k in clash_c:
        out.conditions.pop(k, None)
    return out
