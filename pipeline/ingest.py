"""Ingest: turn files, folders, rows and standard input into :class:`~pipeline.types.Article` objects.

Supported inputs: ``.txt``, ``.md``, ``.html``/``.htm`` (main text extracted with trafilatura:
no navigation, ads or reader comments; title, url and date kept), ``.jsonl`` and ``.csv`` (one
article per row) and ``-`` for standard input. Folders are walked recursively (symlink loops are
detected). Anything unreadable becomes an :class:`~pipeline.errors.InputError` naming the file and
row; :func:`iter_articles` yields those errors in line so one bad file never stops a batch.

Example:
    >>> from pipeline.ingest import article_from_text
    >>> a = article_from_text("Baclofen is approved for spasticity.", id="demo")
    >>> a.id, a.text[:8]
    ('demo', 'Baclofen')
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .errors import InputError
from .types import Article

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
ROW_SUFFIXES = {".jsonl", ".ndjson", ".csv"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | ROW_SUFFIXES
DEFAULT_MAX_CHARS = 2_000_000


@dataclass
class IngestOptions:
    """How to read inputs.

    Attributes:
        id_field, title_field, url_field, text_field, date_field: column names for ``.jsonl``/``.csv``.
        max_chars: articles longer than this are refused with a clear error.
        encoding: encoding of text files (``utf-8``; a UTF-8 or UTF-16 byte-order mark is honoured).
    """

    id_field: str = "id"
    title_field: str = "title"
    url_field: str = "url"
    text_field: str = "text"
    date_field: str = "date"
    max_chars: int = DEFAULT_MAX_CHARS
    encoding: str = "utf-8"
    extra_text_fields: tuple[str, ...] = field(default=("content", "body", "article"))


def article_from_text(text: str, *, id: str = "text", title: str | None = None, url: str | None = None,
                      source: str | None = None) -> Article:
    """Wrap a string as an article (title taken from the first line when it looks like one).

    Args:
        text: the article text, kept exactly.
        id: article id.
        title: optional title; by default the first line if it is short and has no final period.

    Returns:
        An :class:`Article`.
    """
    if title is None:
        first = text.lstrip().split("\n", 1)[0].strip()
        if 0 < len(first) <= 150 and not first.endswith((".", "!", "?")) and "\n" in text.strip():
            title = first
    return Article(id=id, text=text, title=title, url=url, source=source or id)


# -----------------------------------------------------------------------------------------------
# Decoding

def decode_bytes(data: bytes, *, path: str, encoding: str = "utf-8", row: int | None = None) -> str:
    """Decode file contents, refusing binary data and invalid text with a clear message."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise InputError(f"invalid UTF-16 text at byte {e.start}", path=path, row=row,
                             hint="re-save the file as UTF-8") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    head = data[:8192]
    if b"\x00" in head:
        raise InputError("binary file (contains NUL bytes), not text", path=path, row=row,
                         hint="give .txt, .md, .html, .jsonl or .csv files")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise InputError(f"not valid {encoding.upper()} (bad byte 0x{data[e.start]:02x} at offset {e.start})",
                         path=path, row=row, hint="re-save the file as UTF-8") from None
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", path=path) from None


def _check_text(text: str, *, path: str, row: int | None, max_chars: int) -> None:
    if not text or not text.strip():
        raise InputError("empty article (no text)", path=path, row=row)
    if len(text) > max_chars:
        raise InputError(f"article is {len(text):,} characters, over the limit of {max_chars:,}",
                         path=path, row=row, hint="raise --max-chars or split the file")


# -----------------------------------------------------------------------------------------------
# Per-format readers

def read_html(html: str, *, id: str, source: str, max_chars: int = DEFAULT_MAX_CHARS) -> Article:
    """Extract an article's main text and metadata from HTML with trafilatura."""
    import trafilatura  # local import: heavy, only needed for HTML

    if len(html) > max_chars * 4:
        raise InputError(f"HTML is {len(html):,} characters, over the limit", path=source,
                         hint="raise --max-chars")
    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                      include_tables=True, favor_precision=True)
    if doc is None:
        raise InputError("no article text found in the HTML", path=source)
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = d.get("text") or ""
    _check_text(text, path=source, row=None, max_chars=max_chars)
    return Article(id=id, text=text, title=d.get("title"), url=d.get("url"), date=d.get("date"),
                   source=source, meta={"sitename": d.get("sitename")} if d.get("sitename") else {})


def _row_article(row: dict, *, n: int, path: str, rel: str, opts: IngestOptions) -> Article:
    text = row.get(opts.text_field)
    if text is None:
        for alt in opts.extra_text_fields:
            if row.get(alt):
                text = row[alt]
                break
    if text is None:
        raise InputError(f"no {opts.text_field!r} field", path=path, row=n,
                         hint="name the text column with --text-field")
    if not isinstance(text, str):
        raise InputError(f"field {opts.text_field!r} is not text", path=path, row=n)
    _check_text(text, path=path, row=n, max_chars=opts.max_chars)
    rid = row.get(opts.id_field)
    aid = f"{rel}#{rid}" if rid not in (None, "") else f"{rel}#row{n}"
    title = row.get(opts.title_field)
    url = row.get(opts.url_field)
    date = row.get(opts.date_field)
    return Article(id=aid, text=text, title=str(title) if title else None, url=str(url) if url else None,
                   date=str(date) if date else None, source=path, meta={"row": n})


