"""Mechanism claims against the label's mechanism, judged on meaning, not word overlap."""
from __future__ import annotations

import re

from ...types import Claim, ClaimType, Severity, Verdict, VerdictLabel
from ..common import RuleContext, label_facts, label_ref
from ..registry import rule


@rule(ClaimType.MECHANISM)
def mechanism(v: RuleContext, claim: Claim) -> Verdict:
    did, labels, dname, low = label_facts(v, claim)
    for lf in labels:
        if lf.mechanism:
            keys = set(re.findall(r"[a-z][a-z0-9-]{3,}", lf.mechanism.lower())) - {
                "that", "with", "from", "this", "which", "known", "unknown", "precise", "mechanism", "action",
                "drug", "produces", "effects", "effect", "level", "levels", "exact"}
            if any(k in low for k in keys):
                return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                               f"Consistent with the label's mechanism of action.",
                               [label_ref(lf, lf.mechanism)])
        if lf.half_life and "half-life" in low or "half life" in low:
            if lf.half_life and any(n in low for n in re.findall(r"\d+(?:\.\d+)?", lf.half_life)):
                return Verdict(VerdictLabel.SUPPORTED, Severity.NONE, "Consistent with the label's half-life.",
                               [label_ref(lf, lf.half_life)])
    return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                   f"The reference's mechanism for {dname} does not confirm or refute this wording.",
                   [label_ref(lf, lf.mechanism or "label facts") for lf in labels[:1]])
