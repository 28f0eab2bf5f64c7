"""Exit statuses in one place (issue 18): every error class has exactly one, and the same error ends
every command with the same status."""
from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline
from pipeline import errors
from pipeline.cli.main import app
from pipeline.errors import EXIT_MEANING, EXIT_STATUS, OverclaimError, exit_status

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _import_all() -> None:
    for info in pkgutil.walk_packages(pipeline.__path__, "pipeline."):
        if ".migrations" not in info.name and not info.name.endswith(".__main__"):
            importlib.import_module(info.name)


def _subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


def _all_errors() -> list[type]:
    _import_all()
    return sorted({OverclaimError} | _subclasses(OverclaimError), key=lambda c: c.__name__)


def _sample(cls: type) -> OverclaimError:
    if issubclass(cls, errors.ReferenceValidationError):
        return cls(["a.yaml entry 1 (drugs): name: missing"])
    if issubclass(cls, errors.InputError):
        return cls("empty file", path="a.txt")
    return cls(f"a {cls.__name__}")


def test_every_error_class_has_exactly_one_status():
    classes = _all_errors()
    missing = [c.__qualname__ for c in classes if c not in EXIT_STATUS]
    assert not missing, f"add these error classes to pipeline.errors.EXIT_STATUS: {missing}"
    assert all(issubclass(c, OverclaimError) for c in EXIT_STATUS)
    for cls in classes:
        assert exit_status(_sample(cls)) == EXIT_STATUS[cls], cls
    assert set(EXIT_STATUS.values()) <= set(EXIT_MEANING), "every status has a documented meaning"
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes)), "error codes are unique"


def test_statuses_outside_the_table():
    assert exit_status(ValueError("bad")) == errors.EXIT_USAGE
    assert exit_status(KeyboardInterrupt()) == errors.EXIT_INTERRUPTED


def test_no_code_raises_the_bare_base_class():
    """Each error raised has its own class, so its status says what went wrong."""
    bad = []
    for p in sorted((ROOT / "pipeline").rglob("*.py")):
        for node in ast.walk(ast.parse(p.read_text("utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                f = node.exc.func
                if (isinstance(f, ast.Name) and f.id == "OverclaimError") or (
                        isinstance(f, ast.Attribute) and f.attr == "OverclaimError"):
                    bad.append(f"{p.relative_to(ROOT)}:{node.lineno}")
    assert not bad, bad


def test_help_lists_every_status():
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0
    for code in EXIT_MEANING:
        assert f"  {code}  " in r.output


def _raiser(exc):
    def fail(*args, **kwargs):
        raise exc
    return fail


# (command line, module where the command finds the function it calls, that function) for the
# commands whose errors cli/main.py, cli/run.py and cli/review.py map. `overclaim reference`, `train`,
# `strength` and `eval` map their own.
COMMANDS = {
    "audit": (lambda tmp: ["audit", str(tmp / "a.txt"), "--out", str(tmp / "out"), "-q"], "pipeline.cli.main", "run_audit"),
    "check": (lambda tmp: ["check", "Baclofen helps."], "pipeline.cli.main", "check"),
    "bench": (lambda tmp: ["bench", "--no-startup"], "pipeline.cli.run", "run_bench"),
    "regression": (lambda tmp: ["regression", "--save", str(tmp / "r")], "pipeline.eval.regression", "save"),
    "serve": (lambda tmp: ["serve", "--db", str(tmp / "r.sqlite3")], "pipeline.review.app", "create_app"),
    "editors": (lambda tmp: ["editors", "list", "--db", str(tmp / "r.sqlite3")], "pipeline.review.store", "ReviewDB"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("cls", _all_errors(), ids=lambda c: c.__name__)
def test_the_same_error_exits_with_the_same_status_in_every_command(command, cls, tmp_path, monkeypatch):
    args, module, name = COMMANDS[command]
    (tmp_path / "a.txt").write_text("Baclofen helps.")
    exc = _sample(cls)
    monkeypatch.setattr(importlib.import_module(module), name, _raiser(exc))
    r = runner.invoke(app, args(tmp_path))
    assert r.exit_code == EXIT_STATUS[cls], (command, cls, r.output)
    assert str(exc).splitlines()[0] in r.output and "Traceback" not in r.output


def test_ctrl_c_exits_130(tmp_path, monkeypatch):
    import pipeline.cli.main

    (tmp_path / "a.txt").write_text("Baclofen helps.")
    monkeypatch.setattr(pipeline.cli.main, "run_audit", _raiser(KeyboardInterrupt()))
    r = runner.invoke(app, ["audit", str(tmp_path / "a.txt"), "--out", str(tmp_path / "out"), "-q"])
    assert r.exit_code == 130


def test_bench_on_a_missing_path_is_an_input_error(tmp_path):
    r = runner.invoke(app, ["bench", str(tmp_path / "nothing"), "--no-startup"])
    assert r.exit_code == errors.EXIT_UNREADABLE
    assert "no such file or folder" in r.output


def test_readme_lists_every_status():
    readme = (ROOT / "README.md").read_text("utf-8")
    for code in EXIT_MEANING:
        assert f"\n| {code} | " in readme, f"README's exit status table misses {code}"


def test_issue18_no_module_defines_exit_statuses_of_its_own():
    """The statuses are numbers in one place only (pipeline/errors.py); every CLI imports them."""
    own = [f"{p.relative_to(ROOT)}:{i}: {line.strip()}" for p in sorted((ROOT / "pipeline").rglob("*.py"))
           if p.name != "errors.py" for i, line in enumerate(p.read_text("utf-8").splitlines(), 1)
           if re.match(r"\s*(EXIT_[A-Z_]+\s*,\s*)*EXIT_[A-Z_]+\s*=\s*[\d(]", line)]
    assert not own, own
