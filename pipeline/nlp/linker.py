"""Dictionary entity linker: drug and condition mentions linked to reference identifiers.

Names, synonyms, brands and abbreviations from the reference are tokenised once with the
pipeline's own tokenizer and matched longest-first on token sequences (case-insensitive for
names, case-sensitive for abbreviations). Every link carries a score; a mention whose surface
form is ambiguous (``MS``: multiple sclerosis or mitral stenosis) is linked only when the
article's context decides it — an abbreviation defined in the text (scispacy's abbreviation
detector), or another candidate-specific name elsewhere in the article — and otherwise left
unlinked, in ``doc.spans["unlinked"]``, with its candidates.

The component holds state (the vocabulary), so it has ``to_disk``/``from_disk``. A large
vocabulary (the compiled reference's) is saved into the cache once, as memory-mapped
:mod:`packed tables <pipeline.util.packed>` filed under a hash of the reference's inputs and of the
tokenizer, and loaded from there without being rebuilt: opening it reads no names, and a lookup
decodes only the name it needs. :meth:`EntityLinker.set_reference` (the plain build from the
reference) stays the oracle: the loaded vocabulary links the same mentions (``tests/test_nlp.py``).
"""
from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Iterable, NamedTuple

import numpy
import srsly
from spacy.attrs import LOWER, ORTH
from spacy.language import Language
from spacy.strings import hash_string
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..util.packed import LazyDict, PackedTable, prune_folders, write_packed
from ..reference.interventions import MEDICINE_KINDS
from .extensions import register_extensions
from ..resources.schema import load_resource

_VOCAB_FORMAT = 3  # layout of to_disk; part of the cache key
_KEEP_VOCABS = 3  # vocabularies kept in the cache (the newest; one per recent reference)
_MODES = ("lower", "exact")  # the case-insensitive and the case-sensitive tables
_PLAIN = re.compile(r"^[A-Za-z]+(?: [A-Za-z]+)*$")
NAME_SCORES = {"name": 1.0, "synonym": 0.95, "brand": 0.95, "abbreviation": 0.8}


class VocabEntry(NamedTuple):
    """One meaning of a surface form (a named tuple: cheap to build for 100k+ names)."""

    kind: str  # drug | condition
    id: str
    name_type: str
    ambiguous: bool = False


_CREDENTIALS = {"MD", "PhD", "PT", "DPT", "RN", "NP", "PA", "PA-C", "PharmD", "MPH", "MSc", "BSc", "MA", "BA",
                "DO", "RD", "CPT", "MBBS", "FACP", "DC", "LAc", "CNS", "OTR", "MS", "DNP", "APRN", "LPN"}


def _is_credential(doc: Doc, i: int, j: int) -> bool:
    """An abbreviation standing in a list of degrees after a name ("Jordan Park, MS, PT")."""
    def tok(k: int) -> str:
        return doc[k].text if 0 <= k < len(doc) else ""

    left = tok(i - 1) == "," and (tok(i - 2) in _CREDENTIALS or tok(i - 2)[:1].isupper())
    right_cred = tok(j) == "," and tok(j + 1) in _CREDENTIALS
    right_end = tok(j) in {",", ".", ")", ""} and tok(i - 2) in _CREDENTIALS
    return left and (right_cred or right_end or tok(i - 2) in _CREDENTIALS)


@functools.lru_cache(maxsize=1)
def stoplist() -> frozenset[str]:
    """Everyday words never linked (``pipeline/resources/linker_stoplist.yaml``)."""
    raw = load_resource("linker_stoplist.yaml")
    return frozenset(w.lower() for w in raw.get("never_link", []))


