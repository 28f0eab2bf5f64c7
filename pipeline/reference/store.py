"""Loading, validating and querying the reference."""
from __future__ import annotations

import importlib.resources as resources
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from ..errors import ReferenceDataError
from .model import (APPROVAL_STATUSES, CITATION_STATUSES, DIRECTIONS, GRADES, Approval, Condition,
                    Drug, Evidence, LabelFacts, Source)

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


@dataclass
class NameEntry:
    """One surface form of a drug or condition in the vocabulary."""

    kind: str  # drug | condition
    id: str
    name_type: str  # name | synonym | brand | abbreviation
    case_sensitive: bool = False  # abbreviations must match case ("MS", not "ms")


@dataclass
class Reference:
    """In-memory reference with dictionary-fast lookups."""

    drugs: dict[str, Drug] = field(default_factory=dict)
    conditions: dict[str, Condition] = field(default_factory=dict)
    approvals: list[Approval] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    labels: dict[str, list[LabelFacts]] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    names: dict[str, list[NameEntry]] = field(default_factory=lambda: defaultdict(list))
    _approvals_by_drug: dict[str, list[Approval]] = field(default_factory=lambda: defaultdict(list))
    _evidence_by_pair: dict[tuple[str, str], list[Evidence]] = field(default_factory=lambda: defaultdict(list))
    files: list[str] = field(default_factory=list)

    # -- building -------------------------------------------------------------------------
    def add_drug(self, d: Drug) -> None:
        """Add a drug; an id seen before is merged (names unioned, later scalar fields win)."""
        old = self.drugs.get(d.id)
        if old is not None:
            for attr in ("synonyms", "brands", "abbreviations", "classes"):
                merged = list(getattr(old, attr))
                merged += [x for x in getattr(d, attr) if x not in merged]
                setattr(d, attr, merged)
            d.xrefs = {**old.xrefs, **d.xrefs}
            d.parent = d.parent or old.parent
            d.route = d.route or old.route
        self.drugs[d.id] = d
        self._index(d.name, "drug", d.id, "name")
        for s in d.synonyms:
            self._index(s, "drug", d.id, "synonym")
        for b in d.brands:
            self._index(b, "drug", d.id, "brand")
        for a in d.abbreviations:
            self._index(a, "drug", d.id, "abbreviation", case_sensitive=True)

    def add_condition(self, c: Condition) -> None:
        """Add a condition; an id seen before is merged (names and parents unioned)."""
        old = self.conditions.get(c.id)
        if old is not None:
            for attr in ("synonyms", "abbreviations", "parents"):
                merged = list(getattr(old, attr))
                merged += [x for x in getattr(c, attr) if x not in merged]
                setattr(c, attr, merged)
            c.xrefs = {**old.xrefs, **c.xrefs}
        self.conditions[c.id] = c
        self._index(c.name, "condition", c.id, "name")
        for s in c.synonyms:
            self._index(s, "condition", c.id, "synonym")
        for a in c.abbreviations:
            self._index(a, "condition", c.id, "abbreviation", case_sensitive=True)

    def _index(self, surface: str, kind: str, id_: str, name_type: str, case_sensitive: bool = False) -> None:
        key = surface.strip() if case_sensitive else normalise_name(surface)
        if not key:
            return
        entries = self.names[key]
        if any(e.id == id_ and e.kind == kind for e in entries):
            return
        entries.append(NameEntry(kind, id_, name_type, case_sensitive))

    def add_approval(self, a: Approval) -> None:
        self.approvals.append(a)
        self._approvals_by_drug[a.drug].append(a)

    def add_evidence(self, e: Evidence) -> None:
        self.evidence.append(e)
        self._evidence_by_pair[(e.drug, e.condition)].append(e)

    def add_label(self, lf: LabelFacts) -> None:
        self.labels.setdefault(lf.drug, []).append(lf)

    # -- lookups --------------------------------------------------------------------------
    def lookup_name(self, surface: str) -> list[NameEntry]:
        """All vocabulary entries for a surface form (case-sensitive abbreviations first)."""
        out = [e for e in self.names.get(surface.strip(), []) if e.case_sensitive]
        out += [e for e in self.names.get(normalise_name(surface), []) if not e.case_sensitive]
        return out

    def drug_by_name(self, name: str) -> Drug | None:
        for e in self.lookup_name(name):
            if e.kind == "drug":
                return self.drugs[e.id]
        return self.drugs.get(name)

    def condition_by_name(self, name: str) -> Condition | None:
        for e in self.lookup_name(name):
            if e.kind == "condition":
                return self.conditions[e.id]
        return self.conditions.get(name)

    def ingredient_of(self, drug_id: str) -> str:
        """For a form entry (intrathecal baclofen) the ingredient id; else the id itself."""
        d = self.drugs.get(drug_id)
        return d.parent if d is not None and d.parent else drug_id

    def related_drugs(self, drug_id: str) -> list[str]:
        """The drug, its ingredient (for forms) and the classes it belongs to, most specific first."""
        out = [drug_id]
        d = self.drugs.get(drug_id)
        if d is not None and d.parent:
            out.append(d.parent)
            pd = self.drugs.get(d.parent)
            if pd is not None:
                out += [c for c in pd.classes if c not in out]
        if d is not None:
            out += [c for c in d.classes if c not in out]
        return out

    def condition_ancestors(self, condition_id: str) -> list[str]:
        """The condition and its broader conditions, most specific first."""
        out, todo = [], [condition_id]
        while todo:
            c = todo.pop(0)
            if c in out:
                continue
            out.append(c)
            cond = self.conditions.get(c)
            if cond is not None:
                todo += cond.parents
        return out

    def approvals_for(self, drug_id: str, condition_id: str | None = None) -> list[Approval]:
        """Approvals of a drug (and of its ingredient, for a form), optionally for one condition
        or any of its broader/narrower conditions."""
        drug_ids = [drug_id]
        ing = self.ingredient_of(drug_id)
        if ing != drug_id:
            drug_ids.append(ing)
        else:
            drug_ids += [d.id for d in self.drugs.values() if d.parent == drug_id]
        rows = [a for did in drug_ids for a in self._approvals_by_drug.get(did, [])]
        if condition_id is None:
            return rows
        anc = set(self.condition_ancestors(condition_id))
        return [a for a in rows if a.condition in anc or condition_id in self.condition_ancestors(a.condition)]

    def evidence_for(self, drug_id: str, condition_id: str) -> list[Evidence]:
        """Evidence for the pair, falling back to the drug's ingredient/classes and broader conditions."""
        for did in self.related_drugs(drug_id):
            for cid in self.condition_ancestors(condition_id):
                rows = self._evidence_by_pair.get((did, cid))
                if rows:
                    return list(rows)
        return []

    def label_for(self, drug_id: str, route: str | None = None) -> list[LabelFacts]:
        rows = self.labels.get(drug_id) or self.labels.get(self.ingredient_of(drug_id), [])
        if route:
            specific = [r for r in rows if r.route == route]
            if specific:
                return specific
        return rows

    def iter_names(self) -> Iterator[tuple[str, NameEntry]]:
        for key, entries in self.names.items():
            for e in entries:
                yield key, e


