"""Tests of the trained claim models (pipeline.ml) on real text.

The shipped models in models/ are loaded (no network); tests that need the shared data
folder skip when it is absent; full retraining is ``slow`` and runs only with OVERCLAIM_SLOW=1.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import data_dir
from pipeline.errors import InputError, ModelError
from pipeline.ml import MODEL_NAMES, evaluate, load_model, score_strength
from pipeline.ml.features import abstract_sequence, load_lexicon, tokenize

SHARED = data_dir(required=False)
needs_data = pytest.mark.skipif(SHARED is None or not (SHARED / "datasets").is_dir(),
                                reason="shared data folder (../shared) not available")

slow = pytest.mark.skipif(os.environ.get("OVERCLAIM_SLOW") != "1",
                          reason="slow (retrains a model): set OVERCLAIM_SLOW=1")

PROVEN = "Baclofen has been shown to reduce pain"
HEDGED = "Baclofen may reduce pain"
CORREL = "Baclofen use was associated with lower pain"


def test_shown_to_reduce_is_direct_causal_more_than_hedged_or_correlational():
    df = score_strength([PROVEN, HEDGED, CORREL], model="fast")
    assert df.strength.tolist()[0] == 3
    p3 = df.p3.tolist()
    assert p3[0] > p3[1] and p3[0] > p3[2]
    assert df.strength[1] == 2          # "may reduce": conditional causal
    assert df.strength[2] == 1          # "associated with": correlational
    assert np.allclose(df[["p0", "p1", "p2", "p3"]].sum(axis=1), 1.0)


def test_top_cues_name_the_words_that_carried_the_strength():
    df = score_strength([PROVEN, "Studies show that baclofen can significantly reduce fibromyalgia pain.", HEDGED], model="fast")
    assert any("has been shown" in c for c in df.top_cues[0])
    assert any("can significantly reduce" in c for c in df.top_cues[1])
    assert any("may" in c for c in df.top_cues[2])


def test_descriptive_sentence_is_no_relation():
    df = score_strength(["Baclofen is available in tablet form and is usually taken orally."], model="fast")
    assert df.strength[0] == 0


def test_advice_strength_orders_should_above_may_be_considered_above_finding():
    m = load_model("advice")
    sents = ["Patients with fibromyalgia should take baclofen daily.",
             "Baclofen may be considered for patients with spasticity.",
             "Baclofen reduced spasticity scores at 12 weeks."]
    pred = m.predict(sents)
    assert pred.tolist() == [2, 1, 0]
    assert list(m.classes_) == [0, 1, 2]


def test_hedge_model_and_bioscope_cue_lexicon():
    m = load_model("hedge")
    p = m.predict_proba(["These results suggest that IL-2 might be involved in T cell activation.",
                         "IL-2 was measured in all samples."])[:, 1]
    assert p[0] > 0.5 > p[1]
    cues = {(c["cue"], c["type"]) for c in m.cue_matches("Baclofen may not reduce pain")}
    assert ("may", "speculation") in cues and ("not", "negation") in cues


def test_checkworthy_separates_claim_from_heading_and_disclaimer():
    m = load_model("checkworthy")
    p = m.predict_proba(["Baclofen has been shown to be effective in reducing pain in people with fibromyalgia.",
                         "As an Amazon Associate I earn from qualifying purchases."])[:, 1]
    assert p[0] > p[1]


def test_models_are_cached_and_small():
    assert load_model("strength") is load_model("strength")
    import importlib.resources as ir
    for name in MODEL_NAMES:
        w = Path(str(ir.files("pipeline.models"))) / f"{name}.skops"
        assert w.stat().st_size < 20_000_000
        card = w.with_suffix(".md").read_text(encoding="utf-8")
        assert "macro-F1" in card and "overclaim train" in card and "SHA-256" in card


def test_import_loads_no_model():
    code = ("import sys, pipeline.ml, pipeline.cli.ml; "
            "from pipeline.ml import model; print(len(model._CACHE), 'skops.io' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False"]


def _copy_models(tmp_path: Path) -> Path:
    import importlib.resources as ir
    src = Path(str(ir.files("pipeline.models")))
    for ext in ("skops", "json"):
        shutil.copy(src / f"strength.{ext}", tmp_path / f"strength.{ext}")
    return tmp_path


def test_tampered_weights_raise_model_error(tmp_path):
    d = _copy_models(tmp_path)
    w = d / "strength.skops"
    data = bytearray(w.read_bytes())
    data[len(data) // 2] ^= 0xFF
    w.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="integrity"):
        load_model("strength", model_dir=d)


def test_missing_or_unknown_model_raises_model_error(tmp_path):
    d = _copy_models(tmp_path)
    (d / "strength.skops").unlink()
    with pytest.raises(ModelError, match="missing"):
        load_model("strength", model_dir=d)
    with pytest.raises(ModelError, match="unknown model"):
        load_model("sentiment")
    with pytest.raises(ModelError, match="not found"):
        load_model("advice", model_dir=tmp_path)


def test_untrusted_type_in_weights_is_refused(tmp_path):
    """A file whose hash matches but which holds a type outside TRUSTED_TYPES is refused."""
    import skops.io as sio
    from fractions import Fraction

    from pipeline.ml.model import sha256_file

    d = _copy_models(tmp_path)
    w = d / "strength.skops"
    sio.dump({"x": Fraction(1, 3)}, w)
    meta = json.loads((d / "strength.json").read_text())
    meta["sha256"] = sha256_file(w)
    (d / "strength.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="untrusted"):
        load_model("strength", model_dir=d)
    # trusted content of the wrong kind (not a classifier) is refused too
    sio.dump({"x": 1}, w)
    meta["sha256"] = sha256_file(w)
    (d / "strength.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="not a classifier"):
        load_model("strength", model_dir=d)


def test_bad_input_types_are_rejected():
    m = load_model("strength")
    with pytest.raises(TypeError):
        m.predict_proba("a single string")
    with pytest.raises(TypeError):
        m.predict_proba(["ok", 3])
    assert m.predict_proba([]).shape == (0, 4)
    assert len(score_strength([])) == 0
    assert score_strength([HEDGED], k=0).top_cues.tolist() == [[]]


def test_cue_sequence_abstracts_content_words():
    lex = load_lexicon()
    assert tokenize("It doesn't work") == ["it", "does", "n't", "work"]
    assert abstract_sequence(tokenize("Baclofen may reduce pain"), lex) == "W hedge_may causal W"
    assert "correlational" in abstract_sequence(tokenize("X was associated with Y"), lex)


def _run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], input=stdin, capture_output=True,
                          text=True)


def test_strength_cli_writes_jsonl_with_fields(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": PROVEN}) + "\n" + "{not json\n"
                   + json.dumps({"id": "b", "text": HEDGED}) + "\n", encoding="utf-8")
    out = tmp_path / "out" / "scored.jsonl"
    r = _run_cli("strength", str(src), "--out", str(out))
    assert r.returncode == 3, r.stderr            # one bad line: reported and skipped
    assert "row 2" in r.stderr
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in recs] == ["a", "b"]
    for x in recs:
        assert {"text", "strength", "strength_label", "p0", "p1", "p2", "p3", "top_cues"} <= set(x)
    assert recs[0]["strength"] == 3 and recs[1]["strength"] == 2


def test_strength_cli_reads_plain_lines_from_stdin():
    r = _run_cli("strength", "-", stdin=f"{PROVEN}\n\n{CORREL}\n")
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["strength"] for x in recs] == [3, 1]


def test_cli_help_has_examples():
    for cmd in ("train", "strength", "eval"):
        r = _run_cli(cmd, "--help")
        assert r.returncode == 0 and "Examples" in r.stdout and "overclaim " + cmd in r.stdout


def test_eval_cli_unknown_task_is_a_usage_error():
    r = _run_cli("eval", "sentiment")
    assert r.returncode == 2 and "unknown evaluation" in r.stderr


@needs_data
def test_eval_on_small_subset_runs_and_reports_anchors():
    df = evaluate("strength", limit=300, encoder=False)
    assert len(df) == 4
    assert set(df.dataset) == {"Yu 2019 PubMed", "Yu 2020 press releases"}
    assert (df.ci95_low <= df.macro_f1).all() and (df.macro_f1 <= df.ci95_high).all()
    assert (df.macro_f1 > 0.4).all()              # far above chance (0.25) even on 300 sentences
    assert (df.anchor_f1 == [0.883, 0.883, 0.892, 0.892]).all()


@needs_data
def test_eval_cli_exaggeration_small(tmp_path):
    r = _run_cli("eval", "exaggeration", "--limit", "800", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert rows[0]["n"] == 100 and 0 <= rows[0]["macro_f1"] <= 1


@needs_data
def test_seed_annotations_resolve_to_seed_text():
    from pipeline.ml.data import load_seed_annotations
    df = load_seed_annotations()
    assert len(df) > 200 and set(df.label) == {0, 1}
    row = df[df.text.str.startswith("As an Amazon Associate")]
    assert row.label.tolist() == [0]


@needs_data
def test_changed_seed_file_is_reported(tmp_path):
    from pipeline.ml.data import load_seed_annotations
    (tmp_path / "datasets" / "claim_strength").mkdir(parents=True)
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "000_cbe59d7729693a6f.txt").write_text("x" * 20000, encoding="utf-8")
    ann = tmp_path / "a.jsonl"
    line = next(iter(Path(str(__import__("importlib.resources").resources.files("pipeline.corpora")
                              .joinpath("gold/checkworthy_seeds.jsonl"))).read_text().splitlines()))
    ann.write_text(line + "\n")
    with pytest.raises(InputError, match="SHA-1"):
        load_seed_annotations(tmp_path, path=ann)


@slow
@needs_data
@pytest.mark.parametrize("name", ["checkworthy"])
def test_train_writes_loadable_model_and_card(tmp_path, name):
    from pipeline.ml import train
    res = train(name, out_dir=tmp_path, evaluate_model=False)
    m = load_model(name, model_dir=tmp_path)
    assert (tmp_path / f"{name}.md").is_file() and res["n_train"] > 800
    assert m.predict_proba(["Vitamin D cures COVID-19."]).shape == (1, 2)


def test_eval_cli_dispatches_gold_tasks_to_pipeline_evaluate():
    gold = pytest.importorskip("pipeline.eval.handgold")
    r = _run_cli("eval", "claims", "--json")
    assert r.returncode == 0, r.stderr
    assert isinstance(json.loads(r.stdout), dict)
    assert "claims" in gold.TASKS
