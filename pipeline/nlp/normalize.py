"""Text normalisation before NLP, with a map of offsets back to the original text.

SEO pages and scraped text hide words from a matcher with invisible characters ("Bac\\u200blofen"),
byte-order marks and bidi marks, full-width or "bold" mathematical letters and look-alike letters
of other scripts. :func:`normalize` returns a cleaned copy for the pipeline to read and an
:class:`OffsetMap` that turns offsets in the copy back into offsets in the original, which is
never changed (``Article.text`` is kept exactly as read).

What is changed is data, in ``pipeline/resources/normalize.yaml`` (checked when loaded):
invisible and format characters are removed; compatibility characters in a few safe ranges are
replaced by their NFKC form (full-width letters, ligatures, space variants); look-alike letters
are folded to Latin in words that also contain Latin letters. Curly quotes, dashes, ``…``, ``½``,
``²`` and ``µ`` are left as they are.

Text that needs no change (pure ASCII, or nothing to change) costs one ``str.isascii()`` test or
one regex search and comes back as it is, with no map.

Example:
    >>> text = "\\ufeffBac\\u200blofen is ｅｆｆｅｃｔｉｖｅ."
    >>> norm, omap = normalize(text)
    >>> norm
    'Baclofen is effective.'
    >>> s, e = omap.span(0, 8)
    >>> s, e, text[s:e] == "Bac\\u200blofen"
    (1, 10, True)
    >>> normalize("Baclofen is effective.")
    ('Baclofen is effective.', None)
"""
from __future__ import annotations

import functools
import re
import unicodedata
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from ..resources.schema import load_resource

_CODE_POINT = re.compile(r"U\+([0-9A-F]{4,6})")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")


