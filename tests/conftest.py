"""Shared fixtures: the shared data directory (skips cleanly when absent) and the seed articles."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import data_dir


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    d = data_dir(required=False)
    if d is None:
        pytest.skip("shared data directory not found (set OVERCLAIM_DATA_DIR)")
    return d


@pytest.fixture(scope="session")
def seeds_dir(shared_dir: Path) -> Path:
    d = shared_dir / "seeds"
    if not d.is_dir():
        pytest.skip("seeds/ missing from the shared data directory")
    return d


@pytest.fixture(scope="session")
def auditor():
    from pipeline.run.auditor import Auditor

    return Auditor()


@pytest.fixture(scope="session")
def seed_results(seeds_dir, auditor):
    """Audit results of the three seed articles, keyed by file-name prefix (000, 003, 004)."""
    from pipeline.ingest.reader import iter_articles

    out = {}
    for art in iter_articles([seeds_dir]):
        out[art.id[:3]] = auditor.audit_article(art)
    return out
