"""``overclaim bench``: throughput of the full audit against the tokenizer floor, in one run.

Measured on the same articles: both pipelines are first warmed up on the first fifth of the
articles (at most 50, not counted), then timed on the rest, which each sees for the first time:

* **floor**: spaCy tokenizer plus Overclaim's sentence splitter alone, in a pipeline of their own —
  no audit can be faster;
* **audit**: the full audit (:meth:`~pipeline.run.auditor.Auditor.audit_article`) on one core;
* **workers**: optionally the same audit on ``N`` worker processes (speed-up against one core);
* peak resident memory of this process (and of the workers), Auditor start-up time, and the start
  of ``overclaim check "…"`` as an editor would run it, against a bare spaCy pipeline's start
  (:func:`check_start`: medians of alternating fresh processes, their ratio, peak memory).

Words are whitespace-separated tokens of the article text. Figures are wall-clock; the load
average is reported alongside because the machine may be shared.

Example:
    >>> import tempfile
    >>> from pipeline.run.bench import run_bench
    >>> from pipeline.run.corpus import generate_batch
    >>> d = tempfile.mkdtemp(); _ = generate_batch(d, 12, real_fraction=0)
    >>> r = run_bench(d, limit=12, startup=False); r["floor"]["words_per_s"] > r["audit"]["words_per_s"] > 0
    True
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
import shutil
import tempfile

import psutil

from ..config import data_dir
from ..errors import InputError
from ..ingest.reader import iter_articles
from .corpus import generate_batch
from .pool import ProcessPool
from .runner import run_audit


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kB on Linux


def load_articles(path: str | Path | None = None, limit: int = 500):
    """The first ``limit`` readable articles under ``path`` (default: the shared articles) and the
    number of input errors met on the way."""
    if path is None:
        path = data_dir() / "articles"
    arts, errors = [], 0
    for item in iter_articles([path]):
        if isinstance(item, InputError):
            errors += 1
            continue
        if Path(item.source or "").name in ("SOURCE.md", "README.md"):
            continue  # the data sets' documentation, not articles
        arts.append(item)
        if len(arts) >= limit:
            break
    return arts, errors


def _rates(n_articles: int, words: int, seconds: float) -> dict[str, float]:
    seconds = max(seconds, 1e-9)
    return {"seconds": round(seconds, 3), "words_per_s": round(words / seconds), "articles_per_s":
            round(n_articles / seconds, 2)}


CHECK_TEXT = "Baclofen has been shown to be effective for fibromyalgia."
BARE_SPACY = "import spacy; spacy.blank('en')"


def _run_measured(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB, the child's own ``ru_maxrss`` from ``wait4``)
    of one command run to completion."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... exited {proc.returncode}: {err.decode(errors='replace')[-300:]}")
    return wall, usage.ru_maxrss / 1024  # kB on Linux


def _check_command(text: str) -> list[str]:
    """``overclaim check TEXT`` as a user runs it: the console script beside this interpreter."""
    script = Path(sys.executable).with_name("overclaim")
    return [str(script), "check", text] if script.is_file() else [sys.executable, "-m", "pipeline.cli", "check", text]


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def check_start(reps: int = 5, text: str = CHECK_TEXT) -> dict[str, Any]:
    """Start of ``overclaim check TEXT`` against the start of a bare spaCy pipeline, in one run.

    Runs ``python -c "import spacy; spacy.blank('en')"`` and ``overclaim check TEXT`` alternately,
    ``reps`` times each after one warm-up run of each (not counted: it builds any missing cache
    and warms the page cache), each a fresh process.

    Returns:
        ``{"reps", "check_seconds" (median wall), "bare_spacy_seconds" (median), "ratio",
        "check_peak_rss_mb" (largest of the runs), "bare_spacy_peak_rss_mb", "check_runs",
        "bare_runs", "warmup_check_seconds"}``; targets: ratio <= 2, peak <= 250 MB.
    """
    if reps < 1:
        raise ValueError("check start: reps must be at least 1")
    bare_cmd, check_cmd = [sys.executable, "-c", BARE_SPACY], _check_command(text)
    _run_measured(bare_cmd)
    warm = _run_measured(check_cmd)[0]
    bare, check = [], []
    for _ in range(reps):
        bare.append(_run_measured(bare_cmd))
        check.append(_run_measured(check_cmd))
    bare_s, check_s = _median([w for w, _ in bare]), _median([w for w, _ in check])
    return {"reps": reps, "text": text, "check_seconds": round(check_s, 3), "bare_spacy_seconds": round(bare_s, 3),
            "ratio": round(check_s / bare_s, 3), "check_peak_rss_mb": round(max(m for _, m in check), 1),
            "bare_spacy_peak_rss_mb": round(max(m for _, m in bare), 1),
            "check_runs": [round(w, 3) for w, _ in check], "bare_runs": [round(w, 3) for w, _ in bare],
            "warmup_check_seconds": round(warm, 3), "load_average": [round(x, 2) for x in os.getloadavg()]}


def format_check_start(c: dict[str, Any]) -> str:
    """The check-start figures: both medians, the ratio and peak memory, against the targets."""
    ok = c["ratio"] <= 2 and c["check_peak_rss_mb"] <= 250
    return (f"check start ({c['reps']} runs each, medians of wall time): `overclaim check \"...\"` "
            f"{c['check_seconds']:.2f}s, peak RSS {c['check_peak_rss_mb']:.0f} MB; bare spaCy "
            f"(`python -c \"{BARE_SPACY}\"`) {c['bare_spacy_seconds']:.2f}s, peak RSS "
            f"{c['bare_spacy_peak_rss_mb']:.0f} MB; ratio {c['ratio']:.2f} "
            f"(targets <= 2 and <= 250 MB: {'met' if ok else 'NOT met'}; load average {c['load_average']})")


def floor_pipeline():
    """spaCy with Overclaim's tokenizer (scispacy rules) and sentence splitter only: the floor."""
    import spacy
    from scispacy.custom_tokenizer import combined_rule_tokenizer

    from ..nlp import sentences  # noqa: F401  (registers the factory)

    nlp = spacy.blank("en")
    nlp.tokenizer = combined_rule_tokenizer(nlp)
    nlp.add_pipe("overclaim_sentences")
    return nlp


