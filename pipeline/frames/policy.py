"""The flag policy for framed claims (``pipeline/resources/verdict_policy.yaml``) and the verdicts
built from the article's own evidence (Sumner et al., BMJ 2014: causal claims from correlational
research, inference to humans from animal or cell research; plus absolute wording and safety
absolutes). Used by :class:`pipeline.verify.Verifier`.

Example:
    >>> from pipeline.types import Claim, ClaimType, Frame
    >>> f = Frame(kind="prevention", polarity="positive", strength="direct", speech_act="reported_finding",
    ...           evidence_basis="observational", population="unspecified", intervention="coffee")
    >>> c = Claim("a", "Coffee cuts the risk of stroke, the survey found.", 0, 49, ClaimType.EFFICACY, frame=f)
    >>> article_evidence_verdict(c).reason
    'causal_from_observational'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from ..types import Claim, Severity, Strength, Verdict, VerdictLabel

KEYS = ("version", "curable_conditions", "unflagged_speech_acts", "correlational_designs",
        "lab_designs", "article_voice", "reason_by_type")
_CAUSAL_TO_LINK = re.compile(r"\b(reduces|reduced|lowers|lowered|cuts|cut|prevents|prevented|protects|protected|"
                             r"boosts|boosted|increases|increased|causes|caused|raises|raised|improves|improved)\b",
                             re.IGNORECASE)
_ABSOLUTE_SAFETY = re.compile(r"\b(no side effects|without side effects|completely safe|totally safe|perfectly safe|"
                              r"100% safe|as much as you (like|want)|no risk|risk-free)\b", re.IGNORECASE)
_EFFECT_KINDS = ("efficacy", "prevention", "cure", "comparison", "advice")


@dataclass(frozen=True)
class Policy:
    curable: re.Pattern
    unflagged_speech_acts: frozenset
    correlational_designs: frozenset
    lab_designs: frozenset
    article_voice: frozenset
    reason_by_type: dict


def _check(data: dict) -> None:
    if not isinstance(data, dict) or set(data) != set(KEYS) or data.get("version") != 1:
        got = sorted(data) if isinstance(data, dict) else data
        raise ValueError(f"verdict_policy.yaml: expected exactly the keys {list(KEYS)} (version 1), got {got}")
    for k in KEYS[1:-1]:
        if not isinstance(data[k], list) or not all(isinstance(x, str) for x in data[k]):
            raise ValueError(f"verdict_policy.yaml: {k} must be a list of strings")
    if not isinstance(data["reason_by_type"], dict):
        raise ValueError("verdict_policy.yaml: reason_by_type must be a mapping")


@lru_cache(maxsize=1)
def load_policy() -> Policy:
    """Read and validate the policy table (once per process)."""
    data = yaml.safe_load(resources.files("pipeline.resources").joinpath("verdict_policy.yaml").read_text("utf-8"))
    _check(data)
    body = "|".join(re.escape(t) for t in sorted(data["curable_conditions"], key=len, reverse=True))
    return Policy(curable=re.compile(rf"\b(?:{body})\b", re.IGNORECASE),
                  unflagged_speech_acts=frozenset(data["unflagged_speech_acts"]),
                  correlational_designs=frozenset(data["correlational_designs"]),
                  lab_designs=frozenset(data["lab_designs"]), article_voice=frozenset(data["article_voice"]),
                  reason_by_type=dict(data["reason_by_type"]))


def _soft_link(sentence: str) -> str | None:
    m = _CAUSAL_TO_LINK.search(sentence)
    if not m:
        return None
    return sentence[:m.start()] + "was linked to " + ("a lower " if m.group().lower().startswith(
        ("reduc", "lower", "cut", "prevent", "protect")) else "a higher ") + "level of" + sentence[m.end():]


def _observational(claim: Claim) -> Verdict:
    f = claim.frame
    return Verdict(VerdictLabel.OVERSTATED, Severity.MEDIUM,
                   f"Causal wording ({f.strength} claim) for a finding from observational research: such a study "
                   f"shows an association, not that {f.intervention or 'the exposure'} causes the effect.",
                   suggestion=_soft_link(claim.sentence), allowed_strength=Strength.CORRELATIONAL,
                   reason="causal_from_observational")


def _lab(claim: Claim) -> Verdict:
    f = claim.frame
    where = "animals" if f.evidence_basis == "animal" else "cells in the laboratory"
    return Verdict(VerdictLabel.OVERSTATED, Severity.MEDIUM,
                   f"The article's evidence comes from research in {where}, but the sentence states the effect "
                   f"without saying so: readers will take it to apply to people.",
                   suggestion=f"In a study in {where}, " + claim.sentence[:1].lower() + claim.sentence[1:],
                   allowed_strength=Strength.HEDGED, reason="animal_to_human")


def _absolute(claim: Claim) -> Verdict:
    return Verdict(VerdictLabel.OVERSTATED, Severity.HIGH,
                   "Absolute wording (\u201ccure\u201d, \u201cproven\u201d) that no evidence the article gives "
                   "can carry.", allowed_strength=Strength.HEDGED, reason="absolute_claim")


def _safety(claim: Claim) -> Verdict:
    return Verdict(VerdictLabel.OVERSTATED, Severity.HIGH,
                   "An absolute safety claim: every active treatment has side effects, and \u201cnatural\u201d does "
                   "not mean safe at any dose.", allowed_strength=Strength.NO_CLAIM, reason="safety_absolute")


def article_evidence_verdict(claim: Claim) -> Verdict | None:
    """A flag from the article's own evidence, or ``None`` when its evidence carries the wording."""
    f, pol = claim.frame, load_policy()
    if f is None or f.polarity != "positive" or f.speech_act not in pol.article_voice:
        return None
    if _ABSOLUTE_SAFETY.search(claim.sentence):
        return _safety(claim)
    if f.kind not in _EFFECT_KINDS:
        return None
    if f.strength == "absolute" and (f.evidence_basis in pol.lab_designs | pol.correlational_designs
                                     or (f.kind == "cure" and f.evidence_basis == "none")):
        return _absolute(claim)
    if f.strength not in ("direct", "absolute"):
        return None
    if f.evidence_basis in pol.lab_designs and f.population == "unspecified":
        return _lab(claim)
    if f.evidence_basis in pol.correlational_designs:
        return _observational(claim)
    return None


def not_flagged(v: Verdict, why: str) -> Verdict:
    """The same verdict, kept but not raised as a flag (severity at most low), with the reason."""
    return Verdict(v.label, Severity.NONE if v.severity == Severity.NONE else Severity.LOW,
                   f"{why} {v.rationale}", v.evidence, None, v.allowed_strength, flagged_override=False)


def cure_overstated(claim: Claim, v: Verdict) -> Verdict | None:
    """An approval or good evidence supports "effective for", never "cures" a chronic condition."""
    f = claim.frame
    if f is None or f.kind != "cure" or f.polarity != "positive" or v.label != VerdictLabel.SUPPORTED:
        return None
    cond = (claim.condition.name or claim.condition.text) if claim.condition else ""
    if load_policy().curable.search(cond or ""):
        return None
    return Verdict(VerdictLabel.OVERSTATED, Severity.MEDIUM,
                   f"An approval or good evidence shows that a treatment helps {cond or 'the condition'}, not that "
                   f"it cures it; {cond or 'it'} is managed, not cured.", v.evidence,
                   suggestion=re.sub(r"\bcures\b", "can help", re.sub(r"\bcure\b", "help", claim.sentence)),
                   allowed_strength=Strength.DIRECT, reason="absolute_claim")
