"""Cross-validated macro-F1 of frozen MiniLM embeddings vs / with the repo's strength & advice model.

Same protocol as pipeline.ml.training: StratifiedKFold(5, shuffle, seed 0) for Yu 2019,
StratifiedGroupKFold(5, shuffle, seed 0) grouped by press release (Yu 2020) / PMID (Li 2021);
macro-F1 over the pooled out-of-fold predictions, 95% bootstrap CI from the repo's bootstrap_ci.

Needs the embeddings from embed.py (<out>/emb/<dataset>.npz); does not import torch.
Data: pipeline.ml.data loaders (OVERCLAIM_DATA_DIR or pipeline.config.data_dir()).
Output: --out DIR, else $ENCODER_PROBE_OUT, else out/ next to this script.

Usage: python cv.py yu2019 [yu2020 li2021 ...] [--out DIR]   (results appended to <out>/cv_results.jsonl)
"""
import os
for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(v, "1")
import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from pipeline.ml import data as D
from pipeline.ml import training as T
from pipeline.ml.features import build_features
from pipeline.ml.protocol import bootstrap_ci

warnings.filterwarnings("ignore")
SEED = 0
LR_GRID = [0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
CONCAT_W = [1.0, 2.0]
TASK = {"yu2019": "strength", "yu2020": "strength", "li2021": "advice"}
LOAD = {"yu2019": D.load_yu2019, "yu2020": D.load_yu2020, "li2021": D.load_li2021}
HERE = Path(__file__).resolve().parent


def out_dir(arg=None):
    p = Path(arg or os.environ.get("ENCODER_PROBE_OUT") or HERE / "out")
    p.mkdir(parents=True, exist_ok=True)
    return p


class EmbLookup(BaseEstimator, TransformerMixin):
    """text -> precomputed embedding row (stateless)."""

    def __init__(self, table=None, weight=1.0, sparse=False):
        self.table, self.weight, self.sparse = table, weight, sparse

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        m = np.vstack([self.table[x] for x in X]) * self.weight
        return sp.csr_matrix(m) if self.sparse else m


def splits_for(df, folds=5):
    y = df.label.to_numpy()
    if "group" in df.columns:
        return list(StratifiedGroupKFold(folds, shuffle=True, random_state=SEED).split(df.text, y, df.group))
    return list(StratifiedKFold(folds, shuffle=True, random_state=SEED).split(df.text, y))


def emb_lr(table, C):
    return Pipeline([("emb", EmbLookup(table)), ("sc", StandardScaler()),
                     ("lr", LogisticRegression(C=C, class_weight="balanced", max_iter=5000))])


def concat_model(task, table, w):
    feats = build_features(cue_weight=T.CUE_WEIGHT[task])
    feats.transformer_list.append(("emb", EmbLookup(table, weight=w, sparse=True)))
    svm = LinearSVC(C=T.C_VALUE[task], class_weight="balanced", random_state=SEED, max_iter=5000)
    return Pipeline([("features", feats),
                     ("clf", CalibratedClassifierCV(svm, method="sigmoid", cv=5, ensemble=False))])


def inner_best_C(table, texts, y, groups):
    """Pick C for emb_lr by inner 5-fold CV (grouped if groups) on the outer training fold."""
    if groups is not None:
        inner = list(StratifiedGroupKFold(5, shuffle=True, random_state=SEED).split(texts, y, groups))
    else:
        inner = list(StratifiedKFold(5, shuffle=True, random_state=SEED).split(texts, y))
    scores = {}
    for C in LR_GRID:
        pred = np.empty_like(y)
        for tr, te in inner:
            m = emb_lr(table, C).fit([texts[i] for i in tr], y[tr])
            pred[te] = m.predict([texts[i] for i in te])
        scores[C] = f1_score(y, pred, average="macro")
    return max(scores, key=scores.get), scores


def summarise(out, name, exp, y, proba, classes, splits, extra=None):
    pred = classes[proba.argmax(1)]
    f1 = f1_score(y, pred, average="macro")
    lo, hi = bootstrap_ci(y, pred)
    ff = [f1_score(y[te], pred[te], average="macro") for _, te in splits]
    r = {"dataset": name, "exp": exp, "macro_f1": round(f1, 4), "ci95": [round(lo, 3), round(hi, 3)],
         "fold_sd": round(float(np.std(ff)), 3), "folds": [round(x, 3) for x in ff]}
    if extra:
        r.update(extra)
    print(json.dumps(r), flush=True)
    with open(out / "cv_results.jsonl", "a") as f:
        f.write(json.dumps(r) + "\n")
    return r


def run(name, out):
    task = TASK[name]
    df = LOAD[name]().reset_index(drop=True)
    z = np.load(out / "emb" / f"{name}.npz", allow_pickle=True)
    assert list(z["texts"]) == df.text.tolist()
    st = z["st"]
    lay = z["layers"]
    # layer-concat variant: mean-pooled layers 1..6, each L2-normalised, concatenated (2304 dims)
    lc = lay[:, 1:] / np.linalg.norm(lay[:, 1:], axis=-1, keepdims=True)
    lc = lc.reshape(len(df), -1)
    texts = df.text.tolist()
    tab_st = dict(zip(texts, st))
    tab_lc = dict(zip(texts, lc))
    y = df.label.to_numpy()
    groups = df.group.to_numpy() if "group" in df.columns else None
    splits = splits_for(df)
    classes = np.unique(y)
    K = len(classes)
    P = {k: np.zeros((len(df), K)) for k in
         ["base", "embLR_nested", "embLR_layers_nested", "stack_base+embLR", "stack_base+embLR_layers"]
         + [f"embLR_C={C}" for C in LR_GRID] + [f"concat_w={w}" for w in CONCAT_W]}
    chosen = {"embLR": [], "embLR_layers": []}
    times = {}
    for k, (tr, te) in enumerate(splits):
        Xtr, Xte = [texts[i] for i in tr], [texts[i] for i in te]
        g = groups[tr] if groups is not None else None
        t0 = time.perf_counter()
        base = T.make_estimator(task).fit(Xtr, y[tr])
        P["base"][te] = base.predict_proba(Xte)
        times["base"] = times.get("base", 0) + time.perf_counter() - t0
        t0 = time.perf_counter()
        for C in LR_GRID:
            P[f"embLR_C={C}"][te] = emb_lr(tab_st, C).fit(Xtr, y[tr]).predict_proba(Xte)
        bc, sc = inner_best_C(tab_st, Xtr, y[tr], g)
        chosen["embLR"].append(bc)
        P["embLR_nested"][te] = P[f"embLR_C={bc}"][te]
        times["embLR"] = times.get("embLR", 0) + time.perf_counter() - t0
        bcl, _ = inner_best_C(tab_lc, Xtr, y[tr], g)
        chosen["embLR_layers"].append(bcl)
        P["embLR_layers_nested"][te] = emb_lr(tab_lc, bcl).fit(Xtr, y[tr]).predict_proba(Xte)
        P["stack_base+embLR"][te] = (P["base"][te] + P["embLR_nested"][te]) / 2
        P["stack_base+embLR_layers"][te] = (P["base"][te] + P["embLR_layers_nested"][te]) / 2
        for w in CONCAT_W:
            t0 = time.perf_counter()
            P[f"concat_w={w}"][te] = concat_model(task, tab_st, w).fit(Xtr, y[tr]).predict_proba(Xte)
            times[f"concat_w={w}"] = times.get(f"concat_w={w}", 0) + time.perf_counter() - t0
        print(f"[{name}] fold {k} done; C chosen {chosen}; times {times}", flush=True)
    for exp, p in P.items():
        extra = {}
        if exp == "embLR_nested":
            extra["C_chosen"] = chosen["embLR"]
        if exp == "embLR_layers_nested":
            extra["C_chosen"] = chosen["embLR_layers"]
        summarise(out, name, exp, y, p, classes, splits, extra)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="+", choices=sorted(TASK), help="datasets to evaluate, in order")
    ap.add_argument("--out", help="output folder (default: $ENCODER_PROBE_OUT or out/ next to this script)")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = out_dir(args.out)
    missing = [n for n in args.datasets if not (out / "emb" / f"{n}.npz").is_file()]
    if missing:
        sys.exit(f"cv.py: no embeddings for {', '.join(missing)} in {out / 'emb'}; run embed.py first")
    for n in args.datasets:
        run(n, out)


if __name__ == "__main__":
    main()
