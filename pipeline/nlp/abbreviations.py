"""Abbreviation detection: scispacy's Schwartz & Hearst detector, with a faster candidate search.

scispacy's ``abbreviation_detector`` finds its candidates with a ``Matcher`` pattern
``( <one or more tokens> )``, which walks every token of every document in Python. This component
(``overclaim_abbreviations``) finds the same candidates from the array of token texts: every
``(`` … ``)`` pair with at least one token between, in the order the matcher reports them. Candidates
with more than eight tokens inside are left out, as scispacy's own filter drops them. Everything
after that (``filter_matches``, ``find_abbreviation``, ``Doc._.abbreviations`` and
``Span._.long_form``) is scispacy's code, unchanged. The document-wide search for the other
occurrences of each short form, which scispacy runs as a second ``Matcher`` pass over every token,
compares the same token texts (``ORTH``) on the token array instead. The results are the same;
``tests/test_nlp.py`` checks this on real articles.

Example:
    >>> from pipeline.nlp import get_nlp
    >>> doc = get_nlp()("Fibromyalgia syndrome (FMS) is common. FMS causes pain.")
    >>> sorted((a.text, a.start, a._.long_form.text) for a in doc._.abbreviations)
    [('FMS', 3, 'Fibromyalgia syndrome'), ('FMS', 8, 'Fibromyalgia syndrome')]
"""
from __future__ import annotations

from collections import defaultdict

import numpy
from scispacy.abbreviation import AbbreviationDetector, filter_matches, find_abbreviation
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc, Span

MAX_INSIDE = 8  # scispacy's filter_matches drops candidates with more tokens inside the brackets


class FastAbbreviationDetector(AbbreviationDetector):
    """scispacy's :class:`~scispacy.abbreviation.AbbreviationDetector` with the bracket search done
    on the token array (registered as ``overclaim_abbreviations``)."""

    def __init__(self, nlp: Language, name: str = "overclaim_abbreviations") -> None:
        super().__init__(nlp, name)
        self._open = nlp.vocab.strings.add("(")
        self._close = nlp.vocab.strings.add(")")

    def candidates(self, doc: Doc) -> list[tuple[int, int, int]]:
        """``(match id, start, end)`` of the text inside each bracket pair, brackets excluded, as
        scispacy's matcher would give them (ordered by the closing bracket, then from the nearest
        opening bracket back)."""
        if len(doc) < 3:
            return []
        orth = doc.to_array([ORTH]).reshape(-1)
        opens = numpy.flatnonzero(orth == self._open).tolist()
        if not opens:
            return []
        closes = numpy.flatnonzero(orth == self._close).tolist()
        out = []
        for c in closes:
            for o in reversed(opens):  # the innermost opening bracket first, as the matcher does
                if o >= c - 1:
                    continue
                if c - o - 1 > MAX_INSIDE:
                    break
                out.append((0, o + 1, c))
        return out

    def find_matches_for(self, filtered: list[tuple[Span, Span]], doc: Doc) -> list[tuple[Span, set[Span]]]:
        """scispacy's ``find_matches_for`` with the short-form search done on the token array.

        Args:
            filtered: ``(long candidate, short candidate)`` pairs from ``filter_matches``.
            doc: the document.

        Returns:
            ``(long form, {every occurrence of its short form})`` per definition, in the order
            the definitions appear, as scispacy returns them.
        """
        rules: dict[str, Span] = {}
        patterns: dict[str, list[int]] = {}
        all_occurrences: dict[Span, set[Span]] = defaultdict(set)
        seen_long: set[str] = set()
        seen_short: set[str] = set()
        for long_candidate, short_candidate in filtered:
            short, long = find_abbreviation(long_candidate, short_candidate)
            # As scispacy: a long or short form defined twice keeps its first definition only.
            new_long = long.text not in seen_long if long else False
            new_short = short.text not in seen_short
            if long is not None and new_long and new_short:
                seen_long.add(long.text)
                seen_short.add(short.text)
                all_occurrences[long].add(short)
                rules[long.text] = long
                patterns[long.text] = [t.orth for t in short]
        if patterns:
            orth = doc.to_array([ORTH]).reshape(-1)
            n = len(orth)
            for key, seq in patterns.items():
                width = len(seq)
                spans = all_occurrences[rules[key]]
                for start in numpy.flatnonzero(orth == seq[0]).tolist():
                    if start + width <= n and (width == 1 or orth[start:start + width].tolist() == seq):
                        spans.add(doc[start:start + width])
        return list(all_occurrences.items())

    def __call__(self, doc: Doc) -> Doc:
        filtered = filter_matches(self.candidates(doc), doc)
        if not filtered:
            return doc
        for long_form, short_forms in self.find_matches_for(filtered, doc):
            for short in short_forms:
                short._.long_form = long_form
                doc._.abbreviations.append(short)
        return doc


@Language.factory("overclaim_abbreviations", assigns=["doc._.abbreviations", "span._.long_form"])
def make_abbreviation_detector(nlp: Language, name: str) -> FastAbbreviationDetector:
    """Factory for :class:`FastAbbreviationDetector`."""
    return FastAbbreviationDetector(nlp, name)
