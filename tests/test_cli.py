"""The command line: every command documents examples, exit codes are distinct, --no-models works."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import EXIT_OUTPUT, EXIT_UNREADABLE, app

runner = CliRunner()


def _commands(group, prefix=()):
    import typer.main

    click_group = typer.main.get_command(group) if not hasattr(group, "commands") else group
    for name, cmd in click_group.commands.items():
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, prefix + (name,))
        else:
            yield prefix + (name,)


@pytest.mark.parametrize("cmd", sorted(_commands(app)))
def test_every_command_has_help_with_examples(cmd):
    r = runner.invoke(app, [*cmd, "--help"])
    assert r.exit_code == 0, r.output
    assert "Example" in r.output and "overclaim " in r.output, f"{' '.join(cmd)} --help shows no example"


def test_exit_codes_usage_unreadable_and_output(tmp_path):
    assert runner.invoke(app, ["audit"]).exit_code == 2  # usage error: no paths
    good = tmp_path / "in"
    good.mkdir()
    (good / "a.txt").write_text("Baclofen is approved by the FDA for spasticity.")
    (good / "bad.txt").write_bytes(b"\x00\x01binary")
    r = runner.invoke(app, ["audit", str(good), "--out", str(tmp_path / "out"), "-q"])
    assert r.exit_code == EXIT_UNREADABLE
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["articles"] == 1
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = runner.invoke(app, ["audit", str(good / "a.txt"), "--out", str(blocker / "out"), "-q"])
    assert r.exit_code == EXIT_OUTPUT and str(blocker / "out") in r.output


def test_no_models_runs_rules_only(tmp_path):
    from pipeline.run.auditor import Auditor

    assert Auditor(models=False).scorer is None
    src = tmp_path / "a.txt"
    src.write_text("Metformin users had lower rates of cancer. Baclofen has been shown to cure fibromyalgia.")
    r = runner.invoke(app, ["audit", str(src), "--out", str(tmp_path / "o"), "-q", "--no-models"])
    assert r.exit_code == 0, r.output
    claims = [json.loads(l) for l in (tmp_path / "o" / "claims.jsonl").read_text().splitlines()]
    assert claims and all(c["strength_prob"] is None for c in claims)
    assert any(c["flagged"] and c["drug"]["name"] == "baclofen" for c in claims)


def test_check_prints_flag_rationale_and_evidence():
    r = runner.invoke(app, ["check", "Baclofen has been shown to be effective for fibromyalgia."])
    assert r.exit_code == 0
    assert "[FLAG] overstated" in r.output and "suggestion:" in r.output and "evidence:" in r.output


# -- issue 14: numeric options are validated, limits hold on every input path -------------------

def _audit_args(tmp_path, *extra):
    src = tmp_path / "a.txt"
    src.write_text("Baclofen has been shown to be effective for fibromyalgia.")
    return ["audit", str(src), "--out", str(tmp_path / "out"), *extra]


def test_issue14_show_zero_lists_no_flags_and_does_not_crash(tmp_path):
    r = runner.invoke(app, _audit_args(tmp_path, "--show", "0"))
    assert r.exit_code == 0, r.output
    assert "1 flagged" in r.output and "Most severe flags" not in r.output
    r = runner.invoke(app, _audit_args(tmp_path, "--show", "1"))
    assert r.exit_code == 0 and "Most severe flags" in r.output


@pytest.mark.parametrize("option, value", [("--show", "-1"), ("--max-chars", "0"), ("--max-chars", "-5"),
                                           ("--workers", "0"), ("--timeout", "0"), ("--timeout", "-1"),
                                           ("--show", "ten")])
def test_issue14_audit_rejects_bad_numbers_with_a_usage_error(tmp_path, option, value):
    r = runner.invoke(app, _audit_args(tmp_path, option, value))
    assert r.exit_code == 2, r.output
    assert option in r.output and "Traceback" not in r.output
    assert not (tmp_path / "out").exists()  # refused before any work


@pytest.mark.parametrize("option, value", [("--limit", "0"), ("--limit", "-1"), ("--workers", "0"),
                                           ("--workers", "-2"), ("--batch", "-1")])
def test_issue14_bench_rejects_bad_numbers_with_a_usage_error(option, value):
    r = runner.invoke(app, ["bench", "--no-startup", option, value])
    assert r.exit_code == 2, r.output
    assert option in r.output and "articles/s" not in r.output


def test_issue14_max_chars_holds_for_every_input_path(tmp_path):
    body = "Baclofen has been shown to be effective for fibromyalgia. " * 4
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text(body)
    (d / "b.md").write_text(body)
    (d / "c.html").write_text(f"<html><body><article><p>{body}</p></article></body></html>")
    (d / "d.jsonl").write_text(json.dumps({"id": "r1", "text": body}) + "\n")
    (d / "e.csv").write_text(f'id,text\nr1,"{body}"\n')
    r = runner.invoke(app, ["audit", str(d), "-", "--out", str(tmp_path / "out"), "--max-chars", "100"],
                      input=body)
    assert r.exit_code == EXIT_UNREADABLE, r.output
    errors = [json.loads(x) for x in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert sorted(Path(e["path"]).name for e in errors) == ["<stdin>", "a.txt", "b.md", "c.html", "d.jsonl", "e.csv"]
    assert all("over the limit" in e["error"] for e in errors)
    lines = [x for x in r.output.splitlines() if "over the limit" in x]
    assert len(lines) == 6 and all(x.startswith("overclaim: ") for x in lines)  # one line each


def test_issue14_check_refuses_a_text_over_the_limit_in_one_line():
    from pipeline.ingest.reader import DEFAULT_MAX_CHARS

    text = "Baclofen helps. " * (DEFAULT_MAX_CHARS // 16 + 1)
    r = runner.invoke(app, ["check", text])
    assert r.exit_code == EXIT_UNREADABLE  # an input error, as in `overclaim audit` (issue 18: one status per error)
    assert "over the limit of 2,000,000" in r.output and len(r.output.strip().splitlines()) == 1


def test_eval_claims_split_must_be_dev_or_test():
    """`overclaim eval claims --split` takes dev or test; anything else is a usage error (exit 2)."""
    res = runner.invoke(app, ["eval", "claims", "--split", "train"])
    assert res.exit_code == 2 and "--split" in res.output
    res = runner.invoke(app, ["eval", "linking", "--split", "dev"])
    assert res.exit_code == 2


def test_issue18_the_strength_model_option_has_one_spelling_everywhere():
    """`audit`, `bench` and `strength` take `--strength-model fast|encoder`; the API takes the same
    values (models=True/False only says whether models run at all)."""
    from pipeline.run.auditor import Auditor
    from pipeline.types import StrengthModel

    assert [m.value for m in StrengthModel] == ["fast", "encoder"]
    for args in (["audit", "x.txt"], ["bench", "--no-startup"], ["strength", "-"]):
        r = runner.invoke(app, [*args, "--strength-model", "bert"])
        assert r.exit_code == 2 and "'bert' is not one of 'fast', 'encoder'" in r.output, (args, r.output)
    with pytest.raises(TypeError, match="strength_model="):
        Auditor(models="encoder")
