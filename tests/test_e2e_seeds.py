"""End-to-end on the seed articles (issue: end-to-end audit, "Done means")."""
from __future__ import annotations

import json

from pipeline.types import ClaimType


def flagged(res):
    return [cc for cc in res.claims if cc.verdict.flagged]


def test_000_established_efficacy_for_fibromyalgia_is_flagged(seed_results):
    res = seed_results["000"]
    eff = [cc for cc in res.claims if cc.claim.type is ClaimType.EFFICACY and cc.claim.drug.name == "baclofen"
           and cc.claim.condition and cc.claim.condition.name == "fibromyalgia"]
    shown = [cc for cc in eff if "has been shown to be effective" in cc.claim.sentence]
    assert shown, "the 'has been shown to be effective' sentence must yield a baclofen–fibromyalgia claim"
    assert all(cc.verdict.label.value == "overstated" and cc.verdict.severity.value == "high" for cc in shown)
    conclusion = [cc for cc in eff if cc.claim.sentence.startswith("In conclusion, baclofen can be an effective")]
    assert conclusion and all(cc.verdict.flagged for cc in conclusion)


def test_000_trials_claim_contradicted(seed_results):
    res = seed_results["000"]
    ev = [cc for cc in res.claims if cc.claim.type is ClaimType.EVIDENCE
          and cc.claim.sentence.startswith("Several clinical trials have investigated")]
    assert ev and all(cc.verdict.label.value == "contradicted" for cc in ev)


def test_000_correct_approval_statements_supported(seed_results):
    res = seed_results["000"]
    appr = [cc for cc in res.claims if cc.claim.type is ClaimType.APPROVAL
            and cc.claim.condition and cc.claim.condition.name == "fibromyalgia"]
    not_approved = [cc for cc in appr if cc.claim.polarity == "negative"]
    assert len(not_approved) >= 3
    assert all(cc.verdict.label.value == "supported" for cc in not_approved)
    spast = [cc for cc in res.claims if cc.claim.type is ClaimType.APPROVAL
             and "approved by the FDA for the treatment of spasticity" in cc.claim.sentence]
    assert spast and all(cc.verdict.label.value == "supported" for cc in spast)


def test_000_inconsistency_finding(seed_results):
    kinds = [f.kind for f in seed_results["000"].findings]
    assert "inconsistent_strength" in kinds


def test_000_boilerplate_kept_out_of_claims(seed_results):
    res = seed_results["000"]
    kinds = {k for _, _, k in res.boilerplate}
    assert {"affiliate", "image_description"} <= kinds
    for cc in res.claims:
        assert "A bottle of baclofen" not in cc.claim.sentence
        assert "Amazon Associate" not in cc.claim.sentence


def test_003_and_004_have_no_high_severity_flag(seed_results):
    for key in ("003", "004"):
        high = [cc for cc in flagged(seed_results[key]) if cc.verdict.severity.value == "high"]
        assert not high, f"{key}: " + "; ".join(cc.claim.sentence[:80] for cc in high)


def test_accurate_seeds_are_nearly_clean(seed_results):
    n000 = len(flagged(seed_results["000"]))
    for key in ("003", "004"):
        n = len(flagged(seed_results[key]))
        assert n <= 2, f"{key} has {n} flags: " + "; ".join(cc.claim.sentence[:80] for cc in flagged(seed_results[key]))
        assert n * 4 < n000


def test_004_sparse_evidence_and_approval_supported(seed_results):
    res = seed_results["004"]
    first = [cc for cc in res.claims if cc.claim.sentence.startswith("Baclofen is FDA-approved specifically")]
    appr = {(cc.claim.condition.name, cc.claim.polarity): cc.verdict.label.value
            for cc in first if cc.claim.type is ClaimType.APPROVAL}
    assert appr and all(v == "supported" for v in appr.values()), appr
    lbp = [cc for cc in first if cc.claim.type is ClaimType.EVIDENCE and cc.claim.condition.name == "low back pain"]
    assert lbp and lbp[0].verdict.label.value == "supported"


def test_cli_audit_of_seeds_writes_all_outputs(seeds_dir, tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli.main import app
    from pipeline.report.records import validate_record

    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["audit", str(seeds_dir), "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    claims = [json.loads(l) for l in (out / "claims.jsonl").read_text().splitlines()]
    arts = [json.loads(l) for l in (out / "articles.jsonl").read_text().splitlines()]
    assert {a["article_id"] for a in arts} == {p.name for p in seeds_dir.glob("*.txt")}
    for c in claims[:200]:
        validate_record(c, "claim")
    for a in arts:
        validate_record(a, "article")
    text = (seeds_dir / "000_cbe59d7729693a6f.txt").read_text()
    for c in claims:
        if c["article_id"].startswith("000"):
            assert text[c["start"]:c["end"]] == c["sentence"]
    html = (out / "report.html").read_text()
    assert "has been shown to be effective" in html and "<mark class=\"high\"" in html
    assert (out / "claims.csv").read_text().startswith("article_id,claim_id,sentence")
