"""Claims that studies exist or showed something, against the recorded trials."""
from __future__ import annotations

import re

from ...types import Claim, ClaimType, Severity, Strength, Verdict, VerdictLabel
from ..common import SEVERITY_BY_GAP, UNLINKED, RuleContext, allowed_strength, appr_ref, ev_ref, suggest
from ..registry import rule


_UNLINKED = "The drug or condition could not be linked to the reference."
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


@rule(ClaimType.EVIDENCE)
def evidence(v: RuleContext, claim: Claim) -> Verdict:
    ref = v.ref
    pair = v.pair(claim)
    if pair is None:
        return Verdict(VerdictLabel.UNVERIFIABLE, Severity.LOW, UNLINKED)
    did, cid, dname, cname = pair
    evidence = v.best_evidence(did, cid)
    approvals = [a for a in ref.approvals_for(did, cid) if a.status == "approved"]
    ev_refs = [ev_ref(e) for e in evidence[:3]] + [appr_ref(a, ref) for a in approvals[:1]]
    low = claim.sentence.lower()
    limited = bool(_LIMITED.search(low) or _NONE_SAID.search(low)) or claim.polarity == "negative"
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
    m = _NUMBER.search(low)
    stated = None
    if m:
        tok = m.group(1)
        stated = int(tok) if tok.isdigit() else _WORDNUM.get(tok)
    exists = bool(m and m.group(1) not in ("no",)) or bool(_EXISTS.search(low))
    if none_recorded and exists and not _NONE_SAID.search(low) and not _MORE_RESEARCH.search(low):
        sev = Severity.HIGH if re.search(r"\b(shown|found|proven|demonstrat|significantly)", low) else Severity.MEDIUM
        return Verdict(VerdictLabel.CONTRADICTED, sev,
                       f"The article refers to studies or trials of {dname} for {cname}, but the reference "
                       f"records no randomised trial ({e.source.short()}).", ev_refs,
                       suggestion=suggest(claim, ref, e.direction, e.grade, e.n_rcts))
    if limited:
        if e.direction == "benefit" and e.grade in ("high", "moderate") and _LIMITED_STRONG.search(low):
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
                       suggestion=suggest(claim, ref, e.direction, e.grade, e.n_rcts))
    if stated is not None and e.n_rcts is not None and stated != e.n_rcts:
        return Verdict(VerdictLabel.CONTRADICTED, Severity.LOW,
                       f"The article says {stated} trial(s); the reference records {e.n_rcts}.", ev_refs)
    if e.direction in ("no_benefit", "harm") and claim.polarity == "positive" and \
            re.search(r"\b(shown|found|proven|demonstrat|reduce|improve|effective)", low):
        return Verdict(VerdictLabel.CONTRADICTED, Severity.HIGH,
                       f"The article says studies showed benefit, but the evidence for {dname} in {cname} shows "
                       f"{e.direction.replace('_', ' ')}.", ev_refs,
                       suggestion=suggest(claim, ref, e.direction, e.grade, e.n_rcts))
    allowed = allowed_strength(e.direction, e.grade)
    if claim.strength > allowed and re.search(r"\b(shown|proven|demonstrat|effective|significantly)", low) \
            and not (claim.strength == Strength.DIRECT and allowed == Strength.HEDGED
                     and re.search(r"\b(some|a few|small)\b", low)):
        gap = int(claim.strength) - int(allowed)
        return Verdict(VerdictLabel.OVERSTATED, SEVERITY_BY_GAP.get(min(gap, 3), Severity.LOW),
                       f"The article presents study results for {dname} in {cname} more strongly than the "
                       f"evidence allows ({e.direction.replace('_', ' ')}, grade {e.grade}).", ev_refs,
                       suggestion=suggest(claim, ref, e.direction, e.grade, e.n_rcts), allowed_strength=allowed)
    return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                   f"Trials of {dname} for {cname} are on record ({e.direction.replace('_', ' ')}, grade "
                   f"{e.grade}).", ev_refs, allowed_strength=allowed)
