"""Loading, validating and querying the reference."""
from __future__ import annotations

import importlib.resources as resources
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from ..errors import ReferenceDataError, ReferenceValidationError
from .model import (APPROVAL_STATUSES, CITATION_STATUSES, DIRECTIONS, GRADES, Approval, Condition,
                    REQUIRED_FIELDS, Drug, Evidence, LabelFacts, NameEntry, Source, normalise_name)
from ..resources.schema import load_resource
from ..config import cache_dir
from .compiled import load_compiled
from .validate import read_overlays

def _precedence(source: str) -> int:
    """Lower wins: editor overlays, then curated files, then compiled open sources."""
    if source.startswith("overlay"):
        return 0
    return 1 if source == "curated" else 2


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
    # Compiled open-source reference (None when only curated files are loaded).
    compiled_path: str | None = None
    compiled_meta: dict[str, Any] = field(default_factory=dict)
    # Entries replaced by a later layer: (table, id, replaced origin, winning origin).
    overrides: list[tuple[str, str, str, str]] = field(default_factory=list)
    # Compiled ids folded into a curated entry (same xref or same preferred name): old -> new.
    aliases: dict[str, str] = field(default_factory=dict)
    _layer: str = "curated"
    # Curated fact entries skipped because they name a drug or condition only the compiled layer
    # knows (loaded without it): "<file> entry <n>: unknown drug 'green tea'".
    needs_compiled: list[str] = field(default_factory=list)
    # A hash of the inputs it was loaded from (set by pipeline.reference.loader): equal keys, equal
    # contents -- caches derived from the reference (the linker vocabulary) are filed under it.
    content_key: str | None = None

    # -- building -------------------------------------------------------------------------
    def add_drug(self, d: Drug) -> None:
        """Add a drug; an id seen before is merged (names unioned, later scalar fields win)."""
        old = self.drugs.get(d.id)
        if old is not None:
            for attr in ("synonyms", "brands", "abbreviations", "classes", "ingredients"):
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
        layer = self._layer
        rank = _precedence(layer)
        same = [e for e in entries if e.id == id_ and e.kind == kind]
        if same:
            # A higher layer naming an entry a lower layer already gave this name still shadows the
            # lower layers' other meanings of it (curated "ginger" -> its id only, not UNII's others).
            if _precedence(same[0].source) > rank:
                entries[:] = [e for e in entries if not (e.kind == kind and e.id != id_ and _precedence(e.source) > rank)]
                same[0].source = layer  # its meaning is now this layer's: no longer ambiguous by collision
                same[0].ambiguous = case_sensitive and key in _ambiguous_abbreviations()
            return
        # A higher layer claiming a surface form shadows what lower layers said it means
        # (curated wins over compiled; an editor overlay wins over both).
        if any(_precedence(e.source) > rank and e.kind == kind for e in entries):
            entries[:] = [e for e in entries if not (e.kind == kind and _precedence(e.source) > rank)]
        pos = next((i for i, e in enumerate(entries) if _precedence(e.source) > rank), len(entries))
        entries.insert(pos, NameEntry(kind, id_, name_type, case_sensitive,
                                      ambiguous=case_sensitive and key in _ambiguous_abbreviations(),
                                      source=layer))

    def finish(self) -> None:
        """After all layers are loaded: a surface form left denoting several concepts is ambiguous."""
        for entries in self.names.values():
            if len(entries) > 1 and len({(e.kind, e.id) for e in entries}) > 1:
                for e in entries:
                    e.ambiguous = True

    def _replace(self, table: str, rows: list, new: Any) -> bool:
        """Editor overlays replace the entry with the same id (recorded in ``overrides``)."""
        if not new.origin.startswith("overlay"):
            return False
        for i, old in enumerate(rows):
            if old.id == new.id:
                self.overrides.append((table, new.id, old.origin, new.origin))
                rows[i] = new
                return True
        return False

    def add_approval(self, a: Approval) -> None:
        if self._replace("approvals", self.approvals, a):
            lst = self._approvals_by_drug[a.drug]
            lst[:] = [a if x.id == a.id else x for x in lst]
            return
        self.approvals.append(a)
        lst = self._approvals_by_drug[a.drug]
        pos = next((i for i, x in enumerate(lst) if _precedence(x.origin) > _precedence(a.origin)), len(lst))
        lst.insert(pos, a)

    def add_evidence(self, e: Evidence) -> None:
        if self._replace("evidence", self.evidence, e):
            lst = self._evidence_by_pair[(e.drug, e.condition)]
            lst[:] = [e if x.id == e.id else x for x in lst]
            return
        self.evidence.append(e)
        self._evidence_by_pair[(e.drug, e.condition)].append(e)

    def add_label(self, lf: LabelFacts) -> None:
        rows = self.labels.setdefault(lf.drug, [])
        if self._replace("labels", rows, lf):
            return
        # Most authoritative first: overlay, curated, then compiled label facts.
        pos = next((i for i, x in enumerate(rows) if _precedence(x.origin) > _precedence(lf.origin)), len(rows))
        rows.insert(pos, lf)

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
            drug_ids += self._forms_of().get(drug_id, [])
        rows = [a for did in drug_ids for a in self._approvals_by_drug.get(did, [])]
        if condition_id is None:
            return rows
        anc = set(self.condition_ancestors(condition_id))
        # An approval for a narrower condition (spasticity due to MS) bears on a claim about the
        # broader one (spasticity); an approval for a broader one (pain) does not make a narrower
        # use (fibromyalgia) approved -- but "not approved" for the broader one carries down.
        return [a for a in rows if a.condition == condition_id
                or condition_id in self.condition_ancestors(a.condition)
                or (a.status != "approved" and a.condition in anc)]

    def _forms_of(self) -> dict[str, list[str]]:
        """Ingredient id -> ids of its form entries (intrathecal baclofen), built once."""
        cache = self.__dict__.get("_forms_cache")
        if cache is None or cache[0] != len(self.drugs):
            forms: dict[str, list[str]] = defaultdict(list)
            for d in self.drugs.values():
                if d.parent:
                    forms[d.parent].append(d.id)
            cache = (len(self.drugs), dict(forms))
            self.__dict__["_forms_cache"] = cache
        return cache[1]

    def evidence_for(self, drug_id: str, condition_id: str) -> list[Evidence]:
        """Evidence for the pair, falling back to the drug's ingredient/classes and broader conditions."""
        related = self.related_drugs(drug_id)
        for did in related:
            for cid in self.condition_ancestors(condition_id):
                rows = self._evidence_by_pair.get((did, cid))
                if rows:
                    return list(rows)
        # A claim about a broad condition ("arthritis") is judged on the evidence for its narrower
        # forms (osteoarthritis, rheumatoid arthritis), the most favourable first.
        narrower = [e for (did, cid), rows in self._evidence_by_pair.items() if did in related
                    and condition_id in self.condition_ancestors(cid)[1:] for e in rows]
        order = {"benefit": 0, "mixed": 1, "insufficient": 2, "no_trials": 3, "no_benefit": 4, "harm": 5}
        grade = {"high": 0, "moderate": 1, "low": 2, "very_low": 3, "none": 4}
        return sorted(narrower, key=lambda e: (order.get(e.direction, 9), grade.get(e.grade, 9)))

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

