"""Tests of the encoder models (pipeline.ml.encoder): numpy forward pass, tokenizer, storage, eval.

The reference outputs in tests/fixtures/encoder_reference.json come from the Hugging Face
tokenizer and transformers' BertModel (torch) with the shipped weights, written by
``experiments/encoder_probe/make_fixtures.py``; here only numpy runs.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import data_dir
from pipeline.errors import ModelError
from pipeline.ml import score_strength
from pipeline.ml.encoder import (ENCODER_NAMES, VOCAB_FILE, EncoderClassifier, WordPiece, cv_rows, dequantize,
                                 load_encoder, load_encoder_from_dir, quantize)
from pipeline.ml.model import default_model_dir

MODELS = Path(str(default_model_dir()))
REF = json.loads((Path(__file__).parent / "fixtures/encoder_reference.json").read_text(encoding="utf-8"))
SHARED = data_dir(required=False)
needs_data = pytest.mark.skipif(SHARED is None or not (SHARED / "datasets").is_dir(),
                                reason="shared data folder (../shared) not available")


def test_wordpiece_gives_the_hugging_face_token_ids():
    wp = WordPiece.from_file(MODELS / VOCAB_FILE)
    for s, ids in zip(REF["sentences"], REF["token_ids"]):
        assert wp.encode(s) == ids, s


def test_wordpiece_splits_unknown_words_into_pieces_and_marks_continuations():
    wp = WordPiece.from_file(MODELS / VOCAB_FILE)
    words = wp.tokenize_words("Baclofen-induced, naïve")
    assert words == ["baclofen", "-", "induced", ",", "naive"]
    inv = {i: t for t, i in wp.vocab.items()}
    pieces = [inv[i] for i in wp.encode("baclofen")[1:-1]]
    assert len(pieces) > 1 and all(p.startswith("##") for p in pieces[1:])
    assert "".join(p.removeprefix("##") for p in pieces) == "baclofen"


@pytest.mark.parametrize("name", ENCODER_NAMES)
def test_numpy_forward_pass_matches_torch_bert(name):
    ref = REF["proba"][name]
    m = load_encoder(name)
    assert m.meta["sha256"] == ref["sha256"], "fixture made from other weights: rerun make_fixtures.py"
    got = m.predict_proba(REF["sentences"], calibrated=False)
    assert np.allclose(got, np.array(ref["values"]), atol=1e-4)
    assert np.allclose(got.sum(1), 1.0)


def test_batching_and_order_do_not_change_probabilities():
    m = load_encoder("strength-encoder")
    sents = REF["sentences"][:8]
    one_by_one = np.vstack([m.predict_proba([s]) for s in sents])
    assert np.allclose(m.predict_proba(sents), one_by_one, atol=1e-5)
    assert np.allclose(m.predict_proba(sents[::-1])[::-1], one_by_one, atol=1e-5)


def test_strength_encoder_orders_proven_hedged_correlational_and_descriptive():
    df = score_strength(["Baclofen has been shown to reduce pain in patients with fibromyalgia.",
                         "Baclofen may reduce pain in some patients.",
                         "Baclofen use was associated with lower pain scores.",
                         "Baclofen is available in tablet form and is usually taken orally."], model="encoder")
    assert df.strength.tolist() == [3, 2, 1, 0]
    assert any("has been shown" in c for c in df.top_cues[0])


def test_advice_encoder_reads_should_as_strong_advice_and_a_finding_as_none():
    m = load_encoder("advice-encoder")
    pred = m.predict(["Patients with fibromyalgia should take baclofen daily.",
                      "Baclofen may be considered for patients with spasticity.",
                      "Baclofen reduced spasticity in 60% of patients."])
    assert pred.tolist() == [2, 1, 0]


def test_int8_storage_keeps_each_matrix_within_half_a_step():
    rng = np.random.default_rng(0)
    w = {"a.weight": rng.normal(size=(7, 5)).astype(np.float32), "a.bias": rng.normal(size=5).astype(np.float32)}
    q = quantize(w)
    assert q["a.weight::q"].dtype == np.int8 and "a.bias" in q
    back = dequantize(q)
    step = np.abs(w["a.weight"]).max(axis=1, keepdims=True) / 127
    assert np.all(np.abs(back["a.weight"] - w["a.weight"]) <= step / 2 + 1e-7)
    assert np.array_equal(back["a.bias"], w["a.bias"])


def _copy(tmp_path, name):
    for f in (f"{name}.json", f"{name}.npz", VOCAB_FILE):
        shutil.copy(MODELS / f, tmp_path / f)
    return tmp_path


def test_tampered_weights_fail_the_integrity_check(tmp_path):
    d = _copy(tmp_path, "advice-encoder")
    with open(d / "advice-encoder.npz", "r+b") as fh:
        fh.seek(1000)
        b = fh.read(1)
        fh.seek(1000)
        fh.write(bytes([b[0] ^ 1]))
    with pytest.raises(ModelError, match="integrity check"):
        load_encoder_from_dir("advice-encoder", d)


def test_missing_vocabulary_says_how_to_rebuild(tmp_path):
    d = _copy(tmp_path, "advice-encoder")
    (d / VOCAB_FILE).unlink()
    with pytest.raises(ModelError) as e:
        load_encoder_from_dir("advice-encoder", d)
    assert VOCAB_FILE in str(e.value) and "overclaim train advice-encoder" in str(e.value)


def test_head_and_classes_must_agree():
    w = {"embeddings.word_embeddings.weight": np.zeros((4, 384), np.float32),
         "encoder.layer.5.output.dense.weight": np.zeros((384, 1536), np.float32),
         "head.weight": np.zeros((3, 384), np.float32), "head.bias": np.zeros(3, np.float32)}
    with pytest.raises(ModelError, match="3 outputs but 4 classes"):
        EncoderClassifier(w, WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]"]), [0, 1, 2, 3])


@needs_data
def test_issue4_encoder_cross_validation_meets_the_targets():
    rows = cv_rows("strength-encoder") + cv_rows("advice-encoder")
    by = {(r["dataset"], r["protocol"].split(";")[0]): r for r in rows}
    y19 = by[("Yu 2019 PubMed", "5-fold CV, train on Yu 2019 folds only")]
    assert y19["n"] == 3061 and y19["macro_f1"] >= 0.82
    li = by[("Li 2021 structured abstracts", "5-fold CV grouped by PMID")]
    assert li["n"] == 5982 and li["macro_f1"] >= 0.90
    deployed = by[("Yu 2020 press releases",
                   "5-fold CV grouped by press release, + all Yu 2019 in training (deployed recipe)")]
    assert deployed["n"] == 2076 and deployed["macro_f1"] >= 0.82
    assert all(r["model"].endswith("-encoder") for r in rows)


@needs_data
def test_stored_predictions_of_other_sentences_are_refused(tmp_path):
    for f in ("advice-encoder.cv.npz", "advice-encoder.cv.json"):
        shutil.copy(MODELS / f, tmp_path / f)
    info = json.loads((tmp_path / "advice-encoder.cv.json").read_text())
    info["li2021"]["texts_sha256"] = "0" * 64
    (tmp_path / "advice-encoder.cv.json").write_text(json.dumps(info))
    with pytest.raises(ModelError, match="other sentences"):
        cv_rows("advice-encoder", model_dir=tmp_path)


def test_strength_cli_uses_the_encoder_and_rejects_unknown_models(tmp_path):
    src = tmp_path / "s.txt"
    src.write_text("Baclofen has been shown to reduce pain\nBaclofen may reduce pain\n", encoding="utf-8")
    run = [sys.executable, "-m", "pipeline.cli", "strength", str(src)]
    out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    recs = [json.loads(x) for x in out.splitlines()]
    assert [r["strength"] for r in recs] == [3, 2] and {r["model"] for r in recs} == {"strength-encoder"}
    bad = subprocess.run(run + ["--strength-model", "bert"], capture_output=True, text=True)
    assert bad.returncode == 2 and "'bert' is not one of 'fast', 'encoder'" in bad.stderr


@needs_data
def test_eval_table_puts_the_encoder_beside_the_scikit_learn_model():
    from pipeline.ml import evaluate

    df = evaluate("advice", limit=300)
    assert df.columns[0] == "model"
    main = df.dataset == "Li 2021 structured abstracts"
    enc = df[main & (df.model == "advice-encoder")]
    assert len(enc) == 1 and enc.n.iloc[0] == 5982          # stored predictions: the full data
    sk = df[main & (df.model == "advice")]
    assert sk.n.iloc[0] <= 300
    assert enc.macro_f1.iloc[0] > sk.macro_f1.iloc[0]
    # out of domain, the shipped encoder is scored now, on the same sample as the scikit-learn model
    ood_enc = df[~main & (df.model == "advice-encoder")].set_index("dataset")
    ood_sk = df[~main & (df.model == "advice")].set_index("dataset")
    assert sorted(ood_enc.index) == ["Li 2021 discussion", "Li 2021 unstructured abstract"]
    assert (ood_enc.n == ood_sk.n[ood_enc.index]).all() and (ood_enc.macro_f1 > 0.5).all()


def test_audit_scorer_can_take_strength_from_the_encoder():
    from pipeline.claims.extract import extract_claims_from_text
    from pipeline.claims.scoring import ClaimScorer, ScorerConfig

    text = "Baclofen reduces fibromyalgia pain."
    enc = ClaimScorer(ScorerConfig(strength_model="encoder")).apply(extract_claims_from_text(text))
    fast = ClaimScorer().apply(extract_claims_from_text(text))
    p = load_encoder("strength-encoder").predict_proba([text])[0]
    assert [int(c.strength) for c in enc] == [3] and enc[0].strength_prob == round(float(p[3]), 4)
    assert fast[0].strength_prob != enc[0].strength_prob
    with pytest.raises(ModelError, match="unknown strength model"):
        ClaimScorer(ScorerConfig(strength_model="bert")).apply(extract_claims_from_text(text))


def test_training_an_encoder_without_torch_says_what_to_install(tmp_path):
    import importlib.util

    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed here: the command would start a fine-tune")
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "train", "advice-encoder", "--out", str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and 'pip install -e ".[encoder-train]"' in r.stderr
    assert not list(tmp_path.iterdir())


def _fake_fit(calls):
    """A stand-in for fit_encoder: probabilities from the sentence length, and a record of each fit."""
    def fit(texts, y, *, n_classes, seed=0, predict=(), log=None):
        calls.append((seed, len(texts)))
        p = np.array([[len(t) % 7 + 1.0] + [1.0] * (n_classes - 1) for t in predict])
        return {}, p / p.sum(1, keepdims=True)
    return fit


def _toy():
    import pandas as pd

    texts = [f"Sentence number {i} says {'x' * (i % 5)} about baclofen." for i in range(30)]
    return pd.DataFrame({"text": texts, "label": [i % 2 for i in range(30)]})


def test_issue4_cross_validation_resumes_from_finished_folds_and_splits_across_processes(tmp_path, monkeypatch):
    import pipeline.ml.encoder_train as T

    calls = []
    monkeypatch.setattr(T, "fit_encoder", _fake_fit(calls))
    df, extra = _toy(), _toy().iloc[:4]
    whole = T.cross_val_encoder(df, n_classes=2, extra=extra)
    assert not np.isnan(whole).any() and [s for s, _ in calls] == [0, 1, 2, 3, 4]
    assert all(n == 24 + 4 for _, n in calls)               # 4/5 of the rows plus every extra row

    calls.clear()
    part = T.cross_val_encoder(df, n_classes=2, extra=extra, folds=[0, 3], work_dir=tmp_path / "w")
    assert sorted(s for s, _ in calls) == [0, 3]
    assert sorted(f.name for f in (tmp_path / "w").glob("fold*.npy")) == ["fold0.npy", "fold3.npy"]
    assert np.isnan(part).any(axis=1).sum() == 18           # folds 1, 2 and 4 not run yet
    calls.clear()
    rest = T.cross_val_encoder(df, n_classes=2, extra=extra, folds=[0, 1, 2, 3, 4], work_dir=tmp_path / "w")
    assert sorted(s for s, _ in calls) == [1, 2, 4]          # finished folds are read, not trained again
    assert np.allclose(rest, whole)

    # a second process that finishes a fold while this one trains: its fold is picked up at the end
    calls.clear()
    fit = _fake_fit(calls)

    def fit_while_another_process_finishes_fold_0(texts, y, **kw):
        shutil.copy(tmp_path / "w" / "fold0.npy", tmp_path / "w2" / "fold0.npy")
        return fit(texts, y, **kw)

    (tmp_path / "w2").mkdir()
    shutil.copy(tmp_path / "w" / "data.json", tmp_path / "w2" / "data.json")
    monkeypatch.setattr(T, "fit_encoder", fit_while_another_process_finishes_fold_0)
    got = T.cross_val_encoder(df, n_classes=2, extra=extra, folds=[4], work_dir=tmp_path / "w2")
    done = ~np.isnan(got).any(axis=1)
    assert [s for s, _ in calls] == [4] and done.sum() == 12 and np.allclose(got[done], whole[done])

    other = df.assign(label=1 - df.label)
    with pytest.raises(ModelError, match="other data"):
        T.cross_val_encoder(other, n_classes=2, work_dir=tmp_path / "w")


@needs_data
def test_issue4_train_rejects_unknown_protocols_and_folds_before_any_work(tmp_path):
    run = [sys.executable, "-m", "pipeline.cli", "train", "strength-encoder", "--out", str(tmp_path)]
    r = subprocess.run(run + ["--protocol", "yu2021"], capture_output=True, text=True)
    assert r.returncode == 2 and "no cross-validation protocol yu2021" in r.stderr and "yu2020+yu2019" in r.stderr
    r = subprocess.run(run + ["--folds", "0,7"], capture_output=True, text=True)
    assert r.returncode == 2 and "folds [7] do not exist" in r.stderr
    r = subprocess.run(run + ["--folds", "zero"], capture_output=True, text=True)
    assert r.returncode == 2 and "--folds 'zero'" in r.stderr
    assert not list(tmp_path.iterdir())


def test_issue4_temperature_fit_recovers_the_temperature_that_generated_the_labels():
    from pipeline.ml.encoder import _softmax, fit_temperature

    rng = np.random.default_rng(0)
    logits = rng.normal(scale=4.0, size=(4000, 3))
    y = np.array([rng.choice(3, p=p) for p in _softmax(logits, 2.0)])
    assert abs(fit_temperature(_softmax(logits), y) - 2.0) < 0.15
    assert abs(fit_temperature(_softmax(logits / 2.0), y) - 1.0) < 0.08


@pytest.mark.parametrize("name", ENCODER_NAMES)
def test_issue4_encoder_probabilities_are_softened_by_the_cards_temperature_not_reordered(name):
    m = load_encoder(name)
    assert m.temperature == m.meta["calibration"]["temperature"] > 1.2
    raw = m.predict_proba(REF["sentences"], calibrated=False)
    cal = m.predict_proba(REF["sentences"])
    assert np.array_equal(raw.argmax(1), cal.argmax(1)) and np.allclose(cal.sum(1), 1.0)
    assert (cal.max(1) < raw.max(1)).all()
    logit_gap = np.log(raw.max(1) / np.sort(raw, 1)[:, -2])
    assert np.allclose(np.log(cal.max(1) / np.sort(cal, 1)[:, -2]), logit_gap / m.temperature, atol=1e-6)


@needs_data
@pytest.mark.parametrize("name", ENCODER_NAMES)
def test_issue4_calibration_measured_by_cross_fitting_lowers_the_error(name):
    from pipeline.ml.encoder import calibration

    cal = calibration(name)
    assert cal["after"]["ece"] < cal["before"]["ece"] / 2 and cal["after"]["nll"] < cal["before"]["nll"]
    assert cal["after"]["accuracy"] == cal["before"]["accuracy"]
    assert cal["temperature"] == load_encoder(name).meta["calibration"]["temperature"]   # the card is current
