"""The research API: pipeline.run.auditor / check / load_reference return typed DataFrames."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import pipeline
from pipeline import api
from pipeline.config import data_dir
from pipeline.assess.scorecard import CRITERIA

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpora" / "samples"
SHARED = data_dir(required=False)
SEEDS = SHARED / "seeds" if SHARED else None
needs_seeds = pytest.mark.skipif(not (SEEDS and SEEDS.is_dir()), reason="shared seeds not available")


@pytest.fixture(scope="module")
def samples():
    return pipeline.audit([SAMPLES])


@pytest.fixture(scope="module")
def seeds():
    if not (SEEDS and SEEDS.is_dir()):
        pytest.skip("shared seeds not available")
    return pipeline.audit([SEEDS])


def test_import_is_lazy_and_exports_the_api():
    code = ("import sys, pipeline; heavy = [m for m in sys.modules if m.split('.')[0] in "
            "('pandas', 'spacy', 'sklearn', 'scispacy') or m in ('pipeline.api', 'pipeline.run.auditor')]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
    assert pipeline.check is api.check and pipeline.load_reference is api.load_reference
    # pipeline.audit is the API function; the stage module is pipeline.run.auditor
    from pipeline.run.auditor import Auditor

    assert pipeline.audit is api.audit and Auditor.__module__ == "pipeline.run.auditor"
    with pytest.raises(AttributeError):
        pipeline.no_such_thing  # noqa: B018


def test_claims_frame_is_typed(samples):
    df = samples.claims
    assert len(df) > 10
    assert isinstance(df.verdict.dtype, pd.CategoricalDtype)
    assert list(df.verdict.cat.categories) == ["supported", "contradicted", "overstated", "unsupported", "unverifiable"]
    assert df.severity.cat.ordered and list(df.severity.cat.categories) == ["none", "low", "medium", "high"]
    assert list(df.type.cat.categories) == api.TYPE_ORDER
    for col in ("start", "end", "strength", "n_evidence"):
        assert df[col].dtype == "int64", col
    assert df.flagged.dtype == bool
    assert str(df.allowed_strength.dtype) == "Int64"
    assert df.strength_label.cat.ordered


def test_offsets_point_into_the_article_text(samples):
    texts = {r.article.id: r.article.text for r in samples.results}
    for row in samples.claims.itertuples():
        assert texts[row.article_id][row.start:row.end] == row.sentence


def test_category_order_is_fixed_whatever_the_data():
    res = pipeline.audit(["Baclofen is approved by the FDA for the treatment of spasticity."])
    assert res.claims.verdict.astype(str).tolist() == ["supported"]
    assert len(res.claims.verdict.cat.categories) == 5
    empty = pipeline.audit(["The weather was fine and we went for a walk."])
    assert len(empty.claims) == 0 and list(empty.claims.columns) == api.CLAIM_COLUMNS
    assert len(empty.claims.verdict.cat.categories) == 5


@needs_seeds
def test_seed_000_flags_baclofen_for_fibromyalgia(seeds):
    c = seeds.claims
    hit = c[(c.article_id == "000_cbe59d7729693a6f.txt") & (c.drug == "baclofen") & (c.condition == "fibromyalgia")
            & c.flagged & (c.severity == "high")]
    assert len(hit) >= 1
    assert (hit.verdict == "overstated").any()
    assert hit.sentence.str.contains("has been shown to be effective").any()
    # the evidence behind it comes with a source
    ev = seeds.evidence[seeds.evidence.claim_id.isin(hit.claim_id)]
    assert len(ev) and ev.source_title.notna().all()
    # the correct approval statement in 000 is supported
    appr = c[(c.article_id == "000_cbe59d7729693a6f.txt") & (c.type == "approval") & (c.condition == "fibromyalgia")]
    assert (appr.verdict == "supported").any()


def test_articles_frame_has_a_column_per_scorecard_criterion(samples):
    a = samples.articles.set_index("article_id")
    for c in CRITERIA:
        assert isinstance(a[c].dtype, pd.CategoricalDtype)
        assert list(a[c].cat.categories) == ["satisfactory", "not_satisfactory", "not_applicable"]
    assert a.loc["turmeric_joint_pain_miracle.md", "sensational_language"] == "not_satisfactory"
    assert a.loc["turmeric_joint_pain_miracle.md", "commercial_disclosure"] == "not_satisfactory"
    assert a.loc["duloxetine_fibromyalgia_trial_news.md", "benefits_quantified"] == "satisfactory"
    assert a.loc["magnesium_sleep_affiliate.md", "commercial_disclosure"] == "satisfactory"
    assert a.n_claims.dtype == "int64" and a.n_claims.sum() == len(samples.claims)
    assert (a.n_flagged == samples.claims.groupby("article_id").flagged.sum().reindex(a.index, fill_value=0)).all()
    # the long scorecard table keeps the deciding sentences
    sc = samples.scorecard
    row = sc[(sc.article_id == "turmeric_joint_pain_miracle.md") & (sc.criterion == "sensational_language")].iloc[0]
    assert any("miracle" in s.lower() for s in row.sentences)


def test_mixed_inputs_and_errors_do_not_stop_the_batch(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02binary\xff\xfe")
    good = tmp_path / "good.md"
    good.write_text("# Note\n\nBaclofen has been shown to be effective for fibromyalgia.\n", encoding="utf-8")
    rows = pd.DataFrame([{"id": "r1", "title": "Row", "url": "https://www.example.org/a",
                          "text": "Duloxetine is approved by the FDA for fibromyalgia."}, {"id": "r2", "text": ""}])
    res = pipeline.audit([bad, good, "   ", rows])
    ids = res.articles.article_id.tolist()
    assert "good.md" in ids and "r1" in ids
    assert res.articles.set_index("article_id").loc["r1", "site"] == "example.org"
    errs = res.errors
    assert set(errs.columns) == {"path", "row", "code", "error", "message"}
    assert len(errs) == 3
    assert errs.message.str.contains("bad.txt").any()
    assert errs.path.tolist().count("r2") == 1


def test_issue14_texts_and_rows_over_max_chars_are_input_errors():
    from pipeline.errors import InputError
    from pipeline.ingest.reader import IngestOptions

    long = "Baclofen has been shown to be effective for fibromyalgia. " * 3
    res = pipeline.audit([long, {"id": "r1", "text": long}, "Duloxetine is approved by the FDA for fibromyalgia."],
                         opts=IngestOptions(max_chars=100))
    assert res.articles.article_id.tolist() == ["text-2"]
    assert res.errors.path.tolist() == ["text-1", "r1"]
    assert res.errors.error.str.contains("174 characters, over the limit of 100").all()
    with pytest.raises(InputError, match="over the limit of 100"):
        pipeline.check(long, max_chars=100)
    assert pipeline.check(long).claims  # under the default limit


def test_check_matches_the_cli():
    res = pipeline.check("Baclofen has been shown to be effective for fibromyalgia.")
    df = res.to_dataframe()
    assert df[["type", "verdict", "severity"]].astype(str).values.tolist() == [["efficacy", "overstated", "high"]]
    out = subprocess.run([sys.executable, "-m", "pipeline.cli", "check", "--json",
                          "Baclofen has been shown to be effective for fibromyalgia."],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    recs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [r["claim_id"] for r in recs] == df.claim_id.tolist()


def test_write_gives_the_same_records_as_the_cli(samples, tmp_path):
    from pipeline.run.runner import run_audit

    summary = samples.write(tmp_path / "api")
    run_audit([SAMPLES], tmp_path / "cli", progress=False)
    assert summary["articles"] == len(samples.articles)

    def recs(d, name):
        return [json.loads(line) for line in (d / name).read_text("utf-8").splitlines()]

    api_claims = {r["claim_id"]: r["verdict"] for r in recs(tmp_path / "api", "claims.jsonl")}
    cli_claims = {r["claim_id"]: r["verdict"] for r in recs(tmp_path / "cli", "claims.jsonl")}
    assert api_claims == cli_claims
    cards = {r["article_id"]: r["scorecard"] for r in recs(tmp_path / "cli", "articles.jsonl")}
    assert cards["turmeric_joint_pain_miracle.md"]["criteria"]["harms"]["rating"] == "not_satisfactory"
    html = (tmp_path / "api" / "report.html").read_text("utf-8")
    assert html.count('class="scorecard"') == len(samples.articles)


def test_load_reference_tables():
    ref = pipeline.load_reference(compiled=False)
    for name in ("drugs", "conditions", "approvals", "evidence", "labels"):
        assert len(getattr(ref, name)) > 0, name
    ev = ref.evidence
    assert ev.grade.cat.ordered and ev.grade.cat.categories[-1] == "high"
    pair = ev[(ev.drug_name == "baclofen") & (ev.condition_name == "fibromyalgia")]
    assert len(pair) >= 1 and pair.source_title.notna().all() and pair.date_checked.notna().all()
    ap = ref.approvals
    fms = ap[(ap.drug_name == "baclofen") & (ap.condition_name == "fibromyalgia")]
    assert set(fms.status.astype(str)) == {"not_approved"}
    assert str(ap.year.dtype) == "Int64"
    assert "baclofen" in ref.drugs.name.tolist()
    assert ref.labels.max_daily_dose.dtype == "float64"
