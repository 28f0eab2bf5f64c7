"""Write audit outputs: ``claims.jsonl``, ``articles.jsonl``, ``errors.jsonl``, ``claims.csv``,
``report.html`` and ``summary.json`` in one folder, atomically.

Records are streamed to hidden temporary files and moved into place by :meth:`AuditWriter.close`,
so a crashed run never leaves half-written outputs behind under the final names.

Example:
    >>> import tempfile
    >>> from pipeline.report.writer import AuditWriter
    >>> w = AuditWriter(tempfile.mkdtemp()); w.close()["articles"]
    0
"""
from __future__ import annotations

import csv
import json
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import InputError, OutputError
from ..types import ArticleResult
from .records import CSV_COLUMNS, article_record, claim_record, csv_row, error_record

def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()

OUTPUTS = ("claims.jsonl", "articles.jsonl", "errors.jsonl", "claims.csv", "report.html", "summary.json")


def check_writable(out_dir: str | Path) -> Path:
    """Create ``out_dir`` if needed and prove it can be written; raise :class:`OutputError` otherwise."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".overclaim-probe-", dir=out)
        os.write(fd, b"x" * 4096)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise OutputError(f"{out}: output folder cannot be written ({e.strerror or e})",
                          hint="choose another --out folder or free some space") from None
    return out


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _MODE)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class AuditWriter:
    """Collects results and writes the output folder.

    Args:
        out_dir: the output folder (created; must be writable).
        html: also write ``report.html``.
        html_limit: at most this many articles (those with flags first) in the HTML report.
    """

    def __init__(self, out_dir: str | Path, *, html: bool = True, html_limit: int = 500) -> None:
        self.out = check_writable(out_dir)
        self.html = html
        self.html_limit = html_limit
        self._tmp: dict[str, tuple[str, Any]] = {}
        for name in ("claims.jsonl", "articles.jsonl", "errors.jsonl"):
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=self.out)
            self._tmp[name] = (tmp, os.fdopen(fd, "w", encoding="utf-8"))
        self.counts: Counter = Counter()
        self.verdicts: Counter = Counter()
        self.severities: Counter = Counter()
        self._html_items: list[tuple[dict, list[dict], str]] = []
        self._csv_rows: list[dict] = []
        self.seconds = 0.0

    def _line(self, name: str, rec: dict) -> None:
        f = self._tmp[name][1]
        try:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        except OSError as e:
            raise OutputError(f"{self.out / name}: write failed ({e.strerror})") from None

    def add(self, item: ArticleResult | InputError) -> None:
        """Add one article result or input error."""
        if isinstance(item, InputError):
            self._line("errors.jsonl", error_record(item))
            self.counts["errors"] += 1
            return
        arec = article_record(item)
        crecs = [claim_record(cc) for cc in item.claims]
        for rec in crecs:
            self._line("claims.jsonl", rec)
            self._csv_rows.append(csv_row(rec))
            self.verdicts[rec["verdict"]] += 1
            if rec["flagged"]:
                self.severities[rec["severity"]] += 1
        self._line("articles.jsonl", arec)
        self.counts["articles"] += 1
        self.counts["claims"] += len(crecs)
        self.counts["flagged"] += arec["n_flagged"]
        self.seconds += item.seconds
        if self.html and len(self._html_items) < self.html_limit * 4:
            self._html_items.append((arec, crecs, item.article.text))

    def summary(self) -> dict[str, Any]:
        return {
            "articles": self.counts["articles"], "claims": self.counts["claims"],
            "flagged": self.counts["flagged"], "errors": self.counts["errors"],
            "verdicts": dict(self.verdicts), "flagged_by_severity": dict(self.severities),
            "audit_seconds": round(self.seconds, 3),
        }

    def close(self) -> dict[str, Any]:
        """Move the streamed files into place and write the CSV, HTML and summary. Returns the summary."""
        for name, (tmp, f) in self._tmp.items():
            f.flush()
            os.fsync(f.fileno())
            f.close()
            os.chmod(tmp, _MODE)
            os.replace(tmp, self.out / name)
        self._tmp = {}
        buf = _StringIO()
        w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
        w.writeheader()
        w.writerows(self._csv_rows)
        atomic_write_text(self.out / "claims.csv", buf.getvalue())
        summary = self.summary()
        if self.html:
            from .html import render_report

            items = sorted(self._html_items, key=lambda t: -t[0]["n_flagged"])[: self.html_limit]
            atomic_write_text(self.out / "report.html", render_report(items, summary))
        atomic_write_text(self.out / "summary.json", json.dumps(summary, indent=2) + "\n")
        return summary

    def abort(self) -> None:
        """Remove temporary files (after a failure), leaving no half-written outputs."""
        for tmp, f in self._tmp.values():
            try:
                f.close()
                os.unlink(tmp)
            except OSError:
                pass
        self._tmp = {}


class _StringIO:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, s: str) -> int:
        self.parts.append(s)
        return len(s)

    def getvalue(self) -> str:
        return "".join(self.parts)
