"""Issue 16 part 5: the compiled reference by default. With the data directory, the first command
that needs the reference builds it into the cache (one progress line, one build for concurrent
processes) and later ones reuse it; without one, the installed package works on the curated core
and the audit says so in one line. Every test here uses its own temporary cache folder."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.reference import autobuild

REPO = Path(__file__).resolve().parent.parent
CLAIM = "Baclofen has been shown to be effective for fibromyalgia."
PROGRESS = "compiled reference from"


def _overclaim(*args: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_without_a_data_directory_the_curated_core_is_used_and_said_once(tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    env = dict(os.environ, OVERCLAIM_DATA_DIR=str(empty), OVERCLAIM_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("OVERCLAIM_AUTO_BUILD", None)
    r = _overclaim("check", CLAIM, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "[FLAG] overstated   high   efficacy  baclofen / fibromyalgia" in r.stdout
    a = _overclaim("audit", str(REPO / "corpora" / "samples"), "--out", str(tmp_path / "out"), env=env, cwd=tmp_path)
    assert a.returncode == 0, a.stderr
    notes = [line for line in a.stderr.splitlines() if "curated reference only" in line]
    assert len(notes) == 1 and "overclaim reference fetch" in notes[0] and "reference_sources" in notes[0]
    assert not (tmp_path / "cache" / "reference.sqlite").exists() and PROGRESS not in a.stderr + r.stderr
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["claims"] > 0


def test_first_use_builds_the_compiled_reference_once_and_later_uses_reuse_it(tmp_path, shared_dir):
    if not (shared_dir / "reference_sources").is_dir():
        pytest.skip("no reference_sources/ in the data directory")
    cache = tmp_path / "cache"
    env = dict(os.environ, OVERCLAIM_DATA_DIR=str(shared_dir), OVERCLAIM_CACHE_DIR=str(cache))
    env.pop("OVERCLAIM_AUTO_BUILD", None)
    cmd = [sys.executable, "-m", "pipeline.cli", "reference", "stats", "--json"]
    procs = [subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]  # two processes at once: one builds, the other waits for its file
    outs = [p.communicate(timeout=900) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    progress = [line for _, err in outs for line in err.splitlines() if PROGRESS in line]
    assert len(progress) == 1 and progress[0].rstrip().endswith("s") and " done in " in progress[0]
    for out, _ in outs:
        st = json.loads(out)
        assert st["drugs"] >= 5000 and st["conditions"] >= 3000 and st["compiled"] == str(cache / "reference.sqlite")
    key = (cache / "reference.sqlite.inputs").read_text().strip()
    assert key == autobuild.inputs_key(shared_dir / "reference_sources")
    again = _overclaim("check", CLAIM, env=env, cwd=tmp_path)
    assert again.returncode == 0 and PROGRESS not in again.stderr and "[FLAG] overstated" in again.stdout


def test_inputs_key_follows_the_source_files(tmp_path, shared_dir):
    src = tmp_path / "sources"
    for name in ("labeledin", "ema_epar"):
        (src / name).mkdir(parents=True)
        for f in sorted((shared_dir / "reference_sources" / name).glob("*.md"))[:1]:
            (src / name / f.name).write_bytes(f.read_bytes())
    key = autobuild.inputs_key(src)
    assert key == autobuild.inputs_key(src)
    f = next(src.rglob("*.md"))
    os.utime(f, ns=(time.time_ns(), time.time_ns() + 10**9))
    touched = autobuild.inputs_key(src)
    (src / "labeledin" / "new.tsv").write_text("a\tb\n")
    assert len({key, touched, autobuild.inputs_key(src)}) == 3


def test_a_stale_automatic_build_is_noticed_and_a_manual_one_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("OVERCLAIM_CACHE_DIR", str(tmp_path))
    path = tmp_path / "reference.sqlite"
    assert not autobuild._current(path, "k1")
    path.write_bytes(b"SQLite format 3\0")  # a file built by hand: no inputs record
    assert autobuild._current(path, "k1")
    autobuild.record_inputs(path, "k1")
    assert autobuild._current(path, "k1") and not autobuild._current(path, "k2")
    autobuild.note_manual_build(tmp_path / "elsewhere", path)  # built by hand from other sources
    assert autobuild._recorded(path) is None and autobuild._current(path, "k2")


def test_automatic_builds_can_be_turned_off(tmp_path, monkeypatch, shared_dir):
    monkeypatch.setenv("OVERCLAIM_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("OVERCLAIM_DATA_DIR", str(shared_dir))
    monkeypatch.setenv("OVERCLAIM_AUTO_BUILD", "0")
    assert autobuild.ensure_compiled() is None and not (tmp_path / "reference.sqlite").exists()
    assert "automatic builds are off" in autobuild.reference_notice()
    monkeypatch.setenv("OVERCLAIM_AUTO_BUILD", "1")
    assert autobuild.reference_notice() is None  # the audit will build it: nothing to say
