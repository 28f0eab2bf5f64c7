"""The frame's gates on reference verdicts: whose claim it is (reported, attributed), and whether the
sentence states it strongly and about the intervention at all.

Example:
    >>> reported_claim("Websites claim that turmeric cures arthritis.")
    True
"""
from __future__ import annotations

import re

from ..frames.policy import load_policy
from ..types import Claim, ClaimType

# A specific study the article reports (the reference may not hold it yet), not an appeal to
# "studies" in general ("some studies have shown").
A_STUDY = re.compile(r"\b(a|the|this|that|their|our|his|her|another|one|an earlier|a previous|a second) "
                      r"(new |recent |latest |small |large |pilot |clinical )*"
                      r"(study|trial|analysis|review)\b|\bresearchers (found|report\w*|say)|\bpublished in\b",
                      re.IGNORECASE)

NOT_A_CLAIM = {"usage": "Not flagged: the sentence describes how something is used, not that it works.",
                "caveat": "Not flagged: the sentence qualifies the evidence."}

_REPORTED = re.compile(r"\b(websites?|sites|forums?|blogs?|ads|adverts?|advertisements?|marketers|sellers|makers|"
                       r"manufacturers?|social media|"
                       r"posts?|rumou?rs?|myths?)\b[^.]{0,50}\b(say|says|said|claim|claims|claimed|suggest|promise|"
                       r"promises)\b|^\s*q\s*:|\bit is a myth\b|\bcontrary to (popular )?(belief|claims)\b|"
                       r"\b(mak\w*|made)\s+([\w-]+\s+){0,3}claims\s+(about|of|that)\b",
                       re.IGNORECASE)

_NAME_BEFORE = re.compile(r"\b(Institute|Center|Centre|Department|Society|Foundation|School|College|Association|"
                          r"Council|Journal|Program|Programme|Division|Unit|Clinic|Alliance)\s+(of|for|on)\s+"
                          r"(the\s+)?([A-Z][\w'-]*\s+){0,3}$")

# "preventing blood clots after a knee replacement": the procedure is when, not what prevents.
_CONTEXT_BEFORE = re.compile(r"\b(after|following|before|during|since)\s+(an?|the|his|her|their|your)?\s*$", re.IGNORECASE)


def only_the_occasion(claim: Claim) -> bool:
    """Whether the intervention's mention only says when ("after a knee replacement")."""
    m = claim.drug
    if m is None or m.start == m.end:
        return False
    a = m.start - claim.start
    return 0 <= a <= len(claim.sentence) and bool(_CONTEXT_BEFORE.search(claim.sentence[max(0, a - 30):a]))


def in_a_name(claim: Claim) -> bool:
    """Whether the intervention's mention is part of an organisation's or journal's name."""
    m = claim.drug
    if m is None or m.start == m.end or not m.text[:1].isupper():
        return False
    a = m.start - claim.start
    return 0 <= a <= len(claim.sentence) and bool(_NAME_BEFORE.search(claim.sentence[max(0, a - 80):a]))

def weakly_stated(claim: Claim, untested: bool = False) -> str | None:
    """Why a reference flag on an efficacy or evidence claim would not be fair to the sentence's
    wording, or ``None``: the frame reads a denial or limitation the claim rules missed ("have not yet demonstrated any benefit"), or
    the claim is only hedged (``untested``: no trial of the pair is on record, so even "may help" is
    unsupported), or not about the intervention ("scientists may be inching toward a
    vaccine that could ...")."""
    f = claim.frame
    if claim.type not in (ClaimType.EFFICACY, ClaimType.EVIDENCE):
        return None  # label facts (dose, withdrawal, approval) are judged on their own wording
    if only_the_occasion(claim):
        return "Not flagged: the intervention is named as the occasion (\u201cafter a knee replacement\u201d), not the claim."
    if f.polarity == "negative" and claim.polarity != "negative":
        return "Not flagged: the sentence denies or limits the claim (\u201cnot\u201d, \u201cno\u201d in scope)."
    if claim.polarity == "negative" and not f.subject:
        return "Not flagged: the denial is not about the intervention (\u201cfor patients who do not improve\u201d)."
    if claim.type == ClaimType.EFFICACY and f.strength in ("hedged", "correlational") and not f.subject:
        return "Not flagged: a hedged statement in which the intervention is not what the sentence is about."
    if f.strength == "none" and claim.type == ClaimType.EFFICACY and f.conditions_in_sentence >= 3:
        return ("Not flagged: the sentence lists conditions without stating an effect on any (\u201chave explored "
                "the medications\u2019 benefits in ... such conditions as\u201d).")
    if f.strength == "correlational":
        return "Not flagged: the sentence states an association (\u201clinked to\u201d, \u201camong users\u201d), not an effect."
    if f.strength == "hedged" and claim.type == ClaimType.EFFICACY and not untested:
        return ("Not flagged: a hedged claim (\u201cmay\u201d, \u201cis thought to\u201d) where trials exist; only a "
                "pair no trial has tested makes even \u201cmay help\u201d unsupported.")
    if f.strength == "hedged" and f.evidence_basis in load_policy().lab_designs:
        return ("Not flagged: a hope voiced in an article about research in animals or cells (\u201ca vaccine "
                "that could ...\u201d), not a claim about people the reference can judge.")
    if claim.condition is not None and claim.condition.via in ("context", "topic") and f.strength != "absolute":
        return ("Not flagged: the condition comes from a neighbouring sentence, not this one; the pair may not "
                "be what the sentence claims.")
    return None

def reported_claim(sentence: str) -> bool:
    """The article reports someone else's claim ("a website said…", "Q: …") rather than making it."""
    return bool(_REPORTED.search(sentence))
