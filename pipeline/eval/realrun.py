"""Audit the real-article gold and score it: ``overclaim eval claims --split dev|test``.

Example:
    >>> res = evaluate_split("dev")  # doctest: +SKIP
    >>> res["flags_sentence"]["precision"]  # doctest: +SKIP
"""
from __future__ import annotations

from typing import Any

from ..run.auditor import Auditor
from ..types import Article
from . import realgold, realscore


def claim_rows(result) -> list[dict]:
    """The fields the real-gold scorer reads, from one audited article."""
    rows = []
    for cc in result.claims:
        c, v = cc.claim, cc.verdict
        rows.append({"start": c.start, "end": c.end, "type": c.type.value,
                     "drug": c.drug.name if c.drug else None, "drug_text": c.drug.text if c.drug else None,
                     "condition": c.condition.name if c.condition else None,
                     "flagged": v.flagged, "verdict": v.label.value, "severity": v.severity.value})
    return rows


def predict(pairs: list[tuple[dict, str]], auditor) -> dict[str, list[dict]]:
    """Audit each gold article's text (as stored in the shared folder) with ``auditor``."""
    out = {}
    for rec, text in pairs:
        out[rec["doc"]] = claim_rows(auditor.audit_article(Article(id=rec["doc"], text=text, source=rec["doc"])))
    return out


def evaluate_split(split: str, auditor=None, base: str | None = None) -> dict[str, Any]:
    """Frame and flag scores of the pipeline on one split of the real-article gold.

    Args:
        split: ``dev`` or ``test``.
        auditor: a ready :class:`pipeline.run.auditor.Auditor` (default: a new one with the default models).
        base: the shared data folder (default :func:`pipeline.config.data_dir`).

    Returns:
        :func:`pipeline.eval.realscore.score` plus ``task``, ``split`` and gold counts.
    """
    if auditor is None:
        auditor = Auditor()
    pairs = realgold.load_split(split, base)
    preds = predict(pairs, auditor)
    res = realscore.score([r for r, _ in pairs], preds)
    res.update({"task": "claims", "split": split,
                "gold_sentences": sum(len(r["sentences"]) for r, _ in pairs),
                "gold_frames": sum(len(s["frames"]) for r, _ in pairs for s in r["sentences"]),
                "gold_flag_sentences": sum(any(f["see"] for f in s["frames"]) for r, _ in pairs for s in r["sentences"])})
    return res


def format_split(res: dict[str, Any]) -> str:
    """A terminal table of :func:`evaluate_split`'s result."""
    def row(label, m):
        f = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
        return f"{label:<22} P {f(m['precision'])}  R {f(m['recall'])}  F1 {f(m['f1'])}  " \
               f"(pred {m['tp_pred']}/{m['n_pred']}, gold {m['tp_gold']}/{m['n_gold']})"
    lines = [f"Real-article gold, {res['split']} split: {res['articles']} articles, {res['gold_sentences']} claim "
             f"sentences, {res['gold_frames']} frames, {res['gold_flag_sentences']} sentences an editor should see",
             row("claim frames", res["frames"]), row("flags (per sentence)", res["flags_sentence"]),
             f"not checked: {res['not_checked']['unverifiable']} of {res['not_checked']['claims']} predicted claims",
             "recall by reason: " + ", ".join(f"{k} {v['found']}/{v['found'] + v['missed']}"
                                              for k, v in res["recall_by_reason"].items())]
    return "\n".join(lines)
