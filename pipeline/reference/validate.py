"""Schema check of reference files and editor overlays, reporting every problem at once.

Each problem is one line naming the file, the entry (``entry N`` of a YAML table, ``row N`` of a
CSV overlay) and the field, e.g.::

    fixes.yaml entry 2 (approvals, id approval:rxcui:1292:doid:631:FDA:): status: must be one of approved, ...

Checked: the top level is a mapping of known tables (``sources``, ``drugs``, ``conditions``,
``approvals``, ``evidence``, ``labels``; a misspelt table such as ``evidences:`` is an error, not
ignored); each table is a list of mappings (``sources`` a mapping of keys); every field is one of
the schema's (``corpora/reference/README.md``) with the right type; required fields are present;
choices (status, direction, grade, citation_status) and id forms are respected; a source ``url``
is an http(s) URL; with a loaded reference, the drugs, conditions and source keys named exist.

Example:
    >>> check_doc("fix.yaml", {"evidences": [], "approvals": [{"drug": "baclofen", "stauts": "x"}]})[:2]
    ["fix.yaml: evidences: unknown table (tables: sources, drugs, conditions, approvals, evidence, labels; did you mean 'evidence'?)", "fix.yaml entry 1 (approvals): stauts: unknown field (did you mean 'status'?)"]
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import MISSING, fields
from typing import Any, Iterable
from collections import defaultdict
from pathlib import Path
import csv

import yaml

from .model import (REQUIRED_FIELDS, APPROVAL_STATUSES, CITATION_STATUSES, DIRECTIONS, GRADES, Approval, Condition, Drug,
                    Evidence, LabelFacts, Source)
from ..util.urls import link_url
from .interventions import MEDICINE_KINDS, intervention_types
from .model import normalise_name

ENTRY_CLASSES = {"drugs": Drug, "conditions": Condition, "approvals": Approval, "evidence": Evidence,
                 "labels": LabelFacts}
TABLES = ("sources", *ENTRY_CLASSES)
REQUIRED = REQUIRED_FIELDS
CHOICES = {"status": APPROVAL_STATUSES, "direction": DIRECTIONS, "grade": GRADES}
ID_FORMS = {"drugs": re.compile(r"^(rxcui:\d+|oc:[a-z0-9][a-z0-9-]*)$"),
            "conditions": re.compile(r"^(doid:\d+|mesh:[CD]\d+|meshterm:[a-z0-9-]+|oc:[a-z0-9][a-z0-9-]*)$")}


def drug_kinds() -> tuple[str, ...]:
    """Allowed ``kind`` values of a drug entry: the medicine kinds and the intervention types
    (``pipeline/resources/intervention_types.yaml``)."""
    return (*MEDICINE_KINDS, *intervention_types())


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NOT_FIELDS = {"origin"}  # set by the loader, never by a file


def _schema(cls) -> dict[str, str]:
    return {f.name: str(f.type) for f in fields(cls) if f.name not in _NOT_FIELDS}


FIELDS = {table: _schema(cls) for table, cls in ENTRY_CLASSES.items()}
SOURCE_FIELDS = _schema(Source)
SOURCE_REQUIRED = tuple(f.name for f in fields(Source) if f.default is MISSING and f.default_factory is MISSING)


def kind_of(v: Any) -> str:
    """How a YAML value reads to a curator: 'a list', 'a number', 'text', ..."""
    if v is None:
        return "nothing"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    return type(v).__name__


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def where(path: str, table: str, i: int, raw: Any) -> str:
    """``file entry N (table, id X)``, or ``file row N (table)`` for a CSV row."""
    row = raw.get("_row") if isinstance(raw, dict) else None
    loc = f"row {row}" if row else f"entry {i + 1}"
    ident = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
    return f"{path} {loc} ({table}{', id ' + ident if ident else ''})"


def check_docs(docs: Iterable[tuple[str, Any]]) -> list[str]:
    """Every schema problem of parsed files ``(name, document)``, in file order."""
    return [e for path, doc in docs for e in check_doc(path, doc)]


def check_doc(path: str, doc: Any) -> list[str]:
    """Every schema problem of one parsed file."""
    if doc is None:
        return []
    if not isinstance(doc, dict):
        return [f"{path}: the top level must be a mapping of tables (drugs:, evidence:, ...), got {kind_of(doc)}"]
    errors: list[str] = []
    for table, value in doc.items():
        if table not in TABLES:
            hint = _suggest(table, TABLES).strip(" ()")
            errors.append(f"{path}: {table}: unknown table (tables: {', '.join(TABLES)}{'; ' + hint if hint else ''})")
        elif table == "sources":
            errors += _check_sources(path, value)
        else:
            errors += _check_table(path, table, value)
    return errors


def _check_sources(path: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [f"{path}: sources: must be a mapping of source keys to sources, got {kind_of(value)}"]
    errors = []
    for key, raw in value.items():
        errors += [f"{path} source {key!r}: {f or 'source'}: {m}" for f, m in check_source(raw, inline_key_ok=False)]
    return errors


def _check_table(path: str, table: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        return [f"{path}: {table}: must be a list of entries (- field: value), got {kind_of(value)}"]
    errors: list[str] = []
    for i, raw in enumerate(value):
        errors += check_entry(path, table, i, raw)
    return errors


def check_entry(path: str, table: str, i: int, raw: Any) -> list[str]:
    """Every problem of entry ``i`` (0-based) of ``table``."""
    at = where(path, table, i, raw)
    if not isinstance(raw, dict):
        return [f"{at}: must be a mapping of fields (field: value), got {kind_of(raw)}"]
    errors = []
    schema = FIELDS[table]
    for k, v in raw.items():
        if isinstance(k, str) and k.startswith("_"):
            continue  # the CSV reader's own bookkeeping
        if k not in schema:
            errors.append(f"{at}: {k}: unknown field{_suggest(k, schema)}")
            continue
        if k == "source" and v is not None:
            errors += [f"{at}: source{'.' + f if f else ''}: {m}" for f, m in check_source(v, inline_key_ok=True)]
            continue
        problem = _check_field(table, str(k), schema[k], v)
        if problem:
            errors.append(f"{at}: {k}: {problem}")
    errors += [f"{at}: {k}: missing (required)" for k in REQUIRED[table] if raw.get(k) in (None, "")]
    form = ID_FORMS.get(table)
    if form is not None and isinstance(raw.get("id"), str) and not form.match(raw["id"]):
        errors.append(f"{at}: id: {raw['id']!r} is not of the form {form.pattern}")
    return errors


def _check_field(table: str, name: str, annotation: str, v: Any) -> str | None:
    """The problem with one field value, or None."""
    if v is None:
        return None  # absent; required fields are reported as missing
    if name == "date_checked":
        ok = isinstance(v, dt.date) or (isinstance(v, str) and _DATE.match(v))
        return None if ok else f"must be a date YYYY-MM-DD, got {v!r}"
    if name in CHOICES and table in ("approvals", "evidence"):
        return None if v in CHOICES[name] else f"must be one of {', '.join(CHOICES[name])}, got {v!r}"
    if name == "kind" and table == "drugs":
        kinds = drug_kinds()
        return None if v in kinds else f"must be one of {', '.join(kinds)}, got {v!r}"
    return _check_type(annotation, v)


def _check_type(annotation: str, v: Any) -> str | None:
    if annotation.startswith("list["):
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            return f"must be a list of text (- item), got {kind_of(v)}"
        return None
    if annotation.startswith("dict["):
        if not isinstance(v, dict) or not all(isinstance(x, (str, int)) for x in v.values()):
            return f"must be a mapping of names to text, got {kind_of(v)}"
        return None
    if annotation.startswith("int"):
        ok = isinstance(v, int) and not isinstance(v, bool) and v >= 0
        return None if ok else f"must be a whole number, not negative, got {v!r}"
    if annotation.startswith("float"):
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0
        return None if ok else f"must be a number, not negative, got {v!r}"
    if annotation.startswith("str"):
        return None if isinstance(v, str) else f"must be text, got {kind_of(v)}"
    return None


def check_source(raw: Any, *, inline_key_ok: bool) -> list[tuple[str, str]]:
    """Problems of a source -- a key naming one under ``sources:`` (where allowed) or a mapping --
    as ``(field of the source, or "" for the whole, message)`` pairs."""
    if isinstance(raw, str) and inline_key_ok:
        return []
    if not isinstance(raw, dict):
        return [("", f"must be {'a source key or ' if inline_key_ok else ''}a mapping (kind:, title:, ...), "
                     f"got {kind_of(raw)}")]
    errors = [(str(k), f"unknown field{_suggest(k, SOURCE_FIELDS)}") for k in raw if k not in SOURCE_FIELDS]
    errors += [(k, "missing (required)") for k in SOURCE_REQUIRED if raw.get(k) in (None, "")]
    for k, v in raw.items():
        problem = _check_type(SOURCE_FIELDS[k], v) if k in SOURCE_FIELDS and v is not None else None
        if problem:
            errors.append((str(k), problem))
    if raw.get("citation_status") not in (None, *CITATION_STATUSES):
        errors.append(("citation_status", f"must be one of {', '.join(CITATION_STATUSES)}, "
                                          f"got {raw['citation_status']!r}"))
    if isinstance(raw.get("url"), str) and link_url(raw["url"]) is None:
        errors.append(("url", f"must be an http(s) URL, got {raw['url']!r}"))
    return errors


def check_references(docs: Iterable[tuple[str, Any]], ref, context: Iterable[tuple[str, Any]] | None = None
                     ) -> list[str]:
    """Problems a schema cannot see: drugs, conditions and source keys that the loaded reference
    ``ref`` does not know and the files (``context``: all files loaded together, default ``docs``)
    do not define."""
    docs = [(p, d) for p, d in docs if isinstance(d, dict)]
    ctx = docs if context is None else [(p, d) for p, d in context if isinstance(d, dict)]
    own = {k: _defined(ctx, k) for k in ("drugs", "conditions")}
    keys = set(ref.sources) | {k for _, d in ctx if isinstance(d.get("sources"), dict) for k in d["sources"]}
    errors: list[str] = []
    for path, doc in docs:
        for table in ("approvals", "evidence", "labels"):
            rows = doc.get(table)
            for i, raw in enumerate(rows if isinstance(rows, list) else []):
                if isinstance(raw, dict):
                    errors += _unknown_names(path, table, i, raw, ref, own, keys)
    return errors


def _defined(docs: list[tuple[str, dict]], table: str) -> set[str]:
    out: set[str] = set()
    for _, doc in docs:
        rows = doc.get(table)
        for raw in rows if isinstance(rows, list) else []:
            if isinstance(raw, dict):
                names = [raw.get("id"), raw.get("name"), *(raw.get("synonyms") or [])]
                out |= {normalise_name(n) for n in names if isinstance(n, str)}
    return out


def _unknown_names(path: str, table: str, i: int, raw: dict, ref, own: dict, keys: set) -> list[str]:
    at, errors = where(path, table, i, raw), []
    for kind, table_name in (("drug", "drugs"), ("condition", "conditions")):
        name = raw.get(kind)
        if not isinstance(name, str) or not name or (kind == "condition" and table == "labels"):
            continue
        known = ref.drugs if kind == "drug" else ref.conditions
        found = ref.drug_by_name(name) if kind == "drug" else ref.condition_by_name(name)
        if name not in known and found is None and normalise_name(name) not in own[table_name]:
            errors.append(f"{at}: {kind}: unknown {kind} {name!r} (add it under {table_name}: first)")
    src = raw.get("source")
    if isinstance(src, str) and src not in keys and not raw.get("_source_kind"):
        errors.append(f"{at}: source: unknown source key {src!r} (define it under sources:)")
    return errors


# ---------------------------------------------------------------------------------------------
# Reading overlay files, collecting every problem

LIST_FIELDS = {"synonyms", "brands", "abbreviations", "classes", "parents", "interactions", "adverse_effects",
               "ingredients"}
_INT_FIELDS, _FLOAT_FIELDS = ("year", "n_rcts"), ("max_daily_dose",)


def read_text_file(f) -> tuple[str | None, str | None]:
    """(text, None), or (None, the problem) for a file that cannot be read or is not UTF-8."""
    try:
        data = f.read_bytes()
    except OSError as e:
        return None, f"{f}: cannot read overlay: {e.strerror or e}"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as e:
        return None, (f"{f}: not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); "
                      f"save the file as UTF-8")


def parse_yaml(name: str, text: str) -> tuple[Any, str | None]:
    """(document, None), or (None, the problem) for YAML that does not parse."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader) or {}, None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        return None, f"{name}:{at} not valid YAML: {getattr(e, 'problem', None) or e}"


