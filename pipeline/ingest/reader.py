"""Ingest: turn files, folders, rows and standard input into :class:`~pipeline.types.Article` objects.

Supported inputs: ``.txt``, ``.md``, ``.html``/``.htm`` (main text extracted with trafilatura:
no navigation, ads or reader comments; title, url and date kept), ``.jsonl`` and ``.csv`` (one
article per row) and ``-`` for standard input. Folders are walked recursively (symlink loops are
detected). Anything unreadable becomes an :class:`~pipeline.errors.InputError` naming the file and
row; :func:`iter_articles` yields those errors in line so one bad file never stops a batch.

Example:
    >>> from pipeline.ingest.reader import article_from_text
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
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import InputError
from ..types import Article

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
        extra_*_fields: columns tried, in order, when the named column is absent (the shared
            corpora use ``news_id``/``news_content``/``news_title``).
    """

    id_field: str = "id"
    title_field: str = "title"
    url_field: str = "url"
    text_field: str = "text"
    date_field: str = "date"
    max_chars: int = DEFAULT_MAX_CHARS
    encoding: str = "utf-8"
    extra_text_fields: tuple[str, ...] = field(default=("content", "body", "article", "news_content"))
    extra_id_fields: tuple[str, ...] = field(default=("news_id", "slug"))
    extra_title_fields: tuple[str, ...] = field(default=("news_title", "headline"))
    extra_date_fields: tuple[str, ...] = field(default=("publish_date", "news_date"))


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
        if 0 < len(first) <= 150 and not reads_as_sentence(first) and "\n" in text.strip():
            title = first
    return Article(id=id, text=text, title=title, url=url, source=source or id)


# A sentence end inside a line: a word (not an abbreviation such as "Dr." or "vs.") or number,
# final punctuation, closing quotes, space, then the next sentence's first letter or digit.
_INNER_SENTENCE_END = re.compile(r"(?:[a-z]{3,}|[0-9]{2,}|[%)])[.!?][\"'”’)\]]*\s+[\"“‘(]?[A-Z0-9]")


def reads_as_sentence(line: str) -> bool:
    """Whether a line reads as running text rather than a title or heading: it ends with
    sentence-final punctuation (closing quotes or brackets after it allowed) or holds a sentence
    end followed by more text, as a paragraph whose last words lack a final period does.

    Args:
        line: one line of text, stripped.

    Returns:
        ``True`` for a sentence or paragraph.

    Example:
        >>> [reads_as_sentence(x) for x in ("Baclofen for Fibromyalgia", "It works.”",
        ...                                 "Baclofen has been shown to be effective for fibromyalgia. Ok")]
        [False, True, True]
    """
    if line.rstrip("\"'”’)]»").endswith((".", "!", "?", "…")):
        return True
    return _INNER_SENTENCE_END.search(line) is not None


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
        raise InputError(_nul_message(head), path=path, row=row,
                         hint="give .txt, .md, .html, .jsonl or .csv files saved as UTF-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise InputError(f"not valid {encoding.upper()} (bad byte 0x{data[e.start]:02x} at offset {e.start})",
                         path=path, row=row, hint="re-save the file as UTF-8") from None
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", path=path) from None


def _nul_message(head: bytes) -> str:
    """Why bytes with NULs are refused: UTF-16 without a byte-order mark, or binary data."""
    even, odd = head[0::2], head[1::2]
    if len(head) >= 8 and (odd.count(0) > 0.9 * len(odd) or even.count(0) > 0.9 * len(even)):
        return "looks like UTF-16 text without a byte-order mark, not UTF-8"
    return "binary file (contains NUL bytes), not text"


_SURROGATES = None


def clean_text(text: str) -> str:
    """Replace lone surrogates (from JSON ``\\ud800`` escapes) with U+FFFD, keeping every offset."""
    global _SURROGATES
    if _SURROGATES is None:
        _SURROGATES = re.compile("[\ud800-\udfff]")
    return _SURROGATES.sub("\ufffd", text)


