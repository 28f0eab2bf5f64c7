"""The in-progress compiled reference the importers add to (tables as lists of dicts)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..model import normalise_name
from .common import NameFilter

_NAME_RANK = {"name": 0, "brand": 1, "abbreviation": 2, "synonym": 3}


@dataclass
class CompileState:
    """Rows of every table of the compiled reference, plus the indexes importers resolve with.

    Every row carries ``source``; the build stamps its version and licence from the registry.
    """

    filter: NameFilter
    drugs: dict[str, dict[str, Any]] = field(default_factory=dict)
    conditions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (concept id, key) -> row; key is the normalised surface (raw surface for abbreviations)
    drug_names: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    condition_names: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    approvals: list[dict[str, Any]] = field(default_factory=list)
    indications: list[dict[str, Any]] = field(default_factory=list)
    drug_classes: list[dict[str, Any]] = field(default_factory=list)
    fda_products: list[dict[str, Any]] = field(default_factory=list)
    label_facts: list[dict[str, Any]] = field(default_factory=list)
    trials: list[dict[str, Any]] = field(default_factory=list)
    trial_conditions: list[dict[str, Any]] = field(default_factory=list)
    trial_interventions: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    herbal_assessments: list[dict[str, Any]] = field(default_factory=list)
    ae_signals: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # indexes
    drug_index: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    cond_index: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    drug_by_xref: dict[tuple[str, str], str] = field(default_factory=dict)  # ("unii", X) -> id
    cond_by_xref: dict[tuple[str, str], str] = field(default_factory=dict)  # ("umls", C..) -> id

    # -- names ------------------------------------------------------------------------------
    def _add_name(self, table: dict, index: dict, kind: str, cid: str, surface: str, name_type: str,
                  source: str) -> bool:
        surface = " ".join(surface.split())
        # Our own lay-term list is curated: only the abbreviation/length rules apply to it.
        reason = self.filter.check(surface, kind=kind, name_type="name" if source == "lay_terms" and
                                   name_type != "abbreviation" else name_type)
        if reason is not None:
            self.rejected.append({"kind": kind, "concept_id": cid, "name": surface,
                                  "name_type": name_type, "reason": reason, "source": source})
            return False
        cs = name_type == "abbreviation"
        key = surface.strip() if cs else normalise_name(surface)
        old = table.get((cid, key))
        if old is not None:
            if _NAME_RANK[name_type] < _NAME_RANK[old["name_type"]]:
                old["name_type"] = name_type
            return True
        table[(cid, key)] = {"concept_id": cid, "name": surface, "key": key, "name_type": name_type,
                             "case_sensitive": int(cs), "ambiguous": 0, "source": source}
        index[key].add(cid)
        return True

    def add_drug_name(self, drug_id: str, surface: str, name_type: str, source: str) -> bool:
        """Add a surface form of a drug if the filter keeps it; returns whether it was kept."""
        if not surface or drug_id not in self.drugs:
            return False
        return self._add_name(self.drug_names, self.drug_index, "drug", drug_id, surface, name_type, source)

    def add_condition_name(self, cond_id: str, surface: str, name_type: str, source: str) -> bool:
        if not surface or cond_id not in self.conditions:
            return False
        return self._add_name(self.condition_names, self.cond_index, "condition", cond_id, surface,
                              name_type, source)

    # -- resolution ---------------------------------------------------------------------------
    def find_drug(self, name: str) -> str | None:
        """The single drug a name denotes, or None when unknown or ambiguous."""
        ids = self.drug_index.get(normalise_name(name))
        if ids and len(ids) == 1:
            return next(iter(ids))
        return None

    def find_condition(self, name: str) -> str | None:
        ids = self.cond_index.get(normalise_name(name))
        if ids and len(ids) == 1:
            return next(iter(ids))
        return None
