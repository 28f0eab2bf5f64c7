"""The one metrics module of the evaluations: precision, recall and F1 from counts.

Example:
    >>> prf(tp_pred=2, n_pred=4, tp_gold=2, n_gold=2)["f1"]
    0.6667
    >>> prf(tp_pred=0, n_pred=0, tp_gold=0, n_gold=2)["recall"]
    0.0
"""
from __future__ import annotations

from typing import Any


def ratio(a: int, b: int) -> float | None:
    """``a / b``, or ``None`` when ``b`` is 0."""
    return None if b == 0 else a / b


def prf(*, tp_pred: int, n_pred: int, tp_gold: int, n_gold: int, digits: int = 4) -> dict[str, Any]:
    """Precision (matched predictions / predictions), recall (matched gold / gold) and F1.

    Args:
        tp_pred: predictions that match a gold item.
        n_pred: all predictions.
        tp_gold: gold items that a prediction matches.
        n_gold: all gold items.
        digits: rounding of the three ratios.

    Returns:
        ``{"precision", "recall", "f1", "tp", "tp_pred", "n_pred", "tp_gold", "n_gold"}``
        (``tp`` is ``tp_pred``); a ratio with a zero denominator is ``None``, and F1 is ``None``
        unless both are defined.
    """
    p, r = ratio(tp_pred, n_pred), ratio(tp_gold, n_gold)
    f = None if p is None or r is None else 0.0 if p + r == 0 else 2 * p * r / (p + r)

    def rnd(x: float | None) -> float | None:
        return None if x is None else round(x, digits)

    return {"precision": rnd(p), "recall": rnd(r), "f1": rnd(f), "tp": tp_pred, "tp_pred": tp_pred,
            "n_pred": n_pred, "tp_gold": tp_gold, "n_gold": n_gold}
