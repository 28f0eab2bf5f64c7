"""Typer commands for the claim models: ``overclaim train``, ``overclaim strength``, ``overclaim eval``.

``register(app)`` adds them to the main app. ``eval`` is shared: the model tasks go to
:func:`pipeline.ml.evaluate`, every other task (claims, linking, scorecard: the names in
``pipeline.eval.handgold.TASKS``) to :func:`pipeline.eval.handgold.run`, the gold-set evaluation.

Example:
    >>> import typer
    >>> from pipeline.cli.ml import register
    >>> app = typer.Typer()
    >>> register(app)
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Optional

import typer

from ..errors import EXIT_OUTPUT, EXIT_UNREADABLE, EXIT_USAGE, OverclaimError
from ..eval import handgold as gold  # the gold-set evaluation (claims, linking, scorecard, coverage)
from ..ml import STRENGTH_LABELS, score_strength
from ..ml.encoder import ENCODER_NAMES
from ..ml.model import default_model_dir
from ..types import StrengthModel

MODEL_TASKS = ("strength", "advice", "hedge", "checkworthy", "exaggeration")


def _err(msg: str) -> None:
    typer.echo(f"overclaim: {msg}", err=True)


def _table(df) -> str:
    cols = [c for c in ("model", "task", "dataset", "protocol", "n", "macro_f1", "ci95_low", "ci95_high", "fold_sd",
                        "f1_speculative", "average_precision", "anchor_f1", "target", "met", "anchor")
            if c in df.columns]
    import pandas as pd

    with pd.option_context("display.max_colwidth", 60, "display.width", 250, "display.max_columns", 30):
        return df[cols].to_string(index=False)


def train_cmd(
    name: str = typer.Argument(..., help="Model: strength | advice | hedge | checkworthy, or an encoder model: "
                                         "strength-encoder | advice-encoder (needs the encoder-train extra)."),
    data: Optional[Path] = typer.Option(None, "--data", help="Shared data folder (default $OVERCLAIM_DATA_DIR or ../shared)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write the weights, .json and .md card (default: models/)."),
    no_eval: bool = typer.Option(False, "--no-eval", help="Skip the cross-validated evaluation for the card (scikit-learn models)."),
    cv: bool = typer.Option(False, "--cv", help="Encoder models: also rerun the stored 5-fold cross-validation "
                                                "(hours on a CPU; without it the stored predictions are kept)."),
    protocol: Optional[list[str]] = typer.Option(None, "--protocol", help="Encoder models: run only this stored "
                                                 "cross-validation protocol (repeatable; e.g. yu2020+yu2019) and "
                                                 "keep the weights; implies --cv."),
    folds: Optional[str] = typer.Option(None, "--folds", help="Encoder models: train only these folds now, e.g. "
                                        "0,1,2 (finished folds are kept, so another process can run the rest); "
                                        "implies --cv and keeps the weights."),
    card_only: bool = typer.Option(False, "--card-only", help="Encoder models: recompute the card's metrics and "
                                   "the probability calibration from the stored cross-validation (no training, "
                                   "no torch)."),
) -> None:
    """Train a claim model with fixed seeds and write its weights and model card.

    The scikit-learn models take seconds to minutes. The encoder models fine-tune MiniLM with
    torch (pip install -e ".[encoder-train]"): about 20 min (strength) or 40 min (advice) on
    one CPU core, and several hours with --cv. Scoring them later needs numpy only.

    Examples:

      overclaim train strength

      overclaim train advice --data ../shared --out /tmp/models

      overclaim train hedge --no-eval

      overclaim train strength-encoder --out /tmp/models

      overclaim train strength-encoder --protocol yu2020+yu2019 --folds 0,1,2   # and 3,4 in a second shell

      overclaim train advice-encoder --card-only
    """
    cmd = _train_command_line(name, data, out, no_eval, cv, protocol)
    if name in ENCODER_NAMES:
        _train_encoder_model(name, data, out, cv=cv, protocol=protocol, folds=folds, card_only=card_only, cmd=cmd)
        return
    if cv or protocol or folds is not None or card_only:
        _err("--cv, --protocol, --folds and --card-only are for the encoder models; the scikit-learn models are "
             "cross-validated unless --no-eval")
        raise typer.Exit(EXIT_USAGE)
    _train_sklearn_model(name, data, out, no_eval=no_eval, cmd=cmd)


def _train_command_line(name: str, data, out, no_eval: bool, cv: bool, protocol) -> str:
    """The command line recorded with a trained model."""
    return "overclaim train " + name + (f" --data {data}" if data else "") + (f" --out {out}" if out else "") + \
        (" --no-eval" if no_eval else "") + (" --cv" if cv else "") + \
        "".join(f" --protocol {p}" for p in protocol or ())


def _fold_list(folds: Optional[str]) -> list[int]:
    """The fold numbers of ``--folds`` (default all five); exits 2 on anything else."""
    try:
        return sorted({int(x) for x in (folds or "0,1,2,3,4").split(",") if x.strip()})
    except ValueError:
        _err(f"--folds {folds!r}: give fold numbers separated by commas, e.g. 0,1,2")
        raise typer.Exit(EXIT_USAGE)


def _train_encoder_model(name: str, data, out, *, cv: bool, protocol, folds: Optional[str], card_only: bool,
                         cmd: str) -> None:
    """``overclaim train`` for an encoder model: the card only, some cross-validation folds, or
    the final model."""
    from ..ml.encoder_train import run_cv, train_encoder

    log = lambda m: typer.echo(m, err=True)  # noqa: E731
    try:
        if card_only:
            from ..ml.encoder_train import refresh_metrics

            rows = refresh_metrics(name, data, out)
            typer.echo(f"rewrote {Path(str(out or default_model_dir())) / (name + '.md')} "
                       f"({len(rows)} metric rows)")
            return
        if protocol or folds is not None:
            fold_list = _fold_list(folds)
            status = run_cv(name, data, out, keys=protocol or None, folds=fold_list, command=cmd, log=log)
            for key, st in status.items():
                typer.echo(f"{name} {key}: {st}")
            return
        res = train_encoder(name, data, out, cv=cv, command=cmd, log=log)
    except OverclaimError as e:
        _err(str(e))
        raise typer.Exit(EXIT_USAGE)
    typer.echo(f"wrote {res['weights']} ({res['n_train']} sentences, {res['train_seconds']} s)")


def _train_sklearn_model(name: str, data, out, *, no_eval: bool, cmd: str) -> None:
    """``overclaim train`` for a scikit-learn model, with its cross-validated evaluation table."""
    from ..ml.training import train

    try:
        res = train(name, data, out, evaluate_model=not no_eval, command=cmd)
    except OverclaimError as e:
        _err(str(e))
        raise typer.Exit(EXIT_USAGE)
    typer.echo(f"wrote {res['weights']} ({res['n_train']} sentences, {res['train_seconds']} s, "
               f"{res['ms_per_sentence']:.2f} ms/sentence)")
    if res["rows"]:
        import pandas as pd

        typer.echo(_table(pd.DataFrame(res["rows"])))


def _read_sentences(src: str):
    """Yield (row number, record dict) from a text file (one sentence a line) or JSONL."""
    fh = sys.stdin if src == "-" else open(src, encoding="utf-8")
    try:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            s = line.strip()
            if s.startswith("{"):
                try:
                    rec = json.loads(s)
                except json.JSONDecodeError as e:
                    yield i, ValueError(f"not valid JSON ({e.msg})")
                    continue
                if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                    yield i, ValueError("JSON line has no string 'text' field")
                    continue
                yield i, rec
            else:
                yield i, {"text": s}
    finally:
        if fh is not sys.stdin:
            fh.close()


def strength_cmd(
    src: str = typer.Argument("-", help="Input: text file with one sentence a line, JSONL with a 'text' field, or - for stdin."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write JSONL here (default stdout)."),
    batch: int = typer.Option(256, help="Sentences scored per batch."),
    cues: int = typer.Option(3, help="At most this many top cue phrases per sentence."),
    model: StrengthModel = typer.Option(StrengthModel.ENCODER, "--strength-model", "-m",
                                        help="encoder: the fine-tuned MiniLM (more accurate, "
                                                               "~20 ms/sentence); fast: the scikit-learn model "
                                                               "(~1 ms/sentence, used by the audit)."),
) -> None:
    """Score claim strength: 0 no relation, 1 correlational, 2 conditional/hedged causal, 3 direct causal.

    Writes one JSON object per sentence: the input fields plus strength, strength_label,
    p0..p3 (class probabilities), top_cues (the words that carried the strength) and model.
    Unreadable JSONL lines are reported on stderr and skipped (exit status 3).

    Examples:

      echo "Baclofen has been shown to reduce pain" | overclaim strength -

      overclaim strength sentences.txt --out scored.jsonl

      overclaim strength claims.jsonl -o scored.jsonl --strength-model fast
    """
    if src != "-" and not Path(src).is_file():
        _err(f"{src}: file not found")
        raise typer.Exit(EXIT_USAGE)
    sink, tmp = _open_sink(out)
    bad = 0
    try:
        recs = []
        for i, rec in _read_sentences(src):
            if isinstance(rec, Exception):
                bad += 1
                _err(f"{'<stdin>' if src == '-' else src} row {i}: {rec}; skipped")
                continue
            recs.append(rec)
            if len(recs) >= batch:
                _write_scored(sink, recs, cues, model)
                recs = []
        if recs:
            _write_scored(sink, recs, cues, model)
        if tmp is not None:
            sink.close()
            os.replace(tmp, out)
            tmp = None
    except OverclaimError as e:
        _err(str(e))
        raise typer.Exit(EXIT_USAGE)
    except UnicodeDecodeError as e:
        _err(f"{src}: not UTF-8 text ({e.reason})")
        raise typer.Exit(EXIT_UNREADABLE)
    finally:
        if tmp is not None:
            try:
                sink.close()
            finally:
                os.unlink(tmp)
    if bad:
        raise typer.Exit(EXIT_UNREADABLE)


def _open_sink(out: Optional[Path]):
    """(stream, temporary path or None): a temporary file beside ``out`` (renamed to it when
    done), or standard output; exits 4 when ``out`` cannot be written."""
    try:
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
            return os.fdopen(fd, "w", encoding="utf-8"), tmp
        return sys.stdout, None
    except OSError as e:
        _err(f"{out}: cannot write ({e.strerror})")
        raise typer.Exit(EXIT_OUTPUT)


def _scored_records(recs: list[dict], df, model: str) -> list[dict]:
    """New records: each input record plus its strength, label, class probabilities, top cues and model."""
    out = []
    for r, row in zip(recs, df.itertuples(index=False)):
        o = dict(r)
        o["strength"] = int(row.strength)
        o["strength_label"] = STRENGTH_LABELS[int(row.strength)]
        for j in range(4):
            o[f"p{j}"] = round(float(getattr(row, f"p{j}")), 4)
        o["top_cues"] = list(row.top_cues)
        o["model"] = StrengthModel(model).model_name
        out.append(o)
    return out


def _write_scored(sink, recs: list[dict], cues: int, model: str) -> None:
    """Score a batch of records and write them as JSON lines."""
    df = score_strength([r["text"] for r in recs], k=cues, model=model)
    for o in _scored_records(recs, df, model):
        sink.write(json.dumps(o, ensure_ascii=False) + "\n")


def eval_cmd(
    task: str = typer.Argument("claims", help="claims | linking | scorecard (gold in corpora/gold), or a model "
                                              "task: strength | advice | hedge | checkworthy | exaggeration."),
    data: Optional[Path] = typer.Option(None, "--data", help="Shared data folder for model tasks (default $OVERCLAIM_DATA_DIR or ../shared)."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Model tasks: evaluate on a stratified sample of at most N sentences per dataset (quick check); coverage: the number of real articles audited (default 200)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    split: Optional[str] = typer.Option(None, "--split", help="claims: score the real-article gold "
                                        "(corpora/gold/real) instead of the hand-written gold: dev or test."),
) -> None:
    """Evaluate: gold-set claims/linking/scorecard, or a model's cross-validated macro-F1 beside published anchors.

    With --split, `claims` audits the real-article gold (random real news, corpora/gold/GUIDELINE.md)
    and prints claim-frame and per-sentence flag precision/recall. Tune on dev; report test beside it.

    Model tasks print macro-F1 with a 95% bootstrap interval, the SD over folds, the published
    anchor (e.g. BioBERT) and the project's target.

    Examples:

      overclaim eval claims

      overclaim eval claims --split dev

      overclaim eval scorecard

      overclaim eval strength

      overclaim eval advice --limit 1000

      overclaim eval exaggeration --json

      overclaim eval coverage --limit 1000     # verdict shares by reference layer and intervention type
    """
    if split is not None:
        _eval_real_split(task, split, as_json)
        return
    if task not in MODEL_TASKS:
        if task not in gold.TASKS:
            _err(f"unknown evaluation {task!r}; choose one of {', '.join(gold.TASKS + MODEL_TASKS)}")
            raise typer.Exit(EXIT_USAGE)
        try:
            # coverage audits real articles from the data folder: --limit articles (default 200)
            extra = {k: v for k, v in (("limit", limit), ("data", data)) if v is not None} if task == "coverage" else {}
            result = gold.run(task, **extra)
        except KeyError as e:
            _err(str(e))
            raise typer.Exit(EXIT_USAGE)
        if as_json:
            typer.echo(json.dumps(result, indent=2))
        else:
            typer.echo(gold.format_table(result))
        return
    from ..ml.training import evaluate

    try:
        df = evaluate(task, data, limit=limit)
    except OverclaimError as e:
        _err(str(e))
        raise typer.Exit(EXIT_USAGE)
    if as_json:
        typer.echo(df.to_json(orient="records", indent=2))
    else:
        typer.echo(_table(df))


def _eval_real_split(task: str, split: str, as_json: bool) -> None:
    """``overclaim eval claims --split dev|test``: the real-article gold."""
    from ..eval import realrun

    if task != "claims" or split not in ("dev", "test"):
        _err(f"--split {split!r} with {task!r}: use `overclaim eval claims --split dev` or `--split test`")
        raise typer.Exit(EXIT_USAGE)
    try:
        res = realrun.evaluate_split(split)
    except (ValueError, FileNotFoundError) as e:
        _err(str(e))
        raise typer.Exit(EXIT_USAGE)
    typer.echo(json.dumps(res, indent=2) if as_json else realrun.format_split(res))


def register(app: typer.Typer) -> None:
    """Add ``train``, ``strength`` and ``eval`` to the main Typer app (replacing an older ``eval``)."""
    app.registered_commands[:] = [c for c in app.registered_commands
                                  if (c.name or getattr(c.callback, "__name__", "")) not in ("train", "strength", "eval")]
    app.command("train")(train_cmd)
    app.command("strength")(strength_cmd)
    app.command("eval")(eval_cmd)