def check_text(text: str, *, path: str, row: int | None = None, max_chars: int = DEFAULT_MAX_CHARS,
               hint: str = "raise --max-chars or split the file") -> None:
    """Refuse an empty article or one over ``max_chars`` (``--max-chars``), for every input path:
    files, rows, standard input and texts given to :func:`pipeline.check` / ``overclaim check``.

    Raises:
        InputError: naming the input (``path``, ``row``) and the problem, in one line.

    Example:
        >>> check_text("Baclofen helps. " * 10, path="a.txt", max_chars=100)
        Traceback (most recent call last):
        pipeline.errors.InputError: a.txt: article is 160 characters, over the limit of 100 (raise --max-chars or split the file)
    """
    if not text or not text.strip():
        raise InputError("empty article (no text)", path=path, row=row)
    if len(text) > max_chars:
        raise InputError(f"article is {len(text):,} characters, over the limit of {max_chars:,}",
                         path=path, row=row, hint=hint)


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
    check_text(text, path=source, row=None, max_chars=max_chars)
    meta = {k: d[k] for k in ("sitename", "author") if d.get(k)}
    return Article(id=id, text=text, title=d.get("title"), url=d.get("url"), date=d.get("date"),
                   source=source, meta=meta)


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
    check_text(text, path=path, row=n, max_chars=opts.max_chars)

    def pick(name: str, alts: tuple[str, ...]):
        v = row.get(name)
        if v in (None, "") and name not in row:
            for a in alts:
                if row.get(a) not in (None, ""):
                    return row[a]
        return v

    rid = pick(opts.id_field, opts.extra_id_fields)
    if isinstance(rid, (dict, list)):
        rid = None
    aid = clean_text(f"{rel}#{rid}") if rid not in (None, "") else f"{rel}#row{n}"
    title = pick(opts.title_field, opts.extra_title_fields)
    url = row.get(opts.url_field)
    date = pick(opts.date_field, opts.extra_date_fields)
    meta: dict = {"row": n}
    author = row_author(row)
    if author:
        meta["author"] = author
    return Article(id=aid, text=clean_text(text), title=clean_text(str(title)) if title else None,
                   url=clean_text(str(url)) if url else None, date=clean_text(str(date)) if date else None,
                   source=path, meta=meta)


def row_author(row: dict) -> str | None:
    """The author(s) of a JSONL/CSV row (``author`` or ``authors``, a string or a list of names),
    joined with "; ", for the ClaimReview export.

    >>> row_author({"authors": ["Steven Reinberg", "HealthDay"]})
    'Steven Reinberg; HealthDay'
    """
    v = row.get("author") or row.get("authors")
    if isinstance(v, list):
        v = "; ".join(str(x).strip() for x in v if isinstance(x, str) and x.strip())
    return clean_text(v.strip()) if isinstance(v, str) and v.strip() else None


def _jsonl_row(line: str, *, n: int, path: str, rel: str, opts: IngestOptions) -> Iterator[Article | InputError]:
    if not line.strip():
        return
    try:
        row = json.loads(line)
    except json.JSONDecodeError as e:
        yield InputError(f"malformed JSON ({e.msg} at column {e.colno})", path=path, row=n)
        return
    except RecursionError:
        yield InputError("malformed JSON (nested too deeply)", path=path, row=n)
        return
    if not isinstance(row, dict):
        yield InputError("JSON line is not an object", path=path, row=n)
        return
    try:
        yield _row_article(row, n=n, path=path, rel=rel, opts=opts)
    except InputError as e:
        yield e


def iter_jsonl(text: str, *, path: str, rel: str, opts: IngestOptions) -> Iterator[Article | InputError]:
    """One article per JSON line; malformed lines become errors naming the row."""
    for n, line in enumerate(text.split("\n"), start=1):
        yield from _jsonl_row(line, n=n, path=path, rel=rel, opts=opts)


