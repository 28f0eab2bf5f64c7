"""Blind reviews of the flags raised on random unlabelled real news: a precision check that does
not depend on the annotated splits.

``corpora/gold/real/flag_reviews/seed<N>.jsonl`` holds, for a random draw of FakeHealth stories and
press releases (seed N, none of them in the real-article gold), every sentence that one of two
versions of the pipeline flagged, each judged by a health-news reviewer who did not know which
version flagged it (``right``: an editor should look at it, under ``corpora/gold/GUIDELINE.md``).
Only ids, offsets, hashes and the reviewer's short notes are stored; the texts stay in the shared
folder. See ``corpora/gold/real/flag_reviews/README.md`` for which reviews were used for tuning.

Commands::

    python -m pipeline.eval.flagreview score --seed 10     # the current pipeline on that draw

Example:
    >>> tally({("a", 0), ("a", 9), ("b", 4)}, {("a", 0): True, ("a", 9): False})
    {'flags': 3, 'right': 1, 'wrong': 1, 'unreviewed': 1}
"""
from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any, Iterable

from ..config import data_dir
from .goldfiles import read_jsonl, real_dir
from ..types import Article

SOURCES = ("content_HealthStory.jsonl", "content_HealthRelease.jsonl")
MIN_CHARS, MAX_CHARS = 400, 15_000


def reviews_path(seed: int) -> Path:
    return real_dir() / "flag_reviews" / f"seed{seed}.jsonl"


def draw(seed: int, n: int = 400, base: str | None = None) -> list[tuple[str, str]]:
    """``(doc, text)`` of the ``n`` articles of the seed's draw: both FakeHealth files in order,
    shuffled with ``random.Random(seed)``, skipping the real-article gold and texts outside
    400-15,000 characters."""
    root = Path(base) if base else data_dir()
    gold = {r["doc"] for split in ("dev", "test") for r in read_jsonl(real_dir() / f"{split}.jsonl")}
    arts = []
    for name in SOURCES:
        with open(root / "articles" / "fakehealth" / name, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                arts.append((f"shared:articles/fakehealth/{name}#{d['news_id']}", d.get("text") or ""))
    random.Random(seed).shuffle(arts)
    keep = [(doc, t) for doc, t in arts if doc not in gold and MIN_CHARS <= len(t) <= MAX_CHARS]
    return keep[:n]


def load_reviews(seed: int, base: str | None = None) -> dict[tuple[str, int], bool]:
    """``(doc, start) -> right`` of one review file, each sentence checked against its hash.

    Raises:
        ValueError: a reviewed sentence's text changed (its hash differs).
    """
    texts = dict(draw(seed, base=base))
    out = {}
    for r in read_jsonl(reviews_path(seed)):
        sent = texts.get(r["doc"], "")[r["start"]:r["end"]]
        if hashlib.sha256(sent.encode("utf-8")).hexdigest()[:16] != r["sha256"]:
            raise ValueError(f"{reviews_path(seed).name}: {r['doc']} at {r['start']}: text changed (hash differs)")
        out[(r["doc"], r["start"])] = bool(r["right"])
    return out


def tally(flagged: Iterable[tuple[str, int]], reviews: dict[tuple[str, int], bool]) -> dict[str, int]:
    """Flagged sentences counted as reviewed right, reviewed wrong, or not reviewed (new flags)."""
    flagged = set(flagged)
    return {"flags": len(flagged), "right": sum(1 for k in flagged if reviews.get(k) is True),
            "wrong": sum(1 for k in flagged if reviews.get(k) is False),
            "unreviewed": sum(1 for k in flagged if k not in reviews)}


def flagged_sentences(pairs: list[tuple[str, str]], auditor) -> set[tuple[str, int]]:
    """``(doc, sentence start)`` of every sentence the auditor flags in the articles."""
    out = set()
    for doc, text in pairs:
        res = auditor.audit_article(Article(id=doc, text=text, source=doc))
        out |= {(doc, cc.claim.start) for cc in res.claims if cc.verdict.flagged}
    return out


def score(seed: int, auditor=None, base: str | None = None) -> dict[str, Any]:
    """The current pipeline's flags on the seed's draw, tallied against the blind reviews."""
    if auditor is None:
        from ..run.auditor import Auditor
        auditor = Auditor()
    reviews = load_reviews(seed, base)
    return {"seed": seed, **tally(flagged_sentences(draw(seed, base=base), auditor), reviews)}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "score" or argv[1] != "--seed" or not argv[2].isdigit():
        print("usage: python -m pipeline.eval.flagreview score --seed N", file=sys.stderr)
        return 2
    res = score(int(argv[2]))
    print(f"seed {res['seed']}: {res['flags']} flagged sentences: {res['right']} reviewed right, "
          f"{res['wrong']} reviewed wrong, {res['unreviewed']} not reviewed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
