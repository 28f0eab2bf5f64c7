"""Article scorecard: the questions health-news reviewers ask of a whole article.

After HealthNewsReview.org's criteria and DISCERN: are harms mentioned, is the quality of the
evidence discussed, are alternatives mentioned, are benefits quantified, is sensational language
avoided, is a commercial interest disclosed, are sources cited. Each criterion is rated
``satisfactory``, ``not_satisfactory`` or ``not_applicable`` and keeps the sentences (character
offsets into the article text, and their text) that decided it. The rules and lexicons are data:
``pipeline/resources/scorecard.yaml``.

The audit computes it for every article (``ArticleResult.scorecard``, ``articles.jsonl``, the
articles DataFrame of :func:`pipeline.audit`, and a table per article in ``report.html``).
:func:`pipeline.eval.scorecard_eval.evaluate` measures it against the annotations in
``corpora/gold/scorecard.jsonl`` (``python -m pipeline.eval.scorecard_eval``).

Example:
    >>> card = score_article("Turmeric is a miracle cure for arthritis. Buy it here!")
    >>> card["criteria"]["sensational_language"]["rating"]
    'not_satisfactory'
    >>> card["criteria"]["sensational_language"]["evidence"][0]["text"]
    'Turmeric is a miracle cure for arthritis.'
    >>> card["criteria"]["commercial_disclosure"]["rating"]
    'not_satisfactory'
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy

from ..util.prefilter import LiteralIndex, literal_safe, ordered_requirements
from ..resources.schema import load_resource

SATISFACTORY = "satisfactory"
NOT_SATISFACTORY = "not_satisfactory"
NOT_APPLICABLE = "not_applicable"
RATINGS = (SATISFACTORY, NOT_SATISFACTORY, NOT_APPLICABLE)
CRITERIA = ("harms", "evidence_quality", "alternatives", "benefits_quantified", "sensational_language",
            "commercial_disclosure", "sources_cited")
SCORECARD_VERSION = 1
MAX_EVIDENCE = 5  # deciding sentences kept per criterion


@dataclass(frozen=True)
class _Criterion:
    name: str
    question: str
    applies_when: str
    patterns: tuple[re.Pattern, ...]
    exclude: tuple[re.Pattern, ...] = ()
    exclude_context: tuple[re.Pattern, ...] = ()
    signals: tuple[re.Pattern, ...] = ()
    invert: bool = False
    min_sentences: int = 1
    markers: re.Pattern | None = None
    marker_min_lines: int = 0


@dataclass(frozen=True)
class _Rules:
    version: int
    treatment: tuple[re.Pattern, ...]
    benefit_claim: tuple[re.Pattern, ...]
    criteria: tuple[_Criterion, ...]


def _compile(items: Iterable[str] | None, where: str) -> tuple[re.Pattern, ...]:
    out = []
    for p in items or ():
        try:
            out.append(re.compile(p, re.IGNORECASE))
        except re.error as e:
            raise ValueError(f"scorecard.yaml: bad pattern in {where}: {p!r} ({e})") from None
    return tuple(out)


@functools.lru_cache(maxsize=1)
def load_rules() -> _Rules:
    """Load and compile ``pipeline/resources/scorecard.yaml`` (cached).

    Returns:
        The compiled rules.

    Example:
        >>> [c.name for c in load_rules().criteria] == list(CRITERIA)
        True
    """
    raw = load_resource("scorecard.yaml")
    crits = []
    for name in CRITERIA:
        c = (raw.get("criteria") or {}).get(name)
        if c is None:
            raise ValueError(f"scorecard.yaml: criterion {name!r} is missing")
        markers = c.get("citation_markers") or {}
        crits.append(_Criterion(
            name=name, question=c["question"], applies_when=c.get("applies_when", "always"),
            patterns=_compile(c.get("patterns"), name), exclude=_compile(c.get("exclude"), name),
            exclude_context=_compile(c.get("exclude_context"), name), signals=_compile(c.get("signals"), name),
            invert=bool(c.get("invert", False)), min_sentences=int(c.get("min_sentences", 1)),
            markers=re.compile(markers["pattern"], re.MULTILINE) if markers.get("pattern") else None,
            marker_min_lines=int(markers.get("min_lines", 0))))
    return _Rules(version=int(raw.get("version", 1)), treatment=_compile(raw.get("treatment"), "treatment"),
                  benefit_claim=_compile(raw.get("benefit_claim"), "benefit_claim"), criteria=tuple(crits))


_SENT_RE = re.compile(r"[^\n]+")
_SPLIT_RE = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """A light sentence splitter (lines, then sentence-final punctuation), for use without spaCy.

    Args:
        text: the article text.

    Returns:
        (start, end) character offsets of each non-empty sentence.

    Example:
        >>> split_sentences("One. Two!\\nThree")
        [(0, 4), (5, 9), (10, 15)]
    """
    out = []
    for m in _SENT_RE.finditer(text):
        pos = m.start()
        line = m.group()
        for piece in _SPLIT_RE.split(line):
            i = line.find(piece, pos - m.start())
            s, e = m.start() + i, m.start() + i + len(piece)
            pos = e
            out.append((s, e))
    return [_trim(text, s, e) for s, e in out if text[s:e].strip()]


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _overlaps(s: int, e: int, ranges) -> bool:
    return any(s < be and bs < e for bs, be, *_ in ranges)


def _ev(text: str, s: int, e: int, cue: str | None = None, why: str | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"start": s, "end": e, "text": text[s:e]}
    if cue:
        d["cue"] = cue
    if why:
        d["why"] = why
    return d


_PLANS: dict[int, tuple] = {}


def _plan(patterns) -> list[tuple[re.Pattern, tuple[tuple[str, ...], ...]]]:
    """``patterns`` with their requirement sets (:func:`pipeline.util.prefilter.ordered_requirements`), once per list."""
    hit = _PLANS.get(id(patterns))
    if hit is None or hit[0] is not patterns:
        plan = [(p, ordered_requirements(p)) for p in patterns]
        hit = _PLANS[id(patterns)] = (patterns, plan)
    return hit[1]


_LITERALS = LiteralIndex()


def _possible(reqs, has) -> bool:
    return all(any(map(has, r)) for r in reqs)


def _first(patterns, sent: str) -> re.Match | None:
    # A literal-safe sentence that lacks every literal of one of a pattern's requirement sets cannot
    # match it: skip the (slow, case-insensitive) search. Results are exactly those of searching
    # every pattern.
    if literal_safe(sent):
        has = sent.lower().__contains__
        for p, reqs in _plan(patterns):
            if not _possible(reqs, has):
                continue
            m = p.search(sent)
            if m:
                return m
        return None
    for p in patterns:
        m = p.search(sent)
        if m:
            return m
    return None


def _rank(patterns, sent: str) -> int:
    return next((i for i, p in enumerate(patterns) if p.search(sent)), len(patterns))


# Set to False to search every pattern in every sentence (the tests compare both ways).
_PRUNE = True


class _Article:
    """Per-article index for :func:`_hits`. For each pattern list and sentence list it finds, once,
    the patterns each sentence may match: a pattern is a candidate in a sentence only if, for each
    of its requirement sets (:func:`pipeline.util.prefilter.requirements`), one of the literals occurs
    inside the sentence. All literals are found in one pass over the lower-cased article
    (:class:`~pipeline.util.prefilter.LiteralIndex`) and mapped to sentences by binary search (numpy).
    Sentences that are not :func:`~pipeline.util.prefilter.literal_safe` get every pattern. The results are exactly those of
    searching every pattern in every sentence (``_PRUNE = False``; the tests compare both)."""

    __slots__ = ("text", "lower", "_found", "_cands", "_sents")

    def __init__(self, text: str) -> None:
        self.text = text
        low = text.lower()
        self.lower = low if len(low) == len(text) else None  # offsets align unless a char expanded
        self._found: tuple | None = None
        self._cands: dict[tuple, tuple] = {}
        self._sents: dict[int, tuple] = {}

    def _sentence_index(self, sents):
        """``(safe flags, indices of safe sentences, literal id -> sentences it occurs in)`` of
        ``sents``, or ``None`` when the sentences are not in order without overlaps (no pruning then)."""
        hit = self._sents.get(id(sents))
        if hit is not None and hit[0] is sents and hit[2] == _LITERALS.version:
            return hit[1]
        text = self.text
        ordered = _PRUNE and self.lower is not None and all(
            sents[k][1] <= sents[k + 1][0] for k in range(len(sents) - 1))
        if ordered:
            safe = [literal_safe(text[s:e]) for s, e in sents]
            found = self._found
            if found is None or found[0] != _LITERALS.version:
                found = self._found = (_LITERALS.version, _LITERALS.find(self.lower))
            where: dict[int, set[int]] = {}
            ends, lids = found[1]
            if len(ends) and sents:
                bounds = numpy.array(sents, dtype=numpy.int64).reshape(-1, 2)
                k = bounds[:, 0].searchsorted(ends + 1 - _LITERALS.length_array()[lids], "right") - 1
                ok = k >= 0
                k = numpy.where(ok, k, 0)
                ok &= (ends < bounds[k, 1]) & numpy.array(safe, dtype=bool)[k]
                pairs = numpy.unique(lids[ok] * len(sents) + k[ok])
                for lid, kk in zip(*map(numpy.ndarray.tolist, numpy.divmod(pairs, len(sents)))):
                    ks = where.get(lid)
                    if ks is None:
                        where[lid] = {kk}
                    else:
                        ks.add(kk)
            idx = (safe, [k for k, a in enumerate(safe) if a], where)
        else:
            idx = None
        self._sents[id(sents)] = (sents, idx, _LITERALS.version)
        return idx

    def candidates(self, patterns, sents: Sequence[tuple[int, int]]) -> dict[int, list[tuple[int, re.Pattern]]]:
        """Sentence index -> ``(index, pattern)`` of the patterns that sentence may match, in order
        (sentences with none are left out)."""
        key = (id(patterns), id(sents))
        hit = self._cands.get(key)
        if hit is not None and hit[0] is patterns and hit[1] is sents:
            return hit[2]
        everything = list(enumerate(patterns))
        reqsets = _LITERALS.of(patterns) if _PRUNE and patterns else None
        idx = self._sentence_index(sents) if reqsets is not None else None
        if idx is None or not patterns:
            out = {k: everything for k in range(len(sents))} if patterns else {}
        else:
            safe, all_safe, where = idx
            out = {k: everything for k, a in enumerate(safe) if not a}
            present = where.keys()
            lows: dict[int, str] = {}
            for i, (indexed, checked) in enumerate(reqsets):
                ks: set[int] | list[int] | None = None
                for r in indexed:
                    if present.isdisjoint(r):
                        ks = ()
                        break
                    u = set().union(*[where[lid] for lid in r if lid in where])
                    ks = u if ks is None else ks & u
                    if not ks:
                        break
                if ks is None:
                    ks = all_safe  # nothing indexed to require: every literal-safe sentence
                elif not ks:
                    continue
                p = patterns[i]
                for k in sorted(ks) if checked else ks:
                    if checked:
                        x = lows.get(k)
                        if x is None:
                            x = lows[k] = self.lower[sents[k][0]:sents[k][1]]
                        has = x.__contains__
                        if not all(any(map(has, r)) for r in checked):
                            continue
                    lst = out.get(k)
                    if lst is None:
                        out[k] = [(i, p)]
                    else:
                        lst.append((i, p))
        self._cands[key] = (patterns, sents, out)
        return out


def _hits(crit_patterns, sents, text, *, exclude=(), exclude_context=(), art: _Article | None = None,
          first: bool = False):
    """Sentences matching one of the patterns (and none of ``exclude``), with the cue (only the
    first such sentence when ``first``)."""
    if art is None or art.text is not text:
        art = _Article(text)
    hits, excluded = [], []
    if not crit_patterns:
        return hits, excluded
    cands = art.candidates(crit_patterns, sents)
    ctx = art.candidates(exclude_context, sents) if exclude_context else {}
    for k in sorted(cands.keys() | ctx.keys()) if ctx else sorted(cands):
        s, e = sents[k]
        sent = text[s:e]
        found = None
        if k in ctx:
            # sensational words in a harmless context ("there is no cure") do not count
            masked = sent
            for _, p in ctx[k]:
                masked = p.sub(lambda m: " " * len(m.group()), masked)
            if masked != sent:
                m = _first(crit_patterns, masked)
                if not m:
                    continue
                found = (None, m, masked)
        if found is None:
            for i, p in cands.get(k, ()):
                m = p.search(sent)
                if m:
                    found = (i, m, sent)
                    break
            if found is None:
                continue
        rank, m, matched = found
        if exclude:
            xm = _first(exclude, sent)
            if xm:
                excluded.append(_ev(text, s, e, xm.group(), "excluded"))
                continue
        ev = _ev(text, s, e, m.group().strip())
        if rank is None:  # masked text
            ev["_rank"] = _rank(crit_patterns, matched)
            ev["_cues"] = [x.group().strip() for x in (p.search(matched) for p in crit_patterns) if x]
        else:
            # The candidates before ``rank`` do not match; after it, only candidates can.
            ev["_rank"] = rank
            ev["_cues"] = [m.group().strip()] + [x.group().strip() for x in
                                                 (p.search(sent) for i, p in cands[k] if i > rank) if x]
        hits.append(ev)
        if first:
            break
    return hits, excluded


def score_article(article, *, sentences: Sequence[tuple[int, int]] | None = None, claims: Sequence = (),
                  boilerplate: Sequence = ()) -> dict[str, Any]:
    """Rate one article on the scorecard criteria.

    Args:
        article: an :class:`~pipeline.types.Article` or the article text.
        sentences: (start, end) offsets of its sentences (the audit passes spaCy's; default
            :func:`split_sentences`).
        claims: the article's checked claims (:class:`~pipeline.types.CheckedClaim`) or claims; a
            claim about a drug means a treatment is discussed, a positive efficacy claim means a
            benefit is claimed.
        boilerplate: (start, end, kind) ranges kept out of claims (disclosures, image
            descriptions); only the commercial-disclosure criterion reads them.

    Returns:
        ``{"version", "criteria": {name: {"rating", "question", "reason", "evidence": [{"start",
        "end", "text", "cue"}]}}, "n_satisfactory", "n_applicable"}``.

    Example:
        >>> card = score_article("Baclofen can cause drowsiness. Stopping it suddenly is dangerous.")
        >>> harms = card["criteria"]["harms"]
        >>> harms["rating"], [(e["text"], e["cue"]) for e in harms["evidence"]]
        ('satisfactory', [('Stopping it suddenly is dangerous.', 'dangerous'), ('Baclofen can cause drowsiness.', 'drowsiness')])
    """
    text = article if isinstance(article, str) else article.text
    rules = load_rules()
    all_sents = [(s, e) for s, e in (sentences if sentences is not None else split_sentences(text))]
    all_sents = [_trim(text, s, e) for s, e in all_sents if text[s:e].strip()]
    body = [(s, e) for s, e in all_sents if not _overlaps(s, e, boilerplate)]
    if len(body) == len(all_sents):
        body = all_sents  # the same sentences: one index serves both

    cl = [getattr(c, "claim", c) for c in claims]
    treat_claims = [c for c in cl if getattr(c, "drug", None) is not None]
    benefit_claims = [c for c in cl if getattr(c.type, "value", c.type) == "efficacy" and c.polarity == "positive"
                      and int(c.strength) >= 1]
    art = _Article(text)
    # Whether a treatment is discussed is all the criteria ask: one sentence (or claim) settles it.
    treatment = bool(treat_claims) or bool(_hits(rules.treatment, body, text, art=art, first=True)[0])
    has_benefit = bool(benefit_claims) or bool(_hits(rules.benefit_claim, body, text, art=art, first=True)[0])
    benefit_list: list[list] = []

    def benefit() -> list:
        """Every sentence that claims a benefit (the evidence of an unquantified benefit)."""
        if not benefit_list:
            found, _ = _hits(rules.benefit_claim, body, text, art=art)
            benefit_list.append([_ev(text, c.start, c.end, None, "efficacy claim") for c in benefit_claims] + found)
        return benefit_list[0]

    out: dict[str, dict[str, Any]] = {}
    for crit in rules.criteria:
        sents = all_sents if crit.name == "commercial_disclosure" else body
        hits, excluded = _hits(crit.patterns, sents, text, exclude=crit.exclude,
                               exclude_context=crit.exclude_context, art=art)
        if crit.markers is not None:
            lines = [m for m in crit.markers.finditer(text) if not _overlaps(m.start(), m.end(), boilerplate)]
            if len(lines) >= crit.marker_min_lines:
                for m in lines:
                    ls = text.rfind("\n", 0, m.start()) + 1
                    hits.append(_ev(text, *_trim(text, ls, m.end()), m.group().strip(), "reference marker"))
        def signals(crit=crit, sents=sents) -> list:
            return _hits(crit.signals, sents, text, art=art)[0] if crit.signals else []
        rating, reason, evidence = _rate(crit, hits, excluded, signals, treatment, has_benefit, benefit)
        evidence = _dedupe(evidence)
        out[crit.name] = {"rating": rating, "question": crit.question, "reason": reason,
                          "evidence": evidence[:MAX_EVIDENCE], "n_sentences": len(evidence)}
    n_app = sum(1 for v in out.values() if v["rating"] != NOT_APPLICABLE)
    n_sat = sum(1 for v in out.values() if v["rating"] == SATISFACTORY)
    return {"version": SCORECARD_VERSION, "criteria": out, "n_satisfactory": n_sat, "n_applicable": n_app}


def _dedupe(evs: list[dict]) -> list[dict]:
    """Deciding sentences, strongest pattern first, then in reading order; one entry per sentence."""
    seen, out = set(), []
    for e in sorted(evs, key=lambda e: (e.get("_rank", 0), e["start"])):
        if (e["start"], e["end"]) in seen:
            continue
        seen.add((e["start"], e["end"]))
        out.append({k: v for k, v in e.items() if not k.startswith("_")})
    return out


def _rate(crit: _Criterion, hits, excluded, signals, treatment: bool, has_benefit: bool,
          benefit) -> tuple[str, str, list]:
    """Rating, reason and deciding sentences of one criterion. ``signals`` and ``benefit`` are
    called only when their sentences are needed."""
    if crit.invert:
        if hits:
            cues = sorted({c.lower() for h in hits for c in (h.get("_cues") or [h.get("cue")]) if c})
            return NOT_SATISFACTORY, f"sensational wording: {', '.join(cues)}", hits
        return SATISFACTORY, "no sensational wording found", []
    # a sentence that meets the criterion shows it applies (side effects imply a treatment, a
    # quantified benefit is a claimed benefit)
    if crit.applies_when == "treatment" and not treatment and not hits:
        return NOT_APPLICABLE, "no treatment or intervention is discussed", []
    if crit.applies_when == "benefit_claim" and not has_benefit and not hits:
        return NOT_APPLICABLE, "no benefit is claimed", []
    if crit.applies_when == "commercial":
        if hits:
            return SATISFACTORY, "a commercial interest is disclosed", hits
        sig = signals()
        if sig:
            return NOT_SATISFACTORY, "commercial links or product promotion without a disclosure", sig
        return NOT_APPLICABLE, "no commercial link, product promotion or sponsor found", []
    if len(hits) >= crit.min_sentences:
        return SATISFACTORY, _SAT_REASON.get(crit.name, "criterion met"), hits
    if crit.name == "benefits_quantified":
        return NOT_SATISFACTORY, "benefits are claimed without numbers", benefit()
    if excluded:
        return NOT_SATISFACTORY, "only denies or plays down harms", excluded
    return NOT_SATISFACTORY, _NOT_REASON.get(crit.name, "criterion not met"), []


_SAT_REASON = {
    "harms": "harms are mentioned",
    "evidence_quality": "the design, size or limits of the evidence are discussed",
    "alternatives": "alternatives are mentioned",
    "benefits_quantified": "benefits are given in numbers",
    "sources_cited": "specific sources are cited",
}
_NOT_REASON = {
    "harms": "a treatment is discussed but no harm, side effect or risk is mentioned",
    "evidence_quality": "nothing is said about the design, size or limits of the evidence",
    "alternatives": "no other treatment or approach is mentioned",
    "sources_cited": "no study, journal, reference or named expert is cited",
}


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit("the agreement table moved: python -m pipeline.eval.scorecard_eval [GOLD.jsonl] [--json]")
