"""Batch runner behind ``overclaim audit``: ingest → audit → write outputs, with progress and summary.

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.txt").write_text("Baclofen is approved for spasticity.")
    >>> run_audit([d], d / "out", progress=False)["articles"]
    1
"""
from __future__ import annotations

import heapq
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable
from io import StringIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..ingest.reader import IngestOptions, iter_articles
from ..report.writer import AuditWriter, check_writable, item_id, run_key
from ..types import StrengthModel
from ..errors import InputError, OutputError, OverclaimError, UsageError
from .dask_engine import DaskEngine
from .pool import ProcessPool, SerialEngine


def run_audit(paths: Iterable[str | Path], out: str | Path, *, opts: IngestOptions | None = None,
              overlays: Iterable[str] = (), html: bool = True, progress: bool = True,
              echo: Callable[[str], None] | None = None, show: int = 10, sinks: Iterable = (),
              workers: int = 1, engine: str = "local", scheduler=None, resume: bool = False,
              timeout: float | None = None, commit_every: float = 1.0, models: bool = True,
              strength_model: StrengthModel | str = StrengthModel.FAST) -> dict:
    """Audit files/folders into ``out`` and return the run summary.

    Args:
        paths: files, folders or ``-``.
        out: output folder (checked for writability before any work).
        opts: ingest options.
        overlays: editor overlay files/folders for the reference.
        models: apply the trained claim models (``False``: rules only).
        strength_model: ``"fast"`` or ``"encoder"`` (:class:`~pipeline.types.StrengthModel`).
        html: write ``report.html``.
        progress: show a progress bar on standard error.
        echo: where to print the summary table (``None``: print nothing).
        show: how many flagged claims to list in the summary.
        sinks: extra result sinks (objects with ``add(item)``, ``close() -> dict | None`` and
            ``abort()``), e.g. the review database; each gets every result and input error
            (when resuming: those of the articles audited in this session).
        workers: worker processes on this machine (``engine="local"``); 1 audits in-process.
        engine: ``local`` or ``dask``.
        scheduler: Dask scheduler address or ``distributed.Client`` (``engine="dask"``).
        resume: continue the unfinished run in ``out`` (same inputs and options); articles
            already committed are skipped, so the outputs equal those of an uninterrupted run.
        timeout: seconds one article may take with ``workers > 1`` before it is skipped as failed.
        commit_every: seconds between durable commits of finished articles.

    Returns:
        The summary dict (articles, claims, flagged, errors, verdicts, seconds, resumed, workers).

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.txt").write_text("Baclofen helps.")
        >>> run_audit([d], d / "out", progress=False, workers=1)["articles"]
        1
    """
    paths = [str(p) for p in paths]
    opts = opts or IngestOptions()
    overlays = tuple(str(o) for o in overlays)
    _check_options(paths, engine, scheduler, resume)
    check_writable(out)
    key = run_key(paths=[p if p == "-" else os.path.abspath(p) for p in paths], opts=asdict(opts),
                  overlays=overlays, html=html,
                  models=StrengthModel(strength_model).value if models else False)
    t0 = time.perf_counter()
    eng = _make_engine(engine, workers, overlays, scheduler, timeout, models, strength_model)
    startup = time.perf_counter() - t0
    sinks = list(sinks)
    writer = None
    top: list[tuple] = []  # bounded min-heap of the most severe flags: (-rank, -seq, -k, row)
    n_seen = 0
    try:
        writer = AuditWriter(out, html=html, resumable=True, resume=resume, key=key, commit_every=commit_every)
        items = _skip_done(iter_articles(paths, opts=opts, exclude=[out]), writer.done_ids)
        n_seen = _drain(eng.imap(items), [writer, *sinks], top, show=show, echo=echo,
                        bar=_progress_bar(writer.done) if progress and sys.stderr.isatty() else None)
        summary = _close(writer, sinks)
    except BaseException as exc:
        _abort(exc, writer, sinks, out)
        raise
    finally:
        eng.close()
    summary["resumed"] = len(writer.done_ids) - n_seen if writer.resumed else 0
    summary["workers"] = workers if engine == "local" else None
    summary["engine"] = engine
    summary["startup_seconds"] = round(startup, 3)
    summary["wall_seconds"] = round(time.perf_counter() - t0, 3)
    summary["out"] = str(out)
    if echo is not None:
        rows = [row for *_, row in sorted(top, key=lambda t: t[:3], reverse=True)]
        print_summary(summary, [(0, r) for r in rows], echo)
    return summary


def _check_options(paths: list[str], engine: str, scheduler, resume: bool) -> None:
    if engine not in ("local", "dask"):
        raise UsageError(f"unknown engine {engine!r}", hint="use local or dask")
    if engine == "dask" and scheduler is None:
        raise UsageError("--engine dask needs --scheduler ADDRESS", hint="e.g. tcp://10.0.0.5:8786")
    if resume and "-" in paths:
        raise UsageError("cannot resume a run that reads standard input", hint="give files or folders")


