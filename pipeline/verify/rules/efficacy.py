"""Efficacy claims: the claim's strength against what the evidence allows (grade and direction)."""
from __future__ import annotations

from ...types import Claim, ClaimType, Severity, Strength, Verdict, VerdictLabel
from ..common import (ALLOWED_PHRASE, SEVERITY_BY_GAP, STRENGTH_WORDS, UNLINKED, RuleContext, allowed_strength,
                      appr_ref, ev_ref, strength_words, suggest)
from ..registry import rule


@rule(ClaimType.EFFICACY)
def efficacy(v: RuleContext, claim: Claim) -> Verdict:
    ref = v.ref
    pair = v.pair(claim)
    if pair is None:
        return Verdict(VerdictLabel.UNVERIFIABLE, Severity.LOW, UNLINKED)
    did, cid, dname, cname = pair
    strength = Strength(claim.strength)
    approvals = [a for a in ref.approvals_for(did, cid) if a.status == "approved"]
    evidence = v.best_evidence(did, cid)
    ev_refs = [appr_ref(a, ref) for a in approvals[:2]] + [ev_ref(e) for e in evidence[:3]]
    words = strength_words(claim)
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
                           [appr_ref(a, ref) for a in broader[:2]])
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
                       suggestion=suggest(claim, ref, e.direction, e.grade, e.n_rcts),
                       allowed_strength=Strength.NO_CLAIM)
    allowed = allowed_strength(e.direction, e.grade)
    if strength <= allowed:
        return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                       f"The claim's strength ({STRENGTH_WORDS[int(strength)]}) is within what the evidence "
                       f"allows ({e.direction.replace('_', ' ')}, grade {e.grade}).", ev_refs,
                       allowed_strength=allowed)
    gap = int(strength) - int(allowed)
    sev = SEVERITY_BY_GAP.get(min(gap, 3), Severity.LOW)
    if e.condition != cid and e.condition in ref.conditions:
        cname = f"{cname} (judged on the evidence for {ref.conditions[e.condition].name})"
    trials = ("no randomised trial" if e.n_rcts == 0 or e.direction == "no_trials"
              else f"{e.n_rcts} randomised trial{'s' if e.n_rcts != 1 else ''}" if e.n_rcts is not None
              else f"{e.direction.replace('_', ' ')} evidence")
    return Verdict(VerdictLabel.OVERSTATED, sev,
                   f"The article claims {dname} works for {cname} ({words}), but the reference records {trials} "
                   f"(evidence: {e.direction.replace('_', ' ')}, grade {e.grade}); the evidence allows at most "
                   f"{ALLOWED_PHRASE[int(allowed)]}.", ev_refs,
                   suggestion=suggest(claim, ref, e.direction, e.grade, e.n_rcts), allowed_strength=allowed)
