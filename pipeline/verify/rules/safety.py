"""Safety claims against label facts; unmatched ones are unverifiable, not flagged."""
from __future__ import annotations

import re

from ...types import Claim, ClaimType, Severity, Verdict, VerdictLabel
from ..common import RuleContext, label_facts, label_ref
from ..registry import rule


# -- safety / mechanism ---------------------------------------------------------------
@rule(ClaimType.SAFETY)
def safety(v: RuleContext, claim: Claim) -> Verdict:
    did, labels, dname, low = label_facts(v, claim)
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
                           [label_ref(lf, fact)],
                           suggestion=f"Stopping {dname} suddenly can cause withdrawal; the label warns about it."
                           if "withdrawal" in (fact or "").lower() else None)
        if sub == "withdrawal" and lf.withdrawal:
            return Verdict(VerdictLabel.SUPPORTED, Severity.NONE, f"The label warns about withdrawal of {dname}.",
                           [label_ref(lf, lf.withdrawal)])
        if sub == "pregnancy" and lf.pregnancy:
            m = re.search(r"category ([abcdx])\b", low)
            lm = re.search(r"category ([abcdx])\b", lf.pregnancy.lower())
            if m and lm and m.group(1) != lm.group(1):
                return Verdict(VerdictLabel.CONTRADICTED, Severity.MEDIUM,
                               f"The article gives pregnancy category {m.group(1).upper()}; the label gives "
                               f"{lm.group(1).upper()}.", [label_ref(lf, lf.pregnancy)])
            return Verdict(VerdictLabel.SUPPORTED, Severity.NONE, f"Consistent with the label on pregnancy.",
                           [label_ref(lf, lf.pregnancy)])
        if sub == "interactions" and lf.interactions:
            hit = [i for i in lf.interactions if any(w in low for w in re.findall(r"[a-z]{4,}", i.lower()))]
            if hit:
                return Verdict(VerdictLabel.SUPPORTED, Severity.NONE, f"The label lists these interactions.",
                               [label_ref(lf, "; ".join(lf.interactions))])
        if sub == "adverse_effects" and (lf.adverse_effects or lf.boxed_warning):
            hit = [a for a in lf.adverse_effects if a.lower() in low]
            if hit:
                return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                               f"The label lists {', '.join(hit)} among the adverse effects of {dname}.",
                               [label_ref(lf, "; ".join(lf.adverse_effects))])
    return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                   f"No matching label fact on {sub.replace('_', ' ')} for {dname} in the reference.",
                   [label_ref(lf, "label facts") for lf in labels[:1]])
