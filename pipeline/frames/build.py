"""Give every claim its frame, and propose frames for sentences that state a health effect of an
intervention the linker does not know ("Eating red meat increases the risk of bowel cancer").

Pure: claims and the processed document in, new claims out (``dataclasses.replace``).

Example:
    >>> from pipeline.frames.build import guess_intervention
    >>> guess_intervention("Eating red meat increases the risk of bowel cancer.", 16)
    'red meat'
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import Iterable

from ..types import Claim, ClaimType, Frame, Mention, Strength
from .analyse import SentenceReading, analyse
from .design import article_design
from .lexicon import Lexicon, load_lexicon

STRENGTH_OF = {"none": Strength.NO_CLAIM, "correlational": Strength.CORRELATIONAL, "hedged": Strength.HEDGED,
               "direct": Strength.DIRECT, "absolute": Strength.DIRECT}
KIND_OF_TYPE = {ClaimType.EFFICACY: "efficacy", ClaimType.APPROVAL: "approval", ClaimType.MECHANISM: "mechanism",
                ClaimType.DOSAGE: "dose", ClaimType.SAFETY: "safety", ClaimType.EVIDENCE: "evidence",
                ClaimType.USAGE: "usage"}
_CURE = re.compile(r"\b(cure[sd]?|curing|a cure)\b", re.IGNORECASE)
_PREVENT = re.compile(r"\b(prevent\w*|risk|protect\w*|ward\w* off)\b", re.IGNORECASE)
_COMPARE = re.compile(r"\b(than|compared (with|to)|versus|vs\.?)\b", re.IGNORECASE)
_OUTCOME = re.compile(r"\b(risk|chance|odds|rate|rates|death|deaths|mortality|survival|symptoms?|pain|disease|"
                      r"cancer|weight|blood pressure|cholesterol|memory|heart|brain|health|levels?)\b", re.IGNORECASE)
_SAFETY_ABSOLUTE = re.compile(r"\b(no side effects|without side effects|completely safe|totally safe|perfectly safe|"
                              r"100% safe|as much as you (like|want)|no risk|risk-free)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][\w'-]*")
_AUXILIARIES = {"is", "are", "was", "were", "has", "have", "had", "will", "can", "could", "may", "might", "would",
                "should", "does", "do", "did", "also", "not", "be", "been", "made", "makes", "make", "goes", "go",
                "said", "says", "showed", "found", "indicating", "suffering"}
# A phrase ending in one of these is a fragment, not an intervention ("of a", "save lives or").
_FUNCTION_END = {"of", "with", "for", "or", "and", "in", "to", "from", "by", "on", "at", "as", "a", "an", "the",
                 "than", "into", "about", "its", "their", "his", "her", "our", "your", "my", "lives"}


def frame_kind(claim_type: ClaimType | None, text: str, reading: SentenceReading) -> str:
    """The frame kind: the claim type, refined by the wording (cure, prevention, comparison)."""
    kind = KIND_OF_TYPE.get(claim_type, "efficacy")
    if kind in ("efficacy", "usage", "evidence") and _CURE.search(text):
        return "cure"
    if kind == "efficacy" and _COMPARE.search(text) and reading.causal:
        return "comparison"
    if kind == "efficacy" and _PREVENT.search(text):
        return "prevention"
    if kind == "efficacy" and reading.speech_act == "advice":
        return "advice"
    return kind


def capped_strength(strength: Strength, frame: Frame) -> Strength:
    """A claim's strength no higher than its frame's hedged or correlational wording allows
    ("appeared to prevent" is hedged whatever a sentence model scored)."""
    if frame.strength in ("hedged", "correlational"):
        return min(strength, STRENGTH_OF[frame.strength])
    return strength


def make_frame(kind: str, reading: SentenceReading, design: str, heading: bool,
               intervention: str | None) -> Frame:
    """A :class:`Frame` from a sentence reading and the article's design."""
    basis = reading.designs[0] if reading.designs else design
    if reading.population == "animal" and basis not in ("animal",):
        basis = "animal"
    return Frame(kind=kind, polarity=reading.polarity, strength=reading.strength,
                 speech_act="headline" if heading else reading.speech_act, evidence_basis=basis,
                 population=reading.population, intervention=intervention)


def _clip_subject(words: list[str], lex: Lexicon) -> list[str]:
    bounds = set(lex.terms[("subject", "boundaries")])
    for i in range(len(words) - 1, -1, -1):
        if words[i].lower() in bounds:
            words = words[i + 1:]
            break
    drop = set(lex.terms[("subject", "drop_leading")])
    while words and words[0].lower() in drop:
        words = words[1:]
    return words[-6:]


