"""``load_reference``: the reference as commands use it -- the compiled layer built when needed,
and the merged result reused from a lazily read snapshot in the cache.

:func:`pipeline.reference.store.load_reference` is the plain loader (it reads and merges every
file each time) and stays the oracle the fast path is tested against. This one adds:

* the default compiled file comes from :func:`~pipeline.reference.autobuild.ensure_compiled`
  (built on first use when the data directory has the sources);
* without overlays, the merged reference is read from a snapshot
  (:mod:`pipeline.reference.snapshot`) keyed by a hash of its inputs, written the first time;
  its entries load when first used, so a one-sentence check touches a few of them.

Example:
    >>> from pipeline.reference import load_reference
    >>> ref = load_reference(compiled=None)
    >>> ref.drug_by_name("Lioresal").name
    'baclofen'
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterable

from ..config import cache_dir
from . import store
from .autobuild import ensure_compiled
from .snapshot import PREFIX, load_snapshot, prune, snapshot_key, write_snapshot
from .store import Reference, curated_files

DEFAULT_COMPILED = store._DEFAULT_COMPILED
_LOADED: dict[str, Reference] = {}


def _snapshot_folder(key: str) -> Path | None:
    try:
        return cache_dir() / (PREFIX + key)
    except OSError:  # no writable cache: load plainly
        return None


def _from_snapshot(folder: Path | None, key: str) -> Reference | None:
    if folder is None or not folder.is_dir():
        return None
    try:
        return load_snapshot(folder, key=key)
    except (ValueError, TypeError, KeyError):  # damaged or of another format: removed, rebuilt below
        shutil.rmtree(folder, ignore_errors=True)
        return None


def _plain(key: str, compiled, folder: Path | None, use_cache: bool) -> Reference:
    ref = store.load_reference((), use_cache=use_cache, compiled=compiled)
    ref.content_key = key
    if folder is not None:
        try:
            if write_snapshot(ref, folder, key=key):
                prune(folder.parent, key)
        except OSError:  # a full or read-only cache costs speed, never the load
            pass
    return ref


def load_reference(overlays: Iterable[str | Path] = (), *, use_cache: bool = True,
                   compiled: str | Path | None | object = DEFAULT_COMPILED) -> Reference:
    """Load the reference (compiled open sources, curated files, editor overlays).

    The same reference as :func:`pipeline.reference.store.load_reference` (see there for the
    layers and their precedence), with the default compiled file built on first use and, without
    overlays, its tables read lazily from a snapshot in the cache.

    Args:
        overlays: YAML or CSV files, or folders of them, merged on top.
        use_cache: reuse an already loaded reference in this process.
        compiled: the compiled SQLite file; default the cache's (built when the data directory
            has the sources, see :mod:`pipeline.reference.autobuild`); ``None``: curated only.

    Returns:
        A :class:`~pipeline.reference.store.Reference`.

    Raises:
        ReferenceDataError: naming the file and entry that is wrong.

    Example:
        >>> ref = load_reference(compiled=None)
        >>> [a.status for a in ref.approvals_for(ref.drug_by_name("baclofen").id,
        ...                                      ref.condition_by_name("fibromyalgia").id)]
        ['not_approved']
    """
    path = ensure_compiled() if compiled is DEFAULT_COMPILED else compiled
    overlays = tuple(overlays)
    if overlays:
        return store.load_reference(overlays, use_cache=use_cache, compiled=path)
    key = snapshot_key(path, curated_files())
    if use_cache and key in _LOADED:
        return _LOADED[key]
    folder = _snapshot_folder(key)
    ref = _from_snapshot(folder, key) or _plain(key, path, folder, use_cache)
    _LOADED[key] = ref
    return ref
