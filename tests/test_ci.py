"""CI runs what the README tells users to run (issue 14: README and CI never drift apart)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_reads_both_setup_commands_from_the_readme():
    out = [subprocess.run([sys.executable, str(ROOT / ".ci" / "readme_commands.py"), n], capture_output=True,
                          text=True, check=True).stdout.strip() for n in ("1", "2")]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(cmd and cmd in readme for cmd in out)
    assert out[0].startswith("python3.11 -m venv .venv") and "overclaim audit corpora/samples" in out[0]
    assert out[1].startswith("python3.11 -m venv .venv") and "python -m pytest -q" in out[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "readme_commands.py 1" in ci and "readme_commands.py 2" in ci
    assert "--upgrade pip" not in ci  # the venv's own pip, as a user has it


def test_ci_runs_every_review_suite_on_postgresql():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    suites = sorted(p.name for p in (ROOT / "tests").glob("test_review*.py"))
    line = next(ln for ln in ci.splitlines() if "OVERCLAIM_TEST_DB_URL=" in ln)
    assert all(f"tests/{s}" in line for s in suites), (suites, line)