# ---------------------------------------------------------------------------------------------
# YAML loading

_REQUIRED = {
    "drugs": ("id", "name"),
    "conditions": ("id", "name"),
    "approvals": ("drug", "condition", "regulator", "status", "source", "date_checked"),
    "evidence": ("drug", "condition", "direction", "grade", "source", "date_checked"),
    "labels": ("drug", "source", "date_checked"),
}


def _err(path: str, i: int | None, msg: str) -> ReferenceDataError:
    where = f"{path}" + (f" entry {i + 1}" if i is not None else "")
    return ReferenceDataError(f"{where}: {msg}", hint="fix the entry; schema in corpora/reference/README.md")


def _source(raw: Any, sources: dict[str, Source], path: str, i: int) -> Source:
    if isinstance(raw, str):
        if raw not in sources:
            raise _err(path, i, f"unknown source key {raw!r} (define it under 'sources:')")
        return sources[raw]
    if isinstance(raw, dict):
        try:
            s = Source(**raw)
        except TypeError as e:
            raise _err(path, i, f"bad source: {e}") from None
        if s.citation_status not in CITATION_STATUSES:
            raise _err(path, i, f"citation_status must be one of {CITATION_STATUSES}")
        return s
    raise _err(path, i, "source must be a key or a mapping")


def _date(v: Any) -> str:
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def _resolve(ref: Reference, kind: str, name: str, path: str, i: int) -> str:
    table = ref.drugs if kind == "drug" else ref.conditions
    if name in table:
        return name
    ent = ref.drug_by_name(name) if kind == "drug" else ref.condition_by_name(name)
    if ent is None:
        raise _err(path, i, f"unknown {kind} {name!r}: add it to the {kind}s file first")
    return ent.id


