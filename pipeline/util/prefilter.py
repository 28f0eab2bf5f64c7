"""Literal prefilters for regular expressions: skip searches that cannot match, exactly.

The rule files (scorecard, boilerplate) hold hundreds of case-insensitive patterns, and most of
them cannot match most sentences. :func:`requirements` reads, from a pattern's parse tree, sets of
literals of which every match must contain one; a text that lacks every literal of one set need
not be searched. The test is made on the lower-cased text, which is exact as long as the text has
none of the four characters that Python's case-insensitive matching equates with an ASCII letter
while ``str.lower`` does not (see :func:`literal_safe`).

Example:
    >>> import re
    >>> sorted(requirements(re.compile(r"\\bcur(e|es|ed)\\b rates?", re.I))[0])
    ['cure rate', 'cured rate', 'cures rate']
    >>> [sorted(r) for r in requirements(re.compile(r"(study|trial)\\b.*\\bbias", re.I))]
    [['study', 'trial'], ['bias']]
    >>> literal_safe("Baclofen’s label"), literal_safe("\u212aelvin")
    (True, False)
"""
from __future__ import annotations

import re
import itertools

import ahocorasick
import numpy

from .regex_tree import Op, RegexSyntaxError, parse

# Non-ASCII characters that case-insensitive ``re`` matches against an ASCII letter or digit:
# İ ı (i), ſ (s), K (Kelvin sign, k). tests/test_prefilter.py checks the list against every code point.
UNSAFE = frozenset("\u0130\u0131\u017f\u212a")


def literal_safe(text: str) -> bool:
    """Whether lower-case literal tests on ``text`` are exact for case-insensitive patterns.

    Args:
        text: a sentence, line or article.

    Returns:
        ``True`` unless ``text`` holds one of :data:`UNSAFE`.
    """
    return text.isascii() or UNSAFE.isdisjoint(text)


_REQ: dict[int, tuple] = {}
_LIMIT = 64  # most strings a finite part of a pattern is expanded into


def _order(reqs) -> list[frozenset[str]]:
    """The requirement sets, most selective first. A member containing another member adds
    nothing to "one of them occurs". Order: sets whose literals all have three or more characters
    first, then the longer shortest literal (up to six characters), then the fewer literals."""
    ok = {frozenset(x for x in r if not any(y != x and y in x for y in r))
          for r in reqs if r and all(x and x.isascii() for x in r)}
    return sorted(ok, key=lambda r: (min(map(len, r)) < 3, -min(6, min(map(len, r))), len(r), sorted(r)))


def _branch(c, av):
    """(finite strings, requirement sets) of an alternation."""
    alts = [_seq(c, a) for a in av[1]]
    if all(f is not None for f, _ in alts):
        u = frozenset().union(*(f for f, _ in alts))
        if len(u) <= _LIMIT:
            return u, []
    # one set from each alternative makes a requirement of the alternation: the best of
    # each, and the second best of each (or its best when it has only one)
    ranked = [_order(([f] if f is not None else []) + r) for f, r in alts]
    if all(ranked):
        out = [frozenset().union(*(x[0] for x in ranked))]
        if any(len(x) > 1 for x in ranked):
            out.append(frozenset().union(*(x[1] if len(x) > 1 else x[0] for x in ranked)))
        return None, out
    return None, []


def _repeat(c, av):
    """(finite strings, requirement sets) of a repeat."""
    lo, hi, items = av
    fin, reqs = _seq(c, items)
    if fin is not None and lo == 0 and hi == 1:
        return fin | {""}, []
    if lo == hi == 1:
        return fin, reqs
    if lo >= 1:
        return None, reqs + ([fin] if fin is not None else [])
    return None, []


def _node(c, op, av):
    """(finite set of strings the element matches or None, requirement sets inside it)."""
    if op is c.LITERAL:
        return frozenset([chr(av).lower()]), []
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return frozenset([""]), []  # zero-width
    if op is c.IN and av and all(o is c.LITERAL for o, _ in av):
        return frozenset(chr(v).lower() for _, v in av), []
    if op is c.SUBPATTERN:
        return _seq(c, av[-1])
    if op is c.BRANCH:
        return _branch(c, av)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        return _repeat(c, av)
    return None, []


def _seq(c, items):
    """(finite strings or None, requirement sets) of a sequence of elements: runs of finite
    elements are expanded together; anything else ends a run."""
    reqs: list[frozenset[str]] = []
    cur: frozenset[str] | None = frozenset([""])
    finite = True

    def flush():
        if cur and min(map(len, cur)) > 0:
            reqs.append(cur)
    for op, av in items:
        fin, inner = _node(c, op, av)
        reqs.extend(inner)
        if fin is not None and len(cur) * len(fin) <= _LIMIT:
            cur = frozenset(a + b for a in cur for b in fin)
            continue
        flush()
        finite = False
        cur = fin if fin is not None else frozenset([""])
    flush()
    return (cur if finite else None), reqs


