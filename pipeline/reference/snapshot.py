"""A snapshot of a loaded reference in the cache, read lazily: entries load when first needed.

:func:`~pipeline.reference.store.load_reference` merges the compiled open sources, the curated
YAML files and the aliases between them; with 7,000+ drugs, 15,000 conditions and 100,000+
names that takes seconds and hundreds of MB, while one ``overclaim check`` needs a handful of
entries. So the merged reference is written once into the cache as :mod:`packed tables
<pipeline.util.packed>` (one per table, keyed by id), in a folder named after a hash of everything it
was built from (:func:`snapshot_key`: the compiled file, the curated files, the reference code):
a changed input gives another key and the snapshot is rebuilt, never reused stale.

:func:`load_snapshot` returns a :class:`~pipeline.reference.store.Reference` whose tables are
:class:`~pipeline.util.packed.LazyDict` / :class:`LazyList` views: a lookup decodes one entry (and keeps it), iterating
or changing a table decodes all of it first, so every dict and list operation gives what the
plainly loaded reference gives (``tests/test_reference_snapshot.py`` compares them entry by entry).

Example:
    >>> from pipeline.reference.store import load_reference
    >>> ref = load_reference(compiled=None)
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "snap"
    >>> write_snapshot(ref, folder, key="demo")
    True
    >>> lazy = load_snapshot(folder, key="demo")
    >>> lazy.drugs["rxcui:1292"] == ref.drugs["rxcui:1292"]
    True
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib.resources as resources
import json
import os
import shutil
from collections.abc import MutableSequence
from pathlib import Path
from typing import Iterable

from ..util.packed import LazyDict, PackedTable, prune_folders, write_packed
from .model import Approval, Condition, Drug, Evidence, LabelFacts, Source
from .model import NameEntry
from .store import Reference

FORMAT = 1
PREFIX = "refsnap-"
KEEP = 3  # snapshots kept in the cache (the newest); older ones are removed after a write

# The Reference fields a snapshot stores: a field added to Reference but not here disables
# snapshots (load_reference then loads plainly) until it is added -- never silently dropped.
TABLE_FIELDS = ("drugs", "conditions", "names", "approvals", "evidence", "labels", "_approvals_by_drug",
                "_evidence_by_pair")
META_FIELDS = ("sources", "files", "compiled_path", "compiled_meta", "overrides", "aliases", "_layer",
               "needs_compiled", "content_key")  # content_key last: set after loading (tests compare the others)
_CODE = ("store.py", "compiled.py", "model.py", "snapshot.py")


def covers(ref: Reference) -> bool:
    """Whether a snapshot can hold every field of ``ref``."""
    return {f.name for f in dataclasses.fields(ref)} == set(TABLE_FIELDS + META_FIELDS)


def snapshot_key(compiled_path: str | Path | None, curated: Iterable[tuple[str, str]]) -> str:
    """A hash of what a reference is loaded from: the compiled file (path, size, modification
    time), the curated files (names and texts) and the code that loads and merges them."""
    h = hashlib.blake2b(f"snapshot {FORMAT}\n".encode(), digest_size=12)
    here = Path(__file__).resolve().parent
    for name in _CODE:
        h.update((here / name).read_bytes())
    h.update((here.parent / "util" / "packed.py").read_bytes())
    h.update(resources.files("pipeline.resources").joinpath("reference_filters.yaml").read_bytes())
    if compiled_path:
        try:
            st = os.stat(compiled_path)
            stamp = f"{st.st_size} {st.st_mtime_ns}"
        except OSError:  # missing: the plain loader reports it
            stamp = "missing"
        h.update(f"compiled {Path(compiled_path).resolve()} {stamp}\n".encode())
    for name, text in curated:
        h.update(f"\0{name}\0".encode())
        h.update(text.encode("utf-8"))
    return h.hexdigest()


# -- encoding ------------------------------------------------------------------------------
def _row(obj) -> dict:
    """A dataclass entry as plain data (its nested Source as a dict)."""
    return dataclasses.asdict(obj)


def _entry(cls, data: dict):
    """The dataclass ``cls`` from :func:`_row`'s data (raises TypeError on unknown fields)."""
    if "source" in data and isinstance(data["source"], dict):
        data = {**data, "source": Source(**data["source"])}
    return cls(**data)


def _name_row(e: NameEntry) -> list:
    return [e.kind, e.id, e.name_type, e.case_sensitive, e.ambiguous, e.source]


def _positions(rows: list, ids: dict[int, int]) -> list[int]:
    return [ids[id(x)] for x in rows]


def _meta(ref: Reference, key: str) -> dict:
    return {"format": FORMAT, "key": key, "sources": {k: _row(s) for k, s in ref.sources.items()},
            "files": list(ref.files), "compiled_path": ref.compiled_path, "compiled_meta": ref.compiled_meta,
            "overrides": [list(o) for o in ref.overrides], "aliases": ref.aliases, "_layer": ref._layer,
            "needs_compiled": list(ref.needs_compiled), "counts": {f: len(getattr(ref, f)) for f in TABLE_FIELDS}}


