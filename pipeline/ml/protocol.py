"""What the claim models are measured on, shared by training and by the numpy-only encoder.

The training data per model, the cross-validation folds and protocols, the text hashes that
tie stored out-of-fold predictions to their data, and the rows of the evaluation tables.
:mod:`pipeline.ml.training` (scikit-learn), :mod:`pipeline.ml.encoder_train` (torch) and
:mod:`pipeline.ml.encoder` (numpy inference) import it; it imports none of them.
"""
from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import ModelError
from . import data as D
from .model import MODEL_NAMES

SEED = 0

CLASS_NAMES = {
    "strength": ["no relation", "correlational", "conditional causal", "direct causal"],
    "advice": ["no advice", "weak advice", "strong advice"],
    "hedge": ["certain", "speculative"],
    "checkworthy": ["not check-worthy", "check-worthy"],
}


# -- data per model -----------------------------------------------------------------------------
def training_data(name: str, data_dir=None) -> pd.DataFrame:
    """The full training set of a model (``text``, ``label``, ``source``)."""
    if name == "strength":
        return D.load_strength_combined(data_dir)
    if name == "advice":
        return D.load_li2021(data_dir)
    if name == "hedge":
        return pd.concat([D.load_bioscope(data_dir, "abstracts"), D.load_bioscope(data_dir, "full_papers")],
                         ignore_index=True)
    if name == "checkworthy":
        return pd.concat([D.load_clef2020(data_dir, "training"), D.load_clef2020(data_dir, "dev"),
                          D.load_seed_annotations(data_dir)], ignore_index=True)
    raise ModelError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")