def _stream_jsonl(f, *, path: str, rel: str, opts: IngestOptions) -> Iterator[Article | InputError]:
    """Read a JSONL file line by line (bounded memory); an over-long line is refused without
    being held in memory."""
    limit = opts.max_chars * 4 + 4096  # bytes: UTF-8 is at most 4 per character, plus JSON overhead
    n = 0
    while True:
        raw = f.readline(limit)
        if not raw:
            break
        n += 1
        if n == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        if not raw.endswith(b"\n") and len(raw) >= limit:
            size = len(raw)
            while True:  # skip the rest of the line in chunks
                chunk = f.readline(1 << 20)
                size += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
            yield InputError(f"line is {size:,} bytes, over the limit for one article", path=path, row=n,
                             hint="raise --max-chars or split the article")
            continue
        try:
            line = raw.decode(opts.encoding)
        except UnicodeDecodeError as e:
            yield InputError(f"not valid {opts.encoding.upper()} (bad byte 0x{raw[e.start]:02x} at column {e.start + 1})",
                             path=path, row=n, hint="re-save the file as UTF-8")
            continue
        except LookupError:
            yield InputError(f"unknown encoding {opts.encoding!r}", path=path)
            return
        yield from _jsonl_row(line, n=n, path=path, rel=rel, opts=opts)


def _csv_rows(stream, *, path: str, rel: str, opts: IngestOptions) -> Iterator[Article | InputError]:
    csv.field_size_limit(max(opts.max_chars * 2, 131072))
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        yield InputError("empty CSV file", path=path)
        return
    except csv.Error as e:
        yield InputError(f"malformed CSV header: {e}", path=path, row=1)
        return
    except UnicodeDecodeError as e:
        yield InputError(f"not valid {opts.encoding.upper()} in the header (bad byte 0x{e.object[e.start]:02x})",
                         path=path, row=1, hint="re-save the file as UTF-8")
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
        except UnicodeDecodeError as e:
            yield InputError(f"not valid {opts.encoding.upper()} after row {n} (bad byte 0x{e.object[e.start]:02x}); "
                             "the rest of the file was skipped", path=path, row=n + 1, hint="re-save the file as UTF-8")
            return
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


def _stream_rows(path: Path, *, spath: str, rel: str, opts: IngestOptions) -> Iterator[Article | InputError]:
    """Stream a .jsonl/.csv file without reading it whole (bounded memory for big files)."""
    try:
        f = open(path, "rb")
    except OSError as e:
        yield InputError(f"cannot read: {e.strerror}", path=spath)
        return
    with f:
        try:
            head = f.read(8192)
        except OSError as e:
            yield InputError(f"cannot read: {e.strerror}", path=spath)
            return
        if not head.strip():
            yield InputError("empty file", path=spath)
            return
        utf16 = head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE)
        if b"\x00" in head and not utf16:
            yield InputError(_nul_message(head), path=spath, hint="give .jsonl or .csv files saved as UTF-8")
            return
        f.seek(0)
        try:
            if path.suffix.lower() == ".csv":
                enc = "utf-16" if utf16 else ("utf-8-sig" if opts.encoding.lower() in ("utf-8", "utf8") else opts.encoding)
                try:
                    stream = io.TextIOWrapper(f, encoding=enc, newline="")
                except LookupError:
                    yield InputError(f"unknown encoding {opts.encoding!r}", path=spath)
                    return
                yield from _csv_rows(stream, path=spath, rel=rel, opts=opts)
            elif utf16:
                yield from iter_jsonl(f.read().decode("utf-16", errors="replace"), path=spath, rel=rel, opts=opts)
            else:
                yield from _stream_jsonl(f, path=spath, rel=rel, opts=opts)
        except OSError as e:
            yield InputError(f"read failed: {e.strerror}", path=spath)


