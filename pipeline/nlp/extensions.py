"""Every custom ``Doc``/``Span``/``Token`` extension Overclaim uses, registered in one place.

Call :func:`register_extensions` (idempotent) before using them; :func:`pipeline.nlp.build_nlp`
does this for you.

Extensions:
    Span._.link_score (float): confidence of the entity link (0 when unlinked).
    Span._.link_via (str): how it was linked: name, synonym, brand, abbreviation, context.
    Span._.candidates (list[str]): reference ids considered (for ambiguous, unlinked mentions).
    Span._.intervention_type (str | None): for a linked drug-like mention that is not a medicine,
        its intervention type (supplement, herb, vitamin_mineral, food, diet, complementary, device,
        procedure, behaviour; ``pipeline/resources/intervention_types.yaml``).
    Span._.cue_kind (str): hedge | booster | negation | correlational | attribution | evidence_limited.
    Span._.cue_strength (int | None): strength a hedge/booster cue implies.
    Span._.scope (tuple[int, int] | None): token range [start, end) the cue governs.
    Doc._.cues (list[Span]): cue spans with their scopes.
    Doc._.cue_rows (list[tuple[int, int, str, tuple[int, int] | None]]): the same cues as plain
        ``(start token, end token, kind, scope)`` rows, in the order of ``Doc._.cues``.
    Doc._.links (dict[tuple[int, int], tuple[float, str | None]]): ``(start token, end token)`` of
        each linked entity -> ``(link score, link via)``.
    Doc._.boilerplate (list[tuple[int, int, str]]): character ranges that are boilerplate, and why.
    Doc._.headings (list[tuple[int, int]]): character ranges of heading lines.

``Doc._.cue_rows`` and ``Doc._.links`` repeat per-span values as one table per Doc, so that claim
extraction reads them once per article instead of one extension lookup per span.
"""
from __future__ import annotations

from spacy.tokens import Doc, Span

_DONE = False


def register_extensions() -> None:
    """Register all extensions (safe to call repeatedly)."""
    global _DONE
    if _DONE:
        return
    Span.set_extension("link_score", default=0.0, force=True)
    Span.set_extension("link_via", default=None, force=True)
    Span.set_extension("candidates", default=None, force=True)
    Span.set_extension("intervention_type", default=None, force=True)
    Span.set_extension("cue_kind", default=None, force=True)
    Span.set_extension("cue_strength", default=None, force=True)
    Span.set_extension("scope", default=None, force=True)
    Doc.set_extension("cues", default=None, force=True)
    Doc.set_extension("cue_rows", default=None, force=True)
    Doc.set_extension("links", default=None, force=True)
    Doc.set_extension("boilerplate", default=None, force=True)
    Doc.set_extension("headings", default=None, force=True)
    _DONE = True
