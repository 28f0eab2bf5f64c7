"""Model cards (``models/<name>.md``), generated from the model's JSON metadata.

Example:
    >>> from pipeline.ml.cards import write_card
    >>> write_card("strength", "models")     # doctest: +SKIP
"""
from __future__ import annotations

from pathlib import Path

from .model import read_meta

PURPOSE = {
    "strength": "How strongly a sentence claims a relation: 0 no relation, 1 correlational "
                "(\"associated with\"), 2 conditional or hedged causal (\"may reduce\"), 3 direct causal "
                "(\"reduces\", \"has been shown to reduce\"). Used to compare an article's claim with what "
                "the evidence allows.",
    "advice": "Health-advice strength of a sentence: 0 no advice, 1 weak advice (\"may be considered\"), "
              "2 strong advice (\"should\", \"is not necessary\").",
    "hedge": "Whether a sentence is speculative (contains a hedge cue in the BioScope sense). The card's "
             "JSON also carries the BioScope cue lexicon (speculation and negation cues with how often "
             "each occurrence is annotated as a cue), exposed as `ClaimModel.cue_matches()`.",
    "checkworthy": "Whether a sentence makes a checkable (health) claim worth a fact-checker's time.",
}
DATA = {
    "strength": "Yu et al. 2019 (EMNLP) PubMed conclusion sentences, 3,061, GPL-3.0 repository "
                "(junwang4/causal-language-use-in-science), re-encoded to the ordinal scale (their 1 = direct "
                "causal and 3 = correlational are swapped); Yu et al. 2020 (COLING) EurekAlert press-release "
                "sentences, 2,076, repository without a licence (research use). Duplicates removed.",
    "advice": "Li, Wang & Yu 2021 (EMNLP) structured-abstract conclusion sentences, 5,982 "
              "(junwang4/detecting-health-advice; no licence file, research use).",
    "hedge": "BioScope (Vincze et al. 2008) abstracts and full papers, 14,541 sentences; free for research "
             "use (University of Szeged); speculative = has a `cue type=\"speculation\"`.",
    "checkworthy": "CLEF 2020 CheckThat! Task 1 English tweets, training + dev (822; \"free for general research "
                   "use\"), plus our own sentence annotations of the three seed articles "
                   "(`corpora/gold/checkworthy_seeds.jsonl`, stored as character offsets, Apache-2.0).",
}
DOMAIN = {
    "strength": "PubMed conclusion sentences and press-release sentences",
    "advice": "conclusion sentences of structured abstracts (out-of-domain figures above show the drop)",
    "hedge": "1990s molecular-biology abstracts and papers",
    "checkworthy": "COVID-19 tweets and 273 sentences of three seed articles",
}
SELECTION = {
    "strength": "C chosen among 0.1 / 0.3 / 1 by the Yu 2019 5-fold CV reported below (1 was 0.004 better but "
                "2.5x slower to train); we also tried logistic regression (C 10, 30), averaging SVM and LR "
                "probabilities, per-class probability weights tuned on the CV predictions themselves (an optimistic "
                "upper bound: +0.003) and extra features for the clause after 'suggest/show/found that': none gained "
                "more than 0.005. A frozen pretrained sentence encoder (all-MiniLM-L6-v2) did not close the gap: "
                "alone it scored 0.565 (Yu 2019) and 0.552 (Yu 2020), and added to these features or averaged with "
                "this model it reached at most 0.776 and 0.770 (`experiments/encoder_probe/`). Fine-tuned, "
                "the same encoder reached 0.842 (Yu 2019) and 0.819 (Yu 2020, trained on its own folds only; 0.833 "
                "with all of Yu 2019 added to training, as deployed) in 5-fold CV on these splits. It ships as "
                "the separate model `strength-encoder` (its own card; scored with numpy, no torch), which `overclaim strength` uses; at about 20x the scoring cost, the audit "
                "keeps this model.",
    "advice": "C chosen among 0.3 / 1 by the Li 2021 grouped CV below (1: 0.848, 2.5x slower). A frozen "
              "all-MiniLM-L6-v2 encoder did not help: 0.699 alone, at most 0.848 combined with this model; "
              "fine-tuned, it reached 0.911 in the same grouped 5-fold CV (`experiments/encoder_probe/`); it ships as "
              "the separate model `advice-encoder` (its own card), at about 20x this model's scoring cost.",
    "hedge": "Defaults shared with the other models; not tuned.",
    "checkworthy": "C (0.3, 1) and the cue feature weight (0, 0.3, 1) were chosen on the same two evaluations "
                   "reported below (CLEF test and leave-one-seed-article-out), so these figures are slightly "
                   "optimistic. Cue features help on article sentences (seed AP 0.87 -> 0.91) and hurt on tweets "
                   "(CLEF AP 0.61 -> 0.51); 0.3 is the compromise.",
}
FEATURES = """- word 1-3-gram TF-IDF (sublinear; tokens from `pipeline.ml.features.tokenize`);
- character 2-5-gram TF-IDF within word boundaries;
- TF-IDF 1-4-grams over the cue-category sequence (content words collapsed to `W`, cue words
  replaced by their category from `pipeline/resources/ml_cues.yaml`: hedge, booster, causal,
  correlational, modal, negation, advice, study);
- dense cue features: counts, presence and first relative position per category; interactions
  (hedge x causal, unhedged causal, correlational only, booster x causal, negation x causal,
  modal x causal, advice x modal, no relation cue); length, question mark, colon, digits.
- Classifier: linear SVM (class_weight balanced), probabilities calibrated with
  `CalibratedClassifierCV(method="sigmoid", cv=5, ensemble=False)` (one SVM on all data,
  sigmoid fitted on 5-fold out-of-fold scores). Seeds fixed (0).
- Not used: sentence position in the article (the training sets are isolated sentences)."""


