"""Audit: run the stages (nlp → claims → verify) over articles.

Example:
    >>> from pipeline.run.auditor import Auditor
    >>> from pipeline.ingest.reader import article_from_text
    >>> res = Auditor().audit_article(article_from_text(
    ...     "Baclofen has been shown to be effective for fibromyalgia.", id="demo"))
    >>> [(c.claim.type.value, c.verdict.label.value) for c in res.claims]
    [('efficacy', 'overstated')]
"""
from __future__ import annotations

import functools
import time
from dataclasses import replace
from typing import Iterable, Iterator

from ..assess.scorecard import score_article
from ..claims.extract import extract_claims
from ..claims.scoring import ClaimScorer, ScorerConfig
from ..errors import InputError
from ..frames.build import frame_claims
from ..nlp import get_nlp
from ..nlp.boilerplate import find_boilerplate, find_headings
from ..nlp.normalize import normalize, normalize_string
from ..nlp.remap import map_result
from ..reference import load_reference
from ..verify import Verifier, article_findings, one_flag_per_reason
from ..types import Article, ArticleResult, CheckedClaim, Mention, StrengthModel


class Auditor:
    """Holds the loaded reference, pipeline and verifier; audits one article at a time.

    Args:
        reference: a :class:`~pipeline.reference.Reference` (default: the shipped one, plus
            the compiled open-source reference when it has been built).
        overlays: editor overlay files or folders merged on top of the reference.
        models: apply the trained check-worthiness and strength models (``pipeline.claims.scoring``);
            ``False`` uses the rules alone.
        strength_model: which strength model (:class:`~pipeline.types.StrengthModel`): ``"fast"``
            (default) or ``"encoder"``.

    Attributes:
        timings: ``None``, or a dict that :meth:`audit_article` adds each stage's CPU seconds to
            (``boilerplate``, ``tokenizer``, each spaCy component, ``claims``, ``models``,
            ``verify``, ``scorecard``); set it to ``{}`` to measure (``overclaim bench --stages``).
    """

    def __init__(self, reference=None, overlays: Iterable[str] = (), *, models: bool = True,
                 strength_model: StrengthModel | str = StrengthModel.FAST) -> None:
        if not isinstance(models, bool):
            raise TypeError(f"models={models!r}: True or False (the strength model is strength_model=)")
        overlays = tuple(overlays)
        self.reference = reference if reference is not None else load_reference(overlays)
        self.nlp = get_nlp(self.reference)
        self.verifier = Verifier(self.reference)
        self.scorer = None
        if models:
            self.scorer = ClaimScorer(ScorerConfig(strength_model=strength_model))
        self.timings: dict[str, float] | None = None

    def audit_article(self, article: Article) -> ArticleResult:
        """Extract and verify every claim of one article.

        Args:
            article: the article.

        Returns:
            An :class:`ArticleResult` with checked claims, article-level findings and the
            boilerplate ranges that were kept out of claims.
        """
        t0 = time.perf_counter()
        clock = _Clock(self.timings)
        work, omap = _normalized(article)  # the pipeline reads a normalised copy; offsets mapped back below
        text = work.text
        boiler = find_boilerplate(text)
        heads = find_headings(text)
        clock("boilerplate")
        doc = self._process(text, clock)
        claims = extract_claims(doc, work, reference=self.reference, boilerplate=boiler, headings=heads)
        clock("claims")
        if self.scorer is not None:
            claims = self.scorer.apply(claims)
            clock("models")
        claims = frame_claims(claims, body_sentences(doc, boiler), article_id=work.id, headings=heads,
                              mentions=mentions_by_sentence(doc))
        clock("frames")
        checked = one_flag_per_reason([CheckedClaim(c, self.verifier(c)) for c in claims])
        findings = article_findings([(c.claim, c.verdict) for c in checked], self.reference)
        clock("verify")
        scorecard = score_article(work, sentences=[(s.start_char, s.end_char) for s in doc.sents],
                                  claims=checked, boilerplate=boiler)
        clock("scorecard")
        result = ArticleResult(article=work, claims=checked, findings=findings, boilerplate=boiler,
                               scorecard=scorecard)
        if omap is not None:
            result = map_result(result, omap, article)
        return replace(result, seconds=time.perf_counter() - t0)

    def _process(self, text: str, clock: "_Clock"):
        """Run the spaCy pipeline's components in order, timing each (``clock``). The tokenizer is
        called directly: the length limit is the reader's ``--max-chars``, checked when the
        article was read, not spaCy's ``nlp.max_length`` (a memory guard for parsers this
        pipeline does not have, 1,000,000 by default)."""
        doc = self.nlp.tokenizer(text)
        clock("tokenizer")
        for name, proc in self.nlp.pipeline:
            doc = proc(doc)
            clock(name)
        return doc

    def audit(self, items: Iterable[Article | InputError]) -> Iterator[ArticleResult | InputError]:
        """Audit a stream of articles; input errors (and per-article failures) pass through as
        :class:`InputError` so one bad article never stops a batch."""
        for item in items:
            if isinstance(item, InputError):
                yield item
                continue
            try:
                yield self.audit_article(item)
            except Exception as e:  # one bad article never stops a batch
                yield InputError(f"audit failed: {type(e).__name__}: {e}", path=item.id)


@functools.lru_cache(maxsize=4)
def shared_auditor(overlays: tuple[str, ...] = ()) -> Auditor:
    """The process-wide :class:`Auditor` with the trained models for ``overlays`` (built on first
    use): the one cache that the research API and the evaluations share."""
    return Auditor(overlays=overlays)


def _normalized(article: Article):
    """``(article as the pipeline reads it, offset map)``: a copy with normalised text and title
    (:func:`pipeline.nlp.normalize.normalize`) and the map back, or ``(article, None)`` when the
    text needs no change."""
    text, omap = normalize(article.text)
    if omap is None:
        return article, None
    return replace(article, text=text, title=normalize_string(article.title)), omap


def body_sentences(doc, boilerplate) -> list[tuple[int, int, str]]:
    """``(start, end, text)`` of the sentences outside boilerplate ranges."""
    spans = [(b[0], b[1]) for b in boilerplate]
    out = []
    for s in doc.sents:
        if not any(b0 <= s.start_char < b1 for b0, b1 in spans):
            out.append((s.start_char, s.end_char, s.text))
    return out


def mentions_by_sentence(doc) -> dict[int, list]:
    """Sentence start -> the linked drug and condition mentions in it (for the frames stage)."""
    out: dict[int, list] = {}
    for e in doc.ents:
        if e.label_ in ("DRUG", "CONDITION") and e.kb_id_:
            m = Mention(text=e.text, start=e.start_char, end=e.end_char, kind=e.label_.lower(), id=e.kb_id_,
                        name=None, score=1.0, via="name")
            out.setdefault(e.sent.start_char, []).append(m)
    return out


class _Clock:
    """Adds the CPU time since the previous call to ``timings[stage]`` (does nothing when
    ``timings`` is ``None``)."""

    __slots__ = ("timings", "last")

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.process_time() if timings is not None else 0.0

    def __call__(self, stage: str) -> None:
        if self.timings is not None:
            now = time.process_time()
            self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
            self.last = now