def _csv_value(k: str, v: str, at: str, errors: list[str]) -> Any:
    if k in LIST_FIELDS:
        return [x.strip() for x in v.split("|") if x.strip()]
    try:
        if k in _INT_FIELDS:
            return int(v)
        if k in _FLOAT_FIELDS:
            return float(v)
    except ValueError:
        errors.append(f"{at}: {k}: must be a {'whole number' if k in _INT_FIELDS else 'number'}, got {v!r}")
        return None
    return v


def _csv_row(f, i: int, row: dict, errors: list[str]) -> tuple[str, dict] | None:
    table = (row.pop("table") or "").strip()
    if table not in ENTRY_CLASSES:
        errors.append(f"{f} row {i}: table: must be one of {sorted(ENTRY_CLASSES)}, got {table!r}")
        return None
    at, raw = f"{f} row {i} ({table})", {}
    for k, v in row.items():
        v = (v or "").strip() if isinstance(v, str) else ""
        if not k or not v or k == "source_kind":
            continue
        value = _csv_value(k, v, at, errors)
        if value is not None:
            raw[k] = value
    if table in ("approvals", "evidence", "labels") and isinstance(raw.get("source"), str):
        raw["_source_kind"] = (row.get("source_kind") or "review").strip()
    raw["_row"] = i
    return table, raw