def _fmt(v, nd=3):
    if v is None or v == "":
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "**no**"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def metrics_table(rows: list[dict]) -> str:
    """Markdown table of evaluation rows."""
    head = "| task | dataset | protocol | n | macro-F1 | 95% CI | fold SD | target | met | anchors |\n"
    head += "|---|---|---|---|---|---|---|---|---|---|\n"
    lines = []
    for r in rows:
        extra = []
        for k in ("f1_speculative", "average_precision"):
            if r.get(k) is not None:
                extra.append(f"{k.replace('_', ' ')} {r[k]:.3f}")
        ds = r["dataset"] + (f" ({'; '.join(extra)})" if extra else "")
        lines.append(f"| {r['task']} | {ds} | {r['protocol']} | {r['n']} | {_fmt(r['macro_f1'])} | "
                     f"{_fmt(r['ci95_low'])}–{_fmt(r['ci95_high'])} | {_fmt(r.get('fold_sd'))} | "
                     f"{_fmt(r.get('target'), 2)} | {_fmt(r.get('met'))} | {r.get('anchor') or '–'} |")
    return head + "\n".join(lines) + "\n"


def render_card(meta: dict) -> str:
    """The model card text for a model's metadata."""
    name = meta["name"]
    rows = meta.get("metrics", [])
    missed = [r for r in rows if r.get("met") is False]
    lines = [
        f"# Model card: `{name}`", "",
        PURPOSE[name], "",
        f"- Classes: " + ", ".join(f"{c} = {n}" for c, n in zip(meta["classes"], meta["class_names"])),
        f"- Trained: {meta['trained']} (scikit-learn {meta['sklearn']}, Python {meta['python']}), "
        f"{meta['train_seconds']} s on this machine",
        f"- Rebuild: `{meta['command']}` (from the repository root; data from `$OVERCLAIM_DATA_DIR` or `../shared`)",
        f"- Re-measure: `overclaim eval {name}`" + (" and `overclaim eval exaggeration`" if name == "strength" else ""),
        f"- Weights: `{meta['weights']}` ({meta['size_bytes'] / 1e6:.1f} MB, skops format), "
        f"SHA-256 `{meta['sha256']}` (checked on load)",
        f"- Load: `pipeline.ml.load_model(\"{name}\")`; scoring cost {meta['ms_per_sentence_batch100']:.2f} ms/sentence "
        "(predict_proba, batches of 100, measured when trained; `python -m pipeline.ml.bench` re-measures)",
        "", "## Data and licence", "", DATA[name], "",
        f"Training rows: {meta['n_train']} ({', '.join(f'{k} {v}' for k, v in meta['train_sources'].items())}); "
        f"labels {meta['label_counts']}.", "",
        "## Features and model", "", FEATURES, f"- Estimator: {meta['estimator']}",
        f"- Model selection: {SELECTION[name]}", "",
        "## Metrics", "",
        "Cross-validated macro-F1 with a 95% percentile bootstrap interval over sentences (1,000 resamples) and "
        "the SD over folds. Anchors are published figures (or our own simple baselines where marked), not "
        "re-measured here.", "",
        metrics_table(rows) if rows else "(not evaluated: trained with --no-eval)\n",
    ]
    if missed:
        lines += ["**Targets not met:** " + "; ".join(
            f"{r['dataset']} ({r['protocol']}): {r['macro_f1']:.3f} < {r['target']:.2f}" for r in missed)
            + ". A linear model on n-gram and cue features stays below the fine-tuned BioBERT figures"
            + (f"; the fine-tuned encoder model `{name}-encoder` comes closer (see its card)."
               if name in ("strength", "advice") else "."), ""]
    lines += ["## Limitations", "",
              f"- Trained on {DOMAIN[name]}, not blog prose: expect a domain shift on consumer health articles.",
              "- Sentence-level only; the model does not know which drug or outcome the claim concerns.",
              "- Calibrated on the training distribution; probabilities on other text are indicative.", ""]
    return "\n".join(lines)


