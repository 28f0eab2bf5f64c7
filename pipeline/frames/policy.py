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

from ..types import Claim, EvidenceRef, Severity, Strength, Verdict, VerdictLabel
from .analyse import SAFETY_ABSOLUTE, analyse
from .lexicon import _LOADER, load_lexicon

KEYS = ("version", "curable_conditions", "unflagged_speech_acts", "reference_unweighed_speech_acts",
        "correlational_designs",
        "lab_designs", "article_voice", "lab_voice", "background_study_cues", "min_reference_flag_severity",
        "reason_by_type")
SEVERITY_ORDER = ("none", "low", "medium", "high")
_CAUSAL_TO_LINK = re.compile(r"\b(reduces|reduced|lowers|lowered|cuts|cut|prevents|prevented|protects|protected|"
                             r"boosts|boosted|increases|increased|causes|caused|raises|raised|improves|improved)\b",
                             re.IGNORECASE)
_HYPE = re.compile(r"\b(cure[sd]?|breakthrough|miracle|game[- ]changer|revolutionary)\b", re.IGNORECASE)
_EFFECT_KINDS = ("efficacy", "prevention", "cure", "comparison", "advice", "evidence")


@dataclass(frozen=True)
class Policy:
    curable: re.Pattern
    unflagged_speech_acts: frozenset
    reference_unweighed_speech_acts: frozenset
    correlational_designs: frozenset
    lab_designs: frozenset
    article_voice: frozenset
    lab_voice: frozenset
    background: re.Pattern
    min_flag_severity: int
    reason_by_type: dict


def _check(data: dict) -> None:
    if not isinstance(data, dict) or set(data) != set(KEYS) or data.get("version") != 1:
        got = sorted(data) if isinstance(data, dict) else data
        raise ValueError(f"verdict_policy.yaml: expected exactly the keys {list(KEYS)} (version 1), got {got}")
    for k in KEYS[1:-2]:
        if not isinstance(data[k], list) or not all(isinstance(x, str) for x in data[k]):
            raise ValueError(f"verdict_policy.yaml: {k} must be a list of strings")
    if data["min_reference_flag_severity"] not in SEVERITY_ORDER:
        raise ValueError(f"verdict_policy.yaml: min_reference_flag_severity must be one of {SEVERITY_ORDER}")
    if not isinstance(data["reason_by_type"], dict):
        raise ValueError("verdict_policy.yaml: reason_by_type must be a mapping")


