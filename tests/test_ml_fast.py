"""The claim models scored with numpy (pipeline.ml.fast) against the scikit-learn models, the
oracle: the same probabilities (to the bit) and the same rationale phrases on real sentences."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from pipeline.ml import fast
from pipeline.ml.model import MODEL_NAMES, load_model


@pytest.fixture()
def tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("OVERCLAIM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(fast, "_LOADED", {})
    return tmp_path / "cache"


def _sentences(seeds_dir, shared_dir) -> list[str]:
    """Sentences of the seeds and of 20 FakeHealth stories, plus awkward strings."""
    texts = [p.read_text("utf-8") for p in sorted(seeds_dir.iterdir()) if p.is_file()]
    with open(shared_dir / "articles" / "fakehealth" / "content_HealthStory.jsonl", encoding="utf-8") as f:
        texts += [json.loads(line)["text"] for _, line in zip(range(20), f)]
    sents = [s.strip() for t in texts for s in t.replace("\n", ". ").split(". ") if s.strip()]
    return sents[:600] + ["", "  ", "It doesn't CURE pain?", "Ibuprofen: 400 mg\u00a0every 6 h (max 3,200 mg/day).",
                          "é漢字 x", "a" * 300]


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_numpy_model_gives_the_scikit_learn_probabilities_and_cues(name, tmp_cache, seeds_dir, shared_dir):
    sents = _sentences(seeds_dir, shared_dir)
    m = fast.load_fast_model(name)
    assert isinstance(m, fast.FastModel) and (tmp_cache / f"model{fast.FORMAT}-{name}-{m.meta['sha256'][:16]}").is_dir()
    oracle = load_model(name)
    got, want = m.predict_proba(sents), oracle.predict_proba(sents)
    assert got.shape == want.shape == (len(sents), len(oracle.classes_))
    assert np.array_equal(got, want)  # the same numbers, not close ones
    singles = np.vstack([m.predict_proba([s]) for s in sents[:40]])
    assert np.array_equal(singles, want[:40])  # batch composition changes nothing
    assert (m.predict(sents) == oracle.predict(sents)).all() and list(m.classes_) == list(oracle.classes_)
    assert m.top_cues(sents[:120]) == oracle.top_cues(sents[:120])
    assert any(m.top_cues(sents[:120]))


def test_a_damaged_export_is_made_again(tmp_cache):
    m = fast.load_fast_model("hedge")
    os.remove(m.coef_t.filename)
    fast._LOADED.clear()
    again = fast.load_fast_model("hedge")
    assert isinstance(again, fast.FastModel)
    assert np.array_equal(again.predict_proba(["X may be involved."]), load_model("hedge").predict_proba(["X may be involved."]))


def test_scoring_a_claim_needs_no_scikit_learn_once_exported(tmp_path):
    env = dict(os.environ, OVERCLAIM_CACHE_DIR=str(tmp_path / "cache"), OVERCLAIM_AUTO_BUILD="0")
    code = ("import sys; from pipeline.api import check; "
            "r = check('Baclofen has been shown to be effective for fibromyalgia. Baclofen cures pain.'); "
            "print(len(r.claims), sorted(m for m in ('sklearn', 'scipy', 'skops') if m in sys.modules))")
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "sklearn" in first.stdout  # the first use exports the models with scikit-learn
    n_claims = first.stdout.split()[0]
    assert second.stdout.strip() == f"{n_claims} []" and int(n_claims) >= 2