_REQUIRED = REQUIRED_FIELDS


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


def _ambiguous_abbreviations() -> frozenset[str]:
    """Abbreviations marked ambiguous (``ambiguous_abbreviations`` in reference_filters.yaml)."""
    global _AMBIG
    if _AMBIG is None:
        _AMBIG = frozenset(str(a).strip() for a in (load_resource("reference_filters.yaml")["ambiguous_abbreviations"] or []))
    return _AMBIG


_AMBIG: frozenset[str] | None = None
# libyaml's loader when available (several times faster), same safe semantics.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_docs(docs: list[tuple[str, dict]], ref: Reference, origin: str | None = None,
               strict: bool = True) -> None:
    """Add parsed YAML documents to ``ref``. ``origin`` (e.g. "overlay:<file>") tags every entry;
    default "curated". ``strict=False`` (curated files loaded without the compiled layer): a fact
    entry naming a drug or condition nobody defines is skipped and listed in ``ref.needs_compiled``
    instead of being an error -- the curated evidence may name any compiled-layer concept."""
    if origin is not None:
        ref._layer = origin
        try:
            return _load_docs_tagged(docs, ref, origin, strict)
        finally:
            ref._layer = "curated"
    _load_docs_tagged(docs, ref, None, strict)


def _resolve_fact(ref: Reference, raw: dict, table: str, path: str, i: int, strict: bool) -> bool:
    """Resolve a fact entry's drug and condition names to ids in place; ``False`` when one is unknown
    and the load is not strict (the entry is then recorded in ``ref.needs_compiled``)."""
    try:
        raw["drug"] = _resolve(ref, "drug", raw["drug"], path, i)
        if "condition" in _REQUIRED[table]:
            raw["condition"] = _resolve(ref, "condition", raw["condition"], path, i)
    except ReferenceDataError as e:
        if strict:
            raise
        ref.needs_compiled.append(str(e).split(" (", 1)[0])
        return False
    return True


