"""Verify stage: verdicts, severities, rationales, evidence and suggestions on real sentences."""
from __future__ import annotations

from pipeline.api import check
from pipeline.types import ClaimType
from pipeline.verify import allowed_strength


def only(text, ctype):
    res = [cc for cc in check(text).claims if cc.claim.type is ctype]
    assert res, f"no {ctype} claim in {text!r}"
    return res[0].verdict


def test_established_efficacy_without_trials_is_overstated_high():
    v = only("Baclofen has been shown to be effective in reducing pain in people with fibromyalgia.", ClaimType.EFFICACY)
    assert (v.label.value, v.severity.value, v.flagged) == ("overstated", "high", True)
    assert "has been shown to be effective" in v.rationale  # the words that carried the strength
    assert v.suggestion and "fibromyalgia" in v.suggestion
    assert v.evidence and all(e.source for e in v.evidence)


def test_hedged_claim_is_less_severe_than_established():
    strong = only("Baclofen has been shown to be effective for fibromyalgia.", ClaimType.EFFICACY)
    weak = only("Baclofen may help some people with fibromyalgia.", ClaimType.EFFICACY)
    order = ["none", "low", "medium", "high"]
    assert order.index(weak.severity.value) < order.index(strong.severity.value)


def test_approved_use_efficacy_supported():
    v = only("Duloxetine has been shown to reduce pain in patients with fibromyalgia.", ClaimType.EFFICACY)
    assert v.label.value == "supported" and not v.flagged


def test_wrong_approval_contradicted_and_right_one_supported():
    v = only("Gabapentin is FDA-approved for fibromyalgia.", ClaimType.APPROVAL)
    assert (v.label.value, v.severity.value) == ("contradicted", "high")
    v = only("Baclofen is not approved by the FDA for the treatment of fibromyalgia.", ClaimType.APPROVAL)
    assert v.label.value == "supported"
    v = only("Milnacipran is FDA-approved for fibromyalgia.", ClaimType.APPROVAL)
    assert v.label.value == "supported"


def test_claim_that_trials_exist_when_none_recorded():
    v = only("Several clinical trials have investigated the use of baclofen for fibromyalgia.", ClaimType.EVIDENCE)
    assert v.label.value == "contradicted" and v.flagged


def test_limited_evidence_statement_supported():
    v = only("There is limited clinical evidence supporting the use of baclofen for fibromyalgia.", ClaimType.EVIDENCE)
    assert v.label.value == "supported"


def test_dose_above_label_maximum_contradicted():
    v = only("Baclofen can be taken at doses up to 120 mg per day.", ClaimType.DOSAGE)
    assert v.label.value == "contradicted" and v.severity.value == "high"
    v = only("The maximum daily dose of baclofen should not exceed 80mg per day.", ClaimType.DOSAGE)
    assert v.label.value == "supported"


def test_strong_claim_about_unknown_pair_is_surfaced():
    res = check("Baclofen has been proven to cure tinnitus.")
    flagged = [cc for cc in res.claims if cc.verdict.flagged]
    # Either the condition is unknown (no claim) or it is unverifiable and flagged for review.
    for cc in res.claims:
        if cc.claim.type is ClaimType.EFFICACY and cc.claim.condition is not None:
            assert cc.verdict.label.value in ("unverifiable", "overstated") and cc.verdict.flagged
    assert flagged or not res.claims


def test_allowed_strength_table():
    assert int(allowed_strength("benefit", "high")) == 3
    assert int(allowed_strength("benefit", "low")) == 2
    # Issue 15: "may help" is fair where trials exist but do not settle the question (it was
    # flagged before); where no trial exists a hedged claim is still too strong.
    assert int(allowed_strength("insufficient", "low")) == 2
    assert int(allowed_strength("no_trials", "none")) == 0


def test_approval_without_regulator_accepts_any_regulator():
    # Ustekinumab's psoriasis approval is on record from the EMA (open sources) when compiled;
    # with curated data only the claim must not be called contradicted.
    res = check("Stelara is already approved for psoriasis.")
    for cc in res.claims:
        if cc.claim.type is ClaimType.APPROVAL:
            assert cc.verdict.label.value in ("supported", "unverifiable")


