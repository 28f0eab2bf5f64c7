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
import ahocorasick

# Every section and list the code reads; load_lexicon refuses a file with more or fewer.
SCHEMA = {
    "strength": ("absolute", "hedged", "correlational", "causal", "hype", "negation", "goal"),
    "speech_act": ("caveat", "usage", "advice", "quote", "reported_finding"),
    "evidence_basis": ("meta_analysis", "rct", "observational", "animal", "in_vitro"),
    "population": ("human", "animal", "cell"),
    "subject": ("boundaries", "drop_leading", "pronouns", "not_interventions", "exposure_verbs"),
}


# libyaml's C loader when PyYAML was built with it (safe, and several times faster), else the pure one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LexiconError(ValueError):
    """The lexicon file does not follow :data:`SCHEMA`."""


def _term_regex(term: str) -> str:
    body = re.escape(term[:-1] if term.endswith("*") else term).replace("'", "['\u2019]")  # straight or curly
    return body + r"\w*" if term.endswith("*") else body


def compile_terms(terms: list[str], trie: bool = True) -> re.Pattern:
    """One case-insensitive pattern matching any term as whole words.

    Args:
        terms: the list's terms (``*`` at the end: any word ending; ``'`` matches ’ too).
        trie: factor common prefixes into a trie (much faster in Python's ``re``); ``False`` gives
            the plain alternation, longest first, kept as the test oracle.
    """
    if not trie:
        body = "|".join(_term_regex(t) for t in sorted(set(terms), key=len, reverse=True))
    else:
        body = _trie_regex(sorted({t.lower() for t in terms}))
    # A word boundary, where a hyphen counts as part of the word, except in a double hyphen, the
    # typed dash of much news text ("vegetables--may have").
    return re.compile(rf"(?:(?<![\w-])|(?<=--))(?:{body})(?:(?![\w-])|(?=--))", re.IGNORECASE)


def _trie_regex(terms: list[str]) -> str:
    """A regular expression for the terms with shared prefixes factored out; a term ending in ``*``
    becomes its prefix followed by ``\\w*``."""
    root: dict = {}
    for t in terms:
        node = root
        star = t.endswith("*")
        for ch in (t[:-1] if star else t):
            node = node.setdefault(ch, {})
        node["*" if star else ""] = True
    return _node_regex(root)


def _char(ch: str) -> str:
    return "['\u2019]" if ch == "'" else re.escape(ch)


def _node_regex(node: dict) -> str:
    alts = [_char(ch) + _node_regex(child) for ch, child in sorted(node.items()) if ch not in ("", "*")]
    ends = [r"\w*"] if "*" in node else []
    if not alts:
        return ends[0] if ends else ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    if "" in node or ends:  # a term ends here: the longer ones are optional, tried first
        tail = "|".join(ends + ([""] if "" in node else []))
        return f"(?:{body}|{tail})" if tail else f"(?:{body})?"
    return body


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


def _literals(term: str) -> list[str]:
    """Lower-cased substrings that any match of the term contains (both apostrophes)."""
    base = (term[:-1] if term.endswith("*") else term).lower()
    return sorted({base, base.replace("'", "\u2019")})


class TermIndex:
    """Which term lists can match a text at all, found in one Aho-Corasick pass over the lower-cased
    text (``pyahocorasick``). A list none of whose literals occurs cannot match, so its regular
    expression is skipped; where a literal occurs, the list's regular expression decides."""

    def __init__(self, lists: dict) -> None:
        self.keys = list(lists)
        self._seen: dict[str, frozenset] = {}
        self.automaton = ahocorasick.Automaton()
        owners: dict[str, set] = {}
        for i, key in enumerate(self.keys):
            for term in lists[key]:
                for lit in _literals(term):
                    owners.setdefault(lit, set()).add(i)
        for lit, idx in owners.items():
            self.automaton.add_word(lit, frozenset(idx))
        self.automaton.make_automaton()

    def candidates(self, text: str) -> frozenset:
        """The ``(section, key)`` lists with at least one literal in ``text`` (the last few thousand
        texts are remembered: the frames stage asks about each sentence more than once)."""
        got = self._seen.get(text)
        if got is None:
            hit: set = set()
            for _end, idx in self.automaton.iter(text.lower()):
                hit |= idx
            got = frozenset(self.keys[i] for i in hit)
            if len(self._seen) >= 8192:
                self._seen.clear()
            self._seen[text] = got
        return got


@dataclass(frozen=True)
class Lexicon:
    """Compiled term lists, by ``(section, key)``; plain term sets for the subject lists; and the
    optional :class:`TermIndex` prefilter (``None``: every list is searched, the plain oracle)."""

    patterns: dict
    terms: dict
    index: TermIndex | None = None

    def pattern(self, section: str, key: str) -> re.Pattern:
        return self.patterns[(section, key)]

    def candidates(self, text: str) -> frozenset | None:
        """Lists that may match ``text`` (``None`` without a prefilter: all may)."""
        return self.index.candidates(text) if self.index is not None else None

    def scoped(self, text: str) -> "Lexicon":
        """The lexicon for one text: lists the prefilter rules out get a pattern that never matches
        (same results as the full lexicon, which :func:`load_lexicon(prefilter=False)` gives)."""
        cand = self.candidates(text)
        if cand is None:
            return self
        patterns = {k: (p if k in cand else _NEVER) for k, p in self.patterns.items()}
        return Lexicon(patterns=patterns, terms=self.terms, index=None)


_NEVER = re.compile(r"(?!)")


@lru_cache(maxsize=2)
def load_lexicon(prefilter: bool = True) -> Lexicon:
    """Read, validate and compile ``frames.yaml`` (once per process).

    Args:
        prefilter: build the :class:`TermIndex` and trie-shaped patterns (the default); ``False``
            gives the plain lexicon (every list searched, plain alternations), kept as the test oracle.
    """
    text = resources.files("pipeline.resources").joinpath("frames.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=_LOADER)
    validate(data)
    patterns = {(s, k): compile_terms(data[s][k], trie=prefilter) for s, keys in SCHEMA.items() for k in keys}
    terms = {(s, k): tuple(t.lower() for t in data[s][k]) for s, keys in SCHEMA.items() for k in keys}
    index = TermIndex({key: data[key[0]][key[1]] for key in patterns}) if prefilter else None
    return Lexicon(patterns=patterns, terms=terms, index=index)
