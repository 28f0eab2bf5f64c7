"""Scores on the real-article gold: claim frames, flags per sentence, and what was left unchecked.

A predicted claim **matches** a gold frame when its sentence overlaps the gold sentence and it names
the same intervention (:func:`same_intervention`: equal words after lower-casing and plural folding,
one name inside the other at word boundaries, or one of the gold frame's ``intervention_alt``).
Flags are scored per sentence, as an editor sees them: a gold sentence is positive when one of its
frames has ``see: true``; a predicted sentence is positive when one of its claims is flagged.

Example:
    >>> same_intervention({"intervention": "fish oil supplements"}, "fish oil")
    True
    >>> prf(tp_pred=3, n_pred=4, tp_gold=3, n_gold=6)["f1"]
    0.6
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any, Iterable

from .metrics import prf


def _words(name: str) -> tuple[str, ...]:
    toks = re.findall(r"[a-z0-9]+", name.lower())
    return tuple(t[:-1] if len(t) > 3 and t.endswith("s") and not t.endswith("ss") else t for t in toks)


def _inside(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return bool(a) and any(b[i:i + len(a)] == a for i in range(len(b) - len(a) + 1))


def same_intervention(frame: dict, name: str | None) -> bool:
    """Whether a predicted intervention name refers to the gold frame's intervention."""
    if not name:
        return False
    p = _words(name)
    for g in [frame["intervention"], *(frame.get("intervention_alt") or [])]:
        gw = _words(g)
        if p == gw or _inside(p, gw) or _inside(gw, p):
            return True
    return False


def _overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def _pred_names(p: dict) -> list[str]:
    return [n for n in (p.get("drug"), p.get("drug_text")) if n]


def _frame_hits(gold_sents: list[dict], preds: list[dict]) -> tuple[set, set]:
    """(indices of matched predictions, (sentence, frame) keys of matched gold frames)."""
    hit_p, hit_g = set(), set()
    for i, p in enumerate(preds):
        for si, s in enumerate(gold_sents):
            if not _overlap(p["start"], p["end"], s["start"], s["end"]):
                continue
            for fi, fr in enumerate(s["frames"]):
                if any(same_intervention(fr, n) for n in _pred_names(p)):
                    hit_p.add(i)
                    hit_g.add((si, fi))
    return hit_p, hit_g


def _flag_sentences(gold_sents: list[dict], preds: list[dict]) -> tuple[int, int, int, int, list, list]:
    gold_pos = [s for s in gold_sents if any(f["see"] for f in s["frames"])]
    spans = sorted({(p["start"], p["end"]) for p in preds if p["flagged"]})
    tp_pred = [sp for sp in spans if any(_overlap(*sp, s["start"], s["end"]) for s in gold_pos)]
    fp = [sp for sp in spans if sp not in tp_pred]
    tp_gold = [s for s in gold_pos if any(_overlap(*sp, s["start"], s["end"]) for sp in spans)]
    fn = [s for s in gold_pos if s not in tp_gold]
    return len(tp_pred), len(spans), len(tp_gold), len(gold_pos), fp, fn


def score_article(rec: dict, preds: list[dict]) -> dict[str, Any]:
    """Counts for one gold article (see the module docstring) and its errors, by offsets only."""
    sents = rec["sentences"]
    hit_p, hit_g = _frame_hits(sents, preds)
    n_frames = sum(len(s["frames"]) for s in sents)
    ftp_p, fn_p, ftp_g, fn_g, fp_spans, fn_sents = _flag_sentences(sents, preds)
    missed = Counter(f.get("reason") for s in fn_sents for f in s["frames"] if f["see"])
    found = Counter(f.get("reason") for s in sents for f in s["frames"] if f["see"] and s not in fn_sents)
    return {"frames": (len(hit_p), len(preds), len(hit_g), n_frames),
            "flags": (ftp_p, fn_p, ftp_g, fn_g),
            "false_flags": [{"doc": rec["doc"], "start": a, "end": b} for a, b in fp_spans],
            "missed_flags": [{"doc": rec["doc"], "start": s["start"], "end": s["end"],
                              "reasons": sorted({f.get("reason") for f in s["frames"] if f["see"]})}
                             for s in fn_sents],
            "missed_reasons": missed, "found_reasons": found}


def score(records: Iterable[dict], preds_by_doc: dict[str, list[dict]]) -> dict[str, Any]:
    """Micro-averaged frame and flag scores over gold articles.

    Args:
        records: gold article records (``corpora/gold/real/<split>.jsonl``).
        preds_by_doc: doc reference -> predicted claims (``start``, ``end``, ``drug``, ``drug_text``,
            ``flagged``, ``verdict``).

    Returns:
        ``frames`` and ``flags_sentence`` (:func:`prf`), recall by gold reason, the error lists, and
        the count of predicted claims left "not checked" (verdict unverifiable).
    """
    tot = defaultdict(lambda: [0, 0, 0, 0])
    missed, found, false_flags, missed_flags = Counter(), Counter(), [], []
    n_docs, unchecked, n_pred = 0, 0, 0
    for rec in records:
        preds = preds_by_doc.get(rec["doc"], [])
        s = score_article(rec, preds)
        n_docs += 1
        n_pred += len(preds)
        unchecked += sum(1 for p in preds if p.get("verdict") == "unverifiable")
        for key in ("frames", "flags"):
            tot[key] = [a + b for a, b in zip(tot[key], s[key])]
        missed.update(s["missed_reasons"])
        found.update(s["found_reasons"])
        false_flags += s["false_flags"]
        missed_flags += s["missed_flags"]
    mk = lambda t: prf(tp_pred=t[0], n_pred=t[1], tp_gold=t[2], n_gold=t[3], digits=3)  # noqa: E731
    reasons = sorted(set(missed) | set(found), key=str)
    return {"articles": n_docs, "frames": mk(tot["frames"]), "flags_sentence": mk(tot["flags"]),
            "recall_by_reason": {str(r): {"found": found[r], "missed": missed[r]} for r in reasons},
            "not_checked": {"claims": n_pred, "unverifiable": unchecked},
            "false_flags": false_flags, "missed_flags": missed_flags}
