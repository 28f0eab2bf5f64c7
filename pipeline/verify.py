"""Verify: give each claim a verdict against the reference, with severity, rationale, evidence
and — where flagged — a suggested rewording at the strength the evidence allows.

Rules, per claim type:
    approval   against approvals (a label's indications are complete: an indication the regulator
               has not approved is contradicted when claimed approved).
    efficacy   the claim's strength against what the evidence allows (grade and direction);
               approved uses allow a direct claim.
    evidence   claims that studies exist or showed something, against recorded trials.
    dosage     doses against label facts (maximum daily dose).
    safety, mechanism   against label facts; unmatched ones are unverifiable, not flagged.
    usage      a statement of practice; contradicted only by the reference's direction "harm".
Strong claims about pairs the reference does not know are unverifiable and flagged for review.

Example:
    >>> from pipeline.claims import extract_claims_from_text
    >>> from pipeline.verify import verify_claim
    >>> c = extract_claims_from_text("Baclofen has been shown to be effective for fibromyalgia.")[0]
    >>> v = verify_claim(c)
    >>> v.label.value, v.severity.value
    ('overstated', 'high')
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace

from .frames.policy import (SEVERITY_ORDER, article_evidence_verdict, category_verdict, cure_overstated, load_policy,
                            not_flagged)
from .reference import Reference, load_reference
from .reference.interventions import is_dietary_supplement
from .types import (CheckedClaim, Claim, ClaimType, EvidenceRef, Finding, Severity, Strength, Verdict,
                    VerdictLabel)

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
_SEVERITY_BY_GAP = {1: Severity.LOW, 2: Severity.MEDIUM, 3: Severity.HIGH}


def allowed_strength(direction: str, grade: str) -> Strength:
    """The strongest benefit claim the evidence allows.

    >>> int(allowed_strength("benefit", "high")), int(allowed_strength("no_trials", "none"))
    (3, 0)
    """
    return ALLOWED.get((direction, grade)) or ALLOWED.get((direction, None), Strength.CORRELATIONAL)


def _src(entry) -> dict:
    return entry.source.to_dict() if hasattr(entry, "source") else {}


def _ev_ref(e) -> EvidenceRef:
    n = f", {e.n_rcts} randomised trial{'s' if e.n_rcts != 1 else ''}" if e.n_rcts is not None else ""
    summary = e.summary or f"{e.direction.replace('_', ' ')} (grade {e.grade}{n})"
    return EvidenceRef(entry_id=e.id, kind="evidence", summary=summary, source=_src(e))


def _appr_ref(a, ref: Reference) -> EvidenceRef:
    cname = ref.conditions[a.condition].name if a.condition in ref.conditions else a.condition
    dname = ref.drugs[a.drug].name if a.drug in ref.drugs else a.drug
    status = a.status.replace("_", " ")
    route = f" ({a.route})" if a.route else ""
    text = f"{a.regulator}: {dname}{route} {status} for {cname}"
    if a.indication_text:
        text += f" — label: \u201c{a.indication_text}\u201d"
    return EvidenceRef(entry_id=a.id, kind="approval", summary=text, source=_src(a))


def _label_ref(lf, what: str) -> EvidenceRef:
    return EvidenceRef(entry_id=lf.id, kind="label", summary=what, source=_src(lf))


def _name(m, ref: Reference) -> str:
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


def _suggest(claim: Claim, ref: Reference, direction: str | None, grade: str | None, n_rcts: int | None) -> str:
    d = _name(claim.drug, ref)
    c = _name(claim.condition, ref)
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


class Verifier:
    """Applies the verification rules against one reference.

    Args:
        reference: the :class:`~pipeline.reference.Reference` (default: :func:`load_reference`).
    """

    def __init__(self, reference: Reference | None = None) -> None:
        self.ref = reference if reference is not None else load_reference()

    # -- dispatch -------------------------------------------------------------------------
    def __call__(self, claim: Claim) -> Verdict:
        """The claim's verdict: the frame's gate, the reference rule of its type under the frame
        policy, then (when nothing is flagged) the article's own evidence."""
        f = claim.frame
        if reported_claim(claim.sentence):
            return self._reference(claim)  # someone else's claim, reported (usually to refute it)
        if f is not None and f.speech_act in load_policy().unflagged_speech_acts:
            return not_flagged(self._reference(claim), _NOT_A_CLAIM[f.speech_act])
        if claim.drug is not None and claim.drug.via == "frame":
            v = Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                        "Not checked: a claim the reference rules do not cover (only the article's own evidence "
                        "is weighed)." if claim.drug.id else "Not checked: the reference has nothing on this "
                        "intervention.")
        else:
            v = self._reference(claim)
            if f is not None:
                v = self._frame_policy(claim, v)
        if not v.flagged:
            return category_verdict(claim, self._kinds(claim)) or article_evidence_verdict(claim) or v
        return v

    def _kinds(self, claim: Claim) -> set[str]:
        """The reference kinds of the claim's intervention (e.g. ``{"supplement"}``)."""
        d = self.ref.drugs.get(claim.drug.id) if claim.drug is not None and claim.drug.id else None
        kind = getattr(d, "kind", None) if d is not None else None
        if not kind:
            return set()
        return {kind, "supplement"} if is_dietary_supplement(kind) else {kind}  # herbs, vitamins: DSHEA too

    def _frame_policy(self, claim: Claim, v: Verdict) -> Verdict:
        """Apply the frame to a reference verdict: "cures" needs more than an approval; hedged
        wording, denials of a cure and reported trial results are not flags; unknown pairs are not
        checked, not flagged; a flag carries its reason."""
        f, pol = claim.frame, load_policy()
        cure = cure_overstated(claim, v)
        if cure is not None:
            return cure
        if not v.flagged:
            return v
        if f.kind == "cure" and f.polarity == "negative":
            return not_flagged(v, "Not flagged: the article says it is not a cure.")
        weak = _weakly_stated(claim)
        if weak:
            return not_flagged(v, weak)
        if _in_a_name(claim):
            return not_flagged(v, "Not flagged: the intervention is part of a name (\u201cInstitute for Cancer "
                                  "Immunotherapy\u201d), not a claim.")
        if claim.type == ClaimType.DOSAGE and f.polarity == "negative":
            return not_flagged(v, "Not flagged: the sentence says a dose does not help, it does not recommend it.")
        if claim.type == ClaimType.APPROVAL and claim.approval_status == "not_approved" and v.severity != Severity.HIGH:
            return not_flagged(v, "Not flagged: \u201cnot approved\u201d is often true of a narrower use than the "
                                  "approval on record (breast cancer prevention vs. bone metastases); shown for review.")
        if f.population in ("animal", "cell") and claim.type in (ClaimType.EFFICACY, ClaimType.EVIDENCE):
            return not_flagged(v, "Not flagged: the sentence is about research in animals or cells, which the "
                                  "reference's evidence on people does not judge.")
        implicit = claim.condition is not None and claim.condition.via in ("context", "topic", "pronoun")
        if claim.type == ClaimType.EVIDENCE and v.label == VerdictLabel.CONTRADICTED \
                and (_A_STUDY.search(claim.sentence) or f.conditions_in_sentence > 1 or implicit
                     or f.speech_act == "reported_finding"):
            return not_flagged(v, "Not flagged: the article reports a study the reference may not hold yet.")
        if claim.type == ClaimType.USAGE:
            return not_flagged(v, _NOT_A_CLAIM["usage"])
        if f.kind == "comparison":
            return not_flagged(v, "Not checked: a comparative claim, and the reference holds no comparative "
                                  "evidence for this pair.")
        if v.label == VerdictLabel.UNVERIFIABLE:
            return not_flagged(v, "Not checked (the reference cannot judge this pair):")
        if v.label == VerdictLabel.OVERSTATED and f.speech_act in ("reported_finding", "quote") \
                and f.evidence_basis in ("rct", "meta_analysis"):
            return not_flagged(v, "Not flagged: a reported trial result, told with its design.")
        if SEVERITY_ORDER.index(v.severity.value) < pol.min_flag_severity and f.strength != "absolute":
            return not_flagged(v, "Not flagged: a small gap between the wording and the reference (low "
                                  "severity); shown for review.")
        return replace(v, reason=v.reason or pol.reason_by_type.get(claim.type.value, "other"))

    def _reference(self, claim: Claim) -> Verdict:
        verdict = self._verdict(claim)
        if not verdict.flagged and verdict.severity in (Severity.MEDIUM, Severity.HIGH):
            verdict.severity = Severity.LOW  # severity ranks flags; an unflagged verdict is at most low
        if verdict.flagged and reported_claim(claim.sentence):
            # The article quotes a claim (to refute it, usually): note it, do not raise it as a flag.
            verdict.severity = Severity.LOW
            verdict.flagged_override = False
            verdict.rationale = ("Reported claim (the article attributes it to someone else): "
                                 + verdict.rationale)
        return verdict

    def _verdict(self, claim: Claim) -> Verdict:
        fn = {
            ClaimType.APPROVAL: self.approval,
            ClaimType.EFFICACY: self.efficacy,
            ClaimType.EVIDENCE: self.evidence,
            ClaimType.DOSAGE: self.dosage,
            ClaimType.SAFETY: self.safety,
            ClaimType.MECHANISM: self.mechanism,
            ClaimType.USAGE: self.usage,
        }[claim.type]
        return fn(claim)

    def _pair(self, claim: Claim) -> tuple[str, str, str, str] | None:
        """(drug id, condition id, drug name, condition name), or None when either is unlinked."""
        did, cid = self._ids(claim)
        if not did or not cid:
            return None
        return did, cid, _name(claim.drug, self.ref), _name(claim.condition, self.ref)

    _UNLINKED = "The drug or condition could not be linked to the reference."

    def _ids(self, claim: Claim) -> tuple[str | None, str | None]:
        return (claim.drug.id if claim.drug else None, claim.condition.id if claim.condition else None)

    # -- approval -------------------------------------------------------------------------
    def approval(self, claim: Claim) -> Verdict:
        ref = self.ref
        pair = self._pair(claim)
        if pair is None:
            return Verdict(VerdictLabel.UNVERIFIABLE, Severity.LOW, self._UNLINKED)
        did, cid, dname, cname = pair
        Dname = dname[:1].upper() + dname[1:]
        low = claim.sentence.lower()
        named = (claim.attribution or "") + " " + claim.sentence
        if re.search(r"\b(EMA|European Medicines Agency|EU)\b", named):
            regulator = "EMA"
        elif re.search(r"\bFDA\b|food and drug administration", named, re.IGNORECASE):
            regulator = "FDA"
        else:
            regulator = None  # "approved for X" without a regulator: any regulator's approval counts
        who = regulator or "regulator"

        def mine(rows):
            return [a for a in rows if regulator is None or a.regulator == regulator]

        rows = mine(ref.approvals_for(did, cid))
        all_rows = mine(ref.approvals_for(did))
        approved = [a for a in rows if a.status == "approved"]
        not_approved = [a for a in rows if a.status == "not_approved"]
        drug = ref.drugs.get(ref.ingredient_of(did))
        supplement = drug is not None and drug.kind == "supplement"
        # Curated approvals list a drug's indications completely; open-source rows may miss
        # later approvals, so their silence is not a contradiction.
        complete = any(a.origin == "curated" for a in all_rows) or supplement
        claims_approved = claim.approval_status != "not_approved"
        ev = [_appr_ref(a, ref) for a in (approved or not_approved or all_rows)[:4]]
        if claims_approved:
            if approved:
                regs = sorted({a.regulator for a in approved})
                return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                               f"{'/'.join(regs)} approval of {dname} for {cname} is on record.", ev)
            if supplement and not approved:
                return Verdict(VerdictLabel.CONTRADICTED, Severity.HIGH,
                               f"{Dname} is sold as a dietary supplement; no disease claim for a supplement is "
                               f"FDA-approved.", ev,
                               suggestion=f"{Dname} is a dietary supplement and is not approved to treat {cname}.")
            if not_approved or (complete and any(a.status == "approved" for a in all_rows)):
                listed = sorted({ref.conditions[a.condition].name for a in all_rows
                                 if a.status == "approved" and a.condition in ref.conditions})
                why = f"{dname} is not {who}-approved for {cname}"
                if listed:
                    why += f"; its approved uses on record are: {', '.join(listed[:8])}"
                # An explicit "not approved" entry is certain; absence from the curated list is
                # not conclusive (a later or minor indication may be missing: on unlabelled real news,
                # such flags were wrong, e.g. Botox for chronic migraine): shown, not flagged.
                sev = Severity.HIGH if not_approved else Severity.LOW
                return Verdict(VerdictLabel.CONTRADICTED, sev, why + ".", ev,
                               suggestion=f"{Dname} is not {who}-approved for {cname}; any such use is off-label.")
            if all_rows:
                listed = sorted({ref.conditions[a.condition].name for a in all_rows
                                 if a.status == "approved" and a.condition in ref.conditions})
                return Verdict(VerdictLabel.UNVERIFIABLE, Severity.LOW,
                               f"No {who} approval of {dname} for {cname} is on record; the open sources list "
                               f"{', '.join(listed[:8]) or 'other uses'} but may miss later approvals.", ev)
            return Verdict(VerdictLabel.UNVERIFIABLE, Severity.LOW,
                           f"The reference has no {who} approval record for {dname}.", ev)
        # Claims it is NOT approved (or used off-label) for the condition.
        if approved:
            regs = sorted({a.regulator for a in approved})
            return Verdict(VerdictLabel.CONTRADICTED, Severity.MEDIUM,
                           f"{dname} is {'/'.join(regs)}-approved for {cname}, so calling this use off-label or "
                           f"unapproved is wrong.", [_appr_ref(a, ref) for a in approved[:4]],
                           suggestion=f"{Dname} is {'/'.join(regs)}-approved for {cname}.")
        if not_approved or (all_rows and complete):
            return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                           f"Correct: {dname} is not {who}-approved for {cname}.", ev)
        return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                       f"The reference cannot confirm that {dname} is not approved for {cname}.", ev)

    # -- efficacy -------------------------------------------------------------------------
    def _best_evidence(self, did: str, cid: str):
        rows = self.ref.evidence_for(did, cid)
        overall = [e for e in rows if not e.outcome] or rows
        return overall

    def efficacy(self, claim: Claim) -> Verdict:
        ref = self.ref
        pair = self._pair(claim)
        if pair is None:
            return Verdict(VerdictLabel.UNVERIFIABLE, Severity.LOW, self._UNLINKED)
        did, cid, dname, cname = pair
        strength = Strength(claim.strength)
        approvals = [a for a in ref.approvals_for(did, cid) if a.status == "approved"]
        evidence = self._best_evidence(did, cid)
        ev_refs = [_appr_ref(a, ref) for a in approvals[:2]] + [_ev_ref(e) for e in evidence[:3]]
        words = self._strength_words(claim)
        if claim.polarity == "negative":
            if approvals or any(e.direction == "benefit" and e.grade in ("high", "moderate") for e in evidence):
                return Verdict(VerdictLabel.CONTRADICTED, Severity.MEDIUM,
                               f"The article says {dname} does not work for {cname}, but "
                               + ("it is approved for it" if approvals else "good-quality evidence shows benefit")
                               + ".", ev_refs,
                               suggestion=f"{dname[:1].upper() + dname[1:]} is an established treatment for {cname}.")
            if evidence or approvals:
                return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                               f"Consistent with the reference: benefit of {dname} for {cname} is not established.",
                               ev_refs)
            return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                           f"The reference has no evidence entry for {dname} in {cname}.", ev_refs)
        if approvals:
            return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                           f"{dname} is approved for {cname}; an efficacy claim is supported by the approval.",
                           ev_refs, allowed_strength=Strength.DIRECT)
        if not evidence:
            anc = set(ref.condition_ancestors(cid)[1:])
            broader = [a for a in ref.approvals_for(did) if a.status == "approved" and a.condition in anc]
            if broader:
                # Approved for a broader condition (breast cancer) than the claim names (HER2-positive
                # breast cancer): labels often say which subgroup; not enough to confirm, no reason to flag.
                bname = ref.conditions[broader[0].condition].name
                return Verdict(VerdictLabel.UNVERIFIABLE, Severity.LOW,
                               f"{dname} is approved for {bname}, a broader condition than {cname}; the reference "
                               f"has no evidence entry for {cname} itself.",
                               [_appr_ref(a, ref) for a in broader[:2]])
            boosted = any(c.kind == "booster" for c in claim.cues)
            explicit = claim.condition.via not in ("topic", "context", "pronoun")
            if strength >= Strength.DIRECT and boosted and explicit:
                return Verdict(VerdictLabel.UNVERIFIABLE, Severity.MEDIUM,
                               f"A strong efficacy claim ({words}) about {dname} for {cname}, a pair the "
                               f"reference has no evidence for: review it.", ev_refs, flagged_override=True)
            return Verdict(VerdictLabel.UNVERIFIABLE, Severity.LOW,
                           f"The reference has no evidence entry for {dname} in {cname}.", ev_refs)
        e = evidence[0]
        if e.direction in ("no_benefit", "harm") and (strength >= Strength.DIRECT or (
                strength >= Strength.HEDGED and e.grade in ("high", "moderate"))):  # "may help" vs weak evidence
            sev = Severity.HIGH if strength >= Strength.DIRECT else Severity.MEDIUM
            return Verdict(VerdictLabel.CONTRADICTED, sev,
                           f"The article claims benefit ({words}), but the evidence for {dname} in {cname} shows "
                           f"{e.direction.replace('_', ' ')} (grade {e.grade}).", ev_refs,
                           suggestion=_suggest(claim, ref, e.direction, e.grade, e.n_rcts),
                           allowed_strength=Strength.NO_CLAIM)
        allowed = allowed_strength(e.direction, e.grade)
        if strength <= allowed:
            return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                           f"The claim's strength ({STRENGTH_WORDS[int(strength)]}) is within what the evidence "
                           f"allows ({e.direction.replace('_', ' ')}, grade {e.grade}).", ev_refs,
                           allowed_strength=allowed)
        gap = int(strength) - int(allowed)
        sev = _SEVERITY_BY_GAP.get(min(gap, 3), Severity.LOW)
        if e.condition != cid and e.condition in ref.conditions:
            cname = f"{cname} (judged on the evidence for {ref.conditions[e.condition].name})"
        trials = ("no randomised trial" if e.n_rcts == 0 or e.direction == "no_trials"
                  else f"{e.n_rcts} randomised trial{'s' if e.n_rcts != 1 else ''}" if e.n_rcts is not None
                  else f"{e.direction.replace('_', ' ')} evidence")
        return Verdict(VerdictLabel.OVERSTATED, sev,
                       f"The article claims {dname} works for {cname} ({words}), but the reference records {trials} "
                       f"(evidence: {e.direction.replace('_', ' ')}, grade {e.grade}); the evidence allows at most "
                       f"{ALLOWED_PHRASE[int(allowed)]}.", ev_refs,
                       suggestion=_suggest(claim, ref, e.direction, e.grade, e.n_rcts), allowed_strength=allowed)

    @staticmethod
    def _strength_words(claim: Claim) -> str:
        carried = [c.text for c in claim.cues if c.kind in ("booster", "hedge", "model")]
        prob = (f"; strength model p={claim.strength_prob:.2f}" if claim.strength_prob is not None else "")
        if carried:
            return "\u201c" + "\u201d, \u201c".join(dict.fromkeys(carried)) + "\u201d" + prob
        return ("stated as fact" if claim.strength >= Strength.DIRECT else "hedged") + prob

    # -- evidence (claims about studies) -------------------------------------------------
    _LIMITED_STRONG = re.compile(r"\b(limited|little|sparse|insufficient|inadequate|lack of|no (clinical )?evidence|mixed results|"
                                 r"only a few|only (one|two|three|a handful of)|few small|small and short|"
                                 r"inconclusive|not supported|without (supporting )?evidence|no significant|"
                                 r"(have|has|did) not (shown|found|demonstrated)|not (been )?shown|no (clear )?"
                                 r"(effect|benefit))\b")
    # Calls for more research are compatible with any evidence: never a contradiction on their own.
    _MORE_RESEARCH = re.compile(r"\b(needed to confirm|are needed|is needed|more research|further research|"
                                r"additional (prospective )?stud(y|ies)|need (appropriate |more |further |larger |"
                                r"better )*(clinical |randomi[sz]ed )?(trials|studies))\b")
    _LIMITED = re.compile(_LIMITED_STRONG.pattern + "|" + _MORE_RESEARCH.pattern)
    _NUMBER = re.compile(r"\b(\d+|one|two|three|four|five|six|several|a few|few|many|numerous|multiple|some)\s+"
                         r"(?:small |large |clinical |randomi[sz]ed |controlled |sparse |placebo-controlled )*"
                         r"(?:studies|trials|rcts)\b")
    _EXISTS = re.compile(r"\b(studies|trials|rcts|research|a study|a trial)\s+(have|has|had)\s+(been\s+)?"
                         r"(shown|found|investigated|suggested|demonstrated|reported|examined|tested|evaluated|"
                         r"conducted)|\bclinical studies have\b|\b(small|clinical|randomi[sz]ed) (studies|trials)\b")
    _NONE_SAID = re.compile(r"\b(no|lack of|absence of|without|any) (large |good |high-quality |small )*"
                            r"(randomi[sz]ed |clinical |controlled )*(studies|trials?|rcts?|evidence)\b|\bare needed\b"
                            r"|\bnot been (tested|studied|proven)\b|\bno stud(y|ies) (has|have) (shown|found)\b")
    _WORDNUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}

    def evidence(self, claim: Claim) -> Verdict:
        ref = self.ref
        pair = self._pair(claim)
        if pair is None:
            return Verdict(VerdictLabel.UNVERIFIABLE, Severity.LOW, self._UNLINKED)
        did, cid, dname, cname = pair
        evidence = self._best_evidence(did, cid)
        approvals = [a for a in ref.approvals_for(did, cid) if a.status == "approved"]
        ev_refs = [_ev_ref(e) for e in evidence[:3]] + [_appr_ref(a, ref) for a in approvals[:1]]
        low = claim.sentence.lower()
        limited = bool(self._LIMITED.search(low) or self._NONE_SAID.search(low)) or claim.polarity == "negative"
        if not evidence:
            if approvals:
                if limited:
                    return Verdict(VerdictLabel.UNVERIFIABLE, Severity.LOW,
                                   f"{dname} is approved for {cname}, which implies trial evidence; the reference "
                                   f"holds no graded evidence entry to compare with.", ev_refs)
                return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                               f"{dname} is approved for {cname}, which rests on clinical trials.", ev_refs)
            return Verdict(VerdictLabel.UNVERIFIABLE, Severity.MEDIUM if claim.strength >= Strength.DIRECT
                           and not limited else Severity.LOW,
                           f"The reference has no record of trials of {dname} for {cname}.", ev_refs)
        e = evidence[0]
        none_recorded = e.n_rcts == 0 or e.direction == "no_trials"
        m = self._NUMBER.search(low)
        stated = None
        if m:
            tok = m.group(1)
            stated = int(tok) if tok.isdigit() else self._WORDNUM.get(tok)
        exists = bool(m and m.group(1) not in ("no",)) or bool(self._EXISTS.search(low))
        if none_recorded and exists and not self._NONE_SAID.search(low) and not self._MORE_RESEARCH.search(low):
            sev = Severity.HIGH if re.search(r"\b(shown|found|proven|demonstrat|significantly)", low) else Severity.MEDIUM
            return Verdict(VerdictLabel.CONTRADICTED, sev,
                           f"The article refers to studies or trials of {dname} for {cname}, but the reference "
                           f"records no randomised trial ({e.source.short()}).", ev_refs,
                           suggestion=_suggest(claim, ref, e.direction, e.grade, e.n_rcts))
        if limited:
            if e.direction == "benefit" and e.grade in ("high", "moderate") and self._LIMITED_STRONG.search(low):
                return Verdict(VerdictLabel.CONTRADICTED, Severity.LOW,
                               f"The article calls the evidence for {dname} in {cname} limited, but it is of "
                               f"{e.grade} quality and shows benefit.", ev_refs,
                               suggestion=f"Good-quality trials show that {dname} helps {cname}.")
            if stated is not None and e.n_rcts is not None and stated != e.n_rcts and not none_recorded:
                return Verdict(VerdictLabel.CONTRADICTED, Severity.LOW,
                               f"The article says {stated} trial(s); the reference records {e.n_rcts}.", ev_refs)
            return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                           f"Consistent with the reference: evidence for {dname} in {cname} is "
                           f"{e.direction.replace('_', ' ')} (grade {e.grade}).", ev_refs)
        if none_recorded:
            sev = Severity.HIGH if (claim.strength >= Strength.DIRECT or re.search(r"\b(shown|found|proven|demonstrat)",
                                                                                  low)) else Severity.MEDIUM
            return Verdict(VerdictLabel.CONTRADICTED, sev,
                           f"The article refers to studies or trials of {dname} for {cname}, but the reference "
                           f"records no randomised trial ({e.source.short()}).", ev_refs,
                           suggestion=_suggest(claim, ref, e.direction, e.grade, e.n_rcts))
        if stated is not None and e.n_rcts is not None and stated != e.n_rcts:
            return Verdict(VerdictLabel.CONTRADICTED, Severity.LOW,
                           f"The article says {stated} trial(s); the reference records {e.n_rcts}.", ev_refs)
        if e.direction in ("no_benefit", "harm") and claim.polarity == "positive" and \
                re.search(r"\b(shown|found|proven|demonstrat|reduce|improve|effective)", low):
            return Verdict(VerdictLabel.CONTRADICTED, Severity.HIGH,
                           f"The article says studies showed benefit, but the evidence for {dname} in {cname} shows "
                           f"{e.direction.replace('_', ' ')}.", ev_refs,
                           suggestion=_suggest(claim, ref, e.direction, e.grade, e.n_rcts))
        allowed = allowed_strength(e.direction, e.grade)
        if claim.strength > allowed and re.search(r"\b(shown|proven|demonstrat|effective|significantly)", low) \
                and not (claim.strength == Strength.DIRECT and allowed == Strength.HEDGED
                         and re.search(r"\b(some|a few|small)\b", low)):
            gap = int(claim.strength) - int(allowed)
            return Verdict(VerdictLabel.OVERSTATED, _SEVERITY_BY_GAP.get(min(gap, 3), Severity.LOW),
                           f"The article presents study results for {dname} in {cname} more strongly than the "
                           f"evidence allows ({e.direction.replace('_', ' ')}, grade {e.grade}).", ev_refs,
                           suggestion=_suggest(claim, ref, e.direction, e.grade, e.n_rcts), allowed_strength=allowed)
        return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                       f"Trials of {dname} for {cname} are on record ({e.direction.replace('_', ' ')}, grade "
                       f"{e.grade}).", ev_refs, allowed_strength=allowed)

    # -- dosage ---------------------------------------------------------------------------
    def dosage(self, claim: Claim) -> Verdict:
        ref = self.ref
        did = claim.drug.id if claim.drug else None
        labels = ref.label_for(did) if did else []
        if did and self.ref.drugs.get(did) is not None and self.ref.drugs[did].route:
            labels = ref.label_for(did, self.ref.drugs[did].route)
        with_max = [lf for lf in labels if lf.max_daily_dose]
        dname = _name(claim.drug, ref)
        if not claim.quantities:
            dosing = [lf for lf in labels if lf.usual_start_dose or lf.max_daily_dose]
            return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                           f"A dosing statement without amounts; compare it with the label of {dname}.",
                           [_label_ref(lf, lf.usual_start_dose or f"maximum {lf.max_daily_dose:g} "
                                       f"{lf.max_daily_dose_unit or 'mg'}/day") for lf in dosing[:1]])
        if not with_max:
            return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                           f"The reference has no label dosing facts for {dname}.",
                           [_label_ref(lf, "label facts") for lf in labels[:1]])
        lf = with_max[0]
        unit = lf.max_daily_dose_unit or "mg"
        evref = [_label_ref(lf, f"Label maximum: {lf.max_daily_dose:g} {unit}/day"
                               + (f"; usual start: {lf.usual_start_dose}" if lf.usual_start_dose else ""))]
        problems = []
        for q in claim.quantities:
            if q.unit != unit:
                continue
            total = q.daily_total
            if q.kind == "max":
                val = total if total is not None else q.value
                if val > lf.max_daily_dose * 1.001:
                    problems.append(f"a maximum of {val:g} {unit}/day exceeds the label's {lf.max_daily_dose:g}")
                elif val < lf.max_daily_dose * 0.5:
                    return Verdict(VerdictLabel.UNVERIFIABLE, Severity.LOW,
                                   f"A maximum of {val:g} {unit}/day is well below the label's "
                                   f"{lf.max_daily_dose:g} {unit}/day: a cautious limit, or a different product; "
                                   f"check the source.", evref)
            elif total is not None and total > lf.max_daily_dose * 1.001:
                problems.append(f"{q.text} {q.frequency or ''} is {total:g} {unit}/day, above the label maximum of "
                                f"{lf.max_daily_dose:g}")
            elif q.value > lf.max_daily_dose * 1.001:
                problems.append(f"a dose of {q.value:g} {unit} exceeds the label maximum of {lf.max_daily_dose:g} "
                                f"{unit}/day")
        if problems and _RISK_FRAMING.search(claim.sentence):
            return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                           f"The article presents the dose as a risk ({'; '.join(problems)}), in line with the label.",
                           evref)
        if problems and _TRIAL_CONTEXT.search(claim.sentence):
            return Verdict(VerdictLabel.UNVERIFIABLE, Severity.LOW,
                           f"A dose used in a study ({'; '.join(problems)}): a trial protocol, not dosing advice.",
                           evref)
        if problems:
            return Verdict(VerdictLabel.CONTRADICTED, Severity.HIGH,
                           f"Dose of {dname}: " + "; ".join(problems) + ".", evref,
                           suggestion=f"The maximum daily dose of {dname} on the label is "
                                      f"{lf.max_daily_dose:g} {unit}.")
        if not any(q.unit == unit for q in claim.quantities):
            return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                           f"Doses given in units the label facts do not use ({unit}).", evref)
        return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                       f"Doses of {dname} are within the label's maximum of {lf.max_daily_dose:g} {unit}/day.", evref)

    # -- safety / mechanism ---------------------------------------------------------------
    def safety(self, claim: Claim) -> Verdict:
        ref = self.ref
        did = claim.drug.id if claim.drug else None
        labels = ref.label_for(did) if did else []
        dname = _name(claim.drug, ref)
        low = claim.sentence.lower()
        sub = claim.subtype or "adverse_effects"
        denies = re.search(r"\b(non-addictive|not addictive|isn't addictive|not habit[- ]forming|"
                           r"(no|without|never causes?|free of) (any )?(risk of )?(withdrawal|addiction|dependence)|"
                           r"completely safe|totally safe|no side effects|without side effects)\b", low)
        for lf in labels:
            if denies and ((lf.withdrawal and re.search(r"withdrawal|addict|habit|dependen|stop", low))
                           or (lf.boxed_warning and re.search(r"completely safe|no side effects", low))):
                fact = lf.withdrawal if re.search(r"withdrawal|addict|habit|dependen|stop", low) else lf.boxed_warning
                return Verdict(VerdictLabel.CONTRADICTED, Severity.HIGH,
                               f"The article denies a risk the label of {dname} warns about.",
                               [_label_ref(lf, fact)],
                               suggestion=f"Stopping {dname} suddenly can cause withdrawal; the label warns about it."
                               if "withdrawal" in (fact or "").lower() else None)
            if sub == "withdrawal" and lf.withdrawal:
                return Verdict(VerdictLabel.SUPPORTED, Severity.NONE, f"The label warns about withdrawal of {dname}.",
                               [_label_ref(lf, lf.withdrawal)])
            if sub == "pregnancy" and lf.pregnancy:
                m = re.search(r"category ([abcdx])\b", low)
                lm = re.search(r"category ([abcdx])\b", lf.pregnancy.lower())
                if m and lm and m.group(1) != lm.group(1):
                    return Verdict(VerdictLabel.CONTRADICTED, Severity.MEDIUM,
                                   f"The article gives pregnancy category {m.group(1).upper()}; the label gives "
                                   f"{lm.group(1).upper()}.", [_label_ref(lf, lf.pregnancy)])
                return Verdict(VerdictLabel.SUPPORTED, Severity.NONE, f"Consistent with the label on pregnancy.",
                               [_label_ref(lf, lf.pregnancy)])
            if sub == "interactions" and lf.interactions:
                hit = [i for i in lf.interactions if any(w in low for w in re.findall(r"[a-z]{4,}", i.lower()))]
                if hit:
                    return Verdict(VerdictLabel.SUPPORTED, Severity.NONE, f"The label lists these interactions.",
                                   [_label_ref(lf, "; ".join(lf.interactions))])
            if sub == "adverse_effects" and (lf.adverse_effects or lf.boxed_warning):
                hit = [a for a in lf.adverse_effects if a.lower() in low]
                if hit:
                    return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                                   f"The label lists {', '.join(hit)} among the adverse effects of {dname}.",
                                   [_label_ref(lf, "; ".join(lf.adverse_effects))])
        return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                       f"No matching label fact on {sub.replace('_', ' ')} for {dname} in the reference.",
                       [_label_ref(lf, "label facts") for lf in labels[:1]])

    def mechanism(self, claim: Claim) -> Verdict:
        ref = self.ref
        did = claim.drug.id if claim.drug else None
        labels = ref.label_for(did) if did else []
        dname = _name(claim.drug, ref)
        low = claim.sentence.lower()
        for lf in labels:
            if lf.mechanism:
                keys = set(re.findall(r"[a-z][a-z0-9-]{3,}", lf.mechanism.lower())) - {
                    "that", "with", "from", "this", "which", "known", "unknown", "precise", "mechanism", "action",
                    "drug", "produces", "effects", "effect", "level", "levels", "exact"}
                if any(k in low for k in keys):
                    return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                                   f"Consistent with the label's mechanism of action.",
                                   [_label_ref(lf, lf.mechanism)])
            if lf.half_life and "half-life" in low or "half life" in low:
                if lf.half_life and any(n in low for n in re.findall(r"\d+(?:\.\d+)?", lf.half_life)):
                    return Verdict(VerdictLabel.SUPPORTED, Severity.NONE, "Consistent with the label's half-life.",
                                   [_label_ref(lf, lf.half_life)])
        return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                       f"The reference's mechanism for {dname} does not confirm or refute this wording.",
                       [_label_ref(lf, lf.mechanism or "label facts") for lf in labels[:1]])

    # -- usage ----------------------------------------------------------------------------
    def usage(self, claim: Claim) -> Verdict:
        ref = self.ref
        pair = self._pair(claim)
        if pair is None:
            return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE, self._UNLINKED)
        did, cid, dname, cname = pair
        approvals = [a for a in ref.approvals_for(did, cid) if a.status == "approved"]
        evidence = self._best_evidence(did, cid)
        ev_refs = [_appr_ref(a, ref) for a in approvals[:2]] + [_ev_ref(e) for e in evidence[:2]]
        if approvals:
            return Verdict(VerdictLabel.SUPPORTED, Severity.NONE, f"{dname} is approved for {cname}.", ev_refs)
        if evidence and evidence[0].direction == "harm":
            return Verdict(VerdictLabel.CONTRADICTED, Severity.MEDIUM,
                           f"Using {dname} for {cname} is discouraged: evidence shows harm.", ev_refs)
        if evidence and evidence[0].direction == "benefit":
            return Verdict(VerdictLabel.SUPPORTED, Severity.NONE, f"Evidence supports {dname} for {cname}.", ev_refs)
        return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                       f"A statement about how {dname} is used for {cname}; it is not approved for it"
                       + (f" and evidence is {evidence[0].direction.replace('_', ' ')}" if evidence else "")
                       + " (not flagged: describes practice, not efficacy).", ev_refs)