def _load_docs_tagged(docs: list[tuple[str, dict]], ref: Reference, origin: str | None, strict: bool = True) -> None:
    tag = {} if origin is None else {"origin": origin}
    # Pass 1: sources, drugs, conditions (so later entries can refer to them by name).
    for path, doc in docs:
        for key, raw in (doc.get("sources") or {}).items():
            ref.sources[key] = _source(raw, {}, path, 0)
    for path, doc in docs:
        for i, raw in enumerate(doc.get("drugs") or []):
            _check_required(raw, "drugs", path, i)
            _check_id(raw, _DRUG_ID, path, i)
            try:
                ref.add_drug(Drug(**{**raw, **tag}))
            except TypeError as e:
                raise _err(path, i, str(e)) from None
        for i, raw in enumerate(doc.get("conditions") or []):
            _check_required(raw, "conditions", path, i)
            _check_id(raw, _CONDITION_ID, path, i)
            try:
                ref.add_condition(Condition(**{**raw, **tag}))
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
    # Pass 2: facts (one table-driven loop for approvals, evidence and label facts).
    for path, doc in docs:
        for table, (cls, add, id_of, enums) in _FACT_TABLES.items():
            for i, raw in enumerate(doc.get(table) or []):
                raw = dict(raw)
                _check_required(raw, table, path, i)
                if not _resolve_fact(ref, raw, table, path, i, strict):
                    continue
                raw["source"] = _source(raw["source"], ref.sources, path, i)
                raw["date_checked"] = _date(raw["date_checked"])
                raw.setdefault("id", id_of(raw))
                for field_name, allowed in enums:
                    if raw[field_name] not in allowed:
                        raise _err(path, i, f"{field_name} must be one of {allowed}")
                try:
                    getattr(ref, add)(cls(**{**raw, **tag}))
                except TypeError as e:
                    raise _err(path, i, str(e)) from None


# table -> (entry class, Reference method adding it, default id, (field, allowed values) checks)
_FACT_TABLES = {
    "approvals": (Approval, "add_approval",
                  lambda r: f"approval:{r['drug']}:{r['condition']}:{r['regulator']}:{r.get('route') or ''}",
                  (("status", APPROVAL_STATUSES),)),
    "evidence": (Evidence, "add_evidence",
                 lambda r: f"evidence:{r['drug']}:{r['condition']}:{r.get('outcome') or 'any'}",
                 (("direction", DIRECTIONS), ("grade", GRADES))),
    "labels": (LabelFacts, "add_label", lambda r: f"label:{r['drug']}:{r.get('route') or 'any'}", ()),
}

_DRUG_ID = re.compile(r"^(rxcui:\d+|oc:[a-z0-9][a-z0-9-]*)$")
_CONDITION_ID = re.compile(r"^(doid:\d+|mesh:[CD]\d+|meshterm:[a-z0-9-]+|oc:[a-z0-9][a-z0-9-]*)$")


