"""A small parser of Python regular-expression syntax into a tree, for the literal prefilters
(:mod:`pipeline.util.prefilter`), written against the documented syntax instead of the private
``re._parser`` of the standard library.

It knows the parts that carry literals: characters and escapes, character classes, groups,
alternation, lookarounds, anchors and repeats. Anything it does not read as a literal (``.``,
``\\w``, ranges, backreferences, conditionals) becomes an :data:`Op.OTHER`-like node that carries
no literal, so a pattern is at worst not prefiltered; it is never prefiltered wrongly, because the
prefilter only ever uses literals every match must contain. A pattern it cannot parse raises
:class:`RegexSyntaxError` (the prefilter then searches it unfiltered).

Nodes are ``(op, argument)`` pairs:

* ``(Op.LITERAL, code point)``
* ``(Op.IN, [(op, value), ...])``: a character class (members other than ``Op.LITERAL`` carry
  no literal);
* ``(Op.SUBPATTERN, (None, 0, 0, nodes))``: a group;
* ``(Op.BRANCH, (None, [nodes, nodes, ...]))``: an alternation;
* ``(Op.MAX_REPEAT | Op.MIN_REPEAT, (low, high, nodes))``;
* ``(Op.ASSERT | Op.ASSERT_NOT, (direction, nodes))`` and ``(Op.AT, name)``: zero-width;
* ``(Op.ANY | Op.CATEGORY | Op.OTHER, None)``: matches something, no literal.

Example:
    >>> parse(r"cur(e|es)\\b")[:3]
    [(LITERAL, 99), (LITERAL, 117), (LITERAL, 114)]
    >>> parse(r"a{2,}?")[0][0], parse(r"[ab]")[0]
    (MIN_REPEAT, (IN, [(LITERAL, 97), (LITERAL, 98)]))
"""
from __future__ import annotations

import re

MAXREPEAT = 1 << 32


class _Op(str):
    """A node kind: compared by identity, shown by name."""

    def __repr__(self) -> str:
        return str(self)


class Op:
    """The node kinds of :func:`parse`."""

    LITERAL = _Op("LITERAL")
    IN = _Op("IN")
    SUBPATTERN = _Op("SUBPATTERN")
    BRANCH = _Op("BRANCH")
    MAX_REPEAT = _Op("MAX_REPEAT")
    MIN_REPEAT = _Op("MIN_REPEAT")
    ASSERT = _Op("ASSERT")
    ASSERT_NOT = _Op("ASSERT_NOT")
    AT = _Op("AT")
    ANY = _Op("ANY")
    CATEGORY = _Op("CATEGORY")
    OTHER = _Op("OTHER")


class RegexSyntaxError(ValueError):
    """The pattern uses syntax this parser does not read."""


_CATEGORIES = frozenset("dDwWsS")
_ANCHORS = frozenset("bBAZ")
_CHAR_ESCAPES = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
_QUANT = re.compile(r"\{(\d*)(?:(,)(\d*))?\}")


class _Reader:
    def __init__(self, pattern: str, verbose: bool) -> None:
        self.s, self.i, self.verbose = pattern, 0, verbose

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def take(self) -> str:
        ch = self.peek()
        if not ch:
            raise RegexSyntaxError("unexpected end of pattern")
        self.i += 1
        return ch

    def skip_verbose(self) -> None:
        while self.verbose and self.peek() and (self.peek().isspace() or self.peek() == "#"):
            if self.peek() == "#":
                while self.peek() and self.peek() != "\n":
                    self.i += 1
            else:
                self.i += 1


def parse(pattern: str, flags: int = 0) -> list:
    """The tree of ``pattern`` (a list of nodes); :class:`RegexSyntaxError` on syntax it does not
    read."""
    r = _Reader(pattern, bool(flags & re.VERBOSE))
    nodes = _alternation(r)
    if r.peek():
        raise RegexSyntaxError(f"unbalanced parenthesis at {r.i}")
    return nodes


def _alternation(r: _Reader) -> list:
    branches = [_sequence(r)]
    while r.peek() == "|":
        r.take()
        branches.append(_sequence(r))
    return branches[0] if len(branches) == 1 else [(Op.BRANCH, (None, branches))]


def _sequence(r: _Reader) -> list:
    out: list = []
    while True:
        r.skip_verbose()
        ch = r.peek()
        if not ch or ch in "|)":
            return out
        atom = _atom(r)
        if atom is not None:
            out.append(_repeat(r, atom))


