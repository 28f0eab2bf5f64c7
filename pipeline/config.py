"""Locations of data the project reads but does not ship.

The shared data directory (public datasets, articles, reference sources) is
found from, in order: the ``OVERCLAIM_DATA_DIR`` environment variable, a
``shared`` folder beside the current directory (``../shared``), and a
``shared`` folder beside the source checkout.

Example:
    >>> from pipeline.config import data_dir
    >>> data_dir(required=False) is None or data_dir().is_dir()
    True
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import DataDirError

ENV_DATA_DIR = "OVERCLAIM_DATA_DIR"
ENV_CACHE_DIR = "OVERCLAIM_CACHE_DIR"


def data_dir(required: bool = True) -> Path | None:
    """Return the shared data directory.

    Args:
        required: raise :class:`DataDirError` when it cannot be found.

    Returns:
        The directory, or ``None`` when not found and not required.
    """
    env = os.environ.get(ENV_DATA_DIR)
    candidates: list[Path] = []
    if env:
        candidates.append(Path(env))
    candidates.append(Path.cwd().parent / "shared")
    candidates.append(Path(__file__).resolve().parent.parent.parent / "shared")
    for c in candidates:
        if c.is_dir():
            return c
    if env and required:
        raise DataDirError(f"{ENV_DATA_DIR}={env} is not a directory",
                           hint="point it at the folder holding seeds/, datasets/, reference_sources/")
    if required:
        raise DataDirError("shared data directory not found",
                           hint=f"set {ENV_DATA_DIR} to the folder holding seeds/, datasets/, reference_sources/")
    return None


def cache_dir() -> Path:
    """Return (and create) the cache folder for compiled artefacts.

    ``OVERCLAIM_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/overclaim`` or
    ``~/.cache/overclaim``.
    """
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        p = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        p = Path(base) / "overclaim"
    p.mkdir(parents=True, exist_ok=True)
    return p
