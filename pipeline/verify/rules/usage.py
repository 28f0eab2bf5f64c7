"""Statements of practice; contradicted only where the evidence shows harm."""
from __future__ import annotations

from ...types import Claim, ClaimType, Severity, Verdict, VerdictLabel
from ..common import UNLINKED, RuleContext, appr_ref, ev_ref
from ..registry import rule


# -- usage ----------------------------------------------------------------------------
@rule(ClaimType.USAGE)
def usage(v: RuleContext, claim: Claim) -> Verdict:
    ref = v.ref
    pair = v.pair(claim)
    if pair is None:
        return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE, UNLINKED)
    did, cid, dname, cname = pair
    approvals = [a for a in ref.approvals_for(did, cid) if a.status == "approved"]
    evidence = v.best_evidence(did, cid)
    ev_refs = [appr_ref(a, ref) for a in approvals[:2]] + [ev_ref(e) for e in evidence[:2]]
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
