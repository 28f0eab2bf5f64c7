"""Dose claims against label facts (maximum daily dose)."""
from __future__ import annotations

from ...types import Claim, ClaimType, Severity, Verdict, VerdictLabel
from ..common import RISK_FRAMING, TRIAL_CONTEXT, RuleContext, label_ref, name_of
from ..registry import rule


# -- dosage ---------------------------------------------------------------------------
@rule(ClaimType.DOSAGE)
def dosage(v: RuleContext, claim: Claim) -> Verdict:
    ref = v.ref
    did = claim.drug.id if claim.drug else None
    labels = ref.label_for(did) if did else []
    if did and v.ref.drugs.get(did) is not None and v.ref.drugs[did].route:
        labels = ref.label_for(did, v.ref.drugs[did].route)
    with_max = [lf for lf in labels if lf.max_daily_dose]
    dname = name_of(claim.drug, ref)
    if not claim.quantities:
        dosing = [lf for lf in labels if lf.usual_start_dose or lf.max_daily_dose]
        return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                       f"A dosing statement without amounts; compare it with the label of {dname}.",
                       [label_ref(lf, lf.usual_start_dose or f"maximum {lf.max_daily_dose:g} "
                                   f"{lf.max_daily_dose_unit or 'mg'}/day") for lf in dosing[:1]])
    if not with_max:
        return Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                       f"The reference has no label dosing facts for {dname}.",
                       [label_ref(lf, "label facts") for lf in labels[:1]])
    lf = with_max[0]
    unit = lf.max_daily_dose_unit or "mg"
    evref = [label_ref(lf, f"Label maximum: {lf.max_daily_dose:g} {unit}/day"
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
    if problems and RISK_FRAMING.search(claim.sentence):
        return Verdict(VerdictLabel.SUPPORTED, Severity.NONE,
                       f"The article presents the dose as a risk ({'; '.join(problems)}), in line with the label.",
                       evref)
    if problems and TRIAL_CONTEXT.search(claim.sentence):
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
