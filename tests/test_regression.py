"""The byte-identical regression harness (``overclaim regression``, :mod:`pipeline.eval.regression`)."""
from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.eval import regression


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Two runs of the harness on the gold and 10 shared articles."""
    a, b = tmp_path_factory.mktemp("before"), tmp_path_factory.mktemp("after")
    return regression.save(a, limit=10), a, regression.save(b, limit=10), b


def test_two_runs_are_byte_identical(saved):
    ma, a, mb, b = saved
    report = regression.compare_dirs(a, b)
    assert report["identical"], regression.format_report(report)
    assert len(ma["sets"]["gold"]["article_ids"]) >= 10
    assert ma["sets"]["gold"]["article_ids"] == mb["sets"]["gold"]["article_ids"]
    assert all(i.startswith("gold.jsonl#") for i in ma["sets"]["gold"]["article_ids"])
    if regression.shared_lines(1):
        assert len(ma["sets"]["shared"]["article_ids"]) == 10
    assert "seconds" not in json.loads((a / "gold" / "articles.jsonl").read_text().splitlines()[0])


def test_shared_draw_is_fixed_and_in_file_order(shared_dir):
    one, two = regression.shared_lines(25, seed=0), regression.shared_lines(25, seed=0)
    assert one == two and len(one) == 25
    assert regression.shared_lines(25, seed=1) != one
    ids = [json.loads(x)["news_id"] for x in one]
    everything = [json.loads(x)["news_id"] for x in regression.shared_lines(10 ** 9)]
    assert [i for i in everything if i in set(ids)] == ids


def test_a_change_is_reported_by_file_article_and_field(saved, tmp_path):
    _, a, _, b = saved
    c = tmp_path / "changed"
    shutil.copytree(b, c)
    path = c / "gold" / "claims.jsonl"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    rec = json.loads(lines[0])
    rec["severity"] = "changed"
    lines[0] = json.dumps(rec, ensure_ascii=False) + "\n"
    path.write_text("".join(lines), "utf-8")
    report = regression.compare_dirs(a, c)
    assert not report["identical"]
    bad = [f for f in report["files"] if not f["identical"]]
    assert [(f["set"], f["file"]) for f in bad] == [("gold", "claims.jsonl")]
    assert bad[0]["changed"] == [{"article": rec["article_id"], "lines_before": bad[0]["changed"][0]["lines_before"],
                                  "lines_after": bad[0]["changed"][0]["lines_after"], "fields": ["severity"]}]
    text = regression.format_report(report)
    assert "DIFFERENT" in text and rec["article_id"] in text and "fields: severity" in text
    assert "excluded articles.jsonl seconds" in text


def test_a_missing_article_is_named(saved, tmp_path):
    _, a, _, b = saved
    c = tmp_path / "fewer"
    shutil.copytree(b, c)
    path = c / "gold" / "articles.jsonl"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[1:]), "utf-8")
    f = next(f for f in regression.compare_dirs(a, c)["files"] if f["file"] == "articles.jsonl" and f["set"] == "gold")
    assert f["missing"] == [json.loads(lines[0])["article_id"]] and not f["changed"]


def test_normalise_drops_timings_and_temporary_paths():
    raw = (json.dumps({"article_id": "shared.jsonl#x", "source": "/tmp/r/inputs/shared.jsonl", "seconds": 0.5})
           + "\n").encode()
    key, line = regression.normalise("articles.jsonl", raw, "/tmp/r/inputs")
    assert key == "shared.jsonl#x"
    assert json.loads(line) == {"article_id": "shared.jsonl#x", "source": "shared.jsonl"}
    claim = b'{"article_id": "gold.jsonl#a", "claim_id": "c1"}\n'
    assert regression.normalise("claims.jsonl", claim, "/tmp/r/inputs") == ("gold.jsonl#a", claim)


def test_cli_exit_statuses(saved, tmp_path):
    _, a, _, b = saved
    runner = CliRunner()
    res = runner.invoke(app, ["regression", "--compare", str(a), "--against", str(b)])
    assert res.exit_code == 0, res.output
    assert "IDENTICAL" in res.output
    c = tmp_path / "c"
    shutil.copytree(b, c)
    (c / "shared" / "errors.jsonl").write_text('{"path": "shared.jsonl", "row": 1}\n', "utf-8")
    res = runner.invoke(app, ["regression", "--compare", str(a), "--against", str(c), "--json"])
    assert res.exit_code == 1
    assert json.loads(res.output)["identical"] is False
    assert runner.invoke(app, ["regression"]).exit_code == 2
    assert runner.invoke(app, ["regression", "--save", str(a), "--compare", str(b)]).exit_code == 2
    res = runner.invoke(app, ["regression", "--compare", str(tmp_path / "nothing"), "--against", str(b)])
    assert res.exit_code == 3 and "not a saved regression run" in res.output


@pytest.mark.slow
def test_thousand_shared_articles_are_byte_identical(tmp_path, shared_dir):
    """The harness's own run: the gold and 1,000 shared articles audited twice, byte for byte."""
    manifest = regression.save(tmp_path / "before", limit=1000, workers=2)
    assert len(manifest["sets"]["shared"]["article_ids"]) == 1000
    report = regression.compare(tmp_path / "before", workers=2)
    assert report["identical"], regression.format_report(report)