def run_bench(path: str | Path | None = None, *, limit: int = 500, workers: int = 1,
              startup: bool = True, stages: bool = False, strength_model: str = "fast") -> dict[str, Any]:
    """Benchmark the floor, the full audit and (optionally) ``workers`` processes.

    Args:
        path: folder or file of articles (default: ``../shared/articles``).
        limit: audit the first ``limit`` articles.
        workers: also run on this many worker processes when > 1.
        startup: also time ``overclaim check`` in a fresh interpreter.
        stages: also audit the measured articles a second time with per-stage CPU timing
            (``Auditor.timings``); the result's ``stages`` maps each stage to CPU seconds. That pass
            sees the articles a second time (warm tokenizer cache): compare stages with each other.
        strength_model: "fast" (the scikit-learn strength model, the audit's default) or "encoder"
            (``overclaim audit --strength-model encoder``): what the ``models`` figures measure.

    Returns:
        A dict with ``floor``, ``audit`` (and ``workers``) rates, ``audit_vs_floor``, memory in MB
        and start-up seconds.
    """
    arts, errors, load_s, auditor, auditor_s = _prepare(path, limit, strength_model)
    floor_nlp = floor_pipeline()
    n_warm, arts = _warm_up(arts, floor_nlp, auditor)
    words = sum(len(a.text.split()) for a in arts)
    pool, start_s = _start_pool(workers, auditor)  # forked now: same warm-up state as the 1-core run
    try:
        floor_s, floor_cpu = _time_floor(floor_nlp, arts)
        audit = _time_audit(auditor, arts)
        res: dict[str, Any] = {
            "articles": len(arts), "warmup_articles": n_warm, "words": words, "chars": sum(len(a.text) for a in arts),
            "input_errors": errors, "claims": audit["claims"],
            "audit_failures": audit["failures"], "path": str(path) if path else "shared articles",
            "floor": _rates(len(arts), words, floor_s), "audit": _rates(len(arts), words, audit["seconds"]),
            "load_seconds": round(load_s, 3), "auditor_startup_seconds": round(auditor_s, 3),
        }
        res["audit_vs_floor"] = round(floor_s / audit["seconds"], 3)
        if "model_cpu" in audit:
            res["models"] = _models_figures(strength_model, audit["model_cpu"], audit["cpu"])
        res["cpu"] = {"floor_words_per_s": round(words / max(floor_cpu, 1e-9)),
                      "audit_words_per_s": round(words / max(audit["cpu"], 1e-9)),
                      "audit_vs_floor": round(floor_cpu / max(audit["cpu"], 1e-9), 3)}
        res["peak_rss_mb"] = round(_peak_mb(), 1)
        if pool is not None:
            res["workers"] = _time_workers(pool, arts, words, start_s, audit)
            res["peak_rss_worker_mb"] = round(_peak_mb(resource.RUSAGE_CHILDREN), 1)
    finally:
        if pool is not None:
            pool.close()
    if stages:
        res["stages"] = _time_stages(auditor, arts)
    if startup:
        res["check_start"] = check_start(reps=3)
        res["check_startup_seconds"] = res["check_start"]["check_seconds"]
    res["load_average"] = [round(x, 2) for x in os.getloadavg()]
    res["cpus"] = os.cpu_count()
    return res


