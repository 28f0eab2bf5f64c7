"""What the verification rules share: the evidence-grade table, evidence references, names,
rewordings, and the :class:`RuleContext` every rule is given.

Example:
    >>> int(allowed_strength("benefit", "high"))
    3
"""
from __future__ import annotations

import re
from typing import Protocol

from ..reference import Reference
from ..types import Claim, EvidenceRef, Severity, Strength

UNLINKED = "The drug or condition could not be linked to the reference."


class RuleContext(Protocol):
    """What a rule may use: the reference, and the claim's linked pair and best evidence."""

    ref: Reference

    def pair(self, claim: Claim) -> tuple[str, str, str, str] | None: ...

    def best_evidence(self, did: str, cid: str) -> list: ...


# What each evidence grade/direction allows a benefit claim to say.
ALLOWED = {
    ("benefit", "high"): Strength.DIRECT,
    ("benefit", "moderate"): Strength.DIRECT,
    ("benefit", "low"): Strength.HEDGED,
    ("benefit", "very_low"): Strength.CORRELATIONAL,
    ("benefit", "none"): Strength.CORRELATIONAL,
    ("mixed", None): Strength.HEDGED,
    ("insufficient", None): Strength.HEDGED,  # "may help" is fair where trials exist but do not settle it
    ("no_trials", None): Strength.NO_CLAIM,
    ("no_benefit", None): Strength.NO_CLAIM,
    ("harm", None): Strength.NO_CLAIM,
}

STRENGTH_WORDS = {0: "no claim", 1: "correlational", 2: "hedged", 3: "established"}

ALLOWED_PHRASE = {0: "no claim of benefit", 1: "a statement that any benefit is uncertain",
                  2: "a hedged claim (\u201cmay help\u201d)", 3: "a direct claim"}

SEVERITY_BY_GAP = {1: Severity.LOW, 2: Severity.MEDIUM, 3: Severity.HIGH}

def allowed_strength(direction: str, grade: str) -> Strength:
    """The strongest benefit claim the evidence allows.

    >>> int(allowed_strength("benefit", "high")), int(allowed_strength("no_trials", "none"))
    (3, 0)
    """
    return ALLOWED.get((direction, grade)) or ALLOWED.get((direction, None), Strength.CORRELATIONAL)

def _src(entry) -> dict:
    return entry.source.to_dict() if hasattr(entry, "source") else {}

def ev_ref(e) -> EvidenceRef:
    n = f", {e.n_rcts} randomised trial{'s' if e.n_rcts != 1 else ''}" if e.n_rcts is not None else ""
    summary = e.summary or f"{e.direction.replace('_', ' ')} (grade {e.grade}{n})"
    return EvidenceRef(entry_id=e.id, kind="evidence", summary=summary, source=_src(e))

def appr_ref(a, ref: Reference) -> EvidenceRef:
    cname = ref.conditions[a.condition].name if a.condition in ref.conditions else a.condition
    dname = ref.drugs[a.drug].name if a.drug in ref.drugs else a.drug
    status = a.status.replace("_", " ")
    route = f" ({a.route})" if a.route else ""
    text = f"{a.regulator}: {dname}{route} {status} for {cname}"
    if a.indication_text:
        text += f" — label: \u201c{a.indication_text}\u201d"
    return EvidenceRef(entry_id=a.id, kind="approval", summary=text, source=_src(a))

def label_ref(lf, what: str) -> EvidenceRef:
    return EvidenceRef(entry_id=lf.id, kind="label", summary=what, source=_src(lf))

def name_of(m, ref: Reference) -> str:
    if m is None:
        return "?"
    if m.id and m.id in ref.drugs:
        return ref.drugs[m.id].name
    if m.id and m.id in ref.conditions:
        return ref.conditions[m.id].name
    return m.name or m.text

