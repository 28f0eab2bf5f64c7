"""What to curate next: the intervention–condition pairs whose claims end unverifiable in real
articles, ranked by how often articles make them.

:func:`rank_gaps` audits articles (by default every article file under ``<data>/articles``) with
the full reference and counts, per (intervention id, condition id), the claims judged
unverifiable and the articles they come from. :func:`write_gaps_tsv` stores the ranking with
reference ids, reference names and counts only -- never article text -- so it can live in the
repository (``corpora/reference/gaps.tsv``, written by ``overclaim reference gaps``).

Example:
    >>> from pipeline.ingest.reader import article_from_text
    >>> rep = rank_gaps(articles=[article_from_text("Ashwagandha cures insomnia, a blog says.", id="a")])
    >>> rep.n_articles
    1
"""
from __future__ import annotations

import csv
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from ..config import data_dir
from ..errors import InputError
from ..ingest.reader import IngestOptions, iter_articles
from ..reference import load_reference
from ..reference.interventions import intervention_type

COLUMNS = ("rank", "claims", "articles", "intervention_id", "intervention", "intervention_type",
           "condition_id", "condition", "collections")
SKIP_FILES = {"SOURCE.md", "README.md"}
# Table columns the shared corpora keep their text in, beyond the ingest defaults.
EXTRA_TEXT_FIELDS = ("sentence",)


@dataclass
class GapReport:
    """The ranked pairs and what was audited."""

    rows: list[dict] = field(default_factory=list)
    n_articles: int = 0
    n_claims: int = 0
    n_unverifiable: int = 0
    n_unverifiable_unpaired: int = 0  # no linked intervention or no condition: not a pair to curate
    n_input_errors: int = 0


def article_files(root: Path) -> list[Path]:
    """Article files under ``root`` (.jsonl, .csv, .txt, .md, .html), without the SOURCE.md notes and
    tables that hold no article text (they are skipped by ingest as input errors anyway)."""
    exts = {".jsonl", ".csv", ".txt", ".md", ".html", ".htm"}
    return sorted(p for p in Path(root).rglob("*") if p.is_file() and p.suffix.lower() in exts
                  and p.name not in SKIP_FILES)


def _iter_articles(paths: Iterable[Path], errors: Counter):
    base = IngestOptions()
    opts = replace(base, extra_text_fields=tuple(base.extra_text_fields) + EXTRA_TEXT_FIELDS)
    for path in paths:
        for a in iter_articles([path], opts=opts):
            if isinstance(a, InputError):
                errors["input"] += 1
                continue
            yield path, a


def _collection(path: Path | None) -> str:
    """The article collection: the file's name without its extension ("content_HealthStory")."""
    return "given" if path is None else path.stem


def rank_gaps(paths: Iterable[str | Path] | None = None, *, articles=None, reference=None,
              root: Path | None = None, progress: Callable[[int], None] | None = None) -> GapReport:
    """Audit articles and rank the unverifiable intervention–condition pairs.

    Args:
        paths: article files or folders (default: every article file under ``<data>/articles``).
        articles: ready :class:`~pipeline.types.Article` objects instead of ``paths``.
        reference: the reference to judge with (default :func:`pipeline.reference.load_reference`).
        root: the articles folder when ``paths`` is not given (default ``<data>/articles``).
        progress: called with the number of articles audited so far, every 100.

    Returns:
        A :class:`GapReport`, rows ranked by unverifiable claims, then articles, then ids.
    """
    from ..run.auditor import Auditor

    ref = reference if reference is not None else load_reference()
    auditor = Auditor(reference=ref)
    errors: Counter = Counter()
    if articles is not None:
        stream = ((None, a) for a in articles)
    else:
        if paths is None:
            root = root or data_dir() / "articles"
            paths = [root]
        files = [f for p in map(Path, paths) for f in (article_files(p) if p.is_dir() else [p])]
        stream = _iter_articles(files, errors)
    claims: Counter = Counter()
    arts: dict[tuple, set] = defaultdict(set)
    colls: dict[tuple, set] = defaultdict(set)
    rep = GapReport()
    for path, a in stream:
        rep.n_articles += 1
        for cc in auditor.audit_article(a).claims:
            rep.n_claims += 1
            if cc.verdict.label.value != "unverifiable":
                continue
            rep.n_unverifiable += 1
            c = cc.claim
            did = c.drug.id if c.drug is not None else None
            cid = c.condition.id if c.condition is not None else None
            if not did or not cid or did not in ref.drugs or cid not in ref.conditions:
                rep.n_unverifiable_unpaired += 1
                continue
            claims[(did, cid)] += 1
            arts[(did, cid)].add((str(path), a.id))
            colls[(did, cid)].add(_collection(path))
        if progress and rep.n_articles % 100 == 0:
            progress(rep.n_articles)
    rep.n_input_errors = errors["input"]
    order = sorted(claims, key=lambda k: (-claims[k], -len(arts[k]), k))
    for rank, (did, cid) in enumerate(order, 1):
        rep.rows.append({"rank": rank, "claims": claims[(did, cid)], "articles": len(arts[(did, cid)]),
                         "intervention_id": did, "intervention": ref.drugs[did].name,
                         "intervention_type": intervention_type(ref, did) or ref.drugs[did].kind,
                         "condition_id": cid, "condition": ref.conditions[cid].name,
                         "collections": ";".join(sorted(colls[(did, cid)]))})
    return rep


def write_gaps_tsv(rep: GapReport, path: str | Path, *, command: str, min_claims: int = 1) -> Path:
    """Write the ranking as TSV (atomically), headed by comment lines naming the command and totals;
    only pairs with at least ``min_claims`` unverifiable claims."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(f"# Unverifiable intervention-condition pairs in real articles, most frequent first.\n"
                 f"# Made by: {command}\n"
                 f"# {rep.n_articles} articles, {rep.n_claims} claims, {rep.n_unverifiable} unverifiable "
                 f"({rep.n_unverifiable_unpaired} without a linked intervention and condition, not listed); "
                 f"{rep.n_input_errors} unreadable rows skipped. {len(rep.rows)} pairs; listed: those with at "
                 f"least {min_claims} claim(s). Ids, reference names and counts only.\n")
        w = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(r for r in rep.rows if r["claims"] >= min_claims)
    os.replace(tmp, path)
    return path
