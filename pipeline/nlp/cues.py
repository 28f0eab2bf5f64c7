"""Cue tagger: hedges, boosters, negation, correlational and attribution cues, with their scope.

In the spirit of medspaCy's ConText: cue phrases from ``pipeline/resources/cues.yaml`` are
matched on lower-cased tokens; each cue governs a scope that runs (forward) to the end of its
clause — the next terminator (``but``, ``while``, ``;`` …) or the sentence end — or (backward)
from the clause start to the cue.

Example:
    >>> from pipeline.nlp import build_nlp
    >>> nlp = build_nlp()
    >>> doc = nlp("Baclofen may reduce pain.")
    >>> [(c.text, c._.cue_kind) for c in doc._.cues]
    [('may', 'hedge')]
"""
from __future__ import annotations

import bisect

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .extensions import register_extensions
from ..resources.schema import load_resource


def load_cue_lexicon(resource: str = "cues.yaml") -> dict:
    """Read a cue lexicon shipped in ``pipeline.resources``."""
    return load_resource(resource)


class CueTagger:
    """Tags cue spans and their scopes in ``doc._.cues``.

    Args:
        nlp: the pipeline.
        name: component name.
        lexicon: resource file name of the cue lexicon (``cues.yaml``), read by :meth:`initialize`.
    """

    def __init__(self, nlp: Language, name: str, *, lexicon: str) -> None:
        register_extensions()
        self.name = name
        self.lexicon_name = lexicon
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.terminators: set[str] = set()
        self.meta: dict[str, dict] = {}
        self._ready = False

    def initialize(self, get_examples=None, *, nlp: Language) -> None:
        """Read the lexicon: the cue phrases (tokenised by ``nlp``'s tokenizer), their strength and
        the direction of their scope, and the words that end a scope."""
        lex = load_cue_lexicon(self.lexicon_name)
        self.terminators = {t.lower() for t in lex.get("terminators", [])}
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.meta = {}
        for kind, spec in lex["cues"].items():
            self.meta[kind] = {"strength": spec.get("strength"), "direction": spec.get("direction", "forward")}
            self.matcher.add(kind, list(nlp.tokenizer.pipe(spec["terms"])))
        self._ready = True

    def __call__(self, doc: Doc) -> Doc:
        if not self._ready:
            raise RuntimeError(f"{self.name}: call initialize() first (pipeline.nlp.build_nlp does)")
        spans = [Span(doc, s, e, label=doc.vocab.strings[m]) for m, s, e in self.matcher(doc)]
        # Longest cue wins where cues overlap ("has been shown" over "shown").
        spans = filter_spans(spans)
        cues = []
        rows = []
        # Sentence starts, read once: Span.sent searches the token array for every cue.
        starts = (numpy.flatnonzero(doc.to_array([SENT_START]).reshape(-1) == 1).tolist()
                  if spans and doc.has_annotation("SENT_START") else None)
        for sp in spans:
            kind = sp.label_
            meta = self.meta[kind]
            # "works by" is a mechanism, not a booster; "can" in "cannot" handled by the tokenizer.
            scope = self._scope(doc, sp, meta["direction"], starts)
            sp._.cue_kind = kind
            sp._.cue_strength = meta["strength"]
            sp._.scope = scope
            cues.append(sp)
            rows.append((sp.start, sp.end, kind, scope))
        doc._.cues = cues
        doc._.cue_rows = rows
        return doc

    def _scope(self, doc: Doc, cue: Span, direction: str, starts: list[int] | None = None) -> tuple[int, int]:
        """The token range the cue governs, within its sentence (``starts``: the sentence-start
        token indices, ``None`` when the doc has no sentence boundaries)."""
        if starts is None:
            sent_start, sent_end = 0, len(doc)
        else:  # as Span.sent: from the last start at or before the cue to the first at or after its end
            k = bisect.bisect_right(starts, cue.start) - 1
            sent_start = starts[k] if k >= 0 else 0
            k = bisect.bisect_left(starts, cue.end)
            sent_end = starts[k] if k < len(starts) else len(doc)
        start, end = cue.start, cue.end
        if direction in ("forward", "bidirectional"):
            k = cue.end
            while k < sent_end and doc[k].lower_ not in self.terminators:
                k += 1
            end = k
        if direction in ("backward", "bidirectional"):
            k = cue.start
            while k > sent_start and doc[k - 1].lower_ not in self.terminators:
                k -= 1
            start = k
        return (start, end)


@Language.factory("overclaim_cues", default_config={"lexicon": "cues.yaml"}, requires=["token.is_sent_start"],
                  assigns=["doc._.cues", "doc._.cue_rows", "span._.cue_kind", "span._.cue_strength", "span._.scope"])
def make_cue_tagger(nlp: Language, name: str, *, lexicon: str) -> CueTagger:
    """Factory for :class:`CueTagger` (registered as ``overclaim_cues``)."""
    return CueTagger(nlp, name, lexicon=lexicon)


