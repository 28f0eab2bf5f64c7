"""Batch runner: resume after SIGKILL gives exactly the outputs of an uninterrupted run; workers
and the Dask engine give the same outputs as one core; failures are isolated; an unwritable output
folder fails at once and leaves nothing half-written."""
from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.errors import InputError, OutputError
from pipeline.run.runner import run_audit
from pipeline.run.corpus import generate_batch

FINAL = ("claims.jsonl", "articles.jsonl", "errors.jsonl", "claims.csv", "summary.json")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Generated articles (two JSONL files) plus bad inputs, so errors are interleaved."""
    d = tmp_path_factory.mktemp("corpus")
    generate_batch(d, 120, real_fraction=0, per_file=60, seed=3)
    (d / "z_bad.txt").write_bytes(b"\x00\x01binary")
    with open(d / "batch_0000.jsonl", "a") as f:
        f.write("{broken json\n")
    return d


def outputs(out: Path) -> dict[str, object]:
    """The outputs, minus timing (which differs between any two runs)."""
    res: dict[str, object] = {}
    for name in FINAL:
        text = (out / name).read_text()
        if name == "articles.jsonl":
            recs = [json.loads(x) for x in text.splitlines()]
            for r in recs:
                r.pop("seconds")
            res[name] = recs
        elif name == "summary.json":
            s = json.loads(text)
            s.pop("audit_seconds")
            res[name] = s
        else:
            res[name] = text
    return res


@pytest.fixture(scope="module")
def reference_run(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "out"
    summary = run_audit([corpus], out, progress=False, html=True)
    return out, summary


def test_reference_run_counts(reference_run):
    out, s = reference_run
    assert s["articles"] == 120 and s["errors"] == 2 and s["claims"] > 100
    ids = [json.loads(x)["article_id"] for x in (out / "articles.jsonl").read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 120
    assert not (out / ".overclaim-run").exists()
    assert sorted(p.name for p in out.iterdir()) == sorted(FINAL + ("report.html",))


def test_resume_after_sigkill_equals_uninterrupted(corpus, reference_run, tmp_path):
    out = tmp_path / "out"
    code = ("import sys; from pipeline.run.runner import run_audit; "
            f"run_audit([{str(corpus)!r}], {str(out)!r}, progress=False, commit_every=0)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = out / ".overclaim-run" / "manifest.jsonl"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if manifest.exists() and manifest.read_bytes().count(b"\n") >= 30:
                break
            assert proc.poll() is None, "the run ended before it could be killed"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    done = manifest.read_bytes().count(b"\n")
    assert 30 <= done < 122, "killed mid-run"
    assert not (out / "claims.jsonl").exists()  # no final outputs from the killed run
    # resume through the command line, as a user would
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "audit", str(corpus), "--out", str(out), "--resume",
                        "--quiet"], capture_output=True, text=True)
    assert r.returncode == 3, r.stderr  # 3: some inputs could not be read (the two bad ones)
    assert outputs(out) == outputs(reference_run[0])
    assert (out / "report.html").read_text().count("<article") == (reference_run[0] / "report.html").read_text().count("<article")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["articles"] == 120 and summary["errors"] == 2
    assert not (out / ".overclaim-run").exists()


def test_resume_refuses_changed_inputs(corpus, tmp_path):
    out = tmp_path / "out"
    from pipeline.report.writer import AuditWriter

    w = AuditWriter(out, resumable=True, key="other-inputs")
    w.add(InputError("x", path="y"))
    w.commit()
    w.abort()
    with pytest.raises(OutputError, match="different inputs"):
        run_audit([corpus], out, progress=False, resume=True)


def test_torn_manifest_and_parts_are_truncated(tmp_path):
    from pipeline.report.writer import AuditWriter

    w = AuditWriter(tmp_path, resumable=True, key="k", commit_every=0)
    for i in range(3):
        w.add(InputError(f"bad {i}", path=f"f{i}"))
    w._files["errors"].write(b'{"half a rec')  # an uncommitted, torn record ...
    w._files["errors"].flush()
    w._files["manifest"].write(b'{"id": "torn')  # ... and a torn manifest line
    w._files["manifest"].flush()
    w._close_files()
    w2 = AuditWriter(tmp_path, resume=True, key="k")
    assert w2.done == 3 and w2.done_ids == ["!f0", "!f1", "!f2"]
    w2.add(InputError("bad 3", path="f3"))
    s = w2.close()
    lines = (tmp_path / "errors.jsonl").read_text().splitlines()
    assert s["errors"] == 4 and [json.loads(x)["path"] for x in lines] == ["f0", "f1", "f2", "f3"]


def test_workers_same_outputs_as_one_core(corpus, reference_run, tmp_path):
    s = run_audit([corpus], tmp_path / "w2", progress=False, workers=2)
    assert s["workers"] == 2
    assert outputs(tmp_path / "w2") == outputs(reference_run[0])


def test_dask_local_cluster_same_outputs(corpus, reference_run, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        s = run_audit([corpus], tmp_path / "dask", progress=False, engine="dask", scheduler=client)
        assert s["engine"] == "dask"
        # and through the scheduler's address, as `--engine dask --scheduler ADDRESS` does
        s2 = run_audit([corpus / "batch_0001.jsonl"], tmp_path / "dask2", progress=False, engine="dask",
                       scheduler=cluster.scheduler_address)
        assert s2["articles"] == 60
    assert outputs(tmp_path / "dask") == outputs(reference_run[0])


class _FakeAuditor:
    """Crashes the worker on 'crash', hangs on 'hang', raises on 'boom'."""

    def audit_article(self, art):
        from pipeline.types import ArticleResult

        if art.id == "crash":
            os._exit(9)
        if art.id == "hang":
            time.sleep(600)
        if art.id == "boom":
            raise RuntimeError("bad article")
        return ArticleResult(article=art)


def test_pool_survives_crash_hang_and_exceptions():
    from pipeline.ingest.reader import article_from_text
    from pipeline.run.pool import ProcessPool

    ids = ["a", "crash", "b", "hang", "c", "boom", "d"] + [f"x{i}" for i in range(20)]
    items = [article_from_text("Baclofen helps.", id=i) for i in ids]
    items.insert(3, InputError("unreadable", path="bad.txt"))
    with ProcessPool(2, auditor=_FakeAuditor(), start_method="fork", timeout=3) as pool:
        res = list(pool.imap(items))
        assert pool.crashed == 1 and pool.timed_out == 1
    got = [r.path if isinstance(r, InputError) else r.article.id for r in res]
    assert got == ids[:3] + ["bad.txt"] + ids[3:]
    err = {r.path: r.reason for r in res if isinstance(r, InputError)}
    assert "died" in err["crash"] and "exit code 9" in err["crash"]
    assert "longer than 3 s" in err["hang"]
    assert "audit failed: RuntimeError: bad article" in err["boom"]


def test_per_article_failure_goes_to_errors_jsonl(tmp_path, monkeypatch):
    from pipeline.run.auditor import Auditor

    (tmp_path / "in").mkdir()
    for i in range(3):
        (tmp_path / "in" / f"a{i}.txt").write_text(f"Baclofen is approved for spasticity. Article {i}.")
    real = Auditor.audit_article

    def flaky(self, art):
        if art.id == "a1.txt":
            raise ValueError("synthetic failure")
        return real(self, art)

    monkeypatch.setattr(Auditor, "audit_article", flaky)
    s = run_audit([tmp_path / "in"], tmp_path / "out", progress=False)
    assert s["articles"] == 2 and s["errors"] == 1
    err = json.loads((tmp_path / "out" / "errors.jsonl").read_text())
    assert err["path"] == "a1.txt" and "synthetic failure" in err["error"]


def test_output_under_a_file_fails_at_once(tmp_path):
    (tmp_path / "in.txt").write_text("Baclofen helps.")
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    t0 = time.perf_counter()
    with pytest.raises(OutputError, match="cannot be written"):
        run_audit([tmp_path / "in.txt"], blocker / "out", progress=False)
    assert time.perf_counter() - t0 < 2  # before loading anything
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "audit", str(tmp_path / "in.txt"), "--out",
                        str(blocker / "out")], capture_output=True, text=True)
    assert r.returncode == 4 and "output folder cannot be written" in r.stderr and "Traceback" not in r.stderr


def test_disk_full_at_start_leaves_nothing(tmp_path, monkeypatch):
    import pipeline.report.writer as writer

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer.os, "write", full)
    with pytest.raises(OutputError, match="no space left"):
        run_audit([tmp_path], tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_disk_full_mid_run_no_half_written_outputs(corpus, tmp_path, monkeypatch):
    import pipeline.report.writer as writer

    calls = {"n": 0}
    real = os.fsync

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] > 12:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    monkeypatch.setattr(writer.os, "fsync", fsync)
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="no space left"):
        run_audit([corpus], out, progress=False, commit_every=0)
    names = {p.name for p in out.iterdir()}
    assert not names & set(FINAL) and not any(n.startswith(".") and n != ".overclaim-run" for n in names)
    monkeypatch.setattr(writer.os, "fsync", real)  # space freed: the committed part is resumed
    s = run_audit([corpus], out, progress=False, resume=True)
    assert s["articles"] == 120 and s["resumed"] > 0


def test_pool_recycles_workers_and_keeps_order():
    from pipeline.ingest.reader import article_from_text
    from pipeline.run.pool import ProcessPool

    items = [article_from_text("Baclofen helps.", id=f"a{i}") for i in range(40)]
    with ProcessPool(2, auditor=_FakeAuditor(), start_method="fork", recycle_after=8) as pool:
        first = {w.proc.pid for w in pool.workers}
        res = list(pool.imap(items))
        assert pool.recycled >= 3 and not first & {w.proc.pid for w in pool.workers}
    assert [r.article.id for r in res] == [f"a{i}" for i in range(40)]


def test_output_folder_inside_the_input_folder_is_not_audited(tmp_path):
    (tmp_path / "a.txt").write_text("Baclofen is approved for spasticity in multiple sclerosis.")
    s1 = run_audit([tmp_path], tmp_path / "out", progress=False)
    s2 = run_audit([tmp_path], tmp_path / "out", progress=False)
    assert s1["articles"] == s2["articles"] == 1 and s2["errors"] == 0


def test_workers_exit_when_the_parent_is_killed(corpus, tmp_path):
    import psutil

    code = ("from pipeline.run.runner import run_audit; "
            f"run_audit([{str(corpus)!r}], {str(tmp_path / 'out')!r}, progress=False, workers=2)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    kids: list = []
    while time.monotonic() < deadline and len(kids) < 2:
        kids = psutil.Process(proc.pid).children()
        time.sleep(0.05)
    assert len(kids) == 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(kids, timeout=10)
    for p in alive:
        p.kill()
    assert not alive, "worker processes outlived their killed parent"
