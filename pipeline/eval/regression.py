"""Regression harness: audit a fixed set of articles and compare the outputs byte for byte.

``overclaim regression --save DIR`` audits

* ``gold``: the hand-written gold documents (``corpora/gold``: the documents of ``claims.jsonl``
  and ``mentions.jsonl``, and the articles of ``scorecard.jsonl``), read with the gold loaders of
  :mod:`pipeline.eval.handgold` and :mod:`pipeline.eval.scorecard_eval`;
* ``shared``: ``--limit`` articles (default 1,000) of the shared FakeHealth corpus
  (``articles/fakehealth/*.jsonl`` in the shared data folder), drawn with a fixed seed and kept in
  file order,

through :func:`pipeline.run.runner.run_audit` (the code path of ``overclaim audit``), and writes
``DIR/<set>/claims.jsonl``, ``articles.jsonl`` and ``errors.jsonl`` with ``DIR/manifest.json``
(commit, options, the article ids and a hash of the inputs). The shared articles themselves are
not copied into ``DIR``: they are drawn again, and checked against the hash, on comparison.

``overclaim regression --compare DIR`` audits the same articles with the same options again and
reports, by file and by article, what is not byte-identical. Fields left out of the comparison,
each for a stated reason, are listed in :data:`EXCLUDED` and :data:`REWRITTEN`.

Example:
    >>> from pipeline.eval.regression import EXCLUDED
    >>> sorted(EXCLUDED["articles.jsonl"])
    ['seconds']
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import scorecard_eval
from ..config import data_dir
from ..errors import InputError
from ..ingest.reader import IngestOptions
from ..report.writer import atomic_write_text, check_writable
from ..run.runner import run_audit
from .handgold import gold_dir, load_document, read_jsonl

FORMAT = 1
SETS = ("gold", "shared")
FILES = ("claims.jsonl", "articles.jsonl", "errors.jsonl")
DEFAULT_LIMIT = 1000
DEFAULT_SEED = 0
SHARED_GLOB = "articles/fakehealth/*.jsonl"

# Fields removed from the records before they are saved and compared, with the reason.
EXCLUDED: dict[str, dict[str, str]] = {
    "articles.jsonl": {"seconds": "wall-clock time the article took to audit: differs on every run"},
}
# Fields kept, with the temporary input folder of the run cut from their text.
REWRITTEN: dict[str, dict[str, str]] = {
    "articles.jsonl": {"source": "path of the harness's temporary input file: its folder differs on every run"},
    "errors.jsonl": {"path": "path of the harness's temporary input file (as for source)",
                     "message": "names that path"},
}


# -----------------------------------------------------------------------------------------------
# Inputs


def gold_rows() -> tuple[list[dict], list[str]]:
    """The gold documents as JSONL rows (``id``, ``title``, ``url``, ``text``), and notes on the
    ones that could not be read (e.g. the seeds without the shared data folder)."""
    docs = sorted({r["doc"] for kind in ("claims", "mentions") for r in read_jsonl(gold_dir() / f"{kind}.jsonl")})
    rows, notes, seen = [], [], set()
    for doc in docs:
        text, note = load_document(doc)
        if text is None:
            notes.append(note)
            continue
        rows.append({"id": doc, "title": None, "url": None, "text": text})
        seen.add(doc)
    for ref in sorted({g["article"] for g in scorecard_eval.load_gold()}):
        key = ref[len("shared:"):] if ref.startswith("shared:") else ref
        if key in seen:
            continue
        art = scorecard_eval.load_gold_article(ref)
        if art is None:
            notes.append(f"{ref}: skipped, not available")
            continue
        rows.append({"id": key, "title": art.title, "url": art.url, "text": art.text})
        seen.add(key)
    return rows, notes


def _has_text(line: str) -> bool:
    """Whether a JSONL row has article text (the corpus has a few rows without: they would be
    input errors, not audited articles)."""
    try:
        row = json.loads(line)
    except ValueError:
        return False
    opts = IngestOptions()
    return isinstance(row, dict) and any(isinstance(row.get(f), str) and row[f].strip()
                                         for f in (opts.text_field, *opts.extra_text_fields))


def shared_lines(limit: int = DEFAULT_LIMIT, seed: int = DEFAULT_SEED, data: Path | None = None) -> list[str]:
    """``limit`` raw JSONL lines of the shared FakeHealth files (rows with text), drawn with ``seed``
    and kept in file order (files sorted by name); empty without the shared data folder."""
    root = data if data is not None else data_dir(required=False)
    if root is None or limit <= 0:
        return []
    lines: list[str] = []
    for path in sorted(Path(root).glob(SHARED_GLOB)):
        with open(path, encoding="utf-8") as f:
            lines.extend(line if line.endswith("\n") else line + "\n" for line in f if _has_text(line))
    if limit >= len(lines):
        return lines
    keep = sorted(random.Random(seed).sample(range(len(lines)), limit))
    return [lines[i] for i in keep]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def write_inputs(folder: Path, *, limit: int, seed: int, data: Path | None = None) -> dict[str, Any]:
    """Write ``gold.jsonl`` and ``shared.jsonl`` into ``folder``; return what they hold."""
    rows, notes = gold_rows()
    gold = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    shared = "".join(shared_lines(limit, seed, data))
    info: dict[str, Any] = {"notes": notes, "sets": {}}
    for name, text in (("gold", gold), ("shared", shared)):
        (folder / f"{name}.jsonl").write_text(text, encoding="utf-8")
        info["sets"][name] = {"n_inputs": text.count("\n"), "sha256": _digest(text)}
    return info


# -----------------------------------------------------------------------------------------------
# Auditing and saving


def _line(rec: dict) -> bytes:
    """One record as the audit writer serialises it."""
    try:
        return (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(rec, ensure_ascii=True) + "\n").encode("utf-8")


def _record_key(name: str, rec: dict) -> str | None:
    """The article a record belongs to (errors: the input file and row)."""
    return rec.get("article_id") if name != "errors.jsonl" else f"{rec.get('path')} row {rec.get('row')}"


def normalise(name: str, raw: bytes, input_dir: str) -> tuple[str | None, bytes]:
    """The article (or error) a record belongs to and the record's line with the fields of
    :data:`EXCLUDED` removed and those of :data:`REWRITTEN` cut free of ``input_dir``; the line
    is returned untouched when there is nothing to change."""
    rec = json.loads(raw)
    changed = False
    for field in EXCLUDED.get(name, {}):
        if field in rec:
            del rec[field]
            changed = True
    prefix = input_dir.rstrip(os.sep) + os.sep
    for field in REWRITTEN.get(name, {}):
        if isinstance(rec.get(field), str) and prefix in rec[field]:
            rec[field] = rec[field].replace(prefix, "")
            changed = True
    return _record_key(name, rec), (_line(rec) if changed else raw)


def _set_of(key: str | None) -> str:
    for s in SETS:
        if key and key.startswith(f"{s}.jsonl"):
            return s
    return "gold"


def split_outputs(audit_out: Path, dest: Path, input_dir: Path) -> None:
    """Normalise the audit's outputs and write them per set into ``dest/<set>/``."""
    for s in SETS:
        (dest / s).mkdir(parents=True, exist_ok=True)
    for name in FILES:
        outs = {s: open(dest / s / name, "wb") for s in SETS}
        try:
            src = audit_out / name
            with open(src, "rb") if src.exists() else open(os.devnull, "rb") as f:
                for raw in f:
                    key, line = normalise(name, raw, str(input_dir))
                    outs[_set_of(key)].write(line)
        finally:
            for f in outs.values():
                f.close()