def _check_id(raw: dict, pattern: re.Pattern, path: str, i: int) -> None:
    """Ids must have a known form: a typo'd id would silently merge unrelated entries."""
    if not pattern.match(str(raw.get("id"))):
        raise _err(path, i, f"id {raw.get('id')!r} is not of the form {pattern.pattern}")


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
            doc = yaml.load(text, Loader=_YAML_LOADER) or {}
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


_DEFAULT_COMPILED = object()


def _compiled_default() -> Path | None:
    p = cache_dir() / "reference.sqlite"
    return p if p.exists() else None


def read_overlay_files(paths: Iterable[str | Path]) -> list[tuple[str, dict]]:
    """Parse editor overlays: YAML (same format as the curated files) or CSV.

    A CSV overlay has a ``table`` column (drugs, conditions, approvals, evidence, labels) and the
    schema's fields as further columns; list fields (synonyms, brands, ...) are ``|``-separated;
    ``source`` is a source key, or free text (then an inline unverified source of kind
    ``source_kind``, default ``review``). Empty cells are left out.

    Every file is read and checked against the schema (:mod:`pipeline.reference.validate`)
    before any is used, and all problems are reported together.

    Raises:
        ReferenceValidationError: one line per problem, naming file, entry or row, and field.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "fix.csv"
        >>> _ = p.write_text("table,id,name,brands\\ndrugs,rxcui:1292,baclofen,Ozobax|Lyvispah\\n")
        >>> read_overlay_files([p])[0][1]["drugs"][0]["brands"]
        ['Ozobax', 'Lyvispah']
    """
    return _read_checked_overlays(paths, None)


def _inline_csv_sources(path: str, doc: dict, ref: Reference) -> None:
    """CSV rows may name a source by free text: make it an inline unverified source."""
    for table in ("approvals", "evidence", "labels"):
        for raw in doc.get(table) or []:
            kind = raw.pop("_source_kind", None)
            raw.pop("_row", None)
            src = raw.get("source")
            if kind and isinstance(src, str) and src not in ref.sources:
                raw["source"] = {"kind": kind, "title": src, "citation_status": "unverified",
                                 "note": f"editor overlay {path}"}
    for table in ("drugs", "conditions"):
        for raw in doc.get(table) or []:
            raw.pop("_row", None)


def _fold_compiled(ref: Reference) -> None:
    """Fold compiled conditions into the curated entry they duplicate.

    A compiled condition is the same as a curated one when it is the only compiled condition
    with the curated entry's MeSH or UMLS cross-reference, or when it is a ``meshterm:`` heading
    whose preferred name is one of the curated entry's names. Its names, approvals and children
    then point at the curated id (``ref.aliases`` records old -> new).
    """
    by_xref: dict[tuple[str, str], list[str]] = defaultdict(list)
    meshterm_by_name: dict[str, str] = {}
    for c in ref.conditions.values():
        if c.origin not in ("curated",) and not c.origin.startswith("overlay"):
            for k in ("mesh", "umls"):
                if c.xrefs.get(k):
                    by_xref[(k, c.xrefs[k])].append(c.id)
            if c.id.startswith("meshterm:"):
                meshterm_by_name[normalise_name(c.name)] = c.id
    for c in list(ref.conditions.values()):
        if c.origin != "curated" and not c.origin.startswith("overlay"):
            continue
        targets: set[str] = set()
        # A curated Disease Ontology entry already merged with its compiled twin by id.
        for k in (() if c.id.startswith("doid:") else ("mesh", "umls")):
            v = c.xrefs.get(k)
            if v and len(by_xref.get((k, v), [])) == 1 and by_xref[(k, v)][0] != c.id:
                targets.add(by_xref[(k, v)][0])
        for surface in [c.name, *c.synonyms]:
            mt = meshterm_by_name.get(normalise_name(surface))
            if mt:
                targets.add(mt)
        for old in sorted(targets):  # sorted: the same merge in every process (a set's order is not)
            oc = ref.conditions.get(old)
            if oc is None or oc.origin == "curated":
                continue
            del ref.conditions[old]
            ref.aliases[old] = c.id
            for x in oc.synonyms:
                if x not in c.synonyms:
                    c.synonyms.append(x)
            for k, v in oc.xrefs.items():
                c.xrefs.setdefault(k, v)
    if not ref.aliases:
        return
    al = ref.aliases
    for key, entries in ref.names.items():
        for e in entries:
            if e.kind == "condition" and e.id in al:
                e.id = al[e.id]
        seen: set[tuple[str, str]] = set()
        entries[:] = [e for e in entries if not ((e.kind, e.id) in seen or seen.add((e.kind, e.id)))]
    for a in ref.approvals:
        if a.condition in al:
            a.condition = al[a.condition]
    _remap_evidence(ref, al)
    for c in ref.conditions.values():
        if any(p in al for p in c.parents):
            c.parents = [al.get(p, p) for p in c.parents]


