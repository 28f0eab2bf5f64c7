"""Output folder writer: streamed JSONL records, a manifest of finished articles, and final
outputs (JSONL, CSV, HTML, summary) regenerated from the records and moved into place atomically.

How nothing gets lost:

* Records of each article are appended to part files in a run folder inside the output folder
  (``.overclaim-run/``). Every ``commit_every`` seconds (and at the end) the part files are
  flushed and ``fsync``-ed, and then one manifest line per finished item, holding the byte
  offsets of the part files after that item, is appended and ``fsync``-ed. An item is *committed*
  once its manifest line is on disk.
* After a crash (even ``SIGKILL``), ``AuditWriter(..., resume=True)`` truncates the part files
  back to the offsets of the last committed manifest line and reports how many items are done;
  the runner skips exactly those and appends the rest, so the result equals an uninterrupted run.
* :meth:`AuditWriter.close` regenerates ``claims.jsonl``, ``articles.jsonl``, ``errors.jsonl``,
  ``claims.csv``, ``report.html`` and ``summary.json`` from the part files, each written to a
  temporary file and moved into place with ``os.replace``; the run folder is removed last. Memory
  stays flat however long the batch: nothing per claim is held in memory.
* An output folder that cannot be written fails at once (:func:`check_writable`) with a clear
  :class:`~pipeline.errors.OutputError`; a write that fails mid-run (disk full) raises the same
  error and :meth:`AuditWriter.abort` removes every temporary file (a resumable run keeps its
  committed run folder so ``--resume`` can continue it).

Example:
    >>> import tempfile
    >>> from pipeline.report.writer import AuditWriter
    >>> w = AuditWriter(tempfile.mkdtemp()); w.close()["articles"]
    0
"""
from __future__ import annotations

import csv
import errno
import hashlib
import heapq
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError, OutputError
from ..types import ArticleResult
from .records import CSV_COLUMNS, article_record, claim_record, csv_row, error_record
from .html import render_report


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()

OUTPUTS = ("claims.jsonl", "articles.jsonl", "errors.jsonl", "claims.csv", "report.html", "summary.json")
RUN_DIR = ".overclaim-run"
PARTS = ("claims", "articles", "errors", "texts")  # order of offsets in manifest lines
STATE_VERSION = 1


def _oserror_message(e: OSError) -> str:
    if e.errno == errno.ENOSPC:
        return "no space left on the device"
    if e.errno == errno.EDQUOT:
        return "disk quota exceeded"
    if e.errno in (errno.EROFS,):
        return "read-only file system"
    return e.strerror or str(e)