def _git(*args: str) -> str | None:
    here = Path(__file__).resolve().parents[2]
    try:
        return subprocess.run(["git", "-C", str(here), *args], capture_output=True, text=True, check=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def code_version() -> dict[str, Any]:
    """The commit of the code that ran, and whether its pipeline/, corpora/ or models/ had
    uncommitted changes (``None`` outside a git checkout)."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--", "pipeline", "corpora", "models") if commit else None
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def _file_ids(path: Path) -> list[str]:
    with open(path, "rb") as f:
        return [json.loads(line)["article_id"] for line in f]


def save(dest: str | Path, *, limit: int = DEFAULT_LIMIT, seed: int = DEFAULT_SEED, models: bool | str = True,
         workers: int = 1, data: Path | None = None) -> dict[str, Any]:
    """Audit the gold and ``limit`` shared articles and write the outputs and manifest into ``dest``.

    Args:
        dest: output folder (created; kept outside the repository).
        limit: shared articles to audit (0: the gold only).
        seed: seed of the draw of shared articles.
        models: as for :func:`pipeline.run.runner.run_audit`.
        workers: worker processes (the outputs do not depend on it).
        data: shared data folder (default :func:`pipeline.config.data_dir`).

    Returns:
        The manifest (also written to ``dest/manifest.json``).
    """
    dest = check_writable(dest)
    tmp = Path(tempfile.mkdtemp(prefix="overclaim-regression-"))
    try:
        inputs = tmp / "inputs"
        inputs.mkdir()
        info = write_inputs(inputs, limit=limit, seed=seed, data=data)
        summary = run_audit([inputs / f"{s}.jsonl" for s in SETS], tmp / "out", html=False, progress=False,
                            models=models, workers=workers)
        split_outputs(tmp / "out", dest, inputs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for s in SETS:
        info["sets"][s]["article_ids"] = _file_ids(dest / s / "articles.jsonl")
        info["sets"][s]["files"] = {n: _digest_file(dest / s / n) for n in FILES}
    manifest = {"format": FORMAT, "code": code_version(), "options": {"limit": limit, "seed": seed, "models": models},
                "excluded": EXCLUDED, "rewritten": REWRITTEN, "audit_seconds": summary.get("audit_seconds"), **info}
    atomic_write_text(dest / "manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


def _digest_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a saved run; :class:`~pipeline.errors.InputError` when there is none."""
    path = Path(folder) / "manifest.json"
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"not a saved regression run ({type(e).__name__})", path=str(path),
                         hint="create one with `overclaim regression --save DIR`") from None