def _prepare(path, limit: int, strength_model: str):
    """The articles (with the input errors met and the seconds it took) and a ready Auditor."""
    from .auditor import Auditor

    t0 = time.perf_counter()
    arts, errors = load_articles(path, limit)
    load_s = time.perf_counter() - t0
    if not arts:
        raise ValueError(f"no readable articles under {path}")
    t0 = time.perf_counter()
    auditor = Auditor(strength_model=strength_model)
    return arts, errors, load_s, auditor, time.perf_counter() - t0


def _warm_up(arts: list, floor_nlp, auditor) -> tuple[int, list]:
    """Warm both pipelines on the first articles; return how many and the articles to measure.

    Each pipeline then sees the measured articles for the first time (own vocabulary and
    tokenizer cache), as in a real batch.
    """
    n_warm = min(max(1, len(arts) // 5), 50) if len(arts) > 1 else 0
    warm, rest = arts[:n_warm], arts[n_warm:] or arts
    for a in warm:
        floor_nlp(a.text)
        auditor.audit_article(a)
    return n_warm, rest


def _start_pool(workers: int, auditor):
    """A started pool of ``workers`` processes and its start-up seconds (``None`` for 1 worker)."""
    if workers <= 1:
        return None, None

    t0 = time.perf_counter()
    pool = ProcessPool(workers, auditor=auditor).start()
    return pool, time.perf_counter() - t0


def _time_floor(floor_nlp, arts: list) -> tuple[float, float]:
    """Wall and CPU seconds of the floor pipeline over ``arts``."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    for a in arts:
        floor_nlp(a.text)
    return time.perf_counter() - t0, time.process_time() - c0


def _time_audit(auditor, arts: list) -> dict[str, Any]:
    """Wall and CPU seconds of the full audit over ``arts``, claims and failures counted, and the
    CPU seconds spent in the trained models (``model_cpu``, when the auditor has them)."""
    model_cpu = [0.0]
    inner = auditor.scorer.apply if auditor.scorer is not None else None
    if inner is not None:
        def timed_apply(claims, _inner=inner):
            c = time.process_time()
            try:
                return _inner(claims)
            finally:
                model_cpu[0] += time.process_time() - c

        auditor.scorer.apply = timed_apply
    t0 = time.perf_counter()
    c0 = time.process_time()
    out: dict[str, Any] = {"claims": 0, "failures": 0}
    for r in auditor.audit(arts):
        if hasattr(r, "claims"):
            out["claims"] += len(r.claims)
        else:
            out["failures"] += 1
    out["seconds"] = time.perf_counter() - t0
    out["cpu"] = time.process_time() - c0
    if inner is not None:
        auditor.scorer.apply = inner
        out["model_cpu"] = model_cpu[0]
    return out


def _models_figures(strength_model: str, model_cpu: float, audit_cpu: float) -> dict[str, Any]:
    """What the trained models add to the rules-only pipeline."""
    rules_cpu = audit_cpu - model_cpu
    return {"strength_model": strength_model, "cpu_seconds": round(model_cpu, 3),
            "rules_cpu_seconds": round(rules_cpu, 3), "overhead": round(model_cpu / max(rules_cpu, 1e-9), 3)}


def _cpu_of_workers(pool) -> float:
    tot = 0.0
    for w in pool.workers:
        try:
            t = psutil.Process(w.proc.pid).cpu_times()
            tot += t.user + t.system
        except psutil.Error:
            pass
    return tot


def _time_workers(pool, arts: list, words: int, start_s: float, audit: dict[str, Any]) -> dict[str, Any]:
    """The audit of ``arts`` on the pool's workers, against the 1-core run ``audit``."""
    c0 = _cpu_of_workers(pool)
    t0 = time.perf_counter()
    n = sum(1 for _ in pool.imap(arts))
    par_s = time.perf_counter() - t0
    par_cpu = _cpu_of_workers(pool) - c0
    assert n == len(arts)
    return dict(_rates(len(arts), words, par_s), n=pool.n, startup_seconds=round(start_s, 3),
                speedup=round(audit["seconds"] / par_s, 2), cpu_seconds=round(par_cpu, 3),
                cpu_efficiency=round(audit["cpu"] / par_cpu, 3) if par_cpu else None)


def _time_stages(auditor, arts: list) -> dict[str, float]:
    """CPU seconds by stage over a second pass of ``arts``, largest first."""
    auditor.timings = {}
    try:
        for a in arts:
            auditor.audit_article(a)
    finally:
        timed, auditor.timings = auditor.timings, None
    return {k: round(v, 3) for k, v in sorted(timed.items(), key=lambda kv: -kv[1])}


class RSSSampler:
    """Samples the memory of this process plus its children (PSS where available, else RSS) every
    ``interval`` seconds."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True, name="overclaim-rss-sampler")

    def _run(self) -> None:
        def mem(p) -> int:  # proportional set size: shared (copy-on-write) pages counted once
            try:
                return p.memory_full_info().pss
            except (psutil.Error, AttributeError):
                return p.memory_info().rss

        me = psutil.Process()
        t0 = time.monotonic()
        while not self._stop.is_set():
            try:
                rss = mem(me)
                for c in me.children(recursive=True):
                    try:
                        rss += mem(c)
                    except psutil.Error:
                        pass
            except psutil.Error:
                rss = 0
            self.samples.append((time.monotonic() - t0, rss / 2**20))
            self._stop.wait(self.interval)

    def __enter__(self) -> "RSSSampler":
        self._t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._t.join()


def run_batch(n: int = 10_000, *, workers: int = 2, out: str | Path | None = None, keep: bool = False,
              real_fraction: float = 0.3, html: bool = True) -> dict[str, Any]:
    """Generate an ``n``-article batch (templates plus real articles) in a temporary folder, audit it
    with ``workers`` processes, and report time and memory (sampled through the run: flat memory
    means the last quarter's peak is close to the first quarter's).

    Returns:
        ``{"articles", "words", "errors", "claims", "wall_seconds", "articles_per_s", "words_per_s",
        "rss_mb": {"q1_peak", "q4_peak", "peak"}, ...}``.
    """
    tmp = Path(tempfile.mkdtemp(prefix="overclaim-batch-"))
    try:
        info = generate_batch(tmp / "in", n, real_fraction=real_fraction)
        out = Path(out) if out else tmp / "out"
        with RSSSampler() as sampler:
            t0 = time.perf_counter()
            summary = run_audit([tmp / "in"], out, progress=False, workers=workers, html=html)
            wall = time.perf_counter() - t0
        rss = [m for _, m in sampler.samples] or [0.0]
        q = max(1, len(rss) // 4)
        return {
            "articles": summary["articles"], "generated": info, "words": info["words"],
            "errors": summary["errors"], "claims": summary["claims"], "flagged": summary["flagged"],
            "workers": workers, "wall_seconds": round(wall, 1), "articles_per_s": round(summary["articles"] / wall, 1),
            "words_per_s": round(info["words"] / wall),
            "rss_mb": {"q1_peak": round(max(rss[:q]), 1), "q4_peak": round(max(rss[-q:]), 1),
                       "peak": round(max(rss), 1), "samples": len(rss)},
            "out": str(out) if keep else None, "load_average": [round(x, 2) for x in os.getloadavg()],
        }
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def format_bench(r: dict[str, Any]) -> str:
    """Side-by-side table of a :func:`run_bench` result."""
    lines = [f"Overclaim bench: {r['articles']} articles, {r['words']:,} words, after {r['warmup_articles']} "
             f"warm-up articles ({r['path']}; "
             f"{r['input_errors']} unreadable input(s) skipped)", "",
             f"{'':34}{'words/s':>10}{'articles/s':>12}{'seconds':>9}"]
    rows = [("tokenizer + sentences (floor)", r["floor"]), ("full audit, 1 core", r["audit"])]
    if "workers" in r:
        rows.append((f"full audit, {r['workers']['n']} workers", r["workers"]))
    for name, x in rows:
        lines.append(f"{name:34}{x['words_per_s']:>10,}{x['articles_per_s']:>12,.1f}{x['seconds']:>9.2f}")
    lines.append("")
    lines.append(f"full audit = {r['audit_vs_floor']:.0%} of the floor's throughput (target >= 25%; "
                 f"20,000 words/s: {'met' if r['audit']['words_per_s'] >= 20000 else 'NOT met'})")
    if "workers" in r:
        w = r["workers"]
        lines.append(f"{w['n']} workers: speed-up x{w['speedup']:.2f} over 1 core "
                     f"(worker start-up {w['startup_seconds']:.2f}s, not counted); workers used "
                     f"{w['cpu_seconds']:.2f} CPU-s for the 1-core run's {w['cpu_seconds'] * (w['cpu_efficiency'] or 0):.2f} "
                     f"(efficiency {w['cpu_efficiency'] or 0:.0%}; wall speed-up needs {w['n']} idle cores)")
    c = r["cpu"]
    lines.append(f"by CPU time (robust to other load): floor {c['floor_words_per_s']:,} words/s, audit "
                 f"{c['audit_words_per_s']:,} words/s = {c['audit_vs_floor']:.0%}")
    if "models" in r:
        m = r["models"]
        which = " (strength from strength-encoder)" if m.get("strength_model") == "encoder" else ""
        lines.append(f"trained models{which}: {m['cpu_seconds']:.2f} CPU-s on top of {m['rules_cpu_seconds']:.2f} for the "
                     f"rules pipeline = +{m['overhead']:.0%} audit time (target < 20%)")
    mem = f"peak memory (RSS): {r['peak_rss_mb']:.0f} MB"
    if "peak_rss_worker_mb" in r:
        mem += f", largest worker {r['peak_rss_worker_mb']:.0f} MB"
    lines.append(mem + " (target < 1 GB)")
    lines.append(f"start-up: Auditor {r['auditor_startup_seconds']:.2f}s")
    if "check_start" in r:
        lines.append(format_check_start(r["check_start"]))
    if "stages" in r:
        total = sum(r["stages"].values()) or 1.0
        lines.append("CPU seconds by stage (second pass over the same articles):")
        for k, v in r["stages"].items():
            lines.append(f"  {k:28}{v:>7.3f}  {v / total:>4.0%}")
    lines.append(f"load average {r['load_average']} on {r['cpus']} CPU(s)")
    return "\n".join(lines)


def format_batch(r: dict[str, Any]) -> str:
    """Summary lines of a :func:`run_batch` result."""
    g = r["generated"]
    m = r["rss_mb"]
    return "\n".join([
        f"Batch: {r['articles']:,} articles audited ({g['template']:,} generated, {g['real']:,} real; "
        f"{r['words']:,} words), {r['claims']:,} claims, {r['flagged']:,} flagged, {r['errors']} error(s)",
        f"{r['workers']} worker(s): {r['wall_seconds']:.1f}s wall, {r['articles_per_s']:.1f} articles/s, "
        f"{r['words_per_s']:,} words/s",
        f"memory (all processes, PSS): first-quarter peak {m['q1_peak']:.0f} MB, last-quarter peak "
        f"{m['q4_peak']:.0f} MB, overall peak {m['peak']:.0f} MB ({m['samples']} samples)",
        f"load average {r['load_average']}",
    ])