def check_writable(out_dir: str | Path) -> Path:
    """Create ``out_dir`` if needed and prove it can be written; raise :class:`OutputError` otherwise.

    Writes and removes a 64 KiB probe file, so a full disk or read-only folder is found before any
    work is done. A folder created here is removed again when the probe fails.

    Args:
        out_dir: the output folder.

    Returns:
        ``out_dir`` as a :class:`Path`.

    Example:
        >>> import tempfile; check_writable(tempfile.mkdtemp()).is_dir()
        True
    """
    out = Path(out_dir)
    created = not out.exists()
    probe = None
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".overclaim-probe-", dir=out)
        try:
            os.write(fd, b"x" * 65536)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.unlink(probe)
    except OSError as e:
        if probe is not None:
            try:
                os.unlink(probe)
            except OSError:
                pass
        if created:
            try:
                out.rmdir()
            except OSError:
                pass
        raise OutputError(f"{out}: output folder cannot be written ({_oserror_message(e)})",
                          hint="choose another --out folder or free some space") from None
    return out


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace``."""
    with _AtomicFile(path) as f:
        f.write(text)


class _AtomicFile:
    """Context manager: a temporary text file beside ``path``, fsync-ed and moved into place on
    success, removed on failure (an ``OSError`` becomes an :class:`OutputError`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __enter__(self):
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        except OSError as e:
            raise OutputError(f"{self.path}: cannot be written ({_oserror_message(e)})") from None
        self.f = os.fdopen(fd, "w", encoding="utf-8", newline="")
        return self.f

    def __exit__(self, et, ev, tb) -> bool:
        try:
            if et is None:
                self.f.flush()
                os.fsync(self.f.fileno())
                self.f.close()
                os.chmod(self.tmp, _MODE)
                os.replace(self.tmp, self.path)
                return False
        except OSError as e:
            self._cleanup()
            raise OutputError(f"{self.path}: write failed ({_oserror_message(e)})",
                              hint="free some space or choose another --out folder") from None
        self._cleanup()
        if isinstance(ev, OSError):
            raise OutputError(f"{self.path}: write failed ({_oserror_message(ev)})",
                              hint="free some space or choose another --out folder") from None
        return False

    def _cleanup(self) -> None:
        try:
            self.f.close()
        except OSError:
            pass
        try:
            os.unlink(self.tmp)
        except OSError:
            pass


def run_key(**parts: Any) -> str:
    """A stable hash of what defines a run (inputs and options), stored with its state so that
    ``--resume`` refuses to continue a run with different inputs."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def item_id(item: ArticleResult | InputError) -> str:
    """The identity of one input item as recorded in the manifest."""
    if isinstance(item, InputError):
        return f"!{item.path}#{item.row}" if item.row is not None else f"!{item.path}"
    return item.article.id


class AuditWriter:
    """Collects results and writes the output folder (see the module docstring).

    Args:
        out_dir: the output folder (created; must be writable).
        html: also write ``report.html``.
        html_limit: at most this many articles (those with most flags first) in the HTML report.
        resumable: keep the run state in ``OUT/.overclaim-run`` so an interrupted run can be
            continued; without it the state lives in a private temporary folder removed on abort.
        resume: continue the unfinished run found in ``OUT/.overclaim-run`` (implies resumable).
        key: identifies the inputs and options; a resumed run must have the same key.
        commit_every: seconds between durable commits (``0``: after every item).

    Attributes:
        done: number of items already committed (to skip when resuming).
        done_ids: their ids in input order (see :func:`item_id`).
    """

    def __init__(self, out_dir: str | Path, *, html: bool = True, html_limit: int = 500,
                 resumable: bool = False, resume: bool = False, key: str = "",
                 commit_every: float = 1.0) -> None:
        self.out = check_writable(out_dir)
        self.html = html
        self.html_limit = html_limit
        self.key = key
        self.commit_every = commit_every
        self.resumable = resumable or resume
        self.done = 0
        self.done_ids: list[str] = []
        self.resumed = False
        self._pending: list[dict] = []
        self._last_commit = time.monotonic()
        self._files: dict[str, Any] = {}
        self._closed = False
        try:
            if self.resumable:
                self.state = self.out / RUN_DIR
                if resume and (self.state / "run.json").exists():
                    self._load_state()
                else:
                    if self.state.exists():
                        shutil.rmtree(self.state)
                    self._new_state()
            else:
                self.state = Path(tempfile.mkdtemp(prefix=".overclaim-run-", dir=self.out))
                self._new_state()
        except OSError as e:
            self._close_files()
            if not self.resumable:
                shutil.rmtree(self.state, ignore_errors=True)
            raise OutputError(f"{self.out}: output folder cannot be written ({_oserror_message(e)})",
                              hint="choose another --out folder or free some space") from None

    # -- state ------------------------------------------------------------------------------
    def _new_state(self) -> None:
        self.state.mkdir(exist_ok=True)
        meta = {"version": STATE_VERSION, "key": self.key, "html": self.html, "started": time.time()}
        (self.state / "run.json").write_text(json.dumps(meta) + "\n", encoding="utf-8")
        self._offsets = [0, 0, 0, 0]
        self._open("w")

    def _open(self, mode: str) -> None:
        for name in PARTS:
            self._files[name] = open(self.state / f"{name}.part", mode + "b")
        self._files["manifest"] = open(self.state / "manifest.jsonl", mode + "b")

    def _load_state(self) -> None:
        try:
            meta = json.loads((self.state / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise OutputError(f"{self.state}: run state is damaged",
                              hint="rerun without --resume to start over") from None
        if meta.get("version") != STATE_VERSION or meta.get("key") != self.key:
            raise OutputError(f"{self.out}: the unfinished run there used different inputs or options",
                              hint="rerun with the same inputs and options, or without --resume to start over")
        offsets = [0, 0, 0, 0]
        good = 0  # bytes of the manifest that hold complete, valid lines
        mpath = self.state / "manifest.jsonl"
        sizes = [(self.state / f"{n}.part").stat().st_size if (self.state / f"{n}.part").exists() else -1
                 for n in PARTS]
        with open(mpath, "rb") as f:
            for line in f:
                if not line.endswith(b"\n"):
                    break  # torn last line: not committed
                try:
                    rec = json.loads(line)
                    off = rec["off"]
                    if len(off) != 4 or any(o > s for o, s in zip(off, sizes)):
                        break
                except (ValueError, KeyError, TypeError):
                    break
                offsets = off
                self.done_ids.append(rec["id"])
                good += len(line)
        self.done = len(self.done_ids)
        for name, off in zip(PARTS, offsets):
            p = self.state / f"{name}.part"
            with open(p, "ab") as f:
                f.truncate(off)
        with open(mpath, "ab") as f:
            f.truncate(good)
        self._offsets = list(offsets)
        self._open("a")
        self.resumed = True

    # -- adding -----------------------------------------------------------------------------
    def _write(self, name: str, data: bytes) -> None:
        try:
            self._files[name].write(data)
        except OSError as e:
            raise OutputError(f"{self.out}: write failed ({_oserror_message(e)})",
                              hint="free some space or choose another --out folder") from None
        self._offsets[PARTS.index(name)] += len(data)

    @staticmethod
    def _line(rec: dict) -> bytes:
        try:
            return (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: fall back to escapes, never crash the batch
            return (json.dumps(rec, ensure_ascii=True) + "\n").encode("utf-8")

    def add(self, item: ArticleResult | InputError) -> None:
        """Add one article result or input error (durable at the next commit)."""
        if isinstance(item, ArticleResult):
            try:
                arec = article_record(item)
                lines = b"".join(self._line(claim_record(cc)) for cc in item.claims)
                aline = self._line(arec)
                tline = self._line({"article_id": item.article.id, "text": item.article.text}) if self.html else b""
            except Exception as e:  # a result that cannot be serialised is that article's failure
                item = InputError(f"could not write the result ({type(e).__name__}: {e})", path=item.article.id)
            else:
                self._write("claims", lines)
                self._write("articles", aline)
                if tline:
                    self._write("texts", tline)
        if isinstance(item, InputError):
            self._write("errors", self._line(error_record(item)))
        self._pending.append({"id": item_id(item), "off": list(self._offsets)})
        if time.monotonic() - self._last_commit >= self.commit_every:
            self.commit()

    def commit(self) -> None:
        """Make every item added so far durable (fsync the parts, then the manifest)."""
        if not self._pending:
            return
        try:
            for name in PARTS:
                f = self._files[name]
                f.flush()
                os.fsync(f.fileno())
            m = self._files["manifest"]
            m.write(b"".join((json.dumps(p) + "\n").encode() for p in self._pending))
            m.flush()
            os.fsync(m.fileno())
        except OSError as e:
            raise OutputError(f"{self.out}: write failed ({_oserror_message(e)})",
                              hint="free some space or choose another --out folder") from None
        self.done_ids.extend(p["id"] for p in self._pending)
        self.done += len(self._pending)
        self._pending = []
        self._last_commit = time.monotonic()

    # -- reading the parts back ---------------------------------------------------------------
    def _records(self, name: str) -> Iterator[dict]:
        with open(self.state / f"{name}.part", "rb") as f:
            for line in f:
                yield json.loads(line)

    def summary(self) -> dict[str, Any]:
        """Counts over everything committed so far (read back from the part files)."""
        counts: Counter = Counter()
        verdicts: Counter = Counter()
        sev: Counter = Counter()
        seconds = 0.0
        for rec in self._records("claims"):
            counts["claims"] += 1
            verdicts[rec["verdict"]] += 1
            if rec["flagged"]:
                sev[rec["severity"]] += 1
        for rec in self._records("articles"):
            counts["articles"] += 1
            counts["flagged"] += rec["n_flagged"]
            seconds += rec.get("seconds") or 0.0
        for _ in self._records("errors"):
            counts["errors"] += 1
        return {
            "articles": counts["articles"], "claims": counts["claims"],
            "flagged": counts["flagged"], "errors": counts["errors"],
            "verdicts": dict(verdicts), "flagged_by_severity": dict(sev),
            "audit_seconds": round(seconds, 3),
        }

    def _html_items(self) -> list[tuple[dict, list[dict], str]]:
        """The ``html_limit`` articles with most flags (ties: input order), with their claims and
        text, read back by offset from the part files (bounded memory)."""
        heap: list[tuple] = []  # min-heap of (n_flagged, -index, index, offsets) of the best so far
        prev = [0, 0, 0, 0]
        i = 0
        with open(self.state / "manifest.jsonl", "rb") as mf, open(self.state / "articles.part", "rb") as af:
            for line in mf:
                off = json.loads(line)["off"]
                if off[1] != prev[1]:  # an article (not an error) ended here
                    af.seek(prev[1])
                    arec = json.loads(af.read(off[1] - prev[1]))
                    entry = (arec["n_flagged"], -i, i, (prev[0], off[0], prev[3], off[3], prev[1], off[1]))
                    if len(heap) < self.html_limit:
                        heapq.heappush(heap, entry)
                    elif entry[:2] > heap[0][:2]:
                        heapq.heapreplace(heap, entry)
                    i += 1
                prev = off
        chosen = sorted(heap, key=lambda t: (-t[0], t[2]))
        items = []
        with open(self.state / "claims.part", "rb") as cf, open(self.state / "texts.part", "rb") as tf, \
                open(self.state / "articles.part", "rb") as af:
            for _, _, _, (c0, c1, t0, t1, a0, a1) in chosen:
                af.seek(a0)
                arec = json.loads(af.read(a1 - a0))
                cf.seek(c0)
                crecs = [json.loads(x) for x in cf.read(c1 - c0).splitlines()]
                tf.seek(t0)
                text = json.loads(tf.read(t1 - t0))["text"] if t1 > t0 else ""
                items.append((arec, crecs, text))
        return items

    # -- finishing ----------------------------------------------------------------------------
    def _close_files(self) -> None:
        for f in self._files.values():
            try:
                f.close()
            except OSError:
                pass
        self._files = {}

    def close(self) -> dict[str, Any]:
        """Commit, regenerate the final outputs from the part files and move them into place;
        remove the run state. Returns the summary."""
        self.commit()
        self._close_files()
        try:
            for name in ("claims", "articles", "errors"):
                with _AtomicFile(self.out / f"{name}.jsonl") as out, \
                        open(self.state / f"{name}.part", "r", encoding="utf-8", newline="") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
            with _AtomicFile(self.out / "claims.csv") as out:
                w = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
                w.writeheader()
                for rec in self._records("claims"):
                    w.writerow(csv_row(rec))
            summary = self.summary()
            if self.html:
                atomic_write_text(self.out / "report.html", render_report(self._html_items(), summary))
            atomic_write_text(self.out / "summary.json", json.dumps(summary, indent=2) + "\n")
        except OSError as e:
            raise OutputError(f"{self.out}: write failed ({_oserror_message(e)})",
                              hint="free some space or choose another --out folder") from None
        shutil.rmtree(self.state, ignore_errors=True)
        self._closed = True
        return summary

    def abort(self) -> None:
        """Stop after a failure, leaving no half-written outputs: temporary files are removed.
        A resumable run keeps its committed state so ``--resume`` can continue it."""
        if self._closed:
            return
        self._close_files()
        if not self.resumable or self.done == 0:
            shutil.rmtree(self.state, ignore_errors=True)
        for p in self.out.glob(".*.jsonl.*"):
            _unlink(p)
        for name in OUTPUTS:
            for p in self.out.glob(f".{name}.*"):
                _unlink(p)
        self._closed = True


def _unlink(p: Path) -> None:
    try:
        p.unlink()
    except OSError:
        pass