_SOFTEN = [  # booster phrase -> hedged wording, longest first
    (r"has been (shown|proven|proved|found) to be (highly |very )?effective", "may be effective"),
    (r"have been (shown|proven|proved|found) to be (highly |very )?effective", "may be effective"),
    (r"(has|have) been (shown|proven|proved|demonstrated) to", "may"),
    (r"(is|are) (clinically |scientifically )?proven to", "may"),
    (r"(is|are) (a )?(highly |very )?effective", r"\1 possibly \3effective"),
    (r"\bcures\b", "may help"),
    (r"\bwill cure\b", "may help"),
    (r"\bsignificantly\s+", ""),
    (r"\beffectively\s+", ""),
    (r"\bdefinitely\s+", ""),
]

def soften(sentence: str) -> str | None:
    """The sentence with its boosters replaced by hedged wording, or None if nothing changed.

    >>> soften("Pregabalin has been shown to reduce pain in fibromyalgia.")
    'Pregabalin may reduce pain in fibromyalgia.'
    """
    out = sentence
    for pat, rep in _SOFTEN:
        out = re.sub(pat, rep, out, flags=re.IGNORECASE)
    out = re.sub(r"\s{2,}", " ", out)
    return out if out != sentence else None

def suggest(claim: Claim, ref: Reference, direction: str | None, grade: str | None, n_rcts: int | None) -> str:
    d = name_of(claim.drug, ref)
    c = name_of(claim.condition, ref)
    D = d[:1].upper() + d[1:]
    if direction in ("no_trials",) or (n_rcts == 0):
        return (f"No randomised controlled trial has tested {d} for {c}; any use for it is off-label and "
                f"its benefit is unproven.")
    if direction == "insufficient":
        return f"There is not enough evidence to say whether {d} helps {c}; studies so far are few and inconclusive."
    if direction == "mixed":
        softened = soften(claim.sentence)
        return (softened + " (Trials have given mixed results.)") if softened else \
            f"Trials of {d} for {c} have given mixed results; it may help some patients."
    if direction == "no_benefit":
        return f"Trials have not shown that {d} helps {c}."
    if direction == "harm":
        return f"Evidence suggests {d} may cause harm when used for {c}."
    if direction == "benefit" and grade == "low":
        softened = soften(claim.sentence)
        if softened:
            return softened + " (Evidence of low certainty.)"
        return f"{D} may help {c}, but the evidence is of low certainty."
    if direction == "benefit" and grade == "very_low":
        return f"{D} may help {c}, but the evidence is of very low certainty."
    return f"{D} may help {c}."

RISK_FRAMING = re.compile(r"\b(warn(s|ed|ing)?|high(er)? doses?|too (high|much)|overdose|toxic(ity)?|dangerous|"
                           r"exceed(s|ed|ing)?|above the (recommended|maximum))\b", re.IGNORECASE)

TRIAL_CONTEXT = re.compile(r"\b(randomly assigned|randomi[sz]ed (to|them)|were assigned|participants (received|took|were "
                            r"given)|in the (trial|study)|the (trial|study) (tested|used|gave|compared)|volunteers|"
                            r"(trials?|stud(y|ies)) (that |which )?(used|tested|gave|compared))\b",
                            re.IGNORECASE)


def strength_words(claim: Claim) -> str:
    carried = [c.text for c in claim.cues if c.kind in ("booster", "hedge", "model")]
    prob = (f"; strength model p={claim.strength_prob:.2f}" if claim.strength_prob is not None else "")
    if carried:
        return "\u201c" + "\u201d, \u201c".join(dict.fromkeys(carried)) + "\u201d" + prob
    return ("stated as fact" if claim.strength >= Strength.DIRECT else "hedged") + prob


def label_facts(v: RuleContext, claim: Claim) -> tuple[str | None, list, str, str]:
    """What the label-fact rules start from: the drug id, its label facts, its name and the
    lower-cased sentence."""
    did = claim.drug.id if claim.drug else None
    return did, (v.ref.label_for(did) if did else []), name_of(claim.drug, v.ref), claim.sentence.lower()
