"""Trained claim models: claim strength, health-advice strength, hedging, check-worthiness.

Nothing is loaded at import time; models load on first use and are cached per process.

Public API:
    load_model(name)        -> ClaimModel (predict_proba, predict, classes_, top_cues)
    score_strength(sents)   -> DataFrame text, strength, p0..p3, top_cues
    train(name, data_dir, out_dir=None) -> dict of metrics
    evaluate(name, data_dir) -> DataFrame of cross-validated macro-F1 beside published anchors

Example:
    >>> from pipeline.ml import score_strength
    >>> score_strength(["Baclofen may reduce pain"]).strength.tolist()   # doctest: +SKIP
    [2]
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..errors import ModelError
from ..types import StrengthModel
from .encoder import load_encoder
from .model import ClaimModel, load_model

_LAZY = {"MODEL_NAMES", "ClaimModel", "clear_cache", "load_model"}


def __getattr__(name: str):
    # scikit-learn is imported only when a model is used (keeps ``overclaim --help`` fast).
    if name in _LAZY:
        from . import model

        return getattr(model, name)
    raise AttributeError(f"module 'pipeline.ml' has no attribute {name!r}")


__all__ = ["MODEL_NAMES", "ClaimModel", "load_model", "clear_cache", "score_strength", "strength_choice", "train",
           "evaluate"]


def strength_choice(value: StrengthModel | str) -> StrengthModel:
    """``value`` as a :class:`~pipeline.types.StrengthModel`; :class:`ModelError` naming the choices
    when it is none of them."""
    try:
        return StrengthModel(value)
    except ValueError:
        raise ModelError(f"unknown strength model {value!r}; choose "
                         + " or ".join(repr(m.value) for m in StrengthModel)) from None


STRENGTH_LABELS = {0: "no relation", 1: "correlational", 2: "conditional causal", 3: "direct causal"}


def score_strength(sentences: Sequence[str], *, model_dir=None, k: int = 3,
                   model: StrengthModel | str = StrengthModel.ENCODER):
    """Claim strength of each sentence with class probabilities and the words that carried it.

    Args:
        sentences: list of sentences.
        model_dir: folder with the models (default the installed ``models/``).
        k: at most this many cue phrases per sentence in ``top_cues`` (0: skip them).
        model: "encoder" (default): the fine-tuned MiniLM ``strength-encoder``, the more accurate
            (cross-validated macro-F1 in ``models/strength-encoder.md``), about 20 ms/sentence;
            "fast": the scikit-learn ``strength`` model the audit uses, about 1 ms/sentence.
            ``top_cues`` always come from the scikit-learn model's cue weights, for the class
            predicted.

    Returns:
        DataFrame with columns ``text``, ``strength`` (0 no relation, 1 correlational,
        2 conditional/hedged causal, 3 direct causal), ``p0``..``p3`` and ``top_cues``
        (list of phrases, e.g. ``["has been shown to reduce"]``).

    Example:
        >>> df = score_strength(["Baclofen has been shown to reduce pain"])  # doctest: +SKIP
        >>> int(df.strength[0]), df.top_cues[0]                                # doctest: +SKIP
        (3, ['has been shown to reduce'])
    """
    import pandas as pd


    choice = strength_choice(model)
    m = load_model(StrengthModel.FAST.model_name, model_dir=model_dir)
    sents = ClaimModel._check(sentences)
    if choice is StrengthModel.ENCODER:
        scorer = load_encoder(choice.model_name, model_dir=model_dir)
    else:
        scorer = m
    proba = scorer.predict_proba(sents) if sents else np.zeros((0, len(m.classes_)))
    df = pd.DataFrame({"text": sents})
    if choice is StrengthModel.ENCODER and list(scorer.classes_) != list(m.classes_):
        raise ModelError(f"strength-encoder classes {list(scorer.classes_)} differ from strength's {list(m.classes_)}")
    pred = m.classes_[proba.argmax(axis=1)] if len(sents) else []
    df["strength"] = pd.Series(pred, dtype="int64")
    for j, c in enumerate(m.classes_):
        df[f"p{int(c)}"] = proba[:, j] if len(sents) else pd.Series(dtype=float)
    if k > 0 and len(sents):
        df["top_cues"] = m.top_cues(sents, classes=list(pred), k=k)
    else:
        df["top_cues"] = [[] for _ in sents]
    return df


def train(name: str, data_dir=None, out_dir=None, **kw) -> dict:
    """Train a model and write weights + card; see :func:`pipeline.ml.training.train`."""
    from .training import train as _train

    return _train(name, data_dir, out_dir, **kw)


def evaluate(name: str, data_dir=None, **kw):
    """Cross-validated evaluation table; see :func:`pipeline.ml.training.evaluate`."""
    from .training import evaluate as _evaluate

    return _evaluate(name, data_dir, **kw)
