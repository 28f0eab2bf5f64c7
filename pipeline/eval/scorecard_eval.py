"""Agreement of the article scorecard (:mod:`pipeline.assess.scorecard`) with the gold annotations.

Each gold article in ``corpora/gold/scorecard.jsonl`` is audited (so the scorecard sees the same
claims and sentences as in a real audit) and every criterion's rating is compared with the
annotation. Used by ``overclaim eval scorecard`` (:func:`pipeline.eval.handgold.run`) and by
``python -m pipeline.eval.scorecard_eval [GOLD.jsonl] [--json]``.
"""
from __future__ import annotations

import importlib.resources as resources
import json
from pathlib import Path
from typing import Any, Sequence
import argparse

from ..assess.scorecard import CRITERIA, RATINGS, score_article
from ..config import data_dir
from ..ingest.reader import IngestOptions, article_from_text, read_file
from ..types import Article
from .goldfiles import gold_dir, read_jsonl


def gold_path() -> Path:
    """Path of the shipped gold annotations (``corpora/gold/scorecard.jsonl``)."""
    return gold_dir() / "scorecard.jsonl"


def load_gold(path: str | Path | None = None) -> list[dict]:
    """Read scorecard gold annotations: one JSON object per line with ``article`` and ``labels``.

    ``article`` is ``samples/<file>`` (shipped in ``corpora/``) or ``shared:<path>`` (under the
    shared data directory, e.g. ``shared:seeds/000_cbe59d7729693a6f.txt``).

    Raises:
        ValueError: naming the file and line of a malformed annotation.
    """
    p = Path(path) if path else gold_path()
    rows = read_jsonl(p)  # a malformed line: ValueError naming the file and the line
    for i, row in enumerate(rows, 1):  # i: the line, in a gold file without blank lines
        bad = {k: v for k, v in (row.get("labels") or {}).items() if k not in CRITERIA or v not in RATINGS}
        if "article" not in row or not row.get("labels") or bad:
            raise ValueError(f"{p}:{i}: needs 'article' and 'labels' with criteria {CRITERIA} rated "
                             f"{RATINGS}" + (f" (bad: {bad})" if bad else ""))
    return rows


def resolve_article(ref: str) -> Path | None:
    """The file of a gold ``article`` reference (without any ``#row``), or ``None`` when the shared
    data is not available."""
    ref = ref.split("#", 1)[0]
    if ref.startswith("shared:"):
        d = data_dir(required=False)
        return (d / ref[len("shared:"):]) if d is not None else None
    return Path(str(resources.files("pipeline.corpora").joinpath(*ref.split("/"))))


def load_gold_article(ref: str):
    """The :class:`~pipeline.types.Article` a gold ``article`` reference names, or ``None`` when
    its file (or row) is not available. ``<file>.jsonl#<id>`` selects the row whose ``news_id`` or
    ``id`` is ``<id>``."""
    path = resolve_article(ref)
    if path is None or not path.is_file():
        return None
    if "#" in ref:
        want = ref.split("#", 1)[1]
        with path.open(encoding="utf-8") as f:
            for line in f:
                if want not in line:
                    continue
                row = json.loads(line)
                if want in (row.get("news_id"), row.get("id")) and row.get("text"):
                    return article_from_text(row["text"], id=want, title=row.get("title"), url=row.get("url"),
                                             source=str(path))
        return None
    arts = [a for a in read_file(path, rel=path.name, opts=IngestOptions()) if isinstance(a, Article)]
    return arts[0] if arts else None