def test_supplement_disease_approval_claim_contradicted():
    from pipeline.reference import load_reference

    ref = load_reference()
    supp = next((d for d in ref.drugs.values() if d.kind == "supplement" and d.name == "melatonin"), None)
    if supp is None:
        import pytest

        pytest.skip("melatonin not in the curated reference")
    v = only("Melatonin is FDA-approved for insomnia.", ClaimType.APPROVAL)
    assert v.label.value == "contradicted"


def test_issue2_broader_approval_does_not_approve_narrower_use():
    res = check("Morphine is approved for severe pain, not specifically for fibromyalgia.")
    for cc in res.claims:
        if cc.claim.type is ClaimType.APPROVAL and cc.claim.condition.name == "fibromyalgia":
            assert cc.verdict.label.value != "contradicted", cc.verdict.rationale


def test_issue2_denied_withdrawal_risk_contradicted():
    v = only("Baclofen is completely non-addictive and has no withdrawal symptoms.", ClaimType.SAFETY)
    assert v.label.value == "contradicted" and v.flagged


def test_issue2_reported_claim_is_not_flagged():
    res = check("Some websites claim that baclofen has been proven to cure fibromyalgia.")
    eff = [cc for cc in res.claims if cc.claim.type is ClaimType.EFFICACY]
    assert eff and not any(cc.verdict.flagged for cc in eff)
    assert "Reported claim" in eff[0].verdict.rationale


def test_issue2_negated_trials_statement_is_supported():
    v = only("Baclofen has not been tested in any large randomized trial for fibromyalgia.", ClaimType.EVIDENCE)
    assert v.label.value == "supported" and not v.flagged


def test_issue2_dose_framed_as_a_risk_is_not_contradicted():
    res = check("The FDA issued a warning about high doses of simvastatin, 80 mg a day.")
    for cc in res.claims:
        if cc.claim.type is ClaimType.DOSAGE:
            assert not cc.verdict.flagged, cc.verdict.rationale


def test_issue2_call_for_more_research_is_not_a_contradiction():
    res = check("Additional prospective studies of naproxen in osteoarthritis are needed.")
    assert not any(cc.verdict.flagged for cc in res.claims)
    v = only("The few randomized trials of vitamin D and colorectal cancer have not shown an effect.",
             ClaimType.EVIDENCE)
    assert not v.flagged, v.rationale


def test_issue2_broader_approval_is_not_flagged_as_unknown_pair(tmp_path):
    from pipeline.claims.extract import extract_claims_from_text
    from pipeline.reference import load_reference
    from pipeline.verify import Verifier

    overlay = tmp_path / "o.yaml"
    overlay.write_text(
        "sources:\n  lbl: {kind: label, title: Test label, issuer: FDA, citation_status: unverified}\n"
        "drugs:\n  - {id: 'oc:testumab', name: testumab}\n"
        "conditions:\n  - {id: 'oc:test-cancer', name: test cancer}\n"
        "  - {id: 'oc:her9-test-cancer', name: her9 positive test cancer, parents: ['oc:test-cancer']}\n"
        "approvals:\n  - {drug: testumab, condition: test cancer, regulator: FDA, status: approved, source: lbl,"
        " date_checked: 2026-11-21}\n")
    ref = load_reference(overlays=[overlay], compiled=None, use_cache=False)
    claims = extract_claims_from_text("Testumab has been shown to be effective in her9 positive test cancer.",
                                      reference=ref)
    eff = [c for c in claims if c.type is ClaimType.EFFICACY]
    assert eff and eff[0].condition.name == "her9 positive test cancer"
    v = Verifier(ref)(eff[0])
    assert v.label.value == "unverifiable" and not v.flagged and "broader condition" in v.rationale


def test_one_rule_per_claim_type_through_the_registry():
    """Every claim type has exactly one registered rule; registering a second one is an error."""
    import pytest as _pytest

    from pipeline.types import ClaimType
    from pipeline.verify import RULES, rule, rule_for

    assert set(RULES) == set(ClaimType)
    assert rule_for(ClaimType.DOSAGE).__module__ == "pipeline.verify.rules.dosage"
    with _pytest.raises(ValueError, match="registered already"):
        rule(ClaimType.DOSAGE)(lambda v, claim: None)
