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
    try:
        import re._constants as c
        import re._parser as parser
    except ImportError:  # pragma: no cover - Python < 3.11
        import sre_constants as c
        import sre_parse as parser
    limit = 64

    def order(reqs):
        # A member containing another member adds nothing to "one of them occurs". Order: sets whose
        # literals all have three or more characters first, then the longer shortest literal (up
        # to six characters), then the fewer literals.
        ok = {frozenset(x for x in r if not any(y != x and y in x for y in r))
              for r in reqs if r and all(x and x.isascii() for x in r)}
        return sorted(ok, key=lambda r: (min(map(len, r)) < 3, -min(6, min(map(len, r))), len(r), sorted(r)))

    def node(op, av):
        """(finite set of strings the element matches or None, requirement sets inside it)."""
        if op is c.LITERAL:
            return frozenset([chr(av).lower()]), []
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            return frozenset([""]), []  # zero-width
        if op is c.IN and av and all(o is c.LITERAL for o, _ in av):
            return frozenset(chr(v).lower() for _, v in av), []
        if op is c.SUBPATTERN:
            return seq(av[-1])
        if op is c.BRANCH:
            alts = [seq(a) for a in av[1]]
            if all(f is not None for f, _ in alts):
                u = frozenset().union(*(f for f, _ in alts))
                if len(u) <= limit:
                    return u, []
            # one set from each alternative makes a requirement of the alternation: the best of
            # each, and the second best of each (or its best when it has only one)
            ranked = [order(([f] if f is not None else []) + r) for f, r in alts]
            if all(ranked):
                out = [frozenset().union(*(x[0] for x in ranked))]
                if any(len(x) > 1 for x in ranked):
                    out.append(frozenset().union(*(x[1] if len(x) > 1 else x[0] for x in ranked)))
                return None, out
            return None, []
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            lo, hi, items = av
            fin, reqs = seq(items)
            if fin is not None and lo == 0 and hi == 1:
                return fin | {""}, []
            if lo == hi == 1:
                return fin, reqs
            if lo >= 1:
                return None, reqs + ([fin] if fin is not None else [])
            return None, []
        return None, []

    def seq(items):
        reqs: list[frozenset[str]] = []
        cur: frozenset[str] | None = frozenset([""])
        finite = True

        def flush():
            if cur and min(map(len, cur)) > 0:
                reqs.append(cur)
        for op, av in items:
            fin, inner = node(op, av)
            reqs.extend(inner)
            if fin is not None and len(cur) * len(fin) <= limit:
                cur = frozenset(a + b for a in cur for b in fin)
                continue
            flush()
            finite = False
            cur = fin if fin is not None else frozenset([""])
        flush()
        return (cur if finite else None), reqs

    try:
        fin, found = seq(parser.parse(pattern.pattern, pattern.flags))
        if fin is not None:
            found = found + [fin]
    except Exception:
        found = []
    req = tuple(order(found)[:3])
    _REQ[id(pattern)] = (pattern, req)
    return req