def _write_tables(ref: Reference, tmp: Path) -> None:
    approval_pos = {id(a): i for i, a in enumerate(ref.approvals)}
    evidence_pos = {id(e): i for i, e in enumerate(ref.evidence)}
    forms: dict[str, list[str]] = {}
    for d in ref.drugs.values():
        if d.parent:
            forms.setdefault(d.parent, []).append(d.id)
    write_packed(tmp / "drugs.pack", ((k, _row(v)) for k, v in ref.drugs.items()))
    write_packed(tmp / "conditions.pack", ((k, _row(v)) for k, v in ref.conditions.items()))
    write_packed(tmp / "names.pack", ((k, [_name_row(e) for e in v]) for k, v in ref.names.items()))
    write_packed(tmp / "approvals.pack", ((str(i), _row(a)) for i, a in enumerate(ref.approvals)))
    write_packed(tmp / "evidence.pack", ((str(i), _row(e)) for i, e in enumerate(ref.evidence)))
    write_packed(tmp / "labels.pack", ((k, [_row(x) for x in v]) for k, v in ref.labels.items()))
    write_packed(tmp / "approvals_by_drug.pack",
                 ((k, _positions(v, approval_pos)) for k, v in ref._approvals_by_drug.items()))
    write_packed(tmp / "evidence_by_pair.pack",
                 ((k, _positions(v, evidence_pos)) for k, v in ref._evidence_by_pair.items()), tuple_keys=True)
    write_packed(tmp / "forms.pack", forms.items())


def write_snapshot(ref: Reference, folder: str | Path, *, key: str) -> bool:
    """Write ``ref`` as a snapshot folder (atomically: a temporary folder renamed into place).

    Returns:
        ``True`` when written, ``False`` when ``ref`` has fields a snapshot cannot hold, an entry
        is shared by no list it should be in, or another process wrote the folder first.
    """
    folder = Path(folder)
    if not covers(ref):
        return False
    tmp = folder.with_name(f".{folder.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        _write_tables(ref, tmp)
        (tmp / "meta.json").write_text(json.dumps(_meta(ref, key), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder)
    except KeyError:  # an approval/evidence row in an index but not in its list: not snapshotable
        return False
    except OSError:
        if not folder.is_dir():
            raise
        return False  # written by another process meanwhile
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return True


def prune(cache: Path, keep_key: str) -> None:
    """Remove all but the :data:`KEEP` newest snapshots (never the one named ``keep_key``)."""
    prune_folders(cache, PREFIX + "*", KEEP, spare=cache / (PREFIX + keep_key))


# -- lazy views ----------------------------------------------------------------------------
class _Pool:
    """The rows of a list table, decoded on first use and shared (same objects) by every view."""

    def __init__(self, table: PackedTable, cls) -> None:
        self.table, self.cls, self.rows = table, cls, {}

    def row(self, i: int):
        r = self.rows.get(i)
        if r is None:
            r = self.rows[i] = _entry(self.cls, self.table.record(i)[1])
        return r

    def all(self) -> list:
        return [self.row(i) for i in range(len(self.table))]


class LazyList(MutableSequence):
    """A list over a :class:`_Pool`, decoded in full on first use."""

    def __init__(self, pool: _Pool) -> None:
        self._pool, self._list = pool, None

    def _l(self) -> list:
        if self._list is None:
            self._list = self._pool.all()
        return self._list

    def __getitem__(self, i):
        return self._l()[i]

    def __setitem__(self, i, v) -> None:
        self._l()[i] = v

    def __delitem__(self, i) -> None:
        del self._l()[i]

    def __len__(self) -> int:
        return len(self._pool.table) if self._list is None else len(self._list)

    def insert(self, i, v) -> None:
        self._l().insert(i, v)

    def __eq__(self, other) -> bool:
        return self._l() == (other._l() if isinstance(other, LazyList) else other)

    def __repr__(self) -> str:
        return f"LazyList({len(self)} rows)"


def _open_tables(folder: Path) -> dict[str, PackedTable]:
    names = ("drugs", "conditions", "names", "approvals", "evidence", "labels", "approvals_by_drug",
             "evidence_by_pair", "forms")
    return {n: PackedTable(folder / f"{n}.pack") for n in names}


def load_snapshot(folder: str | Path, *, key: str) -> Reference:
    """The reference written by :func:`write_snapshot` into ``folder``, with lazy tables.

    Raises:
        ValueError: the folder is not a snapshot of format :data:`FORMAT` with this ``key``, or a
            table is damaged (the caller then loads the reference plainly).
    """
    folder = Path(folder)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        t = _open_tables(folder)
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{folder}: unreadable snapshot ({e})") from None
    if meta.get("format") != FORMAT or meta.get("key") != key:
        raise ValueError(f"{folder}: snapshot of another format or key")
    approvals, evidence = _Pool(t["approvals"], Approval), _Pool(t["evidence"], Evidence)
    ref = Reference()
    ref.drugs = LazyDict(t["drugs"], lambda d: _entry(Drug, d))
    ref.conditions = LazyDict(t["conditions"], lambda d: _entry(Condition, d))
    ref.names = LazyDict(t["names"], lambda rows: [NameEntry(*r) for r in rows], list)
    ref.approvals, ref.evidence = LazyList(approvals), LazyList(evidence)
    ref.labels = LazyDict(t["labels"], lambda rows: [_entry(LabelFacts, r) for r in rows])
    ref._approvals_by_drug = LazyDict(t["approvals_by_drug"], lambda ps: [approvals.row(i) for i in ps], list)
    ref._evidence_by_pair = LazyDict(t["evidence_by_pair"], lambda ps: [evidence.row(i) for i in ps], list)
    ref.sources = {k: Source(**v) for k, v in meta["sources"].items()}
    ref.files, ref.compiled_path, ref.compiled_meta = meta["files"], meta["compiled_path"], meta["compiled_meta"]
    ref.overrides = [tuple(o) for o in meta["overrides"]]
    ref.aliases, ref._layer, ref.content_key = meta["aliases"], meta["_layer"], key
    ref.needs_compiled = list(meta.get("needs_compiled", []))
    ref.__dict__["_forms_cache"] = (len(ref.drugs), LazyDict(t["forms"], list))
    if {f: len(getattr(ref, f)) for f in TABLE_FIELDS} != meta["counts"]:
        raise ValueError(f"{folder}: snapshot tables do not match their counts")
    return ref
