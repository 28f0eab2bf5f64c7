"""The compiled reference by default: built into the cache on first use, rebuilt when stale.

On a machine with the data directory (``reference_sources/`` in ``OVERCLAIM_DATA_DIR``), the first
command that needs the reference compiles the open sources into ``cache_dir()/reference.sqlite``
by itself (about 15 s, one progress line on standard error) and later ones reuse it. An
automatic build records a hash of its inputs (every source file's path, size and modification
time, and the build code) in ``reference.sqlite.inputs``; when they change, the next use
rebuilds. A file built by hand with ``overclaim reference build`` from other sources has no such
record and is never replaced. A lock file keeps two processes from building at once (the second
waits, then uses the first one's file); the build itself writes atomically.

``OVERCLAIM_AUTO_BUILD=0`` turns automatic builds off (an existing compiled file is still used).
Without sources, :func:`reference_notice` is the one line the audit prints.

Example:
    >>> import os
    >>> os.environ.get(ENV_AUTO_BUILD, "1") in ("0", "1", "false", "true", "no", "yes", "off", "on")
    True
"""
from __future__ import annotations

import hashlib
from importlib import resources
import os
import sys
import time
from pathlib import Path

from ..config import data_dir
from ..errors import OverclaimError
from .build import build_reference, default_compiled_path

try:
    import fcntl
except ImportError:  # not on POSIX: builds are not locked (atomic writes still hold)
    fcntl = None

ENV_AUTO_BUILD = "OVERCLAIM_AUTO_BUILD"
INPUTS_SUFFIX = ".inputs"
_OFF = ("0", "false", "no", "off")


def auto_build_enabled() -> bool:
    """Whether missing or stale compiled references are built automatically (``OVERCLAIM_AUTO_BUILD``)."""
    return os.environ.get(ENV_AUTO_BUILD, "1").strip().lower() not in _OFF


def sources_dir() -> Path | None:
    """``reference_sources/`` of the data directory, when there is one."""
    d = data_dir(required=False)
    p = d / "reference_sources" if d is not None else None
    return p if p is not None and p.is_dir() else None


# Resource files the build reads (a change to any of them makes an automatic build stale).
BUILD_RESOURCES = ("reference_sources.yaml", "reference_filters.yaml", "reference_lay_terms.yaml",
                   "repodb_stop_reasons.yaml", "nci_cam_statements.yaml", "ema_herbal_areas.yaml",
                   "intervention_types.yaml")


def inputs_key(sources: Path) -> str:
    """A hash of what a build reads: each source file (relative path, size, modification time)
    and the build code (``build.py``, the importers, the resources they read)."""
    h = hashlib.blake2b(digest_size=12)
    for root, dirs, files in os.walk(sources):
        dirs.sort()
        for name in sorted(files):
            p = Path(root, name)
            st = p.stat()
            h.update(f"{p.relative_to(sources)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    here = Path(__file__).resolve().parent
    code = [here / "build.py", *sorted((here / "importers").glob("*.py"))]
    code += [here / "interventions.py"]
    code += [here.parent / "resources" / n for n in BUILD_RESOURCES]
    code += sorted(Path(str(resources.files("pipeline.corpora").joinpath("reference"))).glob("*.yaml"))
    for p in code:
        if p.is_file():
            h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def _recorded(path: Path) -> str | None:
    """The inputs key an automatic build recorded beside ``path`` (``None``: built by hand)."""
    try:
        return path.with_name(path.name + INPUTS_SUFFIX).read_text("utf-8").strip()
    except OSError:
        return None


def record_inputs(path: Path, key: str | None) -> None:
    """Record (or, with ``None``, remove) the inputs key of the compiled file at ``path``."""
    side = path.with_name(path.name + INPUTS_SUFFIX)
    if key is None:
        side.unlink(missing_ok=True)
        return
    tmp = side.with_name(f".{side.name}.tmp{os.getpid()}")
    tmp.write_text(key + "\n", encoding="utf-8")
    os.replace(tmp, side)


def _current(path: Path, key: str) -> bool:
    if not path.exists():
        return False
    rec = _recorded(path)
    return rec is None or rec == key


def _build_locked(sources: Path, path: Path, key: str) -> Path | None:
    """Build under the lock; the one progress line goes to standard error."""
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        if _current(path, key):  # another process built it while this one waited
            return path
        what = "rebuilding the stale" if path.exists() else "building the"
        sys.stderr.write(f"overclaim: {what} compiled reference from {sources} into {path} "
                         f"(once; about 15 s; {ENV_AUTO_BUILD}=0 skips) ...")
        sys.stderr.flush()
        t0 = time.perf_counter()
        try:
            build_reference(sources, path)
            record_inputs(path, key)
        except (OverclaimError, OSError) as e:
            sys.stderr.write(f" failed: {e}; using the {'previous' if path.exists() else 'curated'} reference\n")
            return path if path.exists() else None
        sys.stderr.write(f" done in {time.perf_counter() - t0:.1f} s\n")
    return path


def _build(sources: Path, path: Path, key: str) -> Path | None:
    try:
        return _build_locked(sources, path, key)
    except OSError:  # a cache folder that cannot be written: use what is there
        return path if path.exists() else None


def _default_path() -> Path | None:
    try:
        return default_compiled_path()
    except OSError:  # no cache folder can be made (read-only home): no compiled reference
        return None


def ensure_compiled() -> Path | None:
    """The compiled reference to use by default, built or rebuilt first when needed.

    Returns:
        ``cache_dir()/reference.sqlite`` when it exists or could be built, else ``None`` (no
        sources and no compiled file: the curated reference alone).
    """
    path = _default_path()
    src = sources_dir() if auto_build_enabled() else None
    if path is None or src is None:
        return path if path is not None and path.exists() else None
    key = inputs_key(src)
    if _current(path, key):
        return path
    return _build(src, path, key)


def note_manual_build(sources: Path, out: Path) -> None:
    """After ``overclaim reference build``: a build of the data directory's sources into the
    default file is kept up to date automatically from now on; one from other sources is left
    alone (its inputs record is removed)."""
    path = _default_path()
    if path is None or Path(out).resolve() != path.resolve():
        return
    src = sources_dir()
    same = src is not None and Path(sources).resolve() == src.resolve()
    record_inputs(Path(out), inputs_key(src) if same else None)


def reference_notice() -> str | None:
    """The one line an audit prints when it runs on the curated reference alone, else ``None``."""
    src, path = sources_dir(), _default_path()
    if (path is not None and path.exists()) or (src is not None and auto_build_enabled()):
        return None
    why = "automatic builds are off" if src is not None else "no reference_sources/ in the data directory"
    return (f"overclaim: using the curated reference only ({why}); for the full reference run "
            f"`overclaim reference fetch --dest sources/` then `overclaim reference build --sources sources/`, "
            f"or set OVERCLAIM_DATA_DIR to a folder holding reference_sources/")
