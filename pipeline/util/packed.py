"""Packed tables: read-only key -> JSON value tables in one memory-mapped file.

A table is written once (:func:`write_packed`) and opened by any number of processes
(:class:`PackedTable`) without parsing it: opening maps the file and reads a 32-byte header; a
lookup hashes the key, binary-searches the sorted hashes and decodes only the record it needs.
Pages the lookups never touch are never read, so a 100,000-entry vocabulary costs the memory of
the entries used. The mapping is read-only and file-backed, so forked workers share it.

Layout (little-endian): magic ``OCPACK01``, ``n`` (uint64), flags (uint64), blob length (uint64);
then ``n`` sorted 64-bit key hashes, ``n`` uint32 record numbers in hash order (padded to 8
bytes), ``n + 1`` uint64 record offsets, and the records: UTF-8 JSON ``[key, value]`` in the
order they were written (iteration order).

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.pack"
    >>> write_packed(p, [("baclofen", [1, 2]), ("ms", {"x": 1})])
    >>> t = PackedTable(p)
    >>> t.get("baclofen"), t.get("nothing"), len(t), list(t.keys())
    ([1, 2], None, 2, ['baclofen', 'ms'])
"""
from __future__ import annotations

import hashlib
import json
import mmap
import os
import shutil
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy

_MAGIC = b"OCPACK01"
_MISSING = object()
_HEADER = 32
_TUPLE_KEYS = 1  # flag: keys are tuples of strings (stored as JSON lists)


def key_hash(key: str | tuple[str, ...]) -> int:
    """The 64-bit hash a key is filed under (tuples: their items joined by U+001F)."""
    text = key if isinstance(key, str) else "\x1f".join(key)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def _pad8(n: int) -> int:
    return (n + 7) & ~7