def iter_jsonl(text: str, *, path: str, rel: str, opts: IngestOptions) -> Iterator[Article | InputError]:
    """One article per JSON line; malformed lines become errors naming the row."""
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            yield InputError(f"malformed JSON ({e.msg} at column {e.colno})", path=path, row=n)
            continue
        if not isinstance(row, dict):
            yield InputError("JSON line is not an object", path=path, row=n)
            continue
        try:
            yield _row_article(row, n=n, path=path, rel=rel, opts=opts)
        except InputError as e:
            yield e


def iter_csv(text: str, *, path: str, rel: str, opts: IngestOptions) -> Iterator[Article | InputError]:
    """One article per CSV row (header required); short or malformed rows become errors."""
    csv.field_size_limit(max(opts.max_chars * 2, 131072))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        yield InputError("empty CSV file", path=path)
        return
    except csv.Error as e:
        yield InputError(f"malformed CSV header: {e}", path=path, row=1)
        return
    if opts.text_field not in header and not any(a in header for a in opts.extra_text_fields):
        yield InputError(f"no {opts.text_field!r} column (columns: {', '.join(header[:10])})", path=path,
                         hint="name the text column with --text-field")
        return
    n = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            n += 1
            yield InputError(f"malformed CSV row: {e}", path=path, row=n)
            continue
        n += 1
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            yield InputError(f"row has {len(values)} fields, header has {len(header)}", path=path, row=n)
            continue
        try:
            yield _row_article(dict(zip(header, values)), n=n, path=path, rel=rel, opts=opts)
        except InputError as e:
            yield e


def read_file(path: Path, *, rel: str, opts: IngestOptions | None = None) -> Iterator[Article | InputError]:
    """Read one file into articles (several for .jsonl/.csv), yielding errors in line."""
    opts = opts or IngestOptions()
    spath = str(path)
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
    except OSError as e:
        yield InputError(f"cannot read: {e.strerror}", path=spath)
        return
    limit = opts.max_chars * (4 if suffix in HTML_SUFFIXES | ROW_SUFFIXES else 1) * 4
    if size > limit and suffix not in ROW_SUFFIXES:
        yield InputError(f"file is {size:,} bytes, over the limit for one article", path=spath,
                         hint="raise --max-chars or split the file")
        return
    try:
        data = path.read_bytes()
    except OSError as e:
        yield InputError(f"cannot read: {e.strerror}", path=spath)
        return
    if not data.strip():
        yield InputError("empty file", path=spath)
        return
    try:
        text = decode_bytes(data, path=spath, encoding=opts.encoding)
    except InputError as e:
        yield e
        return
    if suffix in HTML_SUFFIXES:
        try:
            yield read_html(text, id=rel, source=spath, max_chars=opts.max_chars)
        except InputError as e:
            yield e
        except Exception as e:  # trafilatura/lxml failures on hostile HTML
            yield InputError(f"could not parse HTML ({type(e).__name__})", path=spath)
    elif suffix in (".jsonl", ".ndjson"):
        yield from iter_jsonl(text, path=spath, rel=rel, opts=opts)
    elif suffix == ".csv":
        yield from iter_csv(text, path=spath, rel=rel, opts=opts)
    else:
        try:
            _check_text(text, path=spath, row=None, max_chars=opts.max_chars)
        except InputError as e:
            yield e
            return
        yield article_from_text(text, id=rel, source=spath)


def discover(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str] | InputError]:
    """Expand files and folders (recursively) into (file, id-relative-path) pairs.

    Symlinked folders are followed once; loops are reported, not followed forever.
    """
    for p in paths:
        p = Path(p)
        if str(p) == "-":
            continue
        if not p.exists():
            yield InputError("no such file or folder", path=str(p))
            continue
        if p.is_file():
            yield (p, p.name)
            continue
        seen: set[tuple[int, int]] = set()
        root = p
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
            try:
                st = os.stat(dirpath)
            except OSError as e:
                yield InputError(f"cannot read folder: {e.strerror}", path=dirpath)
                dirnames[:] = []
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen:
                yield InputError("folder loop (symbolic link back to a parent), skipped", path=dirpath)
                dirnames[:] = []
                continue
            seen.add(key)
            dirnames.sort()
            for fn in sorted(filenames):
                f = Path(dirpath) / fn
                if fn.startswith("."):
                    continue
                if f.suffix.lower() in SUPPORTED:
                    yield (f, str(f.relative_to(root)))


def iter_articles(paths: Iterable[str | Path], *, opts: IngestOptions | None = None,
                  stdin: io.TextIOBase | None = None) -> Iterator[Article | InputError]:
    """Yield articles (and input errors, in line) from files, folders and ``-`` (standard input).

    Args:
        paths: files, folders or ``"-"``.
        opts: :class:`IngestOptions`.
        stdin: stream to read for ``-`` (defaults to ``sys.stdin``).

    Returns:
        An iterator of :class:`Article` and :class:`InputError` objects.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.txt").write_text("Baclofen helps.")
        >>> [a.id for a in iter_articles([d])]
        ['a.txt']
    """
    opts = opts or IngestOptions()
    paths = list(paths)
    for p in paths:
        if str(p) == "-":
            stream = stdin or sys.stdin
            text = stream.read()
            try:
                _check_text(text, path="<stdin>", row=None, max_chars=opts.max_chars)
            except InputError as e:
                yield e
                continue
            yield article_from_text(text, id="stdin", source="<stdin>")
    for item in discover([p for p in paths if str(p) != "-"]):
        if isinstance(item, InputError):
            yield item
            continue
        f, rel = item
        yield from read_file(f, rel=rel, opts=opts)