@contextlib.contextmanager
def _gc_paused():
    """Building 100k+ small objects triggers the cyclic GC over and over; pause it meanwhile."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _plurals(word: str) -> list[str]:
    """Every word that :func:`_singular` turns into ``word`` (its only forms: -ies, -es, -s)."""
    forms = [word + "s", word + "es"] + ([word[:-1] + "ies"] if word.endswith("y") else [])
    return [f for f in forms if _singular(f) == word]


def _pair_codes(first: numpy.ndarray, second: numpy.ndarray) -> numpy.ndarray:
    """One 64-bit code per pair of string hashes (collisions only admit extra candidates)."""
    return first ^ ((second * numpy.uint64(0x9E3779B97F4A7C15)) >> numpy.uint64(1))


class _Words(dict):
    """Token position -> word, filled ahead for the positions a search needs and computed (once)
    by ``make`` for any other."""

    def __init__(self, make) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, k: int) -> str:
        w = self[k] = self.make(k)
        return w


_BITS = 1 << 22  # bits in a start filter (512 KB): a few percent false positives for ~150k keys


def _in_bits(values: numpy.ndarray, bits: numpy.ndarray) -> numpy.ndarray:
    """Whether each of ``values`` (64-bit hashes) has its bit set in ``bits`` (the low 22 bits of
    the hash pick the bit): never false for a value that was set, rarely true for another."""
    pos = values & numpy.uint64(_BITS - 1)
    return ((bits[(pos >> numpy.uint64(6)).astype(numpy.intp)] >> (pos & numpy.uint64(63))) & numpy.uint64(1)).astype(bool)


def _singular(word: str) -> str | None:
    if len(word) < 4 or not word.endswith("s") or word.endswith("ss"):
        return None
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "ses")):
        return word[:-2]
    return word[:-1]


class EntityLinker:
    """Longest-match dictionary linker over token sequences.

    Args:
        nlp: the pipeline (its tokenizer is used for the vocabulary).
        name: component name.
        threshold: minimum link score; weaker matches are left unlinked.
        max_tokens: longest name considered, in tokens.
        resolve_abbreviations: use scispacy's detected abbreviations to link short forms.
        prefilter: look names up only at the tokens a bit-set filter of the vocabulary's first
            words lets through (an optimisation: ``False`` tries every token, the plain version
            the tests hold it against).
    """

    def __init__(self, nlp: Language, name: str, *, threshold: float, max_tokens: int,
                 resolve_abbreviations: bool, prefilter: bool = True) -> None:
        register_extensions()
        self.nlp = nlp
        self.name = name
        self.threshold = threshold
        self.max_tokens = max_tokens
        self.resolve_abbreviations = resolve_abbreviations
        self.prefilter = prefilter
        self.lower: dict[tuple[str, ...], list[VocabEntry]] = {}
        self.exact: dict[tuple[str, ...], list[VocabEntry]] = {}
        self.first_lower: dict[str, int] = {}
        self.first_exact: dict[str, int] = {}
        self._lens: dict[int, tuple] = {}  # see _lengths
        self._starts: dict[int, tuple] = {}  # see _start_bits
        self.canonical: dict[str, str] = {}  # id -> canonical name
        self.kinds: dict[str, str] = {}

    # -- vocabulary -----------------------------------------------------------------------
    def set_reference(self, reference) -> None:
        """Build the vocabulary from a :class:`pipeline.reference.Reference`."""
        with _gc_paused():
            self._set_reference(reference)

    def _set_reference(self, reference) -> None:
        self.lower, self.exact, self.first_lower, self.first_exact = {}, {}, {}, {}
        self.canonical, self.kinds = {}, {}
        self._lens.clear()
        self._starts.clear()
        for d in reference.drugs.values():
            self.canonical[d.id] = d.name
            self.kinds[d.id] = d.kind or "drug"  # drug, class, form or an intervention type
        for c in reference.conditions.values():
            self.canonical[c.id] = c.name
            self.kinds[c.id] = "condition"
        surfaces: dict[str, list] = {}
        stop = stoplist()
        for key, entry in reference.iter_names():
            if key.lower() in stop:
                continue
            surfaces.setdefault(key, []).append(entry)
        for key, words in self._tokenize_names(list(surfaces)):
            if not words or len(words) > self.max_tokens:
                continue
            for entry in surfaces[key]:
                ve = VocabEntry(entry.kind, entry.id, entry.name_type, bool(getattr(entry, "ambiguous", False)))
                if entry.case_sensitive:
                    self._add(self.exact, self.first_exact, words, ve)
                else:
                    self._add(self.lower, self.first_lower, tuple(w.lower() for w in words), ve)

    def _tokenize_names(self, texts: list[str]) -> Iterable[tuple[str, tuple[str, ...]]]:
        """Tokenise names as the pipeline would; plain words-and-spaces names take a fast path
        (the tokenizer splits them only at the spaces)."""
        slow = []
        for t in texts:
            if _PLAIN.match(t):
                yield t, tuple(t.split(" "))
            else:
                slow.append(t)
        for t, doc in zip(slow, self.nlp.tokenizer.pipe(slow, batch_size=2000)):
            yield t, tuple(x.text for x in doc if not x.is_space)

    @staticmethod
    def _add(table: dict, first: dict, words: tuple[str, ...], ve: VocabEntry) -> None:
        lst = table.setdefault(words, [])
        if ve not in lst:
            lst.append(ve)
        first[words[0]] = max(first.get(words[0], 0), len(words))

    # -- matching -------------------------------------------------------------------------
    def _candidates(self, doc: Doc) -> list[tuple[int, int, list[VocabEntry], str]]:
        n = len(doc)
        if n == 0:
            return []
        out = []
        strings = doc.vocab.strings
        arr = doc.to_array([ORTH, LOWER])
        orth, low = arr[:, 0], arr[:, 1]
        lower, exact, first_lower, first_exact = self.lower, self.exact, self.first_lower, self.first_exact
        # Only positions where a name can start: the word is a one-word name (or its plural), or
        # the word and the next are the first two words of a longer name (the second may be a
        # plural of a two-word name's last word). Looked up on the hashes, for all tokens at once.
        idx = self._possible_starts(low, orth)
        if not idx:
            return out
        # The words at the possible starts and after them, read once; others on demand.
        need = sorted(set(idx).union(i + 1 for i in idx if i + 1 < n))
        words = _Words(lambda k: strings[int(orth[k])])
        words.update(zip(need, map(strings.__getitem__, orth[need].tolist())))
        lows = _Words(lambda k: words[k].lower())
        lows.update((k, words[k].lower()) for k in need)

        plans = ((lower, first_lower, lows, self._lengths(lower)), (exact, first_exact, words, self._lengths(exact)))
        for i in idx:
            for table, first, seq, lens in plans:
                w = seq[i]
                m = first.get(w)
                if m is None:
                    continue
                # Longest first, trying only the lengths of names that start with these two words
                # (three or more words) or this word (two words): a singular form changes the last
                # word only, so it keeps those words and the length. One word is always tried.
                top = min(n, i + m)
                long_lens, two = lens
                js = [i + k for k in long_lens.get((w, seq[i + 1]), ()) if i + k <= top] if i + 1 < n else []
                if w in two and i + 2 <= top:
                    js.append(i + 2)
                js.append(i + 1)
                for j in js:
                    key = (w,) if j == i + 1 else (w, seq[i + 1]) if j == i + 2 else tuple(seq[k] for k in range(i, j))
                    hit = table.get(key)
                    if hit is None and table is lower and key[-1][-1:] == "s":
                        sing = _singular(key[-1])
                        if sing:
                            hit = table.get(key[:-1] + (sing,))
                    if hit:
                        out.append((i, j, hit, "exact" if table is exact else "lower"))
                        break
        return out

    def _possible_starts(self, low: numpy.ndarray, orth: numpy.ndarray) -> list[int]:
        """Token positions where a name may start: every token (plain), or with ``prefilter`` those
        the bit sets of both tables let through (never fewer names found, only fewer lookups)."""
        if not self.prefilter:
            return list(range(len(low)))
        starts = self._start_mask(self.lower, low, True) | self._start_mask(self.exact, orth, False)
        return numpy.flatnonzero(starts).tolist()

    def _start_mask(self, table: dict, hashes: numpy.ndarray, plurals: bool) -> numpy.ndarray:
        """Tokens (given by the hashes of their text, or of their lower-cased text) where a name of
        ``table`` may start. No token where a name starts is left out; a false positive of the
        bit set (a few percent of tokens) only lets a token through to be looked up in ``table``."""
        bits = self._start_bits(table, plurals)
        mask = _in_bits(hashes, bits)
        if len(hashes) > 1:
            mask[:-1] |= _in_bits(_pair_codes(hashes[:-1], hashes[1:]), bits)
        return mask

    def _start_bits(self, table: dict, plurals: bool) -> numpy.ndarray:
        """A bit set (:func:`_in_bits`) of the hashes of the one-word names of ``table`` and of the
        codes (:func:`_pair_codes`) of the first two words of its longer names; with ``plurals``,
        also of each plural form that :func:`_singular` turns into a one-word name or into the last
        word of a two-word name. Built on first use and rebuilt when the table changes."""
        cached = self._starts.get(id(table))
        if cached is not None and cached[0] == len(table):
            return cached[1]
        singles: set[str] = set()
        firsts: list[str] = []
        seconds: list[str] = []
        for k in table:
            if len(k) == 1:
                singles.add(k[0])
                if plurals:
                    singles.update(_plurals(k[0]))
                continue
            firsts.append(k[0])
            seconds.append(k[1])
            if plurals and len(k) == 2:
                for p in _plurals(k[1]):
                    firsts.append(k[0])
                    seconds.append(p)
        hashes = numpy.array([hash_string(w) for w in singles], dtype=numpy.uint64)
        pairs = _pair_codes(numpy.array([hash_string(w) for w in firsts], dtype=numpy.uint64),
                            numpy.array([hash_string(w) for w in seconds], dtype=numpy.uint64))
        bits = numpy.zeros(_BITS >> 6, dtype=numpy.uint64)
        for codes in (hashes, pairs):
            pos = codes & numpy.uint64(_BITS - 1)
            numpy.bitwise_or.at(bits, (pos >> numpy.uint64(6)).astype(numpy.intp),
                                numpy.uint64(1) << (pos & numpy.uint64(63)))
        self._starts[id(table)] = (len(table), bits)
        return bits

    def _lengths(self, table: dict) -> tuple[dict[tuple[str, str], tuple[int, ...]], set[str]]:
        """For the names in ``table``: first two words -> lengths of three or more words (longest
        first), and the first words of two-word names; built on first use and rebuilt when the
        table changes."""
        cached = self._lens.get(id(table))
        if cached is not None and cached[0] == len(table):
            return cached[1]
        acc: dict[tuple[str, str], set[int]] = {}
        two: set[str] = set()
        for k in table:
            if len(k) > 2:
                acc.setdefault(k[:2], set()).add(len(k))
            elif len(k) == 2:
                two.add(k[0])
        lens = ({w: tuple(sorted(v, reverse=True)) for w, v in acc.items()}, two)
        self._lens[id(table)] = (len(table), lens)
        return lens

    def __call__(self, doc: Doc) -> Doc:
        cands = self._candidates(doc)
        if not cands:
            doc.ents = []
            doc.spans["unlinked"] = []
            doc._.links = {}
            return doc
        # Abbreviations the article defines itself: short form -> long-form span.
        defined: dict[str, Span] = {}
        if self.resolve_abbreviations and Doc.has_extension("abbreviations"):
            for abrv in doc._.abbreviations or []:
                defined.setdefault(abrv.text, abrv._.long_form)
        # Ids mentioned unambiguously by a full name anywhere in the article.
        context_ids = {e.id for _, _, hits, _ in cands for e in hits
                       if len({h.id for h in hits}) == 1 and e.name_type != "abbreviation"}
        spans: list[Span] = []
        unlinked: list[tuple[Span, list[str], float]] = []
        long_forms: dict[str, list] = {}  # long-form text -> its candidates (one lookup per article)
        links: dict[tuple[int, int], tuple[float, str | None]] = {}
        for i, j, hits, mode in cands:
            if mode == "exact" and _is_credential(doc, i, j):
                continue  # "Jordan Park, MS, PT": a degree, not a disease
            choice, score, via = self._choose(doc, i, j, hits, defined, context_ids, long_forms)
            if choice is None or score < self.threshold:
                unlinked.append((Span(doc, i, j, label="AMBIGUOUS"), sorted({h.id for h in hits}), score))
                continue
            spans.append(Span(doc, i, j, label=choice.kind.upper(), kb_id=choice.id))
            links.setdefault((i, j), (score, via))  # filter_spans keeps the first of equal spans
        kept = filter_spans(spans)
        doc.ents = kept
        # Extension values are stored by character range: set them on the spans that stay only, so
        # a dropped candidate over the same words (a name and an abbreviation) cannot overwrite them.
        doc._.links = links = {(k.start, k.end): links[(k.start, k.end)] for k in kept}
        for k in kept:
            k._.link_score, k._.link_via = links[(k.start, k.end)]
            k._.intervention_type = self._intervention_type(k)
        left, seen = [], set()
        for u, ids, score in unlinked:
            if (u.start, u.end) in seen or any(u.start < k.end and k.start < u.end for k in kept):
                continue
            seen.add((u.start, u.end))
            u._.candidates = ids
            u._.link_score = score
            left.append(u)
        doc.spans["unlinked"] = left
        return doc

    def _intervention_type(self, span: Span) -> str | None:
        """The intervention type of a linked drug-like span (herb, diet, device, ...), ``None`` for
        a medicine (drug, class, form) or a condition."""
        kind = self.kinds.get(span.kb_id_) if span.label_ == "DRUG" else None
        return None if kind in MEDICINE_KINDS else kind

    def _choose(self, doc: Doc, i: int, j: int, hits: list[VocabEntry], defined: dict[str, Span],
                context_ids: set[str], long_forms: dict | None = None) -> tuple[VocabEntry | None, float, str | None]:
        ids = {h.id for h in hits}
        text = doc[i:j].text
        is_abbrev = all(h.name_type == "abbreviation" for h in hits)
        if is_abbrev and text in defined:
            long_form = defined[text]
            # The long form itself is a known name: use its link.
            lf_key = (long_form.text, len(long_form))
            lf_hits = None if long_forms is None else long_forms.get(lf_key)
            if lf_hits is None:
                lf_hits = [c for c in self._candidates(long_form.as_doc()) if c[0] == 0 and c[1] == len(long_form)]
                if long_forms is not None:
                    long_forms[lf_key] = lf_hits
            if lf_hits:
                lf_ids = {h.id for h in lf_hits[0][2]}
                match = [h for h in hits if h.id in lf_ids] or [lf_hits[0][2][0]]
                if match:
                    return match[0], 0.95, "abbreviation-defined"
            same = [h for h in hits if self.canonical.get(h.id, "").lower() == long_form.text.lower()]
            if same:
                return same[0], 0.95, "abbreviation-defined"
            # Defined as something else in this article: do not link to a different meaning.
            return None, 0.0, None
        if len(ids) == 1:
            h = hits[0]
            best = max(hits, key=lambda x: NAME_SCORES.get(x.name_type, 0.5))
            score = NAME_SCORES.get(best.name_type, 0.5)
            if h.ambiguous:
                if h.id in context_ids:
                    return h, 0.85, "context"
                return None, 0.4, None
            return best, score, best.name_type
        # Several candidates: let the article's context decide, or leave unlinked.
        in_context = [h for h in hits if h.id in context_ids]
        if len({h.id for h in in_context}) == 1:
            return in_context[0], 0.85, "context"
        non_abbrev = [h for h in hits if h.name_type != "abbreviation"]
        if non_abbrev and len({h.id for h in non_abbrev}) == 1:
            return non_abbrev[0], 0.9, non_abbrev[0].name_type
        return None, 0.3, None

    @staticmethod
    def fingerprint(reference) -> str:
        """A hash of everything the vocabulary is built from (names, ids, flags, canonical names):
        the reference's ``content_key`` when the loader set one (a hash of its inputs), else a
        hash of its names."""
        h = hashlib.sha1(f"vocab {_VOCAB_FORMAT}\n".encode())
        if getattr(reference, "content_key", None):
            h.update(f"reference {reference.content_key}\n".encode())
        else:
            for key, e in reference.iter_names():
                h.update(f"{key}\t{e.kind}\t{e.id}\t{e.name_type}\t{e.case_sensitive:d}"
                         f"{bool(getattr(e, 'ambiguous', False)):d}\n".encode("utf-8"))
            h.update(str(len(reference.drugs) + len(reference.conditions)).encode())
        h.update("\n".join(sorted(stoplist())).encode())
        return h.hexdigest()[:20]

    def cache_path(self, reference, cache_dir: Path) -> Path:
        """Where :meth:`set_reference_cached` files the vocabulary of ``reference``."""
        key = hashlib.sha1(f"{self.fingerprint(reference)}\n{_tokenizer_key(self.nlp.tokenizer)}".encode())
        return Path(cache_dir) / f"linker{_VOCAB_FORMAT}-{key.hexdigest()[:20]}-{self.max_tokens}"

    def initialize(self, get_examples=None, *, nlp: Language | None = None, reference=None,
                   cache_dir: Path | None = None) -> None:
        """Load the vocabulary of ``reference`` (:meth:`set_reference_cached`: from ``cache_dir``
        when it holds this reference's, else built and saved there)."""
        self.set_reference_cached(reference, cache_dir)

    def set_reference_cached(self, reference, cache_dir: Path | None) -> None:
        """:meth:`set_reference`, reusing a vocabulary saved under ``cache_dir`` for the same
        reference and tokenizer (saved there the first time; a damaged one is rebuilt)."""
        if cache_dir is None:
            self.set_reference(reference)
            return
        path = self.cache_path(reference, cache_dir)
        if (path / "cfg.json").is_file():
            try:
                self.from_disk(path)
                return
            except (OSError, ValueError, KeyError):  # a damaged cache is rebuilt, never fatal
                pass
        self.set_reference(reference)
        _save_atomically(self, path)

    # -- serialisation --------------------------------------------------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Save the vocabulary as packed tables (per table: names, first words, lengths, start
        bits) plus ``canonical``/``kinds``; ``cfg.json`` is written last."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for mode in _MODES:
            table = getattr(self, mode)
            long_lens, two = self._lengths(table)
            write_packed(path / f"{mode}.pack", ((k, [list(e) for e in v]) for k, v in table.items()),
                         tuple_keys=True)
            write_packed(path / f"first_{mode}.pack", getattr(self, f"first_{mode}").items())
            write_packed(path / f"lens_{mode}.pack", ((k, list(v)) for k, v in long_lens.items()), tuple_keys=True)
            write_packed(path / f"two_{mode}.pack", ((w, 1) for w in sorted(two)))
            numpy.save(path / f"bits_{mode}.npy", self._start_bits(table, mode == "lower"))
        write_packed(path / "canonical.pack", self.canonical.items())
        write_packed(path / "kinds.pack", self.kinds.items())
        srsly.write_json(path / "cfg.json", {"format": _VOCAB_FORMAT, "threshold": self.threshold,
                                             "max_tokens": self.max_tokens})

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "EntityLinker":
        """Open a vocabulary saved by :meth:`to_disk` (memory-mapped; nothing is decoded yet)."""
        path = Path(path)
        cfg = srsly.read_json(path / "cfg.json")
        if cfg.get("format") != _VOCAB_FORMAT:
            raise ValueError(f"{path}: linker vocabulary of format {cfg.get('format')}, not {_VOCAB_FORMAT}")
        self._lens.clear()
        self._starts.clear()
        for mode in _MODES:
            table = LazyDict(PackedTable(path / f"{mode}.pack"), _vocab_entries)
            lens = (LazyDict(PackedTable(path / f"lens_{mode}.pack"), tuple),
                    LazyDict(PackedTable(path / f"two_{mode}.pack")))
            setattr(self, mode, table)
            setattr(self, f"first_{mode}", LazyDict(PackedTable(path / f"first_{mode}.pack")))
            self._lens[id(table)] = (len(table), lens)
            self._starts[id(table)] = (len(table), numpy.load(path / f"bits_{mode}.npy", mmap_mode="r"))
        self.canonical = LazyDict(PackedTable(path / "canonical.pack"))
        self.kinds = LazyDict(PackedTable(path / "kinds.pack"))
        return self


