"""Sentence splitter for web articles: breaks at line ends (headings, list items, table rows)
and at sentence-final punctuation, not after common abbreviations (``e.g.``, ``Dr.``)."""
from __future__ import annotations

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
        pending = True  # the next non-space token starts a sentence
        final_seen = False
        for i, tok in enumerate(doc):
            if tok.is_space:
                tok.is_sent_start = i == 0
                if "\n" in tok.text or final_seen:
                    pending = True
                continue
            if final_seen and not pending and tok.text in _CLOSERS and not doc[i - 1].whitespace_:
                tok.is_sent_start = False
                continue  # closing quote or bracket after the full stop stays with its sentence
            if final_seen and not pending:
                t = tok.text
                pending = t[:1].isupper() or t[:1].isdigit() or t in _OPENERS
            tok.is_sent_start = pending or i == 0
            pending = False
            final_seen = False
            if tok.text in _FINAL:
                before = doc[i - 1].text.lower().rstrip(".") if i > 0 else ""
                final_seen = not (tok.text == "." and before in _NO_BREAK_AFTER)
            elif tok.text.endswith(".") and len(tok.text) > 1 and tok.text[:-1].lower() not in _NO_BREAK_AFTER \
                    and tok.text.count(".") == 1:
                final_seen = True
            if "\n" in tok.whitespace_:
                pending = True
        return doc


@Language.factory("overclaim_sentences")
def make_sentencizer(nlp: Language, name: str) -> ArticleSentencizer:
    """Factory for :class:`ArticleSentencizer`."""
    return ArticleSentencizer(name)