# -----------------------------------------------------------------------------------------------
# Comparing


def _grouped(path: Path, name: str) -> dict[str, list[bytes]]:
    """The lines of a saved file by article (errors: by input row), in file order."""
    out: dict[str, list[bytes]] = {}
    if not path.exists():
        return out
    with open(path, "rb") as f:
        for raw in f:
            out.setdefault(str(_record_key(name, json.loads(raw))), []).append(raw)
    return out


def _fields(a: bytes, b: bytes) -> set[str]:
    ra, rb = json.loads(a), json.loads(b)
    return {k for k in ra.keys() | rb.keys() if ra.get(k, ...) != rb.get(k, ...)}


def _article_diff(key: str, a: list[bytes], b: list[bytes]) -> dict[str, Any]:
    fields: set[str] = set()
    for x, y in zip(a, b):
        if x != y:
            fields |= _fields(x, y) or {"(bytes only)"}
    return {"article": key, "lines_before": len(a), "lines_after": len(b), "fields": sorted(fields)}


def compare_file(before: Path, after: Path, name: str) -> dict[str, Any]:
    """Byte comparison of one saved file, with the articles whose lines differ."""
    ba = before.read_bytes() if before.exists() else b""
    bb = after.read_bytes() if after.exists() else b""
    res: dict[str, Any] = {"file": name, "identical": ba == bb, "bytes_before": len(ba), "bytes_after": len(bb),
                           "lines_before": ba.count(b"\n"), "lines_after": bb.count(b"\n")}
    if ba == bb:
        return res
    ga, gb = _grouped(before, name), _grouped(after, name)
    res["missing"] = [k for k in ga if k not in gb]
    res["added"] = [k for k in gb if k not in ga]
    res["changed"] = [_article_diff(k, ga[k], gb[k]) for k in ga if k in gb and ga[k] != gb[k]]
    res["reordered"] = not res["missing"] and not res["added"] and not res["changed"]
    return res


def _inputs_problems(ma: dict, mb: dict) -> list[str]:
    out = []
    for s in SETS:
        a, b = ma.get("sets", {}).get(s, {}), mb.get("sets", {}).get(s, {})
        if a.get("sha256") != b.get("sha256"):
            out.append(f"{s}: the inputs differ ({a.get('n_inputs')} vs {b.get('n_inputs')} articles): "
                       "the gold or the shared data changed, or the options differ")
    return out