def read_file(path: Path, *, rel: str, opts: IngestOptions | None = None) -> Iterator[Article | InputError]:
    """Read one file into articles (several for .jsonl/.csv), yielding errors in line."""
    opts = opts or IngestOptions()
    spath = str(path)
    suffix = path.suffix.lower()
    try:
        st = path.stat()
    except OSError as e:
        yield InputError(f"cannot read: {e.strerror}", path=spath)
        return
    if not stat.S_ISREG(st.st_mode):  # FIFOs and devices would block or never end
        yield InputError("not a regular file (device, pipe or socket), skipped", path=spath)
        return
    if suffix in ROW_SUFFIXES:
        yield from _stream_rows(path, spath=spath, rel=rel, opts=opts)
        return
    size = st.st_size
    limit = opts.max_chars * (4 if suffix in HTML_SUFFIXES else 1) * 4
    if size > limit:
        yield InputError(f"file is {size:,} bytes, over the limit for one article ({opts.max_chars:,} characters)",
                         path=spath, hint="raise --max-chars or split the file")
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
    del data
    if suffix in HTML_SUFFIXES:
        try:
            yield read_html(text, id=rel, source=spath, max_chars=opts.max_chars)
        except InputError as e:
            yield e
        except Exception as e:  # trafilatura/lxml failures on hostile HTML
            yield InputError(f"could not parse HTML ({type(e).__name__})", path=spath)
    else:
        try:
            check_text(text, path=spath, row=None, max_chars=opts.max_chars)
        except InputError as e:
            yield e
            return
        yield article_from_text(text, id=rel, source=spath)


def discover(paths: Iterable[str | Path], *, exclude: Iterable[str | Path] = ()) -> Iterator[tuple[Path, str] | InputError]:
    """Expand files and folders (recursively) into (file, id-relative-path) pairs.

    Symlinked folders are followed once; loops are reported, not followed forever. Hidden folders
    and the folders in ``exclude`` (e.g. the output folder inside the audited one) are skipped.
    """
    skip = {os.path.realpath(x) for x in exclude}
    for p in paths:
        p = Path(p)
        if str(p) == "-":
            continue
        if not p.exists():
            yield InputError("no such file or folder", path=str(p))
            continue
        if not p.is_dir():  # a file (or a pipe/device, refused by read_file)
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
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")  # hidden: VCS, run state
                                 and not (skip and os.path.realpath(os.path.join(dirpath, d)) in skip))
            for fn in sorted(filenames):
                f = Path(dirpath) / fn
                if fn.startswith("."):
                    continue
                if f.suffix.lower() in SUPPORTED:
                    yield (f, str(f.relative_to(root)))


def iter_articles(paths: Iterable[str | Path], *, opts: IngestOptions | None = None,
                  stdin: io.TextIOBase | None = None, exclude: Iterable[str | Path] = ()) -> Iterator[Article | InputError]:
    """Yield articles (and input errors, in line) from files, folders and ``-`` (standard input).

    Args:
        paths: files, folders or ``"-"``.
        opts: :class:`IngestOptions`.
        stdin: stream to read for ``-`` (defaults to ``sys.stdin``).
        exclude: folders not to walk into (the output folder).

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
            try:
                text = clean_text(stream.read())
            except UnicodeDecodeError as e:
                yield InputError(f"not valid UTF-8 (bad byte 0x{e.object[e.start]:02x} at offset {e.start})",
                                 path="<stdin>", hint="pipe UTF-8 text")
                continue
            except OSError as e:
                yield InputError(f"cannot read: {e.strerror}", path="<stdin>")
                continue
            try:
                check_text(text, path="<stdin>", row=None, max_chars=opts.max_chars)
            except InputError as e:
                yield e
                continue
            yield article_from_text(text, id="stdin", source="<stdin>")
    for item in discover([p for p in paths if str(p) != "-"], exclude=exclude):
        if isinstance(item, InputError):
            yield item
            continue
        f, rel = item
        yield from read_file(f, rel=rel, opts=opts)