class OffsetMap:
    """Maps offsets in a normalised text back to the original text.

    Built by :func:`normalize` from its edits, each replacing the original characters
    ``[orig_start, orig_end)`` by the normalised characters ``[norm_start, norm_end)`` (empty for
    a removed character); between edits the texts are the same. Memory and time grow with the
    number of edits, not the length of the text.

    Example:
        >>> norm, omap = normalize("a\\u00adb ﬁx")
        >>> norm, omap.span(0, 2), omap.span(3, 6), omap.span(4, 5)  # "ab", "fix", the "i" of "ﬁ"
        ('ab fix', (0, 3), (4, 6), (4, 5))
    """

    __slots__ = ("_ns", "_ne", "_os", "_oe")

    def __init__(self) -> None:
        self._ns, self._ne, self._os, self._oe = array("q"), array("q"), array("q"), array("q")

    def add(self, norm_start: int, norm_end: int, orig_start: int, orig_end: int) -> None:
        """Record one edit (edits are added in text order)."""
        self._ns.append(norm_start)
        self._ne.append(norm_end)
        self._os.append(orig_start)
        self._oe.append(orig_end)

    def __len__(self) -> int:
        return len(self._ns)

    def start(self, p: int) -> int:
        """The original offset where a span starting at normalised offset ``p`` starts (removed
        characters just before it are left out)."""
        k = bisect_right(self._ns, p) - 1
        if k < 0:
            return p
        if p < self._ne[k]:  # inside the replacement of an edit: its first original character
            return self._os[k]
        return self._oe[k] + (p - self._ne[k])

    def end(self, p: int) -> int:
        """The original offset where a span ending at normalised offset ``p`` ends (removed
        characters just after it are left out)."""
        if p <= 0:
            return self.start(p)
        q = p - 1  # the span's last character
        k = bisect_right(self._ns, q) - 1
        if k < 0:
            return p
        if q < self._ne[k]:
            return self._oe[k]
        return self._oe[k] + (p - self._ne[k])

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``(start, end)`` of the normalised span ``[start, end)``."""
        s = self.start(start)
        return (s, max(s, self.end(end))) if end > start else (s, s)


@dataclass(frozen=True)
class _Table:
    anything: re.Pattern  # one character that may need a change (the fast test)
    special: re.Pattern  # one character of the 'remove' and 'nfkc' ranges
    replace: dict[str, str]  # character -> replacement ("" to remove); absent: left as it is
    homoglyph: re.Pattern  # one look-alike letter
    homoglyph_word: re.Pattern  # a word containing one
    fold: dict[int, str]  # str.translate table of the look-alikes


def normalize(text: str) -> tuple[str, OffsetMap | None]:
    """Normalise ``text`` for NLP.

    Args:
        text: the original text (not changed).

    Returns:
        ``(normalized, offset_map)``: ``offset_map`` is ``None`` when nothing changed (then
        ``normalized is text``); otherwise an :class:`OffsetMap` from the normalised text back to
        ``text``.

    Example:
        >>> normalize("Bаclofen")[0] == "Baclofen"  # a Cyrillic а folded
        True
    """
    if text.isascii():
        return text, None
    table = load_table()
    if table.anything.search(text) is None:
        return text, None
    norm, omap = _replace_special(text, table)
    norm = _fold_homoglyphs(norm, table)
    if norm == text:
        return text, None
    return norm, omap


def normalize_string(text: str | None) -> str | None:
    """:func:`normalize` without the map (for titles and other short fields)."""
    return text if text is None else normalize(text)[0]


def _replace_special(text: str, table: _Table) -> tuple[str, OffsetMap]:
    """Remove or replace each special character, recording one edit per character."""
    omap = OffsetMap()
    pieces: list[str] = []
    pos = npos = 0
    replace = table.replace
    for m in table.special.finditer(text):
        repl = replace.get(m.group())
        if repl is None:  # in an 'nfkc' range but without a compatibility form
            continue
        i = m.start()
        pieces.append(text[pos:i])
        npos += i - pos
        omap.add(npos, npos + len(repl), i, i + 1)
        pieces.append(repl)
        npos += len(repl)
        pos = i + 1
    pieces.append(text[pos:])
    return "".join(pieces), omap


def _fold_homoglyphs(text: str, table: _Table) -> str:
    """Fold look-alike letters in words that also contain a Latin letter or digit (one character
    for one: offsets do not move)."""
    if table.homoglyph.search(text) is None:
        return text

    def fold(m: re.Match) -> str:
        w = m.group()
        return w.translate(table.fold) if _ASCII_ALNUM.search(w) else w

    return table.homoglyph_word.sub(fold, text)


# -----------------------------------------------------------------------------------------------
# The table (pipeline/resources/normalize.yaml)

@functools.lru_cache(maxsize=1)
def load_table() -> _Table:
    """Load and check ``pipeline/resources/normalize.yaml`` (cached).

    Returns:
        The compiled table.

    Raises:
        ValueError: naming the entry that is wrong.

    Example:
        >>> load_table().replace["\\u200b"], load_table().replace["ｆ"]
        ('', 'f')
    """
    raw = load_resource("normalize.yaml")
    return compile_table(raw)


def compile_table(raw: dict) -> _Table:
    """Check a table (the parsed YAML) and compile it; :func:`load_table` reads the shipped one."""
    if not isinstance(raw, dict) or not isinstance(raw.get("version"), int):
        raise ValueError("normalize.yaml: needs an integer 'version'")
    removed = _code_points(raw.get("remove"), "remove")
    replace = {chr(c): "" for c in removed}
    compat = _code_points(raw.get("nfkc"), "nfkc")
    for c in compat:
        ch = chr(c)
        if ch in replace:
            raise ValueError(f"normalize.yaml: U+{c:04X} is both in 'remove' and in 'nfkc'")
        form = unicodedata.normalize("NFKC", ch)
        if form != ch:
            replace[ch] = form
    fold = _homoglyphs(raw.get("homoglyphs"))
    # Whole ranges in the classes (a few ranges search much faster than the scattered characters)
    ranges = [chr(c) for c in removed + compat]
    chars, glyphs = _char_class(ranges), _char_class(fold)
    return _Table(anything=re.compile(f"[{_char_class(ranges + list(fold))}]"), special=re.compile(f"[{chars}]"),
                  replace=replace, homoglyph=re.compile(f"[{glyphs}]"),
                  homoglyph_word=re.compile(rf"\w*[{glyphs}]\w*"), fold={ord(k): v for k, v in fold.items()})


def _code_points(entries, key: str) -> list[int]:
    """The code points of a list of ``{from, to, name}`` ranges."""
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"normalize.yaml: {key!r} must be a non-empty list of ranges")
    out: list[int] = []
    for n, e in enumerate(entries, start=1):
        where = f"normalize.yaml: {key} entry {n}"
        if not isinstance(e, dict) or set(e) != {"from", "to", "name"}:
            raise ValueError(f"{where}: needs exactly 'from', 'to' and 'name'")
        lo, hi = (_code_point(e[k], f"{where} {k!r}") for k in ("from", "to"))
        if lo > hi:
            raise ValueError(f"{where}: 'from' {e['from']} is after 'to' {e['to']}")
        out.extend(range(lo, hi + 1))
    return out


def _code_point(value, where: str) -> int:
    m = _CODE_POINT.fullmatch(value) if isinstance(value, str) else None
    if m is None or int(m.group(1), 16) > 0x10FFFF:
        raise ValueError(f"{where}: {value!r} is not a code point written U+XXXX")
    return int(m.group(1), 16)


def _homoglyphs(raw) -> dict[str, str]:
    """Check the look-alike table: one non-ASCII character to one ASCII letter."""
    if not isinstance(raw, dict) or not raw:
        raise ValueError("normalize.yaml: 'homoglyphs' must be a non-empty mapping")
    for k, v in raw.items():
        if not (isinstance(k, str) and len(k) == 1 and not k.isascii() and k.isalpha()):
            raise ValueError(f"normalize.yaml: homoglyph {k!r} must be one non-ASCII letter")
        if not (isinstance(v, str) and len(v) == 1 and v.isascii() and v.isalpha()):
            raise ValueError(f"normalize.yaml: homoglyph {k!r} must map to one ASCII letter, not {v!r}")
    return dict(raw)


def _char_class(chars) -> str:
    """A regex character class body for ``chars``, consecutive code points as ranges."""
    cps = sorted(ord(c) for c in chars)
    parts, i = [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        lo, hi = re.escape(chr(cps[i])), re.escape(chr(cps[j]))
        parts.append(lo if i == j else f"{lo}-{hi}")
        i = j + 1
    return "".join(parts)