def _encode(key, value) -> bytes:
    k = key if isinstance(key, str) else list(key)
    return json.dumps([k, value], ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def write_packed(path: str | Path, items: Iterable[tuple[Any, Any]], *, tuple_keys: bool = False) -> None:
    """Write ``(key, value)`` pairs (keys unique; values JSON-serialisable) atomically to ``path``.

    Args:
        path: the file to write (a temporary file beside it is renamed into place).
        items: the pairs, in the order iteration should return them.
        tuple_keys: keys are tuples of strings instead of strings.

    Raises:
        ValueError: a key appears twice.
    """
    path = Path(path)
    records, hashes, seen = [], [], set()
    for key, value in items:
        key = tuple(key) if tuple_keys else key
        if key in seen:
            raise ValueError(f"{path.name}: duplicate key {key!r}")
        seen.add(key)
        records.append(_encode(key, value))
        hashes.append(key_hash(key))
    keys = numpy.array(hashes, dtype="<u8")
    order = numpy.argsort(keys, kind="stable").astype("<u4")
    offs = numpy.zeros(len(records) + 1, dtype="<u8")
    numpy.cumsum([len(r) for r in records], out=offs[1:])
    header = _MAGIC + numpy.array([len(records), _TUPLE_KEYS if tuple_keys else 0, int(offs[-1])],
                                  dtype="<u8").tobytes()
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(header.ljust(_HEADER, b"\0"))
        f.write(keys[order].tobytes())
        f.write(order.tobytes().ljust(_pad8(4 * len(records)), b"\0"))
        f.write(offs.tobytes())
        f.writelines(records)
    os.replace(tmp, path)


def prune_folders(parent: Path, pattern: str, keep: int, spare: Path | None = None) -> None:
    """Remove all but the ``keep`` most recently changed folders of ``parent`` matching ``pattern``
    (never ``spare``): old cache generations. A process still reading a removed folder's mapped
    files keeps reading them (POSIX keeps unlinked files until they are closed)."""
    found = []
    for p in Path(parent).glob(pattern):
        try:
            if p.is_dir() and p != spare:
                found.append((p.stat().st_mtime, p))
        except OSError:  # removed meanwhile by another process
            continue
    found.sort(reverse=True)
    for _, old in found[max(keep - (spare is not None), 0):]:
        shutil.rmtree(old, ignore_errors=True)


class PackedTable:
    """A table written by :func:`write_packed`, memory-mapped.

    Args:
        path: the file.

    Raises:
        ValueError: the file is not a packed table (or is truncated).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with open(self.path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            self._mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        if len(self._mm) < _HEADER or self._mm[:8] != _MAGIC:
            raise ValueError(f"{self.path}: not a packed table")
        n, flags, blob = numpy.frombuffer(self._mm, dtype="<u8", count=3, offset=8).tolist()
        self.n, self.tuple_keys = n, bool(flags & _TUPLE_KEYS)
        at = _HEADER
        self._hashes = numpy.frombuffer(self._mm, dtype="<u8", count=n, offset=at)
        at += 8 * n
        self._recs = numpy.frombuffer(self._mm, dtype="<u4", count=n, offset=at)
        at += _pad8(4 * n)
        self._offs = numpy.frombuffer(self._mm, dtype="<u8", count=n + 1, offset=at)
        self._blob = at + 8 * (n + 1)
        if self._blob + blob != len(self._mm):
            raise ValueError(f"{self.path}: truncated packed table")

    def __len__(self) -> int:
        return self.n

    def record(self, i: int) -> tuple[Any, Any]:
        """The ``i``-th record written: ``(key, value)``."""
        a, b = int(self._offs[i]), int(self._offs[i + 1])
        key, value = json.loads(self._mm[self._blob + a:self._blob + b])
        return (tuple(key) if self.tuple_keys else key), value

    def find(self, key) -> int | None:
        """The record number of ``key``, or ``None``."""
        h = numpy.uint64(key_hash(key))
        i = int(self._hashes.searchsorted(h))
        while i < self.n and self._hashes[i] == h:
            rec = int(self._recs[i])
            if self.record(rec)[0] == key:
                return rec
            i += 1
        return None

    def get(self, key, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        if self.tuple_keys != isinstance(key, tuple):
            return default
        rec = self.find(key)
        return default if rec is None else self.record(rec)[1]

    def items(self) -> Iterator[tuple[Any, Any]]:
        """Every ``(key, value)``, in the order written."""
        return (self.record(i) for i in range(self.n))

    def keys(self) -> Iterator[Any]:
        return (k for k, _ in self.items())


class LazyDict(MutableMapping):
    """A dict over a :class:`PackedTable`: ``d[key]``, ``get`` and ``in`` decode one value (with
    ``decode``) and keep it; iterating or changing the dict turns it into a plain dict (in the
    written order) first, so it behaves as the dict it was written from. ``default_factory``
    gives ``defaultdict`` behaviour (a missing key read with ``d[key]`` is added).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.pack"
        >>> write_packed(p, [("a", [1]), ("b", [2, 3])])
        >>> d = LazyDict(PackedTable(p), tuple)
        >>> d["b"], d.get("c"), "a" in d, dict(d)
        ((2, 3), None, True, {'a': (1,), 'b': (2, 3)})
    """

    def __init__(self, table: PackedTable, decode: Callable[[Any], Any] = lambda v: v,
                 default_factory: Callable[[], Any] | None = None) -> None:
        self._table, self._decode, self.default_factory = table, decode, default_factory
        self._got: dict = {}
        self._full: dict | None = None

    def _lookup(self, key) -> Any:
        if self._full is not None:
            return self._full.get(key, _MISSING)
        try:
            hit = self._got.get(key, _MISSING)
        except TypeError:  # unhashable: in no table
            return _MISSING
        if hit is _MISSING:
            ok = isinstance(key, str) or (isinstance(key, tuple) and all(isinstance(k, str) for k in key))
            raw = self._table.get(key, _MISSING) if ok else _MISSING
            hit = self._got[key] = raw if raw is _MISSING else self._decode(raw)
        return hit

    def _dict(self) -> dict:
        if self._full is None:
            got = self._got
            self._full = {k: (got[k] if got.get(k, _MISSING) is not _MISSING else self._decode(v))
                          for k, v in self._table.items()}
            self._got = {}
        return self._full

    def __getitem__(self, key):
        v = self._lookup(key)
        if v is _MISSING:
            if self.default_factory is None:
                raise KeyError(key)
            v = self[key] = self.default_factory()
        return v

    def get(self, key, default=None):
        try:  # the common case first: a key looked up before
            v = self._got[key]
        except (KeyError, TypeError):
            v = self._lookup(key)
        return default if v is _MISSING else v

    def __contains__(self, key) -> bool:
        try:
            return self._got[key] is not _MISSING
        except (KeyError, TypeError):
            return self._lookup(key) is not _MISSING

    def __setitem__(self, key, value) -> None:
        self._dict()[key] = value

    def __delitem__(self, key) -> None:
        del self._dict()[key]

    def __iter__(self):
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._table) if self._full is None else len(self._full)

    def __repr__(self) -> str:
        return f"LazyDict({self._table.path.name}, {len(self)} entries)"