# -- folds and protocols ------------------------------------------------------------------------
def fold_splits(df) -> list:
    """The folds of ``pipeline.ml.training.cross_val_proba`` (grouped when ``df`` has a ``group``)."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    y = df.label.to_numpy()
    if "group" in df.columns and df.group.notna().all():
        return list(StratifiedGroupKFold(5, shuffle=True, random_state=SEED).split(df.text, y, df.group))
    return list(StratifiedKFold(5, shuffle=True, random_state=SEED).split(df.text, y))


def protocols(name: str, data_dir=None) -> list[dict]:
    """The cross-validation protocols of an encoder model, with their data.

    Each entry: ``key``, ``dataset``, ``protocol`` (words for the table), ``df`` (the rows
    scored, labels 0..k-1), ``extra`` (rows added to every training fold, or None), ``target``.
    The exaggeration entry (``key`` "wright2021_pairs") has ``df`` None: it is scored by a model
    trained on all strength data minus the pair sentences (see :func:`pairs_split`).
    """
    if name == "strength-encoder":
        y19, y20 = D.load_yu2019(data_dir), D.load_yu2020(data_dir)
        return [
            {"key": "yu2019", "dataset": "Yu 2019 PubMed", "protocol": "5-fold CV, train on Yu 2019 folds only",
             "df": y19, "extra": None, "target": 0.82},
            {"key": "yu2020", "dataset": "Yu 2020 press releases", "protocol": "5-fold CV grouped by press release",
             "df": y20, "extra": None, "target": 0.82},
            {"key": "yu2020+yu2019", "dataset": "Yu 2020 press releases",
             "protocol": "5-fold CV grouped by press release, + all Yu 2019 in training (deployed recipe)",
             "df": y20, "extra": y19, "target": 0.82},
            {"key": "wright2021_pairs", "dataset": "Wright 2021 train pairs", "protocol": "exaggeration",
             "df": None, "extra": None, "target": None},
        ]
    if name == "advice-encoder":
        return [{"key": "li2021", "dataset": "Li 2021 structured abstracts", "protocol": "5-fold CV grouped by PMID",
                 "df": D.load_li2021(data_dir), "extra": None, "target": 0.90}]
    raise ModelError(f"unknown encoder model {name!r}; choose strength-encoder or advice-encoder")


def pairs_split(data_dir=None):
    """(training rows without any Wright 2021 pair sentence, pair sentences: press then abstract)."""
    train = training_data("strength", data_dir)
    pairs = D.load_wright2021_pairs(data_dir)
    held = {D.normalise_text(s) for s in pd.concat([pairs.press_release_conclusion, pairs.abstract_conclusion])}
    keep = ~train.text.map(D.normalise_text).isin(held)
    return train[keep], pairs.press_release_conclusion.tolist() + pairs.abstract_conclusion.tolist()


def texts_sha256(texts: Sequence[str]) -> str:
    """SHA-256 of the sentences joined by newlines: ties stored predictions to the data and its order."""
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()


# -- metrics and table rows ---------------------------------------------------------------------
def bootstrap_ci(y, pred, *, n: int = 1000, seed: int = SEED, labels=None) -> tuple[float, float]:
    """95% percentile bootstrap interval of macro-F1 over sentences."""
    y, pred = np.asarray(y), np.asarray(pred)
    labs = np.asarray(labels) if labels is not None else np.unique(np.r_[y, pred])
    k = len(labs)
    yi, pi = np.searchsorted(labs, y), np.searchsorted(labs, pred)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(y), (n, len(y)))
    cells = (yi[idx] * k + pi[idx]) + (np.arange(n)[:, None] * k * k)
    cm = np.bincount(cells.ravel(), minlength=n * k * k).reshape(n, k, k).astype(float)
    tp = cm[:, np.arange(k), np.arange(k)]
    denom = cm.sum(axis=1) + cm.sum(axis=2)
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    stats = f1.mean(axis=1)
    lo, hi = np.percentile(stats, [2.5, 97.5])
    return float(lo), float(hi)


def _subsample(df: pd.DataFrame, limit: int | None) -> pd.DataFrame:
    if limit is None or len(df) <= limit:
        return df.reset_index(drop=True)
    frac = limit / len(df)
    rng = np.random.default_rng(SEED)
    keep = []
    for _, idx in df.groupby("label").indices.items():
        n = min(len(idx), max(5, int(round(len(idx) * frac))))
        keep.extend(rng.choice(idx, n, replace=False))
    return df.iloc[sorted(keep)].reset_index(drop=True)


def _row(task, dataset, protocol, y, pred, fold_f1=None, anchor="", anchor_f1=np.nan, target=np.nan,
         extra=None, labels=None) -> dict:
    from sklearn.metrics import f1_score

    f1 = f1_score(y, pred, average="macro", labels=labels, zero_division=0)
    lo, hi = bootstrap_ci(y, pred, labels=labels)
    r = {"task": task, "dataset": dataset, "protocol": protocol, "n": len(y), "macro_f1": round(f1, 3),
         "ci95_low": round(lo, 3), "ci95_high": round(hi, 3),
         "fold_sd": round(float(np.std(fold_f1)), 3) if fold_f1 else np.nan,
         "anchor": anchor, "anchor_f1": anchor_f1, "target": target,
         "met": (bool(f1 >= target) if not np.isnan(target) else None)}
    if extra:
        r.update(extra)
    return r


def advice_out_of_domain_rows(predict, data_dir, limit, protocol: str, extra: dict | None = None) -> list[dict]:
    """Rows for an advice model trained on Li 2021's structured abstracts, scored on its two held-out
    domains (discussion and unstructured-abstract sentences).

    Args:
        predict: ``predict(list of sentences) -> labels``.
        data_dir: shared data folder.
        limit: stratified sample of at most this many sentences per part (None: all).
        protocol: the words for the table's protocol column.
        extra: more columns for each row (e.g. ``{"model": "advice-encoder"}``).
    """
    rows = []
    for part in ("discussion", "unstructured_abstract"):
        od = _subsample(D.load_li2021(data_dir, part), limit)
        rows.append(_row("advice", f"Li 2021 {part.replace('_', ' ')}", protocol, od.label,
                         predict(od.text.tolist()), None,
                         "BioBERT+augmentation 0.907 on discussion (Li 2021; trained differently)"
                         if part == "discussion" else "", np.nan, np.nan, extra=extra))
    return rows


def _clean(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        out.append({k: (None if isinstance(v, float) and np.isnan(v) else
                        (v.item() if isinstance(v, np.generic) else v)) for k, v in r.items()})
    return out
