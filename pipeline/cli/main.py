"""The ``overclaim`` command line: a thin wrapper over importable functions.

Exit statuses are the same in every command: :data:`pipeline.errors.EXIT_STATUS` maps each error
class to one, :data:`pipeline.errors.EXIT_MEANING` says what each means (shown by ``overclaim --help``).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional
import json

import typer

from ..types import StrengthModel

from ..errors import EXIT_FOUND, EXIT_INTERRUPTED, EXIT_UNREADABLE, EXIT_USAGE, exit_status, exit_status_help
from ..errors import EXIT_OUTPUT  # noqa: F401  (re-exported: tests and scripts read the statuses here too)
from ..api import check
from ..errors import OverclaimError
from ..eval import regression
from ..ingest.reader import IngestOptions
from ..reference.autobuild import reference_notice
from ..report.records import claim_record
from ..run.runner import run_audit
from .reference import reference_app

app = typer.Typer(
    name="overclaim",
    help="Fact-check health articles: extract claims, check them against a curated reference, "
         "flag contradictions and overstatements.\n\nExit status (the same in every command):\n\n\b\n"
         + exit_status_help(),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _err(msg: str) -> None:
    typer.echo(f"overclaim: {msg}", err=True)


def _positive_seconds(value: Optional[float]) -> Optional[float]:
    """Typer callback: a number of seconds must be more than 0 (a usage error otherwise)."""
    if value is not None and not value > 0:
        raise typer.BadParameter(f"{value:g} is not a number of seconds above 0")
    return value


@app.command("audit")
def audit_cmd(
    paths: List[str] = typer.Argument(..., help="Files or folders (.txt .md .html .jsonl .csv), or - for stdin."),
    out: Path = typer.Option(Path("overclaim-out"), "--out", "-o", help="Output folder."),
    overlay: List[Path] = typer.Option([], "--overlay", help="Editor overlay file/folder of reference corrections."),
    no_models: bool = typer.Option(False, "--no-models", help="Rules only: skip the trained check-worthiness and "
                                                              "strength models."),
    id_field: str = typer.Option("id", help="Id column of .jsonl/.csv inputs."),
    title_field: str = typer.Option("title", help="Title column of .jsonl/.csv inputs."),
    url_field: str = typer.Option("url", help="URL column of .jsonl/.csv inputs."),
    text_field: str = typer.Option("text", help="Text column of .jsonl/.csv inputs."),
    max_chars: int = typer.Option(2_000_000, min=1, help="Refuse articles longer than this many characters."),
    no_html: bool = typer.Option(False, "--no-html", help="Skip report.html."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary table."),
    show: int = typer.Option(10, min=0, help="Flagged claims to list in the terminal summary (0: none)."),
    db: Optional[str] = typer.Option(None, "--db", help="Also store the run in this review database "
                                     "(SQLite path or SQLAlchemy URL; see `overclaim serve`)."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Worker processes on this machine."),
    engine: str = typer.Option("local", "--engine", help="local, or dask (with --scheduler)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
    resume: bool = typer.Option(False, "--resume", help="Continue the interrupted run in --out (same inputs)."),
    timeout: Optional[float] = typer.Option(None, "--timeout", callback=_positive_seconds,
                                            help="With --workers: skip an article after this many seconds."),
    strength_model: StrengthModel = typer.Option(StrengthModel.FAST, "--strength-model",
                                                 help="fast: the scikit-learn strength model; "
                                       "encoder: the fine-tuned MiniLM (more accurate, about 20 ms per plainly "
                                       "stated claim sentence, so for small runs)."),
) -> None:
    """Audit articles and write claims.jsonl, articles.jsonl, claims.csv, report.html.

    Examples:

      overclaim audit corpora/samples --out out/

      overclaim audit blog.html notes.md --out out/ --no-html

      overclaim audit posts.csv --text-field body --id-field slug

      cat post.txt | overclaim audit - --out out/

      overclaim audit corpora/samples --out out/ --db reviews.sqlite3

      overclaim audit archive/ --out out/ --workers 2 --resume

      overclaim audit archive/ --out out/ --engine dask --scheduler tcp://10.0.0.5:8786

      overclaim audit blog.html --out out/ --strength-model encoder
    """
    opts = IngestOptions(id_field=id_field, title_field=title_field, url_field=url_field, text_field=text_field,
                         max_chars=max_chars)
    _check_audit_options(engine, scheduler)
    notice = None if quiet else reference_notice()
    if notice:
        typer.echo(notice, err=True)
    try:
        summary = run_audit(paths, out, opts=opts, overlays=[str(o) for o in overlay], html=not no_html,
                            models=not no_models, strength_model=strength_model,
                            progress=not quiet, echo=None if quiet else typer.echo, show=show,
                            sinks=_review_sinks(db, overlay), workers=workers, engine=engine, scheduler=scheduler,
                            resume=resume, timeout=timeout)
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED)
    except OverclaimError as e:
        _err(str(e))
        raise typer.Exit(exit_status(e))
    if db and not quiet:
        typer.echo(f"Stored as run #{summary['db_run']} in {summary['db']} ({summary['db_changed']} verdict(s) "
                   f"changed since the last audit); review with `overclaim serve --db ...`.")
    if summary["errors"]:
        raise typer.Exit(EXIT_UNREADABLE)


def _check_audit_options(engine: str, scheduler: Optional[str]) -> None:
    """Usage errors of ``overclaim audit`` that typer cannot see."""
    if engine not in ("local", "dask") or (engine == "dask") != bool(scheduler):
        _err("--engine must be local, or dask together with --scheduler ADDRESS")
        raise typer.Exit(EXIT_USAGE)


def _review_sinks(db: Optional[str], overlay: List[Path]) -> list:
    """The review database as an extra result sink of the audit (none without ``--db``)."""
    if not db:
        return []
    from ..review.store import ReviewSink  # needs the 'review' extra

    return [ReviewSink(db, overlays=[str(o) for o in overlay])]


@app.command("check")
def check_cmd(
    text: str = typer.Argument(..., help="A sentence or paragraph (or - to read standard input)."),
    as_json: bool = typer.Option(False, "--json", help="Print claim records as JSON lines."),
) -> None:
    """Print the claims in a sentence or paragraph with their verdicts.

    Examples:

      overclaim check "Baclofen has been shown to be effective for fibromyalgia."

      overclaim check "The maximum dose is 120 mg of baclofen a day." --json
    """
    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        _err("no text given")
        raise typer.Exit(EXIT_USAGE)

    try:
        res = check(text)
    except OverclaimError as e:  # e.g. over the length limit of one article (an input error)
        _err(str(e))
        raise typer.Exit(exit_status(e))
    if as_json:
        for cc in res.claims:
            typer.echo(json.dumps(claim_record(cc), ensure_ascii=False))
        return
    if not res.claims:
        typer.echo("No checkable claim found.")
        return
    for cc in res.claims:
        c, v = cc.claim, cc.verdict
        pair = " / ".join(x for x in ((c.drug.name or c.drug.text) if c.drug else None,
                                      (c.condition.name or c.condition.text) if c.condition else None) if x)
        flag = "FLAG" if v.flagged else "ok  "
        typer.echo(f"[{flag}] {v.label.value:<12} {v.severity.value:<6} {c.type.value:<9} {pair} "
                   f"(strength {int(c.strength)}, {c.polarity})")
        typer.echo(f"       {v.rationale}")
        if v.suggestion:
            typer.echo(f"       suggestion: {v.suggestion}")
        for e in v.evidence[:3]:
            src = e.source.get("title", "")
            typer.echo(f"       evidence: {e.summary} [{src}]")


@app.command("regression")
def regression_cmd(
    save: Optional[Path] = typer.Option(None, "--save", help="Audit the gold and the shared sample and save the "
                                        "outputs in this folder (outside the repository)."),
    compare: Optional[Path] = typer.Option(None, "--compare", help="Audit the articles of this saved run again "
                                           "and report what is not byte-identical."),
    against: Optional[Path] = typer.Option(None, "--against", help="With --compare: compare with this saved run "
                                           "instead of auditing again."),
    out: Optional[Path] = typer.Option(None, "--out", help="With --compare: keep the new run in this folder."),
    limit: int = typer.Option(1000, "--limit", min=0, help="With --save: shared FakeHealth articles to audit."),
    seed: int = typer.Option(0, "--seed", help="With --save: seed of the draw of shared articles."),
    no_models: bool = typer.Option(False, "--no-models", help="With --save: rules only."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Worker processes (the outputs do not depend "
                                                                  "on it)."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
) -> None:
    """Byte-identical regression check of claims.jsonl and articles.jsonl, before and after a change.

    Audits the hand-written gold (corpora/gold) and a fixed sample of shared FakeHealth articles.
    Fields that differ on every run (timings, temporary paths) are named and left out. Exits 1
    when the outputs differ.

    Examples:

      overclaim regression --save /tmp/before

      overclaim regression --compare /tmp/before

      overclaim regression --compare /tmp/before --against /tmp/after --json
    """
    if (save is None) == (compare is None) or (against is not None and compare is None):
        _err("give --save DIR or --compare DIR (with --against DIR2 to compare two saved runs)")
        raise typer.Exit(EXIT_USAGE)
    try:
        if save is not None:
            manifest = regression.save(save, limit=limit, seed=seed, models=not no_models, workers=workers)
            typer.echo(regression.format_saved(manifest, save))
            return
        report = (regression.compare_dirs(compare, against) if against is not None
                  else regression.compare(compare, out=out, workers=workers))
    except OverclaimError as e:
        _err(str(e))
        raise typer.Exit(exit_status(e))
    typer.echo(json.dumps(report, indent=1, ensure_ascii=False) if as_json else regression.format_report(report))
    if not report["identical"]:
        raise typer.Exit(EXIT_FOUND)


# ``overclaim eval`` (gold-set claims/linking/scorecard and the model tasks) is registered by
# pipeline.cli.ml below.


def _add_reference_commands() -> None:
    app.add_typer(reference_app, name="reference")


_add_reference_commands()


from .review import register as _register_review  # noqa: E402  (light: heavy imports inside commands)

_register_review(app)

from .run import register as _register_scale  # noqa: E402

_register_scale(app)

from .ml import register as _register_ml  # noqa: E402  (train, strength, eval; heavy imports inside)

_register_ml(app)


def main() -> None:  # pragma: no cover - entry point
    """Console entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
