"""Map an audit result computed on normalised text back to the original article text.

:meth:`pipeline.run.auditor.Auditor.audit_article` runs the pipeline on the text returned by
:func:`pipeline.nlp.normalize.normalize`; :func:`map_result` then moves every offset of the result
(claim sentences, drug and condition mentions, cues, quantities, boilerplate ranges, scorecard
evidence) into the original text, and takes every quoted piece of article text (``sentence``,
mention and cue ``text``, quantity ``text``, evidence ``text``) from the original at those
offsets, so ``article.text[start:end]`` is always what a record quotes.

Example:
    >>> from pipeline.run.auditor import Auditor
    >>> from pipeline.ingest.reader import article_from_text
    >>> art = article_from_text("Bac\\u200blofen has been shown to be effective for fibromyalgia.", id="demo")
    >>> c = Auditor().audit_article(art).claims[0].claim
    >>> (c.start, c.end) == (0, len(art.text)), c.sentence == art.text, art.text[c.drug.start:c.drug.end]
    (True, True, 'Bac\\u200blofen')
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..types import Article, ArticleResult, CheckedClaim, Claim, Cue, Mention, Quantity
from .normalize import OffsetMap


def map_result(result: ArticleResult, omap: OffsetMap, article: Article) -> ArticleResult:
    """Move ``result`` (computed on the normalised text) onto ``article``, the original.

    Args:
        result: the result of auditing the normalised copy of ``article``.
        omap: the offset map :func:`~pipeline.nlp.normalize.normalize` returned.
        article: the original article (``result.article`` becomes it).

    Returns:
        A new result whose offsets and quoted text point into ``article.text``.
    """
    text = article.text
    return replace(result, article=article,
                   claims=[CheckedClaim(_claim(cc.claim, omap, text), cc.verdict) for cc in result.claims],
                   boilerplate=[(*omap.span(s, e), kind) for s, e, kind in result.boilerplate],
                   scorecard=_scorecard(result.scorecard, omap, text))


def _claim(c: Claim, omap: OffsetMap, text: str) -> Claim:
    s, e = omap.span(c.start, c.end)
    return replace(c, start=s, end=e, sentence=text[s:e], drug=_mention(c.drug, omap, text),
                   condition=_mention(c.condition, omap, text),
                   quantities=[_quantity(q, c.start, s, omap, text) for q in c.quantities],
                   cues=[_cue(cue, omap, text) for cue in c.cues])


def _mention(m: Mention | None, omap: OffsetMap, text: str) -> Mention | None:
    if m is None:
        return None
    s, e = omap.span(m.start, m.end)
    return replace(m, start=s, end=e, text=text[s:e])


def _cue(cue: Cue, omap: OffsetMap, text: str) -> Cue:
    s, e = omap.span(cue.start, cue.end)
    return replace(cue, start=s, end=e, text=text[s:e])


def _quantity(q: Quantity, norm_sent: int, orig_sent: int, omap: OffsetMap, text: str) -> Quantity:
    """Quantities carry offsets in their sentence: map them through the article offsets."""
    if q.start is None or q.end is None:
        return q
    s, e = omap.span(norm_sent + q.start, norm_sent + q.end)
    return replace(q, start=s - orig_sent, end=e - orig_sent, text=text[s:e])


def _scorecard(card: dict[str, Any], omap: OffsetMap, text: str) -> dict[str, Any]:
    """The scorecard with each criterion's evidence sentences moved into the original text."""
    if not card:
        return card
    criteria = {}
    for name, crit in card.get("criteria", {}).items():
        evidence = []
        for ev in crit.get("evidence", []):
            s, e = omap.span(ev["start"], ev["end"])
            evidence.append({**ev, "start": s, "end": e, "text": text[s:e]})
        criteria[name] = {**crit, "evidence": evidence}
    return {**card, "criteria": criteria}
