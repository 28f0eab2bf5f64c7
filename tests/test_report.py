"""Report stage: records validate against the shipped JSON Schema, HTML escapes article text,
outputs are written atomically."""
from __future__ import annotations

import json

import pytest

from pipeline.run.auditor import Auditor
from pipeline.errors import InputError, OutputError
from pipeline.ingest.reader import article_from_text
from pipeline.report import AuditWriter, load_schema, validate_record
from pipeline.report.records import SCHEMA_VERSION, claim_record


@pytest.fixture(scope="module")
def result():
    text = ("<script>alert('x')</script> Baclofen for Fibromyalgia <img src=x onerror=alert(1)>\n\n"
            "Baclofen has been shown to be effective for fibromyalgia <b>onerror=alert(2)</b>.")
    return Auditor().audit_article(article_from_text(text, id="evil<script>.txt"))


def test_schema_version_and_validation(result):
    assert load_schema("claim")["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    rec = claim_record(result.claims[0])
    validate_record(rec, "claim")
    bad = dict(rec, strength=7)
    with pytest.raises(Exception):
        validate_record(bad, "claim")


def test_html_escapes_untrusted_text(result, tmp_path):
    w = AuditWriter(tmp_path)
    w.add(result)
    w.add(InputError("binary file", path="x<script>.bin"))
    summary = w.close()
    html = (tmp_path / "report.html").read_text()
    assert "<script>" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;" in html
    assert summary["articles"] == 1 and summary["errors"] == 1
    err = json.loads((tmp_path / "errors.jsonl").read_text())
    validate_record(err, "error")
    assert err["path"] == "x<script>.bin"


def test_no_half_written_outputs_on_abort(result, tmp_path):
    w = AuditWriter(tmp_path)
    w.add(result)
    w.abort()
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_folder_fails_at_once(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError) as e:
        AuditWriter(blocker / "out")
    assert str(blocker / "out") in str(e.value)


def test_article_record_scorecard_validates_and_bad_rating_fails(result):
    from pipeline.report.records import article_record

    rec = article_record(result)
    validate_record(rec, "article")
    crit = next(iter(rec["scorecard"]["criteria"]))
    bad = json.loads(json.dumps(rec))
    bad["scorecard"]["criteria"][crit]["rating"] = "great"
    with pytest.raises(Exception):
        validate_record(bad, "article")


def test_report_shows_the_frame_beside_the_reason(tmp_path):
    """Issue 15: a flag shows who claims what, on what evidence, and the flag's reason."""
    text = ("Mice with arthritis that were given the compound had less joint swelling than untreated mice.\n\n"
            "Scientists say the compound reverses arthritis.")
    w = AuditWriter(tmp_path)
    w.add(Auditor().audit_article(article_from_text(text, id="mouse.txt")))
    w.close()
    html = (tmp_path / "report.html").read_text()
    assert 'class="frame"' in html and "evidence the article gives: animal" in html
    assert "flag reason: animal to human" in html
    rec = json.loads((tmp_path / "claims.jsonl").read_text().splitlines()[-1])
    validate_record(rec, "claim")
    assert rec["frame"]["evidence_basis"] == "animal" and rec["reason"] == "animal_to_human"
