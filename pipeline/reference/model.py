"""Typed entries of the reference: drugs, conditions, approvals, evidence, label facts.

The schema is documented in ``corpora/reference/README.md``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

DIRECTIONS = ("benefit", "no_benefit", "harm", "mixed", "insufficient", "no_trials")
GRADES = ("high", "moderate", "low", "very_low", "none")
APPROVAL_STATUSES = ("approved", "not_approved", "withdrawn", "discontinued")
CITATION_STATUSES = ("verified", "unverified")

_WS = re.compile(r"\s+")


def normalise_name(text: str) -> str:
    """Lower-case, strip accents and fold punctuation/whitespace for name lookup.

    >>> normalise_name("  Non-Steroidal  anti-inflammatory ")
    'non-steroidal anti-inflammatory'
    """
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = t.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    return _WS.sub(" ", t.strip().lower())


@dataclass(slots=True)
class NameEntry:
    """One surface form of a drug or condition in the vocabulary."""

    kind: str  # drug | condition
    id: str
    name_type: str  # name | synonym | brand | abbreviation
    case_sensitive: bool = False  # abbreviations must match case ("MS", not "ms")
    # Stands for several things in health writing (MS, AD, RA) or maps to several concepts:
    # link only with supporting context.
    ambiguous: bool = False
    # Where the surface form comes from: "curated", "overlay:<file>" or a compiled source name.
    source: str = "curated"



@dataclass
class Source:
    """Where a fact comes from. Never invent identifiers: unsure -> citation_status unverified."""

    kind: str  # label | guideline | systematic_review | database | regulator | review | trial_registry
    title: str
    issuer: str | None = None
    year: int | None = None
    application: str | None = None  # e.g. "NDA 017851"
    url: str | None = None
    pmid: str | None = None
    doi: str | None = None
    citation_status: str = "unverified"
    licence: str | None = None
    version: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def short(self) -> str:
        bits = [self.title]
        if self.issuer and self.issuer not in self.title:
            bits.append(self.issuer)
        if self.application:
            bits.append(self.application)
        if self.year:
            bits.append(str(self.year))
        return ", ".join(bits)


@dataclass
class Drug:
    id: str
    name: str
    # drug | class | form (medicines), or an intervention type from
    # pipeline/resources/intervention_types.yaml (supplement, herb, vitamin_mineral, food, diet, ...)
    kind: str = "drug"
    synonyms: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    abbreviations: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)  # ids of class entries it belongs to
    parent: str | None = None  # for a form (intrathecal baclofen): the ingredient id
    route: str | None = None
    xrefs: dict[str, str] = field(default_factory=dict)
    # For a product or preparation: its active ingredients, ids or names ("turmeric" -> curcumin).
    ingredients: list[str] = field(default_factory=list)
    origin: str = "curated"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Condition:
    id: str
    name: str
    synonyms: list[str] = field(default_factory=list)
    abbreviations: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)  # broader condition ids (spasticity due to MS -> spasticity)
    xrefs: dict[str, str] = field(default_factory=dict)
    origin: str = "curated"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Approval:
    id: str
    drug: str
    condition: str
    regulator: str
    status: str
    source: Source
    date_checked: str
    route: str | None = None
    form: str | None = None
    year: int | None = None
    indication_text: str | None = None
    origin: str = "curated"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["source"] = self.source.to_dict()
        return d


@dataclass
class Evidence:
    id: str
    drug: str
    condition: str
    direction: str
    grade: str
    source: Source
    date_checked: str
    outcome: str | None = None
    n_rcts: int | None = None
    summary: str | None = None
    route: str | None = None
    origin: str = "curated"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["source"] = self.source.to_dict()
        return d


@dataclass
class LabelFacts:
    id: str
    drug: str
    source: Source
    date_checked: str
    route: str | None = None
    max_daily_dose: float | None = None
    max_daily_dose_unit: str | None = None
    usual_start_dose: str | None = None
    boxed_warning: str | None = None
    withdrawal: str | None = None
    pregnancy: str | None = None
    interactions: list[str] = field(default_factory=list)
    half_life: str | None = None
    mechanism: str | None = None
    adverse_effects: list[str] = field(default_factory=list)
    origin: str = "curated"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["source"] = self.source.to_dict()
        return d


# The fields every entry of a reference table must have (read by the loader and the validator).
REQUIRED_FIELDS = {
    "drugs": ("id", "name"),
    "conditions": ("id", "name"),
    "approvals": ("drug", "condition", "regulator", "status", "source", "date_checked"),
    "evidence": ("drug", "condition", "direction", "grade", "source", "date_checked"),
    "labels": ("drug", "source", "date_checked"),
}