def requirements(pattern: re.Pattern) -> tuple[frozenset[str], ...]:
    """Sets of lower-case ASCII literals such that every match of ``pattern`` contains at least one
    literal of *each* set (the most selective first, at most three), or ``()`` when nothing can be
    shown. Computed once per pattern from its parse tree: runs of literals, small character classes,
    alternations and optional parts are expanded into the finite set of strings they can match
    (``cur(e|es|ed)`` gives cure, cures, cured); anything else ends a run. The sets are necessary
    conditions, never sufficient ones."""
    hit = _REQ.get(id(pattern))
    if hit is not None and hit[0] is pattern:
        return hit[1]
    c = Op
    try:
        fin, found = _seq(c, parse(pattern.pattern, pattern.flags))
        if fin is not None:
            found = found + [fin]
    except RegexSyntaxError:  # syntax the parser does not read: the pattern is searched unfiltered
        found = []
    req = tuple(_order(found)[:3])
    _REQ[id(pattern)] = (pattern, req)
    return req


# Words so common in health news that indexing them would cost more than it saves (speed only).
_COMMON_WORDS = frozenset("""a an and are as at be been by can for from had has have in is it its may no
not of on or than that the this to was were will with""".split())


def _indexable(lit: str) -> bool:
    """Whether the automaton indexes ``lit``: not a very common word, and three characters or more
    unless it has no letters (``%``; one or two letters occur everywhere)."""
    return lit.strip(" ,.").lower() not in _COMMON_WORDS and (len(lit) >= 3 or not any(map(str.isalpha, lit)))


class LiteralIndex:
    """Every requirement literal of the pattern lists seen so far, with an Aho-Corasick automaton
    (``pyahocorasick``) that finds all their occurrences in a text in one pass. Each pattern list
    gets its requirement sets as frozensets of literal ids; the automaton is rebuilt when a new
    list brings new literals (only while the first texts are read). :attr:`version` changes
    then, so that indexes built before can be told apart.

    Example:
        >>> index = LiteralIndex()
        >>> pats = [re.compile(r"\\bmiracle cure", re.I), re.compile(r"\\b(side effects?|risks?)\\b", re.I)]
        >>> [len(indexed) for indexed, checked in index.of(pats)]
        [1, 1]
        >>> present = index.present("a miracle cure with no risk")
        >>> [not any(present.isdisjoint(r) for r in indexed) for indexed, _ in index.of(pats)]
        [True, True]
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.lengths: list[int] = []
        self.lists: dict[int, tuple] = {}
        self.automaton = None
        self.version = 0
        self._lengths = None

    def of(self, patterns) -> list[tuple[tuple[frozenset[int], ...], tuple[tuple[str, ...], ...]]]:
        """For each pattern of ``patterns`` (a list kept by the caller: it is cached by identity),
        its requirement sets (:func:`requirements`) in two parts:
        those looked up in the automaton, as frozensets of literal ids, and those with a literal
        too common or too short to index (``"e"``, ``" the "``), kept as literals to be checked in
        the few sentences the first part leaves."""
        hit = self.lists.get(id(patterns))
        if hit is not None and hit[0] is patterns:
            return hit[1]
        out = []
        for reqs in map(ordered_requirements, patterns):
            indexed, checked = [], []
            for r in reqs:
                if not all(map(_indexable, r)):
                    checked.append(r)
                    continue
                for lit in r:
                    if lit not in self.ids:
                        self.ids[lit] = len(self.lengths)
                        self.lengths.append(len(lit))
                        if self.automaton is not None:
                            self.automaton = None
                            self.version += 1  # indexes built before miss the new literals
                indexed.append(frozenset(self.ids[lit] for lit in r))
            out.append((tuple(indexed), tuple(checked)))
        self.lists[id(patterns)] = (patterns, out)
        return out

    def length_array(self):
        """Lengths of the literals by id (a numpy array)."""
        if self._lengths is None or len(self._lengths) != len(self.lengths):
            self._lengths = numpy.array(self.lengths, dtype=numpy.int64)
        return self._lengths

    def find(self, low: str):
        """``(end offsets, literal ids)``, two numpy arrays: the offset of the last character and
        the id of every occurrence of every literal in ``low``, overlapping ones included."""
        if self.automaton is None:
            a = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            for lit, i in self.ids.items():
                a.add_word(lit, i)
            if self.ids:
                a.make_automaton()
            self.automaton = a
        if not self.ids:
            flat = numpy.zeros(0, dtype=numpy.int64)
        else:
            flat = numpy.fromiter(itertools.chain.from_iterable(self.automaton.iter(low)), dtype=numpy.int64)
        return flat[0::2], flat[1::2]

    def present(self, low: str) -> set[int]:
        """Ids of the literals that occur in ``low`` (a lower-cased text)."""
        return set(self.find(low)[1].tolist())


def ordered_requirements(pattern: re.Pattern) -> tuple[tuple[str, ...], ...]:
    """:func:`requirements` with each set's literals longest first (a fixed order)."""
    return tuple(tuple(sorted(r, key=lambda x: (-len(x), x))) for r in requirements(pattern))
