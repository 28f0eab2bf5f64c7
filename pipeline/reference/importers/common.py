"""Shared pieces of the importers: source registry, name filter, tolerant TSV reading.

Example:
    >>> f = NameFilter.default()
    >>> f.check("will", kind="drug", name_type="brand")
    'stop name'
    >>> f.check("sunshine", kind="drug", name_type="brand")
    'common English word'
    >>> f.check("Lioresal", kind="drug", name_type="brand") is None
    True
"""
from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator


from ...errors import ReferenceDataError
from ..model import normalise_name
from ...resources.schema import load_resource

csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True)
class SourceMeta:
    """One open source: name, version and licence stamped on every compiled row."""

    name: str
    title: str
    issuer: str
    folder: str | None
    version: str
    licence: str
    commercial_use: bool
    files: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=1)
def load_sources() -> dict[str, SourceMeta]:
    """The source registry from ``pipeline/resources/reference_sources.yaml``."""
    raw = load_resource("reference_sources.yaml")["sources"]
    return {k: SourceMeta(name=k, title=v["title"], issuer=v.get("issuer", ""), folder=v.get("folder"),
                          version=str(v["version"]), licence=v["licence"],
                          commercial_use=bool(v.get("commercial_use", True)),
                          files=dict(v.get("files") or {}))
            for k, v in raw.items()}


@lru_cache(maxsize=1)
def load_filter_rules() -> dict[str, Any]:
    """The name-filter rules from ``pipeline/resources/reference_filters.yaml``."""
    return load_resource("reference_filters.yaml")


@lru_cache(maxsize=1)
def load_lay_terms() -> dict[str, Any]:
    return load_resource("reference_lay_terms.yaml")


_ABBREV = re.compile(r"^[A-Z][A-Za-z0-9/\-]{1,7}$")


def looks_like_abbreviation(surface: str) -> bool:
    """An all-capital short token such as ``MS``, ``T2DM`` or ``ME/CFS``.

    >>> looks_like_abbreviation("COPD"), looks_like_abbreviation("Copd"), looks_like_abbreviation("AFib")
    (True, False, True)
    """
    s = surface.strip()
    if " " in s or not _ABBREV.match(s):
        return False
    caps = sum(1 for c in s if c.isupper())
    return caps >= 2 and caps >= len([c for c in s if c.isalpha()]) - 2


def initials(name: str) -> str:
    """Initial letters of the words of a name ("multiple sclerosis" -> "ms")."""
    return "".join(w[0] for w in re.split(r"[\s\-]+", normalise_name(name)) if w and w[0].isalpha())


class NameFilter:
    """Decides which dictionary names are kept, following the data-file rules."""

    def __init__(self, rules: dict[str, Any]) -> None:
        self.rules = rules
        self.min_len = int(rules.get("min_length", 3))
        self.min_abbr = int(rules.get("min_abbreviation_length", 2))
        self.max_len = int(rules.get("max_length", 60))
        self.max_words = int(rules.get("max_words", 6))
        self.zipf = float(rules.get("common_word_zipf", 4.0))
        self.all_zipf = float(rules.get("all_common_words_zipf", 3.6))
        self.patterns = [re.compile(p, re.I) for p in rules.get("drop_patterns") or []]
        self.stop = {normalise_name(s) for s in rules.get("stop_names") or []}
        self.blocked = {k: {normalise_name(s) for s in (v or [])}
                        for k, v in (rules.get("blocked_names") or {}).items()}
        self.ambiguous_abbr = {s.strip() for s in rules.get("ambiguous_abbreviations") or []}
        self._zipf_fn = None

    @classmethod
    def default(cls) -> "NameFilter":
        return cls(load_filter_rules())

    def zipf_of(self, word: str) -> float:
        """English word frequency (wordfreq Zipf scale, 0 when unknown)."""
        if self._zipf_fn is None:
            try:
                from wordfreq import zipf_frequency
            except ImportError as e:  # pragma: no cover - dependency declared in pyproject
                raise ReferenceDataError("wordfreq is needed to build the reference",
                                         hint="pip install 'wordfreq>=3.1,<3.2'") from e
            self._zipf_fn = lru_cache(maxsize=None)(lambda w: zipf_frequency(w, "en"))
        return self._zipf_fn(word)

    def is_common_word(self, name: str) -> bool:
        n = normalise_name(name)
        return " " not in n and self.zipf_of(n) >= self.zipf

    def check(self, surface: str, *, kind: str, name_type: str) -> str | None:
        """Return the reason a name is dropped, or None when it is kept.

        ``name_type`` "name" (the canonical name of a concept) is never dropped for being a
        common word or stop name -- such names are marked ambiguous instead (see
        :meth:`is_ambiguous_canonical`).
        """
        s = surface.strip()
        n = normalise_name(s)
        if not n:
            return "empty"
        if name_type == "abbreviation":
            return None if len(s) >= self.min_abbr else "too short"
        if len(n) < self.min_len:
            return "too short"
        if len(n) > self.max_len:
            return "too long"
        if len(n.split()) > self.max_words:
            return "too many words"
        for p in self.patterns:
            if p.search(n):
                return f"pattern {p.pattern}"
        if n in self.blocked.get(kind, set()):
            return "blocked (known junk variant)"
        if name_type == "name":
            return None
        if n in self.stop:
            return "stop name"
        words = n.split()
        if len(words) == 1:
            if self.zipf_of(n) >= self.zipf:
                return "common English word"
        elif all(len(w) >= 3 and self.zipf_of(w) >= self.all_zipf for w in re.split(r"[\s\-]+", n) if w):
            return "only common English words"
        return None

    def is_ambiguous_canonical(self, surface: str) -> bool:
        n = normalise_name(surface)
        return n in self.stop or (" " not in n and self.zipf_of(n) >= self.zipf)


def read_tsv(path: Path, *, quoting: int = csv.QUOTE_MINIMAL, encoding: str = "utf-8",
             text: str | None = None) -> Iterator[dict[str, str]]:
    """Rows of a tab-separated file with a header, as dicts of stripped strings."""
    fh = io.StringIO(text) if text is not None else open(path, encoding=encoding, newline="")
    with fh:
        reader = csv.reader(fh, delimiter="\t", quoting=quoting)
        header = [h.strip().strip('"') for h in next(reader)]
        for row in reader:
            if not row:
                continue
            yield {h: (row[i].strip().strip('"') if i < len(row) else "") for i, h in enumerate(header)}


def need(path: Path, source: str) -> Path:
    """Fail with a clear message when a source file is missing."""
    if not path.exists():
        raise ReferenceDataError(f"{path}: missing file of source {source!r}",
                                 hint="run `overclaim reference fetch` or point --sources at ../shared/reference_sources")
    return path


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalise_name(text)).strip("-")
