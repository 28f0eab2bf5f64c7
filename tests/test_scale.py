"""Scale: the benchmark command, generated batches, and (marked slow) the 10,000-article batch."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.errors import ModelError
from pipeline.run.corpus import generate_batch


def test_generated_batch_is_reproducible_and_auditable(tmp_path):
    a = generate_batch(tmp_path / "a", 50, real_fraction=0, per_file=20, seed=7)
    b = generate_batch(tmp_path / "b", 50, real_fraction=0, per_file=20, seed=7)
    assert a["files"] == 3 and a["template"] == 50
    for name in ("batch_0000.jsonl", "batch_0001.jsonl", "batch_0002.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    rows = [json.loads(x) for x in (tmp_path / "a" / "batch_0000.jsonl").read_text().splitlines()]
    assert len(rows) == 20 and all(r["text"] and r["id"] for r in rows)


def test_generated_batch_mixes_real_articles(tmp_path, shared_dir):
    if not (shared_dir / "articles").is_dir():
        pytest.skip("no shared articles")
    info = generate_batch(tmp_path, 100, real_fraction=0.5, seed=1)
    assert info["real"] > 20 and info["template"] > 20


def test_bench_reports_floor_audit_workers_and_memory(tmp_path):
    from pipeline.run.bench import format_bench, run_bench

    generate_batch(tmp_path, 40, real_fraction=0, seed=2)
    r = run_bench(tmp_path, limit=40, workers=2, startup=False)
    assert r["articles"] + r["warmup_articles"] == 40
    assert r["floor"]["words_per_s"] > r["audit"]["words_per_s"] > 0
    assert 0 < r["audit_vs_floor"] < 1
    assert r["workers"]["n"] == 2 and r["workers"]["speedup"] > 0
    assert 50 < r["peak_rss_mb"] < 4096
    text = format_bench(r)
    assert "tokenizer + sentences (floor)" in text and "full audit, 2 workers" in text and "peak memory" in text


def test_bench_stages_time_every_stage_of_the_audit(tmp_path):
    """--stages: a second pass with Auditor.timings; every pipeline component and stage is timed,
    and timing the components one by one changes nothing in the audit."""
    from pipeline.api import _auditor
    from pipeline.run.bench import format_bench, run_bench

    generate_batch(tmp_path, 20, real_fraction=0, seed=3)
    r = run_bench(tmp_path, limit=20, startup=False, stages=True)
    auditor = _auditor()
    expected = {"boilerplate", "tokenizer", "claims", "models", "frames", "verify", "scorecard"} | set(auditor.nlp.pipe_names)
    assert set(r["stages"]) == expected
    assert all(v >= 0 for v in r["stages"].values()) and sum(r["stages"].values()) > 0
    assert "CPU seconds by stage" in format_bench(r) and "overclaim_linker" in format_bench(r)
    # timing the components one by one gives the audit of the untimed pipeline
    from pipeline.ingest.reader import article_from_text

    art = article_from_text("Baclofen has been shown to be effective for fibromyalgia (FM). FM hurts.", id="t")
    plain = auditor.audit_article(art)
    auditor.timings = {}
    try:
        timed = auditor.audit_article(art)
    finally:
        auditor.timings = None
    assert [(c.claim.id, c.verdict.label) for c in timed.claims] == [(c.claim.id, c.verdict.label) for c in plain.claims]
    assert timed.scorecard == plain.scorecard


def test_bench_command_json(tmp_path):
    generate_batch(tmp_path, 12, real_fraction=0, seed=4)
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "bench", str(tmp_path), "--limit", "12", "--json"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["check_startup_seconds"] > 0 and res["audit"]["articles_per_s"] > 0
    bad = subprocess.run([sys.executable, "-m", "pipeline.cli", "bench", str(tmp_path / "nope")],
                         capture_output=True, text=True)
    assert bad.returncode == 3 and "no such file" in bad.stderr  # an input error, as in `overclaim audit`


@pytest.mark.slow
def test_ten_thousand_article_batch_flat_memory():
    """10,000 articles (templates plus real ones) on 2 workers; memory must stay flat.
    Run with ``pytest -m slow tests/test_scale.py``; figures are printed."""
    from pipeline.run.bench import format_batch, run_batch

    r = run_batch(10_000, workers=2)
    print("\n" + format_batch(r))
    assert r["articles"] == 10_000 and r["errors"] == 0
    m = r["rss_mb"]
    assert m["peak"] < 2048
    assert m["q4_peak"] < m["q1_peak"] * 1.25 + 100, m  # flat: the end is not much above the start


def test_issue4_bench_measures_the_encoder_strength_model_in_the_audit(tmp_path):
    from pipeline.run.bench import format_bench, run_bench

    generate_batch(tmp_path, 30, real_fraction=0, seed=5)
    fast = run_bench(tmp_path, limit=30, startup=False)
    enc = run_bench(tmp_path, limit=30, startup=False, strength_model="encoder")
    assert fast["models"]["strength_model"] == "fast" and enc["models"]["strength_model"] == "encoder"
    assert enc["claims"] == fast["claims"] > 0
    # the generated articles state claims plainly, so the encoder scores sentences: it costs more
    assert enc["models"]["cpu_seconds"] > fast["models"]["cpu_seconds"]
    assert "strength from strength-encoder" in format_bench(enc) and "strength-encoder" not in format_bench(fast)
    with pytest.raises(ModelError, match="unknown strength model 'bert'; choose 'fast' or 'encoder'"):
        run_bench(tmp_path, limit=5, startup=False, strength_model="bert")
