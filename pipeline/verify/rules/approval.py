"""Approval claims against approvals (a curated label's indications are complete)."""
from __future__ import annotations

import re

from ...types import Claim, ClaimType, Severity, Verdict, VerdictLabel
from ..common import UNLINKED, RuleContext, appr_ref
from ..registry import rule


# -- approval -------------------------------------------------------------------------
@rule(ClaimType.APPROVAL)
def approval(v: RuleContext, claim: Claim) -> Verdict:
    ref = v.ref
    pair = v.pair(claim)
    if pair is None:
        return Verdict(VerdictLabel.UNVERIFIABLE, Severity.LOW, UNLINKED)
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
    ev = [appr_ref(a, ref) for a in (approved or not_approved or all_rows)[:4]]
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
                       f"unapproved is wrong.", [appr_ref(a, ref) for a in approved[:4]],
                       suggestion=f"{Dname} is {'/'.join(regs)}-approved for {cname}.")
    if not_approved or (all_rows and complete):
        return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                       f"Correct: {dname} is not {who}-approved for {cname}.", ev)
    return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                   f"The reference cannot confirm that {dname} is not approved for {cname}.", ev)