def _progress_bar(done: int):
    """A started progress bar on standard error and its task (``done`` items already finished)."""
    bar = Progress(TextColumn("auditing"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                   TimeElapsedColumn(), transient=True)
    bar.start()
    return bar, bar.add_task("", total=None, completed=done)


def _drain(results, sinks: list, top: list, *, show: int, echo, bar) -> int:
    """Hand every result to every sink, keep the most severe flags in ``top``, report input
    errors (unless quiet) and advance the progress bar; return how many results there were."""
    n_seen = 0
    try:
        for res in results:
            for sink in sinks:
                sink.add(res)
            n_seen += 1
            if isinstance(res, InputError):
                if echo is not None:
                    sys.stderr.write(f"overclaim: {res}\n")
            else:
                _collect_top(top, res, n_seen, show)
            if bar is not None:
                bar[0].update(bar[1], advance=1, description=getattr(getattr(res, "article", None), "id", "") or "")
    finally:
        if bar is not None:
            bar[0].stop()
    return n_seen


def _close(writer, sinks: list) -> dict:
    """Close the writer, then the other sinks, merging what they report into the summary."""
    summary = writer.close()
    for sink in sinks:
        extra = sink.close()
        if isinstance(extra, dict):
            summary.update(extra)
    return summary


def _abort(exc: BaseException, writer, sinks: list, out) -> None:
    """On failure or interruption: keep what is finished when interrupted (``--resume`` goes on
    from there), and abort every sink."""
    interrupted = writer is not None and isinstance(exc, KeyboardInterrupt)
    if interrupted:
        try:
            writer.commit()
        except OverclaimError:
            pass
    for sink in ([writer] if writer is not None else []) + sinks:
        try:
            sink.abort()
        except Exception:
            pass
    if interrupted and writer.done:
        sys.stderr.write(f"overclaim: interrupted; {writer.done} finished item(s) kept in {out}; "
                         "continue with --resume\n")


def _make_engine(engine: str, workers: int, overlays: tuple, scheduler, timeout, models: bool = True,
                 strength_model: StrengthModel | str = StrengthModel.FAST):
    if engine == "dask":
        return DaskEngine(scheduler, overlays=overlays, models=models, strength_model=strength_model)
    from .auditor import Auditor

    auditor = Auditor(overlays=overlays, models=models, strength_model=strength_model)  # loaded once here: invalid references fail at once
    if workers <= 1:
        return SerialEngine(auditor)
    return ProcessPool(workers, overlays=overlays, timeout=timeout, auditor=auditor, models=models,
                       strength_model=strength_model).start()


def _skip_done(items, done_ids: list[str]):
    """Skip the items an interrupted run already committed, checking they are the same inputs."""
    it = iter(items)
    for n, expected in enumerate(done_ids):
        try:
            item = next(it)
        except StopIteration:
            raise OutputError(f"the inputs have fewer items ({n}) than the interrupted run had finished "
                              f"({len(done_ids)})", hint="rerun without --resume to start over") from None
        got = item_id(item) if isinstance(item, InputError) else item.id
        if expected not in (got, "!" + got):
            raise OutputError(f"the inputs changed since the interrupted run (item {n + 1} was {expected!r}, "
                              f"now {got!r})", hint="rerun without --resume to start over")
    yield from it


def _collect_top(top: list, res, seq: int, show: int) -> None:
    if show <= 0:
        return
    for k, cc in enumerate(res.claims):
        if not cc.verdict.flagged:
            continue
        rank = {"high": 0, "medium": 1, "low": 2}.get(cc.verdict.severity.value, 3)
        entry = (-rank, -seq, -k, {"article": res.article.id, "sentence": cc.claim.sentence,
                                    "verdict": cc.verdict.label.value, "severity": cc.verdict.severity.value,
                                    "pair": " / ".join(x for x in (
                                        cc.claim.drug.name if cc.claim.drug else None,
                                        cc.claim.condition.name if cc.claim.condition else None) if x)})
        if len(top) < show:
            heapq.heappush(top, entry)
        elif entry[:3] > top[0][:3]:
            heapq.heapreplace(top, entry)


def print_summary(summary: dict, top: list[tuple[int, dict]], echo: Callable[[str], None]) -> None:
    """Readable summary table: counts by verdict and the most severe flags."""
    buf = StringIO()
    con = Console(file=buf, width=110, force_terminal=False, color_system=None)
    con.print(f"Overclaim audit: {summary['articles']} article(s), {summary['claims']} claim(s), "
              f"{summary['flagged']} flagged, {summary['errors']} input error(s) or failed article(s)"
              + (f"; {summary['resumed']} carried over from the interrupted run" if summary.get("resumed") else ""))
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
    con.print(f"Outputs in {summary['out']}/ (claims.jsonl, articles.jsonl, errors.jsonl, claims.csv, report.html). "
              f"Audit time {summary['audit_seconds']:.2f}s, start-up {summary['startup_seconds']:.2f}s, "
              f"wall {summary['wall_seconds']:.2f}s.")
    echo(buf.getvalue().rstrip())