def evaluate(gold: str | Path | None = None, *, auditor=None) -> dict[str, Any]:
    """Agreement of the scorecard with the gold annotations: per-criterion accuracy.

    Each gold article is audited (so the scorecard sees the same claims and sentences as in a
    real audit) and every criterion's rating is compared with the annotation.

    Args:
        gold: a gold JSONL file (default ``corpora/gold/scorecard.jsonl``).
        auditor: an :class:`~pipeline.run.auditor.Auditor` to reuse (default a new one).

    Returns:
        ``{"n_articles", "skipped", "per_criterion": {name: {"n", "correct", "accuracy",
        "confusion": {gold: {pred: n}}}}, "overall": {"n", "correct", "accuracy"},
        "disagreements": [{"article", "criterion", "gold", "pred", "reason"}]}``.

    Example:
        >>> r = evaluate()                                   # doctest: +SKIP
        >>> sorted(r["per_criterion"]) == sorted(CRITERIA)   # doctest: +SKIP
        True
    """
    rows = load_gold(gold)
    if auditor is None:
        from ..run.auditor import Auditor

        auditor = Auditor()
    per = {c: {"n": 0, "correct": 0, "confusion": {g: {p: 0 for p in RATINGS} for g in RATINGS}} for c in CRITERIA}
    by_split: dict[str, dict[str, int]] = {}
    disagreements, skipped, n_articles = [], [], 0
    for row in rows:
        art = load_gold_article(row["article"])
        if art is None:
            skipped.append(row["article"])
            continue
        res = auditor.audit_article(art)
        card = res.scorecard or score_article(art, claims=res.claims, boilerplate=res.boilerplate)
        n_articles += 1
        split = by_split.setdefault(row.get("split", "dev"), {"articles": 0, "n": 0, "correct": 0})
        split["articles"] += 1
        for crit, g in row["labels"].items():
            p = card["criteria"][crit]["rating"]
            d = per[crit]
            d["n"] += 1
            d["correct"] += int(p == g)
            d["confusion"][g][p] += 1
            split["n"] += 1
            split["correct"] += int(p == g)
            if p != g:
                disagreements.append({"article": row["article"], "criterion": crit, "gold": g, "pred": p,
                                      "reason": card["criteria"][crit]["reason"]})
    for d in list(per.values()) + list(by_split.values()):
        d["accuracy"] = round(d["correct"] / d["n"], 3) if d["n"] else None
    n = sum(d["n"] for d in per.values())
    c = sum(d["correct"] for d in per.values())
    return {"n_articles": n_articles, "skipped": skipped, "per_criterion": per,
            "overall": {"n": n, "correct": c, "accuracy": round(c / n, 3) if n else None},
            "by_split": by_split, "disagreements": disagreements}


def format_evaluation(result: dict[str, Any]) -> str:
    """Plain-text table of :func:`evaluate`'s result."""
    lines = [f"Scorecard agreement with gold ({result['n_articles']} articles"
             + (f"; skipped, data not found: {', '.join(result['skipped'])}" if result["skipped"] else "") + ")",
             f"{'criterion':<24}{'n':>4}{'agree':>7}{'accuracy':>10}"]
    for name in CRITERIA:
        d = result["per_criterion"][name]
        acc = "-" if d["accuracy"] is None else f"{d['accuracy']:.2f}"
        lines.append(f"{name:<24}{d['n']:>4}{d['correct']:>7}{acc:>10}")
    o = result["overall"]
    lines.append(f"{'overall':<24}{o['n']:>4}{o['correct']:>7}{(o['accuracy'] or 0):>10.2f}")
    for name, d in sorted(result.get("by_split", {}).items()):
        lines.append(f"{'  split ' + name + ' (' + str(d['articles']) + ' art.)':<24}{d['n']:>4}{d['correct']:>7}"
                     f"{(d['accuracy'] or 0):>10.2f}")
    if result["disagreements"]:
        lines.append("Disagreements:")
        for d in result["disagreements"]:
            lines.append(f"  {d['article']}: {d['criterion']} gold={d['gold']} pred={d['pred']} ({d['reason']})")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pipeline.eval.scorecard_eval [GOLD.jsonl] [--json]``: print the agreement table."""
    ap = argparse.ArgumentParser(prog="python -m pipeline.eval.scorecard_eval",
                                 description="Agreement of the article scorecard with gold annotations. "
                                             "Example: python -m pipeline.eval.scorecard_eval --json")
    ap.add_argument("gold", nargs="?", help="gold JSONL (default corpora/gold/scorecard.jsonl)")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    args = ap.parse_args(argv)
    try:
        result = evaluate(args.gold)
    except (OSError, ValueError) as e:
        print(f"overclaim: {e}")
        return 2
    print(json.dumps(result, indent=2) if args.json else format_evaluation(result))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