# A specific study the article reports (the reference may not hold it yet), not an appeal to
# "studies" in general ("some studies have shown").
_A_STUDY = re.compile(r"\b(a|the|this|that|their|our|his|her|another|one|an earlier|a previous|a second) "
                      r"(new |recent |latest |small |large |pilot |clinical )*"
                      r"(study|trial|analysis|review)\b|\bresearchers (found|report\w*|say)|\bpublished in\b",
                      re.IGNORECASE)
_NOT_A_CLAIM = {"usage": "Not flagged: the sentence describes how something is used, not that it works.",
                "caveat": "Not flagged: the sentence qualifies the evidence."}

_RISK_FRAMING = re.compile(r"\b(warn(s|ed|ing)?|high(er)? doses?|too (high|much)|overdose|toxic(ity)?|dangerous|"
                           r"exceed(s|ed|ing)?|above the (recommended|maximum))\b", re.IGNORECASE)

_TRIAL_CONTEXT = re.compile(r"\b(randomly assigned|randomi[sz]ed (to|them)|were assigned|participants (received|took|were "
                            r"given)|in the (trial|study)|the (trial|study) (tested|used|gave|compared)|volunteers|"
                            r"(trials?|stud(y|ies)) (that |which )?(used|tested|gave|compared))\b",
                            re.IGNORECASE)