def _repeat(r: _Reader, atom):
    r.skip_verbose()
    ch = r.peek()
    if ch in ("?", "*", "+"):
        r.take()
        lo, hi = {"?": (0, 1), "*": (0, MAXREPEAT), "+": (1, MAXREPEAT)}[ch]
    elif ch == "{" and (m := _QUANT.match(r.s, r.i)) and (m.group(1) or m.group(3) or not m.group(2)):
        if not m.group(1) and not m.group(2):
            return atom  # "{}" is a literal brace pair in Python: read as literals below
        r.i = m.end()
        lo = int(m.group(1) or 0)
        hi = lo if not m.group(2) else int(m.group(3)) if m.group(3) else MAXREPEAT
    else:
        return atom
    op = Op.MAX_REPEAT
    if r.peek() == "?":
        r.take()
        op = Op.MIN_REPEAT
    elif r.peek() == "+":  # possessive
        r.take()
    return _repeat(r, (op, (lo, hi, [atom])))


def _atom(r: _Reader):
    ch = r.take()
    if ch == "(":
        return _group(r)
    if ch == "[":
        return _char_class(r)
    if ch == ".":
        return (Op.ANY, None)
    if ch in "^$":
        return (Op.AT, ch)
    if ch == "\\":
        return _escape(r, in_class=False)
    if ch in "*+?":
        raise RegexSyntaxError(f"nothing to repeat at {r.i - 1}")
    return (Op.LITERAL, ord(ch))


def _group(r: _Reader):
    if r.peek() != "?":
        return _close(r, lambda items: (Op.SUBPATTERN, (None, 0, 0, items)))
    r.take()
    kind = r.take()
    if kind == ":":
        return _close(r, lambda items: (Op.SUBPATTERN, (None, 0, 0, items)))
    if kind in "=!":
        return _close(r, lambda items: (Op.ASSERT if kind == "=" else Op.ASSERT_NOT, (1, items)))
    if kind == "<" and r.peek() in "=!":
        neg = r.take() == "!"
        return _close(r, lambda items: (Op.ASSERT_NOT if neg else Op.ASSERT, (-1, items)))
    if kind == "P" and r.peek() == "<" or kind == "<":
        end = r.s.find(">", r.i)
        if end < 0:
            raise RegexSyntaxError("unterminated group name")
        r.i = end + 1
        return _close(r, lambda items: (Op.SUBPATTERN, (None, 0, 0, items)))
    if kind == "#":
        end = r.s.find(")", r.i)
        if end < 0:
            raise RegexSyntaxError("unterminated comment")
        r.i = end + 1
        return None
    if kind.isalpha() or kind == "-":  # inline flags: (?i) or scoped (?i:...)
        m = re.compile(r"[aiLmsux-]*").match(r.s, r.i)
        r.i = m.end()
        nxt = r.take()
        if nxt == ")":
            return None
        if nxt == ":":
            return _close(r, lambda items: (Op.SUBPATTERN, (None, 0, 0, items)))
    raise RegexSyntaxError(f"unsupported group syntax (?{kind} at {r.i})")


def _close(r: _Reader, make):
    items = _alternation(r)
    if r.take() != ")":
        raise RegexSyntaxError("missing )")
    return make(items)


def _char_class(r: _Reader):
    members: list = []
    if r.peek() == "^":
        r.take()
        members.append((Op.OTHER, None))  # a negated class carries no literal
    first = True
    while True:
        ch = r.take()
        if ch == "]" and not first:
            return (Op.IN, members)
        first = False
        item = _escape(r, in_class=True) if ch == "\\" else (Op.LITERAL, ord(ch))
        if r.peek() == "-" and r.peek(1) not in ("]", ""):
            r.take()
            hi = r.take()
            if hi == "\\":
                _escape(r, in_class=True)
            item = (Op.OTHER, None)  # a range
        members.append(item)


def _escape(r: _Reader, *, in_class: bool):
    ch = r.take()
    if ch in _CATEGORIES:
        return (Op.CATEGORY, ch)
    if ch in _ANCHORS and not in_class:
        return (Op.AT, ch)
    if ch == "b":  # in a class: backspace
        return (Op.LITERAL, 8)
    if ch in _CHAR_ESCAPES:
        return (Op.LITERAL, _CHAR_ESCAPES[ch])
    if ch in "xuU":
        n = {"x": 2, "u": 4, "U": 8}[ch]
        digits = r.s[r.i:r.i + n]
        if len(digits) != n or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise RegexSyntaxError(f"bad \\{ch} escape")
        r.i += n
        return (Op.LITERAL, int(digits, 16))
    if ch.isdigit() or ch == "N":
        raise RegexSyntaxError(f"\\{ch}: backreferences, octal and named characters are not read")
    if ch.isalnum():
        raise RegexSyntaxError(f"bad escape \\{ch}")
    return (Op.LITERAL, ord(ch))
