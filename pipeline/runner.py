"""Batch runner behind ``overclaim audit``: ingest → audit → write outputs, with progress and summary.

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.txt").write_text("Baclofen is approved for spasticity.")
    >>> run_audit([d], d / "out", progress=False)["articles"]
    1
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable, Iterable

from .ingest import IngestOptions, iter_articles
from .report.writer import AuditWriter, check_writable


def run_audit(paths: Iterable[str | Path], out: str | Path, *, opts: IngestOptions | None = None,
              overlays: Iterable[str] = (), html: bool = True, progress: bool = True,
              echo: Callable[[str], None] | None = None, show: int = 10, sinks: Iterable = ()) -> dict:
    """Audit files/folders into ``out`` and return the run summary.

    Args:
        paths: files, folders or ``-``.
        out: output folder (checked for writability before any work).
        opts: ingest options.
        overlays: editor overlay files/folders for the reference.
        html: write ``report.html``.
        progress: show a progress bar on standard error.
        echo: where to print the summary table (``None``: print nothing).
        show: how many flagged claims to list in the summary.
        sinks: extra result sinks (objects with ``add(item)``, ``close() -> dict | None`` and
            ``abort()``), e.g. the review database; each gets every result and input error.

    Returns:
        The summary dict (articles, claims, flagged, errors, verdicts, seconds).
    """
    from .audit import Auditor
    from .errors import InputError

    check_writable(out)
    t0 = time.perf_counter()
    auditor = Auditor(overlays=overlays)
    startup = time.perf_counter() - t0
    writer = AuditWriter(out, html=html)
    sinks = [writer, *sinks]
    items = iter_articles(paths, opts=opts)
    top: list[tuple[int, dict]] = []
    try:
        bar = None
        if progress and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            bar = Progress(TextColumn("auditing"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                           TimeElapsedColumn(), transient=True)
        task = None
        if bar is not None:
            bar.start()
            task = bar.add_task("", total=None)
        for res in auditor.audit(items):
            for sink in sinks:
                sink.add(res)
            if isinstance(res, InputError):
                if echo is not None:
                    sys.stderr.write(f"overclaim: {res}\n")
            else:
                for cc in res.claims:
                    if cc.verdict.flagged:
                        rank = {"high": 0, "medium": 1, "low": 2}.get(cc.verdict.severity.value, 3)
                        top.append((rank, {"article": res.article.id, "sentence": cc.claim.sentence,
                                           "verdict": cc.verdict.label.value, "severity": cc.verdict.severity.value,
                                           "pair": " / ".join(x for x in (
                                               cc.claim.drug.name if cc.claim.drug else None,
                                               cc.claim.condition.name if cc.claim.condition else None) if x)}))
            if bar is not None:
                bar.update(task, advance=1, description=getattr(getattr(res, "article", None), "id", "") or "")
        if bar is not None:
            bar.stop()
        summary = writer.close()
        for sink in sinks[1:]:
            extra = sink.close()
            if isinstance(extra, dict):
                summary.update(extra)
    except BaseException:
        for sink in sinks:
            sink.abort()
        raise
    summary["startup_seconds"] = round(startup, 3)
    summary["wall_seconds"] = round(time.perf_counter() - t0, 3)
    summary["out"] = str(out)
    if echo is not None:
        print_summary(summary, sorted(top, key=lambda t: t[0])[:show], echo)
    return summary


def print_summary(summary: dict, top: list[tuple[int, dict]], echo: Callable[[str], None]) -> None:
    """Readable summary table: counts by verdict and the most severe flags."""
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    buf = StringIO()
    con = Console(file=buf, width=110, force_terminal=False, color_system=None)
    con.print(f"Overclaim audit: {summary['articles']} article(s), {summary['claims']} claim(s), "
              f"{summary['flagged']} flagged, {summary['errors']} input error(s)")
    t = Table()
    t.add_column("verdict")
    t.add_column("claims", justify="right")
    for v in ("supported", "contradicted", "overstated", "unsupported", "unverifiable"):
        t.add_row(v, str(summary["verdicts"].get(v, 0)))
    con.print(t)
    if top:
        t2 = Table(title="Most severe flags")
        for col in ("severity", "verdict", "drug / condition", "article", "sentence"):
            t2.add_column(col, overflow="fold")
        for _, row in top:
            s = row["sentence"]
            t2.add_row(row["severity"], row["verdict"], row["pair"], row["article"], s if len(s) < 90 else s[:87] + "…")
        con.print(t2)
    con.print(f"Outputs in {summary['out']}/ (claims.jsonl, articles.jsonl, claims.csv, report.html). "
              f"Audit time {summary['audit_seconds']:.2f}s, start-up {summary['startup_seconds']:.2f}s, "
              f"wall {summary['wall_seconds']:.2f}s.")
    echo(buf.getvalue().rstrip())