def write_card(name: str, model_dir: str | Path) -> Path:
    """Write ``<model_dir>/<name>.md`` from ``<name>.json`` (scikit-learn or encoder model)."""
    meta = read_meta(name, Path(model_dir))
    render = render_encoder_card if name in ENCODER_PURPOSE else render_card
    p = Path(model_dir) / f"{name}.md"
    tmp = p.with_suffix(".md.tmp")
    tmp.write_text(render(meta), encoding="utf-8")
    tmp.replace(p)
    return p


ENCODER_PURPOSE = {
    "strength-encoder": PURPOSE["strength"] + " The accurate counterpart of `strength`, for `overclaim strength` "
                        "and notebooks; the audit keeps the faster `strength`.",
    "advice-encoder": PURPOSE["advice"] + " The accurate counterpart of `advice` (Python API: "
                      "`pipeline.ml.encoder.load_encoder(\"advice-encoder\")`).",
}


def render_encoder_card(meta: dict) -> str:
    """The model card text of an encoder model (``strength-encoder``, ``advice-encoder``)."""
    name = meta["name"]
    task = name.split("-")[0]
    rows = meta.get("metrics", [])
    r = meta["recipe"]
    q = meta.get("quantisation", {})
    lines = [
        f"# Model card: `{name}`", "",
        ENCODER_PURPOSE[name], "",
        "- Classes: " + ", ".join(f"{c} = {n}" for c, n in zip(meta["classes"], meta["class_names"])),
        f"- Trained: {meta['trained']} (torch {meta['torch']}, transformers {meta['transformers']}, Python "
        f"{meta['python']}), {meta['train_seconds']} s on one CPU core of this machine",
        f"- Rebuild: `{meta['command']}` (from the repository root, after `pip install -e \".[encoder-train]\"`; "
        "data from `$OVERCLAIM_DATA_DIR` or `../shared`). Add `--cv` to rerun the cross-validation below "
        "(several hours).",
        f"- Re-measure: `overclaim eval {task}` recomputes the figures below from the stored out-of-fold "
        f"predictions (`{name}.cv.npz`, described in `{name}.cv.json`) and the gold labels in the data folder"
        + (" (and `overclaim eval exaggeration`)" if task == "strength" else ""),
        f"- Weights: `{meta['weights']}` ({meta['size_bytes'] / 1e6:.1f} MB: every matrix int8 with a float32 scale "
        f"per row, vectors float32), SHA-256 `{meta['sha256']}`; vocabulary `{meta['vocab']}` (SHA-256 "
        f"`{meta['vocab_sha256']}`); both checked on load, read with `allow_pickle=False`",
        f"- Load: `pipeline.ml.encoder.load_encoder(\"{name}\")` (numpy only: our own WordPiece tokenizer and "
        "forward pass, no torch)" + (f"; scoring cost {meta['ms_per_sentence']:.1f} ms/sentence (one thread, "
                                     "batches of 32, measured when trained)" if meta.get("ms_per_sentence") else ""),
    ]
    if q:
        lines.append(f"- int8 storage vs the float32 weights: the predicted class differs on {q['changed']} of "
                     f"{q['n']} training sentences; largest probability change {q['max_abs_diff']:.3f}")
    lines += [
        "", "## Data and licence", "", DATA[task], "",
        f"Training rows: {meta['n_train']} ({', '.join(f'{k} {v}' for k, v in meta['train_sources'].items())}); "
        f"labels {meta['label_counts']}.", "",
        f"Base model: {meta['base_model']}. The fine-tuned weights are a derivative of it (Apache-2.0).", "",
        "## Model", "",
        "- all-MiniLM-L6-v2: 6 BERT layers, hidden size 384, 12 heads, uncased WordPiece vocabulary of 30,522; "
        "mean pooling over tokens, dropout 0.1 and a linear head.",
        f"- Fine-tuned end to end: AdamW lr {r['lr']}, weight decay {r['weight_decay']}, batch {r['batch']}, "
        f"{r['epochs']} epochs, {int(r['warmup'] * 100)}% linear warm-up then linear decay, max length "
        f"{r['max_len']} tokens, {r['loss']}, gradient clipping 1.0, batches drawn from length buckets, seed "
        f"{r['seed']}, {r['threads']} thread.",
        "- Recipe fixed before any cross-validation and not tuned on it; the last epoch is used (see "
        "`experiments/encoder_probe/README.md` for the probe that led here).",
        "", "## Metrics", "",
        "Cross-validated macro-F1 on the same folds as the scikit-learn model's evaluation, each fold fine-tuned "
        "from the pretrained encoder with seed = fold number; 95% percentile bootstrap interval over sentences "
        "(1,000 resamples) and the SD over folds. Anchors are published figures, not re-measured here.", "",
        metrics_table(rows) if rows else "(no stored cross-validation in this folder)\n",
    ]
    cal = meta.get("calibration")
    if cal:
        lines += calibration_section(cal, name)
    lines += [
        "## Limitations", "",
        f"- Trained on {DOMAIN[task]}, not blog prose: expect a domain shift on consumer health articles.",
        "- About 20x the scoring cost of the scikit-learn model, so `overclaim audit` uses the latter.",
        "- Sentences are cut at 128 WordPiece tokens.",
        ("- Probabilities are calibrated on the held-out predictions of the cross-validation (above); on "
         "other text they are indicative." if cal else
         "- Probabilities are the softmax of a network trained with class-balanced loss, not calibrated."), "",
    ]
    return "\n".join(lines)