def _remap_evidence(ref: Reference, al: dict[str, str]) -> None:
    """Compiled evidence rows whose condition was folded into a curated entry follow it."""
    moved = [e for e in ref.evidence if e.condition in al]
    if not moved:
        return
    for e in moved:
        rows = ref._evidence_by_pair.get((e.drug, e.condition), [])
        rows[:] = [x for x in rows if x is not e]
        e.condition = al[e.condition]
        ref._evidence_by_pair[(e.drug, e.condition)].append(e)


def _read_checked_overlays(paths: Iterable[str | Path], ref: Reference | None) -> list[tuple[str, dict]]:
    """Overlay documents, after every file passed the schema and (with ``ref``) names only drugs,
    conditions and source keys that exist; else all problems at once."""
    docs, errors = read_overlays(paths, ref=ref)
    if errors:
        raise ReferenceValidationError(errors)
    return docs


def load_reference(overlays: Iterable[str | Path] = (), *, use_cache: bool = True,
                   compiled: str | Path | None | object = _DEFAULT_COMPILED) -> Reference:
    """Load the reference: compiled open sources, the curated files on top, then editor overlays.

    Precedence (highest first): overlays (later overlay files win over earlier ones), curated
    YAML, compiled open sources. A higher layer's surface form shadows what a lower layer says it
    means; an overlay entry with the same id as an earlier approval/evidence/label replaces it
    (listed in ``ref.overrides``). Every entry keeps its ``origin`` ("overlay:<file>", "curated",
    or the open source's name) and every fact its :class:`Source` (version, licence).

    Args:
        overlays: YAML or CSV files, or folders of them, merged after the shipped ones.
        use_cache: reuse an already loaded reference in this process.
        compiled: the compiled SQLite file (``overclaim reference build``); default the one in
            ``cache_dir()`` if it exists, else none; ``None`` loads the curated files only.

    Returns:
        A :class:`Reference`.

    Raises:
        ReferenceDataError: naming the file and entry that is wrong.

    Example:
        >>> ref = load_reference(compiled=None)
        >>> [a.status for a in ref.approvals_for(ref.drug_by_name("baclofen").id,
        ...                                      ref.condition_by_name("fibromyalgia").id)]
        ['not_approved']
    """
    compiled_path = _compiled_default() if compiled is _DEFAULT_COMPILED else compiled
    overlay_paths = tuple(str(Path(o)) for o in overlays)
    key = (overlay_paths, str(compiled_path) if compiled_path else None)
    if use_cache and key in _CACHE:
        return _CACHE[key]
    files = curated_files()
    ref = Reference()
    if compiled_path:
        load_compiled(ref, compiled_path)
    _load_docs(_read_yaml_files(files), ref, strict=bool(compiled_path))
    if compiled_path:
        _fold_compiled(ref)
    for path, doc in _read_checked_overlays(overlay_paths, ref):
        _inline_csv_sources(path, doc, ref)
        _load_docs([(path, doc)], ref, origin=f"overlay:{path}")
        files.append((path, ""))
    ref.finish()
    ref.files = [n for n, _ in files]
    _CACHE[key] = ref
    return ref