_REPORTED = re.compile(r"\b(websites?|sites|forums?|blogs?|ads|adverts?|advertisements?|marketers|sellers|social media|"
                       r"posts?|rumou?rs?|myths?)\b[^.]{0,30}\b(say|says|said|claim|claims|claimed|suggest|promise|"
                       r"promises)\b|^\s*q\s*:|\bit is a myth\b|\bcontrary to (popular )?(belief|claims)\b",
                       re.IGNORECASE)


_NAME_BEFORE = re.compile(r"\b(Institute|Center|Centre|Department|Society|Foundation|School|College|Association|"
                          r"Council|Journal|Program|Programme|Division|Unit|Clinic|Alliance)\s+(of|for|on)\s+"
                          r"(the\s+)?([A-Z][\w'-]*\s+){0,3}$")


def _in_a_name(claim: Claim) -> bool:
    """Whether the intervention's mention is part of an organisation's or journal's name."""
    m = claim.drug
    if m is None or m.start == m.end or not m.text[:1].isupper():
        return False
    a = m.start - claim.start
    return 0 <= a <= len(claim.sentence) and bool(_NAME_BEFORE.search(claim.sentence[max(0, a - 80):a]))


def _weakly_stated(claim: Claim) -> str | None:
    """Why a reference flag on an efficacy or evidence claim would not be fair to the sentence's
    wording, or ``None``: the frame reads a denial or limitation the claim rules missed ("have not yet demonstrated any benefit"), or
    the claim is only hedged and not about the intervention ("scientists may be inching toward a
    vaccine that could ...")."""
    f = claim.frame
    if claim.type not in (ClaimType.EFFICACY, ClaimType.EVIDENCE):
        return None  # label facts (dose, withdrawal, approval) are judged on their own wording
    if f.polarity == "negative" and claim.polarity != "negative":
        return "Not flagged: the sentence denies or limits the claim (\u201cnot\u201d, \u201cno\u201d in scope)."
    if claim.polarity == "negative" and not f.subject:
        return "Not flagged: the denial is not about the intervention (\u201cfor patients who do not improve\u201d)."
    if claim.type == ClaimType.EFFICACY and f.strength in ("hedged", "correlational") and not f.subject:
        return "Not flagged: a hedged statement in which the intervention is not what the sentence is about."
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


