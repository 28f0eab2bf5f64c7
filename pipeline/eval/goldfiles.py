"""The one loader of gold files: where the packaged gold lives and how its JSON lines are read.

The hand-written gold is ``corpora/gold`` (:func:`gold_dir`), the real-article gold
``corpora/gold/real`` (:func:`real_dir`); both ship inside the package as ``pipeline.corpora``.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path


def gold_dir() -> Path:
    """The packaged gold folder (``corpora/gold``)."""
    return Path(str(resources.files("pipeline.corpora").joinpath("gold")))


def real_dir() -> Path:
    """The real-article gold (``corpora/gold/real``)."""
    return gold_dir() / "real"


def read_jsonl(path: Path) -> list[dict]:
    """The records of a JSON-lines gold file; a malformed line raises ``ValueError`` naming the file
    and the line."""
    out = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}: line {i}: not valid JSON ({e.msg})") from None
    return out