def compare_dirs(before: str | Path, after: str | Path) -> dict[str, Any]:
    """Compare two saved runs file by file and article by article.

    Returns:
        ``{"identical", "before", "after", "inputs": [problems], "excluded", "rewritten",
        "files": [{"set", "file", "identical", "bytes_before", ..., "changed": [...]}]}``.
    """
    before, after = Path(before), Path(after)
    ma, mb = load_manifest(before), load_manifest(after)
    files = [{"set": s, **compare_file(before / s / n, after / s / n, n)} for s in SETS for n in FILES]
    problems = _inputs_problems(ma, mb)
    return {"identical": all(f["identical"] for f in files) and not problems,
            "before": {"dir": str(before), **ma.get("code", {})}, "after": {"dir": str(after), **mb.get("code", {})},
            "inputs": problems, "n_articles": {s: len(mb.get("sets", {}).get(s, {}).get("article_ids", []))
                                               for s in SETS},
            "excluded": EXCLUDED, "rewritten": REWRITTEN, "files": files}


def compare(saved: str | Path, *, out: str | Path | None = None, workers: int = 1,
            data: Path | None = None) -> dict[str, Any]:
    """Audit the articles of the saved run ``saved`` again, with its options, and compare.

    Args:
        saved: a folder written by :func:`save`.
        out: where to keep the new run (default: a temporary folder, removed afterwards).
        workers: worker processes.
        data: shared data folder.
    """
    opts = load_manifest(saved)["options"]
    tmp = None if out is not None else tempfile.mkdtemp(prefix="overclaim-regression-after-")
    try:
        save(out if out is not None else tmp, limit=opts["limit"], seed=opts["seed"], models=opts["models"],
             workers=workers, data=data)
        return compare_dirs(saved, out if out is not None else tmp)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


# -----------------------------------------------------------------------------------------------
# Report


def _file_lines(f: dict[str, Any], max_articles: int) -> Iterator[str]:
    state = "identical" if f["identical"] else "DIFFERENT"
    yield (f"  {f['set']}/{f['file']}: {state} ({f['lines_before']} vs {f['lines_after']} lines, "
           f"{f['bytes_before']:,} vs {f['bytes_after']:,} bytes)")
    if f["identical"]:
        return
    for what in ("missing", "added"):
        if f[what]:
            yield f"    {len(f[what])} article(s) {what}: {', '.join(f[what][:max_articles])}"
    for c in f["changed"][:max_articles]:
        yield (f"    {c['article']}: {c['lines_before']} -> {c['lines_after']} line(s); "
               f"fields: {', '.join(c['fields']) or '(line count only)'}")
    if len(f["changed"]) > max_articles:
        yield f"    ... and {len(f['changed']) - max_articles} more changed article(s)"
    if f["reordered"]:
        yield "    same lines in another order"


def _reason_lines(title: str, table: dict[str, dict[str, str]]) -> Iterable[str]:
    for name, fields in table.items():
        for field, why in fields.items():
            yield f"  {title} {name} {field}: {why}"


def format_report(report: dict[str, Any], max_articles: int = 20) -> str:
    """A readable comparison report."""
    b, a = report["before"], report["after"]
    head = "IDENTICAL" if report["identical"] else "DIFFERENT"
    lines = [f"Regression: {head} ({', '.join(f'{s} {n} articles' for s, n in report['n_articles'].items())})",
             f"  before: {b['dir']} (commit {b.get('commit')}{', uncommitted changes' if b.get('dirty') else ''})",
             f"  after:  {a['dir']} (commit {a.get('commit')}{', uncommitted changes' if a.get('dirty') else ''})"]
    lines += [f"  inputs: {p}" for p in report["inputs"]]
    for f in report["files"]:
        lines += list(_file_lines(f, max_articles))
    lines.append("Not compared:")
    lines += list(_reason_lines("excluded", report["excluded"]))
    lines += list(_reason_lines("rewritten", report["rewritten"]))
    return "\n".join(lines)


def format_saved(manifest: dict[str, Any], dest: str | Path) -> str:
    """One paragraph on a saved run."""
    sets = ", ".join(f"{s} {len(v.get('article_ids', []))} articles" for s, v in manifest["sets"].items())
    notes = "".join(f"\n  note: {n}" for n in manifest.get("notes", []))
    code = manifest.get("code", {})
    return (f"Saved regression run in {dest}: {sets} (commit {code.get('commit')}"
            f"{', uncommitted changes' if code.get('dirty') else ''}); "
            f"compare later with `overclaim regression --compare {dest}`.{notes}")