def one_flag_per_reason(checked: list) -> list:
    """One flag per sentence and reason: a sentence that names three drugs for one overclaim is one
    thing for an editor to fix. Later claims with the same sentence and reason keep their verdict,
    unflagged, with a pointer to the claim that carries the flag.

    Args:
        checked: :class:`~pipeline.types.CheckedClaim` records of one article, in document order.

    Returns:
        New records (the input is not changed).
    """
    seen: dict[tuple, str] = {}
    out = []
    for cc in checked:
        v = cc.verdict
        key = (cc.claim.start, v.reason or v.label.value)
        if v.flagged and key in seen:
            v = replace(v, flagged_override=False, severity=Severity.LOW if v.severity != Severity.NONE else v.severity,
                        rationale=f"Same flag as claim {seen[key]} in this sentence. {v.rationale}")
        elif v.flagged:
            seen[key] = cc.claim.id
        out.append(CheckedClaim(cc.claim, v))
    return out


def verify_claim(claim: Claim, reference: Reference | None = None) -> Verdict:
    """Verdict for one claim (convenience wrapper around :class:`Verifier`)."""
    return Verifier(reference)(claim)


def article_findings(checked, reference: Reference | None = None) -> list[Finding]:
    """Article-level findings: established efficacy asserted for a pair the same article elsewhere
    says has limited evidence.

    Args:
        checked: (claim, verdict) pairs of one article.

    Returns:
        Findings (possibly empty).
    """
    by_pair = defaultdict(lambda: {"strong": [], "limited": []})
    limited_re = Verifier._LIMITED
    for claim, verdict in checked:
        if not claim.drug or not claim.condition or not claim.drug.id or not claim.condition.id:
            continue
        key = (claim.drug.id, claim.condition.id)
        low = claim.sentence.lower()
        if claim.type in (ClaimType.EFFICACY, ClaimType.EVIDENCE) and claim.polarity == "positive" \
                and claim.strength >= Strength.DIRECT and not limited_re.search(low):
            by_pair[key]["strong"].append(claim)
        elif claim.type in (ClaimType.EVIDENCE, ClaimType.EFFICACY) and limited_re.search(low):
            by_pair[key]["limited"].append(claim)
    findings = []
    for (did, cid), groups in by_pair.items():
        if groups["strong"] and groups["limited"]:
            s, l = groups["strong"][0], groups["limited"][0]
            dname = s.drug.name or s.drug.text
            cname = s.condition.name or s.condition.text
            findings.append(Finding(
                kind="inconsistent_strength",
                message=(f"The article asserts established efficacy of {dname} for {cname} "
                         f"(\u201c{s.sentence[:120]}\u201d) but elsewhere says the evidence is limited "
                         f"(\u201c{l.sentence[:120]}\u201d)."),
                severity=Severity.HIGH,
                claim_ids=[c.id for c in groups["strong"] + groups["limited"]],
            ))
    return findings
