"""Sentence splitter for web articles: breaks at line ends (headings, list items, table rows)
and at sentence-final punctuation, not after common abbreviations (``e.g.``, ``Dr.``)."""
from __future__ import annotations

import numpy
from spacy.attrs import SENT_START, SPACY
from spacy.language import Language
from spacy.tokens import Doc

_FINAL = {".", "!", "?", "…"}
_NO_BREAK_AFTER = {"e.g", "i.e", "dr", "mr", "mrs", "vs", "etc", "approx", "fig", "al", "st", "no"}
_CLOSERS = {"\"", "”", "’", ")", "]", "'"}
_OPENERS = {"\"", "'", "“", "‘", "(", "[", "•", "-", "–", "*"}


class ArticleSentencizer:
    """Sets ``is_sent_start`` on every token (registered as ``overclaim_sentences``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0:
            return doc
        # Decide on plain Python lists, then set all boundaries at once: assigning
        # ``Token.is_sent_start`` one token at a time re-scans the whole Doc each time (quadratic).
        texts = [t.text for t in doc]
        spaced = doc.to_array([SPACY]).tolist()
        starts = [-1] * n
        pending = True  # the next non-space token starts a sentence
        final_seen = False
        for i, t in enumerate(texts):
            if t.isspace():
                if i == 0:
                    starts[0] = 1
                if "\n" in t or final_seen:
                    pending = True
                continue
            if final_seen and not pending and t in _CLOSERS and not spaced[i - 1]:
                continue  # closing quote or bracket after the full stop stays with its sentence
            if final_seen and not pending:
                pending = t[:1].isupper() or t[:1].isdigit() or t in _OPENERS
            if pending or i == 0:
                starts[i] = 1
            pending = False
            final_seen = False
            if t in _FINAL:
                before = texts[i - 1].lower().rstrip(".") if i > 0 else ""
                final_seen = not (t == "." and before in _NO_BREAK_AFTER)
            elif t.endswith(".") and len(t) > 1 and t[:-1].lower() not in _NO_BREAK_AFTER and t.count(".") == 1:
                final_seen = True
        doc.from_array([SENT_START], numpy.array(starts, dtype="int64").reshape(n, 1).astype("uint64"))
        return doc


@Language.factory("overclaim_sentences", assigns=["token.is_sent_start"])
def make_sentencizer(nlp: Language, name: str) -> ArticleSentencizer:
    """Factory for :class:`ArticleSentencizer`."""
    return ArticleSentencizer(name)