def calibration_section(cal: dict, name: str) -> list[str]:
    """The card's calibration section from ``meta["calibration"]`` (:func:`pipeline.ml.encoder.calibration`)."""
    def row(label, b, a):
        return (f"| {label} | {b['ece']:.3f} → {a['ece']:.3f} | {b['nll']:.3f} → {a['nll']:.3f} | "
                f"{b['brier']:.3f} → {a['brier']:.3f} | {b['mean_confidence']:.3f} → {a['mean_confidence']:.3f} | "
                f"{b['accuracy']:.3f} |")

    lines = [
        "## Calibration", "",
        f"The network, trained with class-balanced loss, is over-confident. Its logits are divided by a "
        f"temperature T = {cal['temperature']:.3f}, fitted by minimising the log-loss of the stored held-out "
        f"predictions ({', '.join(cal['fitted_on'])}; {cal['n']:,} sentences); the predicted class does not "
        "change. Measured by cross-fitting (each fold rescaled with a temperature fitted on the other four): "
        "expected calibration error (top class, 10 bins), log-loss and Brier score, before → after. "
        f"Recomputed by `overclaim train {name} --card-only`.", "",
        "| held-out predictions | ECE | log-loss | Brier | mean confidence | accuracy |",
        "|---|---|---|---|---|---|",
        row("all", cal["before"], cal["after"]),
    ]
    per = cal.get("per_dataset", {})
    if len(per) > 1:
        lines += [row(key, v["before"], v["after"]) for key, v in per.items()]
    return lines + [""]