def _vocab_entries(rows: list) -> list[VocabEntry]:
    return [VocabEntry._make(r) for r in rows]


def _tokenizer_key(tokenizer) -> str:
    """What tokenising the names depends on: the tokenizer's patterns and special cases."""
    parts = []
    for attr in ("prefix_search", "suffix_search", "infix_finditer", "token_match", "url_match"):
        fn = getattr(tokenizer, attr, None)
        parts.append(str(getattr(getattr(fn, "__self__", None), "pattern", fn is not None)))
    parts += sorted(getattr(tokenizer, "rules", None) or {})
    return hashlib.sha1("\x1e".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _save_atomically(linker: EntityLinker, path: Path) -> None:
    """Save into a temporary folder renamed into place (a process that lost the race keeps the
    other's copy); a full or read-only cache is not an error."""
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        linker.to_disk(tmp)
        os.replace(tmp, path)
        prune_folders(path.parent, f"linker{_VOCAB_FORMAT}-*", _KEEP_VOCABS, spare=path)
        prune_folders(path.parent, "linker-*", 0)  # the msgpack vocabularies of format 2
    except OSError:
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@Language.factory(
    "overclaim_linker",
    default_config={"threshold": 0.6, "max_tokens": 8, "resolve_abbreviations": True, "prefilter": True},
    assigns=["doc.ents", "doc.spans", "doc._.links", "span._.link_score", "span._.link_via", "span._.candidates",
             "span._.intervention_type"],
)
def make_linker(nlp: Language, name: str, *, threshold: float, max_tokens: int,
                resolve_abbreviations: bool, prefilter: bool) -> EntityLinker:
    """Factory for :class:`EntityLinker` (registered as ``overclaim_linker``)."""
    return EntityLinker(nlp, name, threshold=threshold, max_tokens=max_tokens,
                        resolve_abbreviations=resolve_abbreviations, prefilter=prefilter)


def vocab_summary(linker: EntityLinker) -> dict:
    """Counts of the linker's vocabulary (for ``--json`` diagnostics)."""
    return {"names": len(linker.lower), "abbreviations": len(linker.exact), "ids": len(linker.canonical)}