def _load_docs(docs: list[tuple[str, dict]], ref: Reference) -> None:
    # Pass 1: sources, drugs, conditions (so later entries can refer to them by name).
    for path, doc in docs:
        for key, raw in (doc.get("sources") or {}).items():
            ref.sources[key] = _source(raw, {}, path, 0)
    for path, doc in docs:
        for i, raw in enumerate(doc.get("drugs") or []):
            _check_required(raw, "drugs", path, i)
            try:
                ref.add_drug(Drug(**raw))
            except TypeError as e:
                raise _err(path, i, str(e)) from None
        for i, raw in enumerate(doc.get("conditions") or []):
            _check_required(raw, "conditions", path, i)
            try:
                ref.add_condition(Condition(**raw))
            except TypeError as e:
                raise _err(path, i, str(e)) from None
    # Resolve names used for classes / parents.
    for d in ref.drugs.values():
        d.classes = [ref.drug_by_name(c).id if c not in ref.drugs and ref.drug_by_name(c) else c
                     for c in d.classes]
        if d.parent and d.parent not in ref.drugs and ref.drug_by_name(d.parent):
            d.parent = ref.drug_by_name(d.parent).id
    for c in ref.conditions.values():
        c.parents = [ref.condition_by_name(p).id if p not in ref.conditions and ref.condition_by_name(p) else p
                     for p in c.parents]
    # Pass 2: facts.
    for path, doc in docs:
        for i, raw in enumerate(doc.get("approvals") or []):
            raw = dict(raw)
            _check_required(raw, "approvals", path, i)
            raw["drug"] = _resolve(ref, "drug", raw["drug"], path, i)
            raw["condition"] = _resolve(ref, "condition", raw["condition"], path, i)
            raw["source"] = _source(raw["source"], ref.sources, path, i)
            raw["date_checked"] = _date(raw["date_checked"])
            raw.setdefault("id", f"approval:{raw['drug']}:{raw['condition']}:{raw['regulator']}:{raw.get('route') or ''}")
            if raw["status"] not in APPROVAL_STATUSES:
                raise _err(path, i, f"status must be one of {APPROVAL_STATUSES}")
            try:
                ref.add_approval(Approval(**raw))
            except TypeError as e:
                raise _err(path, i, str(e)) from None
        for i, raw in enumerate(doc.get("evidence") or []):
            raw = dict(raw)
            _check_required(raw, "evidence", path, i)
            raw["drug"] = _resolve(ref, "drug", raw["drug"], path, i)
            raw["condition"] = _resolve(ref, "condition", raw["condition"], path, i)
            raw["source"] = _source(raw["source"], ref.sources, path, i)
            raw["date_checked"] = _date(raw["date_checked"])
            raw.setdefault("id", f"evidence:{raw['drug']}:{raw['condition']}:{raw.get('outcome') or 'any'}")
            if raw["direction"] not in DIRECTIONS:
                raise _err(path, i, f"direction must be one of {DIRECTIONS}")
            if raw["grade"] not in GRADES:
                raise _err(path, i, f"grade must be one of {GRADES}")
            try:
                ref.add_evidence(Evidence(**raw))
            except TypeError as e:
                raise _err(path, i, str(e)) from None
        for i, raw in enumerate(doc.get("labels") or []):
            raw = dict(raw)
            _check_required(raw, "labels", path, i)
            raw["drug"] = _resolve(ref, "drug", raw["drug"], path, i)
            raw["source"] = _source(raw["source"], ref.sources, path, i)
            raw["date_checked"] = _date(raw["date_checked"])
            raw.setdefault("id", f"label:{raw['drug']}:{raw.get('route') or 'any'}")
            try:
                ref.add_label(LabelFacts(**raw))
            except TypeError as e:
                raise _err(path, i, str(e)) from None


def _check_required(raw: Any, table: str, path: str, i: int) -> None:
    if not isinstance(raw, dict):
        raise _err(path, i, f"{table} entries must be mappings")
    missing = [k for k in _REQUIRED[table] if raw.get(k) in (None, "")]
    if missing:
        raise _err(path, i, f"missing {', '.join(missing)}")


def _read_yaml_files(files: Iterable[tuple[str, str]]) -> list[tuple[str, dict]]:
    docs = []
    for name, text in files:
        try:
            doc = yaml.safe_load(text) or {}
        except yaml.YAMLError as e:
            raise ReferenceDataError(f"{name}: not valid YAML: {e}") from None
        if not isinstance(doc, dict):
            raise ReferenceDataError(f"{name}: top level must be a mapping of tables (drugs:, evidence:, ...)")
        docs.append((name, doc))
    return docs


def curated_files() -> list[tuple[str, str]]:
    """(name, text) of every shipped curated YAML file, in name order."""
    root = resources.files("pipeline.corpora").joinpath("reference")
    out = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if entry.name.endswith((".yaml", ".yml")):
            out.append((f"corpora/reference/{entry.name}", entry.read_text(encoding="utf-8")))
    return out


_CACHE: dict[tuple, Reference] = {}


def load_reference(overlays: Iterable[str | Path] = (), *, use_cache: bool = True) -> Reference:
    """Load the curated reference, with editor overlay folders or files on top.

    Args:
        overlays: YAML files or folders of YAML files merged after the shipped ones
            (later entries with the same id replace earlier ones).
        use_cache: reuse an already loaded reference in this process.

    Returns:
        A :class:`Reference`.

    Raises:
        ReferenceDataError: naming the file and entry that is wrong.

    Example:
        >>> ref = load_reference()
        >>> [a.status for a in ref.approvals_for(ref.drug_by_name("baclofen").id,
        ...                                      ref.condition_by_name("fibromyalgia").id)]
        ['not_approved']
    """
    overlay_paths = tuple(str(Path(o)) for o in overlays)
    key = overlay_paths
    if use_cache and key in _CACHE:
        return _CACHE[key]
    files = curated_files()
    for o in overlay_paths:
        p = Path(o)
        paths = sorted(p.glob("*.y*ml")) if p.is_dir() else [p]
        for f in paths:
            try:
                files.append((str(f), f.read_text(encoding="utf-8")))
            except OSError as e:
                raise ReferenceDataError(f"{f}: cannot read overlay: {e.strerror}") from None
    ref = Reference()
    _load_docs(_read_yaml_files(files), ref)
    ref.files = [n for n, _ in files]
    _CACHE[key] = ref
    return ref
