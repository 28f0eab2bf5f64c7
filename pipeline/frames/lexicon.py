"""The claim-frame lexicon (``pipeline/resources/frames.yaml``), validated at load and compiled
into one regular expression per term list.

Example:
    >>> lex = load_lexicon()
    >>> bool(lex.pattern("strength", "hedged").search("it may help"))
    True
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

# Every section and list the code reads; load_lexicon refuses a file with more or fewer.
SCHEMA = {
    "strength": ("absolute", "hedged", "correlational", "causal", "hype", "negation"),
    "speech_act": ("caveat", "usage", "advice", "quote", "reported_finding"),
    "evidence_basis": ("meta_analysis", "rct", "observational", "animal", "in_vitro"),
    "population": ("human", "animal", "cell"),
    "subject": ("boundaries", "drop_leading", "pronouns", "not_interventions"),
}


class LexiconError(ValueError):
    """The lexicon file does not follow :data:`SCHEMA`."""


def _term_regex(term: str) -> str:
    body = re.escape(term[:-1] if term.endswith("*") else term).replace("'", "['\u2019]")  # straight or curly
    return body + r"\w*" if term.endswith("*") else body


def compile_terms(terms: list[str]) -> re.Pattern:
    """One case-insensitive pattern matching any term as whole words (longest first)."""
    body = "|".join(_term_regex(t) for t in sorted(set(terms), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


def validate(data: dict, where: str = "frames.yaml") -> None:
    """Raise :class:`LexiconError` naming the section and key that break :data:`SCHEMA`."""
    if not isinstance(data, dict) or data.get("version") != 1:
        raise LexiconError(f"{where}: expected a mapping with version: 1")
    extra = set(data) - set(SCHEMA) - {"version"}
    if extra:
        raise LexiconError(f"{where}: unknown section(s) {sorted(extra)}")
    for section, keys in SCHEMA.items():
        got = data.get(section)
        if not isinstance(got, dict) or set(got) != set(keys):
            raise LexiconError(f"{where}: section {section!r} must have exactly {list(keys)}, "
                               f"has {sorted(got) if isinstance(got, dict) else got!r}")
        for key in keys:
            terms = got[key]
            if not isinstance(terms, list) or not terms or not all(isinstance(t, str) and t for t in terms):
                raise LexiconError(f"{where}: {section}.{key} must be a non-empty list of strings")


@dataclass(frozen=True)
class Lexicon:
    """Compiled term lists, by ``(section, key)``; plain term sets for the subject lists."""

    patterns: dict
    terms: dict

    def pattern(self, section: str, key: str) -> re.Pattern:
        return self.patterns[(section, key)]


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """Read, validate and compile ``frames.yaml`` (once per process)."""
    text = resources.files("pipeline.resources").joinpath("frames.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    validate(data)
    patterns = {(s, k): compile_terms(data[s][k]) for s, keys in SCHEMA.items() for k in keys}
    terms = {(s, k): tuple(t.lower() for t in data[s][k]) for s, keys in SCHEMA.items() for k in keys}
    return Lexicon(patterns=patterns, terms=terms)
