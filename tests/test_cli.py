"""The command line: every command documents examples, exit codes are distinct, --no-models works."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import EXIT_OUTPUT, EXIT_UNREADABLE, app

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
    from pipeline.audit import Auditor

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