def parse_csv(f, text: str, errors: list[str]) -> dict | None:
    """A CSV overlay as a document of tables (rows with problems are reported and left out)."""
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "table" not in reader.fieldnames:
        errors.append(f"{f}: a CSV overlay needs a 'table' column "
                      f"(columns: table,<schema fields>; see corpora/reference/README.md)")
        return None
    doc: dict[str, list] = defaultdict(list)
    for i, row in enumerate(reader, start=2):
        got = _csv_row(f, i, row, errors)
        if got is not None:
            doc[got[0]].append(got[1])
    return dict(doc)


def _parse_file(f) -> tuple[Any, list[str]]:
    """(document or None, problems reading it) of one YAML or CSV file."""
    text, problem = read_text_file(f)
    if problem:
        return None, [problem]
    errors: list[str] = []
    if f.suffix.lower() == ".csv":
        return parse_csv(f, text, errors), errors
    doc, problem = parse_yaml(str(f), text)
    return doc, [problem] if problem else []


def overlay_files(paths: Iterable) -> list:
    """The files of overlay paths (a folder stands for its .yaml, .yml and .csv files, in name order)."""
    out = []
    for o in paths:
        p = Path(o)
        out += (sorted(f for f in p.iterdir() if f.suffix.lower() in (".yaml", ".yml", ".csv"))
                if p.is_dir() else [p])
    return out


def read_overlays(paths: Iterable, *, ref=None) -> tuple[list[tuple[str, Any]], list[str]]:
    """Read and check overlay files (YAML or CSV, or folders of them).

    Returns:
        ``(documents, problems)``: every problem, file by file -- a file that cannot be read,
        decoded or parsed, the schema problems of each entry, and, with a loaded reference
        ``ref``, the drugs, conditions and source keys it does not know.
    """
    parsed = [(str(f), *_parse_file(f)) for f in overlay_files(paths)]
    docs = [(name, doc) for name, doc, _ in parsed if doc is not None]
    errors: list[str] = []
    for name, doc, problems in parsed:
        errors += problems
        if doc is not None:
            errors += check_doc(name, doc)
            errors += check_references([(name, doc)], ref, docs) if ref is not None else []
    return docs, errors