def guess_intervention(sentence: str, pred_start: int, lex: Lexicon | None = None) -> str | None:
    """The words before a causal predicate, within its clause, read as the intervention; ``None``
    for pronouns and words that are not interventions ("the study", "researchers")."""
    lex = lex or load_lexicon()
    head = re.split(r"[,;:()\"“”]", sentence[:pred_start])[-1]
    words = _clip_subject(_WORD.findall(head), lex)
    phrase = " ".join(words).lower().strip()
    if not phrase or phrase in lex.terms[("subject", "pronouns")]:
        return None
    if phrase in lex.terms[("subject", "not_interventions")] or words[0].lower() in lex.terms[("subject", "not_interventions")]:
        return None
    if words[-1].lower() in _FUNCTION_END or any(w.lower() in _AUXILIARIES for w in words):
        return None
    if not any(len(w) >= 3 and w.lower() not in _FUNCTION_END for w in words):
        return None
    return phrase


def _candidate(text: str, reading: SentenceReading, has_condition: bool) -> bool:
    """A sentence without a linked claim that states a health effect strongly enough to check."""
    if _SAFETY_ABSOLUTE.search(text) and reading.polarity == "positive":
        return True
    return (reading.causal and reading.strength in ("direct", "absolute") and reading.predicate is not None
            and (has_condition or bool(_OUTCOME.search(text[reading.predicate[1]:]))))


def _generic_claim(article_id: str, start: int, text: str, reading: SentenceReading, design: str,
                   heading: bool, conditions: list[Mention], lex: Lexicon) -> Claim | None:
    name = guess_intervention(text, reading.predicate[0], lex) if reading.predicate else None
    if name is None:
        return None
    pos = text.lower().find(name)
    mention = Mention(text=text[pos:pos + len(name)] if pos >= 0 else name, start=start + max(pos, 0),
                      end=start + max(pos, 0) + len(name), kind="drug", id=None, name=None, score=0.0, via="frame")
    ctype = ClaimType.SAFETY if _SAFETY_ABSOLUTE.search(text) else ClaimType.EFFICACY
    kind = "safety" if ctype == ClaimType.SAFETY else frame_kind(ctype, text, reading)
    cid = hashlib.sha1(f"{article_id}|{start}|frame|{name}".encode()).hexdigest()[:16]
    return Claim(article_id=article_id, sentence=text, start=start, end=start + len(text), type=ctype,
                 drug=mention, condition=conditions[0] if conditions else None, polarity=reading.polarity,
                 strength=STRENGTH_OF[reading.strength], id=cid,
                 frame=make_frame(kind, reading, design, heading, name))


def frame_claims(claims: Iterable[Claim], sentences: list[tuple[int, int, str]], *, article_id: str,
                 headings: Iterable[tuple[int, int]] = (), conditions: dict[int, list[Mention]] | None = None,
                 lex: Lexicon | None = None) -> list[Claim]:
    """Frames for an article's claims, plus frames for unlinked sentences that state a health effect.

    Args:
        claims: the claims of :func:`pipeline.claims.extract_claims`, in document order.
        sentences: ``(start, end, text)`` of the article's body sentences (no boilerplate).
        article_id: the article's id (for the new claims' ids).
        headings: character ranges of heading lines (their claims are headlines).
        conditions: sentence start -> condition mentions in it (for the new claims).

    Returns:
        New claims, each with ``frame`` set, in document order.
    """
    lex = lex or load_lexicon()
    design = article_design([t for _, _, t in sentences], lex)
    heads = [tuple(h[:2]) for h in headings]
    readings: dict[int, SentenceReading] = {}
    out: list[Claim] = []
    for c in claims:
        r = readings.setdefault(c.start, analyse(c.sentence, lex))
        heading = any(h0 <= c.start < h1 for h0, h1 in heads)
        name = c.drug.name or c.drug.text if c.drug else None
        frame = make_frame(frame_kind(c.type, c.sentence, r), r, design, heading, name)
        out.append(replace(c, frame=frame, strength=capped_strength(c.strength, frame)))
    claimed = {c.start for c in claims}
    for start, end, text in sentences:
        if start in claimed:
            continue
        r = analyse(text, lex)
        if _candidate(text, r, bool((conditions or {}).get(start))):
            heading = any(h0 <= start < h1 for h0, h1 in heads)
            g = _generic_claim(article_id, start, text, r, design, heading, (conditions or {}).get(start, []), lex)
            if g is not None:
                out.append(g)
    out.sort(key=lambda c: (c.start, c.id))
    return out
