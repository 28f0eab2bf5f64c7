"""Interventions beyond prescription drugs: their types, and typing compiled substances.

The types (``supplement``, ``herb``, ``vitamin_mineral``, ``food``, ``diet``, ``complementary``,
``device``, ``procedure``, ``behaviour``) and the rules that type a substance by its name are data,
in ``pipeline/resources/intervention_types.yaml``, checked when first read. A drug entry's
``kind`` is its intervention type; prescription medicines keep ``drug`` (or ``class``/``form``).

Example:
    >>> classify_substance("curcuma longa root")
    'herb'
    >>> classify_substance("cholecalciferol"), classify_substance("baclofen")
    ('vitamin_mineral', None)
    >>> classify_substance("timothy grass pollen allergenic extract") is None
    True
    >>> is_dietary_supplement("herb"), is_dietary_supplement("diet")
    (True, False)
"""
from __future__ import annotations

import importlib.resources as resources
import re
from dataclasses import dataclass
from functools import lru_cache

import yaml

from ..errors import ReferenceDataError

_FILE = "intervention_types.yaml"
MEDICINE_KINDS = ("drug", "class", "form")


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern
    needs_part: bool
    needs_plant_word: bool


@dataclass(frozen=True)
class InterventionTypes:
    """The checked contents of ``intervention_types.yaml``."""

    types: dict[str, str]
    supplement_kinds: frozenset[str]
    exclude: tuple[re.Pattern, ...]
    rules: tuple[_Rule, ...]
    plant_words: tuple[str, ...]
    plant_parts: frozenset[str]


def _bad(msg: str) -> ReferenceDataError:
    return ReferenceDataError(f"pipeline/resources/{_FILE}: {msg}", hint="fix the rules file")


def _compile(raw: str, where: str) -> re.Pattern:
    try:
        return re.compile(raw)
    except (re.error, TypeError) as e:
        raise _bad(f"{where}: bad pattern ({e})") from None


def parse_types(doc: dict) -> InterventionTypes:
    """Check and compile a parsed ``intervention_types.yaml`` (raises ReferenceDataError)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("types"), dict) or not doc["types"]:
        raise _bad("needs a non-empty `types:` mapping")
    types = {str(k): str(v) for k, v in doc["types"].items()}
    clash = set(types) & set(MEDICINE_KINDS)
    if clash:
        raise _bad(f"types {sorted(clash)} are medicine kinds, not intervention types")
    supp = frozenset(doc.get("dietary_supplement_kinds") or [])
    if not supp <= set(types):
        raise _bad(f"dietary_supplement_kinds names unknown types {sorted(supp - set(types))}")
    exclude = tuple(_compile(e.get("pattern"), f"exclude {i + 1}") for i, e in enumerate(doc.get("exclude") or []))
    rules = []
    for i, r in enumerate(doc.get("rules") or []):
        if r.get("kind") not in types:
            raise _bad(f"rule {i + 1}: kind {r.get('kind')!r} is not one of {sorted(types)}")
        if not r.get("why"):
            raise _bad(f"rule {i + 1}: every rule says why (`why:`)")
        rules.append(_Rule(r["kind"], _compile(r.get("pattern"), f"rule {i + 1}"),
                           bool(r.get("requires_part_or_preparation")), bool(r.get("requires_plant_word"))))
    return InterventionTypes(types, supp, exclude, tuple(rules), tuple(doc.get("plant_words") or ()),
                             frozenset(doc.get("plant_parts") or ()))


@lru_cache(maxsize=1)
def load_types() -> InterventionTypes:
    """The intervention types and typing rules shipped in ``pipeline/resources``."""
    text = resources.files("pipeline.resources").joinpath(_FILE).read_text("utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise _bad(f"not valid YAML: {e}") from None
    return parse_types(doc)


def intervention_types() -> tuple[str, ...]:
    """The intervention type names (``supplement``, ``herb``, ...)."""
    return tuple(load_types().types)


def is_intervention(kind: str | None) -> bool:
    """Whether a drug entry's ``kind`` is a non-prescription intervention type."""
    return kind in load_types().types


def is_dietary_supplement(kind: str | None) -> bool:
    """Whether entries of this kind are dietary supplements (DSHEA), per the data file."""
    return kind in load_types().supplement_kinds


def _ends_with_part(name: str, parts: frozenset[str]) -> bool:
    words = name.split()
    return any(" ".join(words[-k:]) in parts for k in (1, 2, 3) if len(words) > k)


def classify_substance(name: str) -> str | None:
    """The intervention type of a substance by its preferred name, or ``None`` (a medicine, an
    allergen extract, or not recognised).

    Args:
        name: the substance's name, e.g. ``"hypericum perforatum flower extract"``.

    Returns:
        A type from :func:`intervention_types` or ``None``.
    """
    t = load_types()
    n = " ".join(name.lower().split())
    if any(p.search(n) for p in t.exclude):
        return None
    for r in t.rules:
        if not r.pattern.search(n):
            continue
        if r.needs_part and not _ends_with_part(n, t.plant_parts):
            continue
        if r.needs_plant_word and not any(n.startswith(w + " ") for w in t.plant_words):
            continue
        return r.kind
    return None


def intervention_type(ref, drug_id: str | None) -> str | None:
    """The intervention type of a linked drug id in ``ref`` (``None`` for a medicine or unknown id).

    Example:
        >>> from pipeline.reference import load_reference
        >>> ref = load_reference(compiled=None)
        >>> intervention_type(ref, ref.drug_by_name("acupuncture").id)
        'complementary'
    """
    d = ref.drugs.get(drug_id) if drug_id else None
    return d.kind if d is not None and is_intervention(d.kind) else None


def ingredients_of(ref, drug_id: str) -> list[str]:
    """Ids of the active ingredients of a product or preparation (``Drug.ingredients``, given as
    names or ids), those the reference knows; e.g. turmeric -> curcumin.

    Example:
        >>> from pipeline.reference import load_reference
        >>> ref = load_reference(compiled=None)
        >>> ingredients_of(ref, ref.drug_by_name("baclofen").id)
        []
    """
    d = ref.drugs.get(drug_id)
    out: list[str] = []
    for x in (d.ingredients if d is not None else []):
        hit = x if x in ref.drugs else getattr(ref.drug_by_name(x), "id", None)
        if hit and hit != drug_id and hit not in out:
            out.append(hit)
    return out
