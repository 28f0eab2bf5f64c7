"""Recognise boilerplate paragraphs (affiliate disclosures, image descriptions, navigation).

Boilerplate stays in the article text — offsets are never disturbed — but claims are not
extracted from it. Patterns live in ``pipeline/resources/boilerplate.yaml``.

Example:
    >>> text = "As an Amazon Associate I earn from qualifying purchases.\\n\\nBaclofen helps."
    >>> [(k, text[s:e][:12]) for s, e, k in find_boilerplate(text)]
    [('affiliate', 'As an Amazon')]
"""
from __future__ import annotations

import functools
import re


from ..util.prefilter import LiteralIndex, literal_safe
from ..resources.schema import load_resource
from ..ingest.reader import reads_as_sentence

_PARA = re.compile(r"[^\n]+")


_INDEX = LiteralIndex()


@functools.lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern]]:
    raw = load_resource("boilerplate.yaml")
    out = []
    for kind, pats in raw.items():
        if kind == "version":
            continue
        for p in pats:
            out.append((kind, re.compile(p, re.IGNORECASE)))
    return out


@functools.lru_cache(maxsize=1)
def _compiled() -> list[re.Pattern]:
    """The patterns alone (one list object: :class:`LiteralIndex` caches by identity)."""
    return [pat for _, pat in _patterns()]


def find_boilerplate(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, kind) for each boilerplate line of ``text``.

    Args:
        text: the article text.

    Returns:
        Character ranges (into ``text``) with the kind of boilerplate.
    """
    out = []
    pats = _patterns()
    if literal_safe(text):  # only the patterns whose required literals occur in the article
        low = text.lower()
        has = low.__contains__
        reqs = _INDEX.of(_compiled())  # registers the literals: before the first search
        present = _INDEX.present(low)  # all indexed literals in one pass; the rest tested one by one
        pats = [(kind, pat) for (kind, pat), (indexed, checked) in zip(pats, reqs)
                if not any(present.isdisjoint(r) for r in indexed) and all(any(map(has, r)) for r in checked)]
        if not pats:
            return out
    for m in _PARA.finditer(text):
        line = m.group(0)
        if not line.strip() or len(line) > 600:
            continue
        for kind, pat in pats:
            if pat.search(line):
                out.append((m.start(), m.end(), kind))
                break
    return out


def find_headings(text: str) -> list[tuple[int, int]]:
    """Lines that look like headings: short, no final punctuation, not a list item or table row,
    not running text (:func:`pipeline.ingest.reader.reads_as_sentence`: "… for fibromyalgia. Ok" is a
    paragraph) and followed by more text (a heading introduces something; the last line of a
    text, or a text of one line, is not one).

    Args:
        text: the article text.

    Returns:
        ``(start, end)`` character ranges of the heading lines.

    Example:
        >>> text = "Baclofen for Fibromyalgia\\nBaclofen has been shown to be effective for fibromyalgia"
        >>> [text[s:e] for s, e in find_headings(text)]
        ['Baclofen for Fibromyalgia']
    """
    out = []
    for m in _PARA.finditer(text):
        line = m.group(0).strip()
        if not line or len(line) > 90 or line.endswith((":", ";", ",")) or reads_as_sentence(line):
            continue
        if line[0] in "-•*–·" or "|" in line or line[:1].isdigit():
            continue
        words = line.split()
        if len(words) <= 12:
            out.append((m.start(), m.end()))
    if out and not text[out[-1][1]:].strip():
        out.pop()  # the last line: nothing follows it
    return out
