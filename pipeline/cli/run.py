"""The ``overclaim bench`` command (registered on the main app by :func:`register`)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional
import json

import typer

from ..types import StrengthModel
from ..errors import EXIT_USAGE, InputError, OverclaimError, exit_status
from ..run.bench import (
    check_start as run_check_start,
    format_batch,
    format_bench,
    format_check_start,
    run_batch,
    run_bench,
)


def register(app: typer.Typer) -> None:
    """Add ``bench`` to the ``overclaim`` Typer app."""
    app.command("bench")(bench_cmd)


def bench_cmd(
    path: Optional[Path] = typer.Argument(None, help="Folder or file of articles (default: ../shared/articles)."),
    limit: int = typer.Option(500, "--limit", "-n", min=1, help="Audit the first N readable articles."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Also measure N worker processes (speed-up)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    batch: int = typer.Option(0, "--batch", min=0, help="Instead: audit a generated batch of this many articles "
                              "(templates plus real articles) and report time and memory through the run."),
    no_startup: bool = typer.Option(False, "--no-startup", help="Skip timing `overclaim check` start-up."),
    stages: bool = typer.Option(False, "--stages", help="Also audit the articles once more, timing each "
                                "stage (boilerplate, tokenizer, each spaCy component, claims, models, "
                                "verify, scorecard)."),
    strength_model: StrengthModel = typer.Option(StrengthModel.FAST, "--strength-model",
                                                 help="fast (the audit's default) or "
                                       "encoder: which strength model the audit measured here uses."),
    check_start: bool = typer.Option(False, "--check-start", help="Instead: only the start of `overclaim "
                                     "check \"...\"` against a bare spaCy pipeline's (medians of --reps fresh "
                                     "processes each, their ratio, peak memory)."),
    reps: int = typer.Option(5, "--reps", min=1, help="With --check-start: runs of each command."),
) -> None:
    """Measure audit throughput against the tokenizer floor, peak memory and start-up time.

    Prints, side by side, words/s and articles/s of the spaCy tokenizer plus sentence splitter
    alone (the floor), of the full audit on one core (and on N workers), peak memory and the
    wall time of `overclaim check`.

    Examples:

      overclaim bench --limit 300

      overclaim bench ../shared/articles/fakehealth --limit 500 --workers 2 --json

      overclaim bench --batch 10000 --workers 2

      overclaim bench --limit 500 --stages --no-startup

      overclaim bench --limit 500 --no-startup --strength-model encoder

      overclaim bench --check-start --reps 7
    """
    try:
        if check_start:
            c = run_check_start(reps)
            typer.echo(json.dumps(c, indent=2) if as_json else format_check_start(c))
            return
        if batch:
            r = run_batch(batch, workers=max(1, workers))
            typer.echo(json.dumps(r, indent=2) if as_json else format_batch(r))
            return

        if path is not None and not path.exists():
            raise InputError("no such file or folder", path=str(path))
        r = run_bench(path, limit=limit, workers=workers, startup=not no_startup, stages=stages,
                      strength_model=strength_model)
    except (OverclaimError, ValueError, RuntimeError) as e:
        typer.echo(f"overclaim: {e}", err=True)
        raise typer.Exit(exit_status(e) if isinstance(e, OverclaimError) else EXIT_USAGE)
    typer.echo(json.dumps(r, indent=2) if as_json else format_bench(r))