@lru_cache(maxsize=1)
def load_policy() -> Policy:
    """Read and validate the policy table (once per process)."""
    data = yaml.load(resources.files("pipeline.resources").joinpath("verdict_policy.yaml").read_text("utf-8"),
                     Loader=_LOADER)
    _check(data)
    body = "|".join(re.escape(t) for t in sorted(data["curable_conditions"], key=len, reverse=True))
    return Policy(curable=re.compile(rf"\b(?:{body})\b", re.IGNORECASE),
                  unflagged_speech_acts=frozenset(data["unflagged_speech_acts"]),
                  reference_unweighed_speech_acts=frozenset(data["reference_unweighed_speech_acts"]),
                  correlational_designs=frozenset(data["correlational_designs"]),
                  lab_designs=frozenset(data["lab_designs"]), article_voice=frozenset(data["article_voice"]),
                  lab_voice=frozenset(data["lab_voice"]),
                  background=_words_re(data["background_study_cues"]),
                  min_flag_severity=SEVERITY_ORDER.index(data["min_reference_flag_severity"]),
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


def _dehype(text: str) -> str:
    """The sentence without hype words ("a revolutionary new compound" -> "a new compound")."""
    out = load_lexicon().pattern("strength", "hype").sub("", text)
    return re.sub(r"\s{2,}", " ", re.sub(r"\s+([,.;:])", r"\1", out)).strip()


def _lab(claim: Claim) -> Verdict:
    f = claim.frame
    where = "animals" if f.evidence_basis == "animal" else "cells in the laboratory"
    return Verdict(VerdictLabel.OVERSTATED, Severity.MEDIUM,
                   f"The article's evidence comes from research in {where}, but the sentence states the effect "
                   f"without saying so: readers will take it to apply to people.",
                   suggestion=f"In a study in {where}, " + _dehype(claim.sentence[:1].lower() + claim.sentence[1:]),
                   allowed_strength=Strength.HEDGED, reason="animal_to_human")


def _absolute(claim: Claim) -> Verdict:
    return Verdict(VerdictLabel.OVERSTATED, Severity.HIGH,
                   "Absolute wording (\u201ccure\u201d, \u201cproven\u201d) that no evidence the article gives "
                   "can carry.", allowed_strength=Strength.HEDGED, reason="absolute_claim")


_LARGE_STUDY = re.compile(r"\b\d{1,3}(,\d{3})+\s+(volunteers|participants|patients|people|women|men|adults|"
                          r"children)\b", re.IGNORECASE)


def _hype(claim: Claim) -> Verdict:
    certain = re.search(r"accurate|destined|fated", claim.sentence, re.IGNORECASE)
    return Verdict(VerdictLabel.OVERSTATED, Severity.MEDIUM,
                   "Hype: the wording (\u201cbreakthrough\u201d, \u201cgame changer\u201d, \u201c100 per cent "
                   "accurate\u201d) sells one result as settled; say what the study found, in whom, and how sure "
                   "it is.", allowed_strength=Strength.HEDGED,
                   reason="absolute_claim" if certain else "proven_from_small_trial")


def _safety(claim: Claim) -> Verdict:
    return Verdict(VerdictLabel.OVERSTATED, Severity.HIGH,
                   "An absolute safety claim: every active treatment has side effects, and \u201cnatural\u201d does "
                   "not mean safe at any dose.", allowed_strength=Strength.NO_CLAIM, reason="safety_absolute")


def _designs(claim: Claim) -> tuple[str, ...]:
    """The study designs the sentence itself names."""
    return analyse(claim.sentence).designs


# "If a drug was developed that ..., chemotherapy could be used with no risk ...": a counterfactual
# (conditional advice, "if your levels are high, take ...", is still advice).
# "If mass screening worked well, fewer women would die": a past tense under "if" and "would" in the
# main clause is a counterfactual too.
_HYPOTHETICAL = re.compile(r"^\W*(if\b[^,;]*\b(were|was|could|would|had)\b|if\b[^,;]*\b\w+ed\b[^,;.]*,[^.;]*\bwould\b|"
                           r"suppose\b|imagine\b)", re.IGNORECASE)


def _about_the_study(claim: Claim, design: str | None = None) -> bool:
    """Whether the sentence states the reported study's finding (the lede, a headline, a reported
    finding or a quote, or a sentence that names the design), not background knowledge stated in
    passing ("Blasts can cause brain injuries in soldiers")."""
    f = claim.frame
    if not _plausible_intervention(claim):
        return False
    if load_policy().background.search(claim.sentence) and not (f.lede or f.speech_act == "headline"):
        return False  # "Another study ... finds" in the lede is the study the article reports
    acts = ("reported_finding", "headline") if design else ("reported_finding", "headline", "quote")
    return f.lede or f.speech_act in acts or (design or f.evidence_basis) in _designs(claim)


def _plausible_intervention(claim: Claim) -> bool:
    """A linked intervention, or a guessed one that reads like a name: at most six words, none of
    them capitalised except at the start of the sentence ("In the new study, Dr. Chao, ..." is not)."""
    m = claim.drug
    if m is None or m.id or m.via != "frame" or m.start == m.end:
        return True
    words = (m.text or "").split()
    first = not re.search(r"\w", claim.sentence[:max(0, m.start - claim.start)])  # only punctuation before it
    return 0 < len(words) <= 6 and not any(w[:1].isupper() for w in words[1 if first else 0:])


# Navigation lines ("MORE: ...", "Related: ...") link other stories; they claim nothing.
_NAVIGATION = re.compile(r"^\W*(more|related|read more|see also|also read|watch)\s*:", re.IGNORECASE)
# "no side effects were observed": a reported trial finding, not a promise of safety.
_OBSERVED = re.compile(r"\b(were|was) (observed|seen|reported|recorded|noted)\b|\b(observed|reported|recorded) no\b",
                       re.IGNORECASE)
# The article's own voice: absolute wording there is the article's claim (a quoted "cure" is the
# speaker's, and usually a goal or a case report).
_OWN_VOICE = frozenset({"assertion", "headline", "advice"})
# What the animal-to-human exaggeration is about: effects on a health outcome, not mechanisms.
_OUTCOME_KINDS = frozenset({"efficacy", "prevention", "cure", "comparison", "advice"})
# Hype words that voice a hope; hedged ("a potential game changer", "may one day"), they are not
# hype. Certainty words ("destined to", "100 per cent accurate") stay hype however hedged.
_HOPE_HYPE = frozenset({"breakthrough", "game changer", "game-changer", "revolutionary", "holy grail", "magic bullet",
                        "true breakthrough"})


def _hoped_for(claim: Claim) -> bool:
    """The sentence's hype words are all hope words and the sentence is hedged (not in a headline)."""
    f = claim.frame
    return f.strength == "hedged" and f.speech_act != "headline" and set(analyse(claim.sentence).hype) <= _HOPE_HYPE


# What hype must be about: a health outcome (a condition in the sentence), or a treatment or a
# research result; "a breakthrough moment came at age 9" sells nothing an editor checks.
_RESULT_OR_TREATMENT = re.compile(r"\b(discover(y|ies)|findings?|results?|stud(y|ies)|research|treatments?|therap(y|ies)|"
                                  r"drugs?|tests?|vaccines?|procedures?|devices?|techniques?|compounds?|medicines?|"
                                  r"cures?|pills?)\b", re.IGNORECASE)


def _about_health(claim: Claim) -> bool:
    """The hype is about a health outcome, a treatment or a result (or stands in a headline)."""
    return claim.condition is not None or claim.frame.speech_act == "headline" \
        or bool(_RESULT_OR_TREATMENT.search(claim.sentence))


def _unqualified(sentence: str) -> bool:
    """No hedge, correlational wording or denial anywhere in the sentence: a causal claim from
    observational research is flagged only when nothing in the sentence qualifies it ("previously
    shown to reduce ..., also may help lower ..."; "doesn't prove that ...")."""
    lex = load_lexicon()
    return not any(lex.pattern("strength", k).search(sentence) for k in ("hedged", "correlational", "negation"))


def article_evidence_verdict(claim: Claim) -> Verdict | None:
    """A flag from the article's own evidence, or ``None`` when its evidence carries the wording."""
    f, pol = claim.frame, load_policy()
    if f is None or f.polarity != "positive" or _HYPOTHETICAL.match(claim.sentence) \
            or _NAVIGATION.match(claim.sentence):
        return None
    lab = f.evidence_basis in pol.lab_designs and f.population == "unspecified"
    if f.speech_act not in pol.article_voice and not (lab and f.speech_act in pol.lab_voice):
        return None
    if SAFETY_ABSOLUTE.search(claim.sentence):
        return None if _OBSERVED.search(claim.sentence) else _safety(claim)
    if f.kind not in _EFFECT_KINDS:
        return None
    hype = f.hype and f.speech_act not in ("caveat", "usage") and f.strength != "correlational" \
        and f.evidence_basis != "meta_analysis" \
        and not _LARGE_STUDY.search(claim.sentence) and not claim.sentence.rstrip().endswith("?") \
        and not _hoped_for(claim) and _about_health(claim)
    if not f.subject:
        return _hype(claim) if hype else None  # the predicate is about something else in the sentence
    if f.strength == "absolute" and not _CURE_RATE.search(claim.sentence) and f.speech_act in _OWN_VOICE and (
            f.evidence_basis in pol.lab_designs or (f.kind == "cure" and f.evidence_basis == "none"
                                                    and not pol.curable.search(claim.sentence))):
        return _absolute(claim)
    if lab and _about_the_study(claim) and claim.condition is not None and f.kind in _OUTCOME_KINDS and (
            f.strength in ("direct", "absolute") or (f.strength == "hedged" and _HYPE.search(claim.sentence))):
        return _lab(claim)  # also "a breakthrough that could cure arthritis", from a mouse study
    if hype:
        return _hype(claim)
    if f.strength not in ("direct", "absolute"):
        return None
    if f.evidence_basis in pol.correlational_designs and _about_the_study(claim, "observational") \
            and _unqualified(claim.sentence):
        return _observational(claim)  # the study's finding, not background knowledge stated in passing
    return None


RULE_FIELDS = ("id", "categories", "category_terms", "kinds", "min_strength", "speech_acts", "evidence_bases",
               "needs_condition", "sentence_terms", "reason", "verdict", "severity", "message", "suggestion",
               "source")
STRENGTH_ORDER = ("none", "correlational", "hedged", "direct", "absolute")


@dataclass(frozen=True)
class CategoryRule:
    """One rule of ``category_rules.yaml`` (see that file for the fields)."""

    id: str
    categories: frozenset
    terms: re.Pattern
    kinds: frozenset
    min_strength: int
    speech_acts: frozenset
    evidence_bases: frozenset
    needs_condition: bool
    sentence_terms: re.Pattern | None
    reason: str
    verdict: VerdictLabel
    severity: Severity
    message: str
    suggestion: str
    source: dict


def _words_re(terms: list[str]) -> re.Pattern:
    body = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


def _rule(raw: dict, k: int) -> CategoryRule:
    where = f"category_rules.yaml: rule {k} ({raw.get('id', '?') if isinstance(raw, dict) else '?'})"
    if not isinstance(raw, dict) or set(raw) != set(RULE_FIELDS):
        got = sorted(raw) if isinstance(raw, dict) else raw
        raise ValueError(f"{where}: expected exactly the fields {list(RULE_FIELDS)}, got {got}")
    if raw["min_strength"] not in STRENGTH_ORDER or not raw["category_terms"]:
        raise ValueError(f"{where}: min_strength must be one of {STRENGTH_ORDER} and category_terms non-empty")
    src = raw["source"]
    if not isinstance(src, dict) or not {"title", "issuer", "year", "citation_status", "checked"} <= set(src):
        raise ValueError(f"{where}: source needs title, issuer, year, citation_status and checked")
    return CategoryRule(id=raw["id"], categories=frozenset(raw["categories"]), terms=_words_re(raw["category_terms"]),
                        kinds=frozenset(raw["kinds"]), min_strength=STRENGTH_ORDER.index(raw["min_strength"]),
                        speech_acts=frozenset(raw["speech_acts"]), evidence_bases=frozenset(raw["evidence_bases"]),
                        needs_condition=bool(raw["needs_condition"]),
                        sentence_terms=_words_re(raw["sentence_terms"]) if raw["sentence_terms"] else None,
                        reason=raw["reason"], verdict=VerdictLabel(raw["verdict"]), severity=Severity(raw["severity"]),
                        message=" ".join(raw["message"].split()), suggestion=raw["suggestion"], source=dict(src))


@lru_cache(maxsize=1)
def load_category_rules() -> tuple[CategoryRule, ...]:
    """Read and validate ``category_rules.yaml`` (once per process)."""
    data = yaml.load(resources.files("pipeline.resources").joinpath("category_rules.yaml").read_text("utf-8"),
                     Loader=_LOADER)
    if not isinstance(data, dict) or data.get("version") != 1 or set(data) != {"version", "rules"}:
        raise ValueError("category_rules.yaml: expected {version: 1, rules: [...]}")
    return tuple(_rule(r, k) for k, r in enumerate(data["rules"]))


def _in_category(rule: CategoryRule, claim: Claim, kinds: set[str]) -> bool:
    """The claim's intervention is of the rule's category: by its reference kind, or by its name
    ("homeopathic remedy"); the whole sentence counts only for a rule about wording (one with
    ``sentence_terms``: "natural remedies are safe"), not for "good bacteria ... supplements"."""
    if rule.categories & kinds:
        return True
    name = (claim.frame.intervention or "") if claim.frame else ""
    return bool(rule.terms.search(name) or (rule.sentence_terms is not None and rule.terms.search(claim.sentence)))


def _rule_applies(rule: CategoryRule, claim: Claim, kinds: set[str]) -> bool:
    f = claim.frame
    return (f.kind in rule.kinds and STRENGTH_ORDER.index(f.strength) >= rule.min_strength
            and f.polarity == "positive" and f.speech_act in rule.speech_acts
            and f.evidence_basis in rule.evidence_bases and (claim.condition is not None or not rule.needs_condition)
            and (rule.sentence_terms is None or bool(rule.sentence_terms.search(claim.sentence)))
            and _in_category(rule, claim, kinds))


def _deficiency(claim: Claim) -> bool:
    """The condition is a deficiency ("vitamin A deficiency"): the nutrient is its treatment."""
    c = claim.condition
    return c is not None and "deficien" in ((c.name or "") + " " + (c.text or "")).lower()


# "tells his patients to stop taking any liver supplements": the product is to be given up.
_GIVEN_UP = re.compile(r"\b(stop(s|ped|ping)?|quit(s|ting)?|discontinu\w*|avoid\w*|not to|never)\s+(taking|using|take|use)?"
                       r"\s*(any|all|the|their|your|his|her|such)?\s*([\w-]+\s+){0,2}$", re.IGNORECASE)


def _given_up(claim: Claim) -> bool:
    """The intervention is named as something to stop or avoid, not as a remedy."""
    m = claim.drug
    if m is None or m.start == m.end:
        return False
    a = m.start - claim.start
    return 0 <= a <= len(claim.sentence) and bool(_GIVEN_UP.search(claim.sentence[max(0, a - 40):a]))


def category_verdict(claim: Claim, kinds: set[str]) -> Verdict | None:
    """The first category rule that covers the claim (``kinds``: the reference kinds of its
    intervention, e.g. ``{"supplement"}``), as a verdict citing the rule's source."""
    if claim.frame is None or _deficiency(claim) or _given_up(claim):
        return None
    for rule in load_category_rules():
        if _rule_applies(rule, claim, kinds):
            ev = EvidenceRef(entry_id=f"category:{rule.id}", kind="category_rule", summary=rule.message,
                             source=rule.source)
            return Verdict(rule.verdict, rule.severity, rule.message, [ev], suggestion=rule.suggestion,
                           allowed_strength=Strength.NO_CLAIM, reason=rule.reason)
    return None


def not_flagged(v: Verdict, why: str) -> Verdict:
    """The same verdict, kept but not raised as a flag (severity at most low), with the reason."""
    return Verdict(v.label, Severity.NONE if v.severity == Severity.NONE else Severity.LOW,
                   f"{why} {v.rationale}", v.evidence, None, v.allowed_strength, flagged_override=False)


# A cure rate is a figure, not an absolute claim ("cures up to 90 percent of children with ...").
_CURE_RATE = re.compile(r"\bcur(es|ed|ing)\s+(up to |about |around |nearly |almost |more than |over |roughly )?"
                        r"(\d+(\.\d+)?\s*(%|percent|per cent)|(a |one |two )?(half|third|quarter|fifth)s?\b|"
                        r"\d+ (in|out of) \d+|most|many|some)", re.IGNORECASE)


def cure_overstated(claim: Claim, v: Verdict) -> Verdict | None:
    """An approval or good evidence supports "effective for", never "cures" a chronic condition."""
    f = claim.frame
    if f is None or f.kind != "cure" or f.strength != "absolute" or f.polarity != "positive" \
            or v.label != VerdictLabel.SUPPORTED:
        return None
    cond = (claim.condition.name or claim.condition.text) if claim.condition else ""
    if load_policy().curable.search(cond or "") or _CURE_RATE.search(claim.sentence):
        return None
    return Verdict(VerdictLabel.OVERSTATED, Severity.MEDIUM,
                   f"An approval or good evidence shows that a treatment helps {cond or 'the condition'}, not that "
                   f"it cures it; {cond or 'it'} is managed, not cured.", v.evidence,
                   suggestion=re.sub(r"\bcures\b", "can help", re.sub(r"\bcure\b", "help", claim.sentence)),
                   allowed_strength=Strength.DIRECT, reason="absolute_claim")
