"""Article scorecard: the questions health-news reviewers ask of a whole article.

After HealthNewsReview.org's criteria and DISCERN: are harms mentioned, is the quality of the
evidence discussed, are alternatives mentioned, are benefits quantified, is sensational language
avoided, is a commercial interest disclosed, are sources cited. Each criterion is rated
``satisfactory``, ``not_satisfactory`` or ``not_applicable`` and keeps the sentences (character
offsets into the article text, and their text) that decided it. The rules and lexicons are data:
``pipeline/resources/scorecard.yaml``.

The audit computes it for every article (``ArticleResult.scorecard``, ``articles.jsonl``, the
articles DataFrame of :func:`pipeline.audit`, and a table per article in ``report.html``).
:func:`evaluate` measures it against the annotations in ``corpora/gold/scorecard.jsonl``
(``python -m pipeline.scorecard``).

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
import importlib.resources as resources
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

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
    import yaml

    raw = yaml.safe_load(resources.files("pipeline.resources").joinpath("scorecard.yaml").read_text("utf-8"))
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


_REQ: dict[int, tuple] = {}


def _required(pattern: re.Pattern) -> frozenset[str] | None:
    """Lower-case literals of which every match of ``pattern`` contains at least one, or ``None``
    when that cannot be shown (computed once per pattern from its parse tree)."""
    hit = _REQ.get(id(pattern))
    if hit is not None and hit[0] is pattern:
        return hit[1]
    try:
        import re._constants as c
        import re._parser as parser
    except ImportError:  # pragma: no cover - Python < 3.11
        import sre_constants as c
        import sre_parse as parser

    def seq(items) -> frozenset[str] | None:
        best: frozenset[str] | None = None
        run: list[str] = []

        def consider(req):
            nonlocal best
            if req and all(x.isascii() and x for x in req) and (
                    best is None or min(map(len, req)) > min(map(len, best))):
                best = req
        for op, av in items:
            if op is c.LITERAL:
                run.append(chr(av))
                continue
            if run:
                consider(frozenset(["".join(run).lower()]))
                run = []
            if op is c.SUBPATTERN:
                consider(seq(av[-1]))
            elif op is c.BRANCH:
                alts = [seq(a) for a in av[1]]
                if all(alts):
                    consider(frozenset().union(*alts))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:
                consider(seq(av[2]))
        if run:
            consider(frozenset(["".join(run).lower()]))
        return best

    try:
        req = seq(parser.parse(pattern.pattern, pattern.flags))
    except Exception:
        req = None
    _REQ[id(pattern)] = (pattern, req)
    return req


_PLANS: dict[int, tuple] = {}


def _plan(patterns) -> list[tuple[re.Pattern, tuple[str, ...] | None]]:
    """``patterns`` with their required literals (see :func:`_required`), computed once per list."""
    hit = _PLANS.get(id(patterns))
    if hit is None or hit[0] is not patterns:
        plan = []
        for p in patterns:
            req = _required(p)
            plan.append((p, tuple(sorted(req, key=len, reverse=True)) if req else None))
        hit = _PLANS[id(patterns)] = (patterns, plan)
    return hit[1]


def _first(patterns, sent: str) -> re.Match | None:
    # An ASCII sentence that contains none of a pattern's required literals cannot match it: skip
    # the (slow, case-insensitive) search. Results are exactly those of searching every pattern.
    if sent.isascii():
        has = sent.lower().__contains__
        for p, req in _plan(patterns):
            if req is not None and not any(map(has, req)):
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


class _Article:
    """Per-article caches for :func:`_hits`: each sentence's text and lower-case literal test,
    and each pattern list pruned to the patterns whose required literals occur anywhere in the
    article (a literal absent from the whole lower-cased text is absent from every ASCII
    sentence, so the results are exactly those of :func:`_first`)."""

    __slots__ = ("text", "_has", "_sents", "_plans")

    def __init__(self, text: str) -> None:
        self.text = text
        self._has = text.lower().__contains__
        self._sents: dict[tuple[int, int], tuple[str, Any]] = {}
        self._plans: dict[int, tuple] = {}

    def sent(self, s: int, e: int) -> tuple[str, Any]:
        hit = self._sents.get((s, e))
        if hit is None:
            sent = self.text[s:e]
            hit = self._sents[(s, e)] = (sent, sent.lower().__contains__ if sent.isascii() else None)
        return hit

    def plan(self, patterns) -> list:
        """``(index, pattern, required literals)`` for each pattern of ``patterns`` that can
        match in some ASCII sentence of the article."""
        hit = self._plans.get(id(patterns))
        if hit is None or hit[0] is not patterns:
            has = self._has
            pruned = [(i, p, req) for i, (p, req) in enumerate(_plan(patterns)) if req is None or any(map(has, req))]
            hit = self._plans[id(patterns)] = (patterns, pruned)
        return hit[1]


def _first_at(plan, patterns, sent: str, has) -> tuple[int, re.Match] | None:
    """:func:`_first` with a precomputed plan and literal test (``has`` is ``None`` for a
    non-ASCII sentence: every pattern is searched), and the index of the matching pattern
    (== :func:`_rank`)."""
    if has is None:
        for i, p in enumerate(patterns):
            m = p.search(sent)
            if m:
                return i, m
        return None
    for i, p, req in plan:
        if req is not None and not any(map(has, req)):
            continue
        m = p.search(sent)
        if m:
            return i, m
    return None


def _hits(crit_patterns, sents, text, *, exclude=(), exclude_context=(), art: _Article | None = None):
    """Sentences matching one of the patterns (and none of ``exclude``), with the cue."""
    if art is None or art.text is not text:
        art = _Article(text)
    hits, excluded = [], []
    crit_plan = art.plan(crit_patterns)
    excl_plan = art.plan(exclude) if exclude else None
    ctx_plan = art.plan(exclude_context) if exclude_context else None
    for s, e in sents:
        sent, has = art.sent(s, e)
        if exclude_context:
            # sensational words in a harmless context ("there is no cure") do not count
            masked = sent
            if has is not None:
                for _, p, req in ctx_plan:
                    if req is not None and not any(map(has, req)):
                        continue  # cannot match: nothing to mask
                    masked = p.sub(lambda m: " " * len(m.group()), masked)
            else:
                for p in exclude_context:
                    masked = p.sub(lambda m: " " * len(m.group()), masked)
            sent_for_match = masked
        else:
            sent_for_match = sent
        if sent_for_match == sent:
            found = _first_at(crit_plan, crit_patterns, sent, has)
            if not found:
                continue
            rank, m = found
        else:  # masked text: no article-level pruning
            m = _first(crit_patterns, sent_for_match)
            if not m:
                continue
            rank = None
        if exclude:
            xm = _first_at(excl_plan, exclude, sent, has)
            if xm:
                excluded.append(_ev(text, s, e, xm[1].group(), "excluded"))
                continue
        ev = _ev(text, s, e, m.group().strip())
        if rank is None:
            ev["_rank"] = _rank(crit_patterns, sent_for_match)
            ev["_cues"] = [x.group().strip() for x in (p.search(sent_for_match) for p in crit_patterns) if x]
        else:
            # The patterns before ``rank`` do not match; after it, only those that can are searched.
            ev["_rank"] = rank
            if has is None:
                later = (p for i, p in enumerate(crit_patterns) if i > rank)
            else:
                later = (p for i, p, req in crit_plan if i > rank and (req is None or any(map(has, req))))
            ev["_cues"] = [m.group().strip()] + [x.group().strip() for x in (p.search(sent) for p in later) if x]
        hits.append(ev)
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

    cl = [getattr(c, "claim", c) for c in claims]
    treat_claims = [c for c in cl if getattr(c, "drug", None) is not None]
    benefit_claims = [c for c in cl if getattr(c.type, "value", c.type) == "efficacy" and c.polarity == "positive"
                      and int(c.strength) >= 1]
    art = _Article(text)
    treatment, _ = _hits(rules.treatment, body, text, art=art)
    if treat_claims:
        c = treat_claims[0]
        treatment = [_ev(text, c.start, c.end, c.drug.text, "claim about a drug")] + treatment
    benefit, _ = _hits(rules.benefit_claim, body, text, art=art)
    if benefit_claims:
        benefit = [_ev(text, c.start, c.end, None, "efficacy claim") for c in benefit_claims] + benefit

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
        signals = _hits(crit.signals, sents, text, art=art)[0] if crit.signals else []
        rating, reason, evidence = _rate(crit, hits, excluded, signals, treatment, benefit)
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


def _rate(crit: _Criterion, hits, excluded, signals, treatment, benefit) -> tuple[str, str, list]:
    if crit.invert:
        if hits:
            cues = sorted({c.lower() for h in hits for c in (h.get("_cues") or [h.get("cue")]) if c})
            return NOT_SATISFACTORY, f"sensational wording: {', '.join(cues)}", hits
        return SATISFACTORY, "no sensational wording found", []
    # a sentence that meets the criterion shows it applies (side effects imply a treatment, a
    # quantified benefit is a claimed benefit)
    if crit.applies_when == "treatment" and not treatment and not hits:
        return NOT_APPLICABLE, "no treatment or intervention is discussed", []
    if crit.applies_when == "benefit_claim" and not benefit and not hits:
        return NOT_APPLICABLE, "no benefit is claimed", []
    if crit.applies_when == "commercial":
        if hits:
            return SATISFACTORY, "a commercial interest is disclosed", hits
        if signals:
            return NOT_SATISFACTORY, "commercial links or product promotion without a disclosure", signals
        return NOT_APPLICABLE, "no commercial link, product promotion or sponsor found", []
    if len(hits) >= crit.min_sentences:
        return SATISFACTORY, _SAT_REASON.get(crit.name, "criterion met"), hits
    if crit.name == "benefits_quantified":
        return NOT_SATISFACTORY, "benefits are claimed without numbers", benefit
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


# -----------------------------------------------------------------------------------------------
# Agreement with the gold annotations

def gold_path() -> Path:
    """Path of the shipped gold annotations (``corpora/gold/scorecard.jsonl``)."""
    return Path(str(resources.files("pipeline.corpora").joinpath("gold", "scorecard.jsonl")))


def load_gold(path: str | Path | None = None) -> list[dict]:
    """Read scorecard gold annotations: one JSON object per line with ``article`` and ``labels``.

    ``article`` is ``samples/<file>`` (shipped in ``corpora/``) or ``shared:<path>`` (under the
    shared data directory, e.g. ``shared:seeds/000_cbe59d7729693a6f.txt``).

    Raises:
        ValueError: naming the file and line of a malformed annotation.
    """
    p = Path(path) if path else gold_path()
    rows = []
    for i, line in enumerate(p.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{p}:{i}: not JSON ({e.msg})") from None
        bad = {k: v for k, v in (row.get("labels") or {}).items() if k not in CRITERIA or v not in RATINGS}
        if "article" not in row or not row.get("labels") or bad:
            raise ValueError(f"{p}:{i}: needs 'article' and 'labels' with criteria {CRITERIA} rated {RATINGS}"
                             + (f" (bad: {bad})" if bad else ""))
        rows.append(row)
    return rows


def resolve_article(ref: str) -> Path | None:
    """The file of a gold ``article`` reference (without any ``#row``), or ``None`` when the shared
    data is not available."""
    ref = ref.split("#", 1)[0]
    if ref.startswith("shared:"):
        from .config import data_dir

        d = data_dir(required=False)
        return (d / ref[len("shared:"):]) if d is not None else None
    return Path(str(resources.files("pipeline.corpora").joinpath(*ref.split("/"))))


def load_gold_article(ref: str):
    """The :class:`~pipeline.types.Article` a gold ``article`` reference names, or ``None`` when
    its file (or row) is not available. ``<file>.jsonl#<id>`` selects the row whose ``news_id`` or
    ``id`` is ``<id>``."""
    from .ingest import IngestOptions, article_from_text, read_file
    from .types import Article

    path = resolve_article(ref)
    if path is None or not path.is_file():
        return None
    if "#" in ref:
        want = ref.split("#", 1)[1]
        with path.open(encoding="utf-8") as f:
            for line in f:
                if want not in line:
                    continue
                row = json.loads(line)
                if want in (row.get("news_id"), row.get("id")) and row.get("text"):
                    return article_from_text(row["text"], id=want, title=row.get("title"), url=row.get("url"),
                                             source=str(path))
        return None
    arts = [a for a in read_file(path, rel=path.name, opts=IngestOptions()) if isinstance(a, Article)]
    return arts[0] if arts else None


def evaluate(gold: str | Path | None = None, *, auditor=None) -> dict[str, Any]:
    """Agreement of the scorecard with the gold annotations: per-criterion accuracy.

    Each gold article is audited (so the scorecard sees the same claims and sentences as in a
    real audit) and every criterion's rating is compared with the annotation.

    Args:
        gold: a gold JSONL file (default ``corpora/gold/scorecard.jsonl``).
        auditor: an :class:`~pipeline.audit.Auditor` to reuse (default a new one).

    Returns:
        ``{"n_articles", "skipped", "per_criterion": {name: {"n", "correct", "accuracy",
        "confusion": {gold: {pred: n}}}}, "overall": {"n", "correct", "accuracy"},
        "disagreements": [{"article", "criterion", "gold", "pred", "reason"}]}``.

    Example:
        >>> r = evaluate()                                   # doctest: +SKIP
        >>> sorted(r["per_criterion"]) == sorted(CRITERIA)   # doctest: +SKIP
        True
    """
    rows = load_gold(gold)
    if auditor is None:
        from .audit import Auditor

        auditor = Auditor()
    per = {c: {"n": 0, "correct": 0, "confusion": {g: {p: 0 for p in RATINGS} for g in RATINGS}} for c in CRITERIA}
    by_split: dict[str, dict[str, int]] = {}
    disagreements, skipped, n_articles = [], [], 0
    for row in rows:
        art = load_gold_article(row["article"])
        if art is None:
            skipped.append(row["article"])
            continue
        res = auditor.audit_article(art)
        card = res.scorecard or score_article(art, claims=res.claims, boilerplate=res.boilerplate)
        n_articles += 1
        split = by_split.setdefault(row.get("split", "dev"), {"articles": 0, "n": 0, "correct": 0})
        split["articles"] += 1
        for crit, g in row["labels"].items():
            p = card["criteria"][crit]["rating"]
            d = per[crit]
            d["n"] += 1
            d["correct"] += int(p == g)
            d["confusion"][g][p] += 1
            split["n"] += 1
            split["correct"] += int(p == g)
            if p != g:
                disagreements.append({"article": row["article"], "criterion": crit, "gold": g, "pred": p,
                                      "reason": card["criteria"][crit]["reason"]})
    for d in list(per.values()) + list(by_split.values()):
        d["accuracy"] = round(d["correct"] / d["n"], 3) if d["n"] else None
    n = sum(d["n"] for d in per.values())
    c = sum(d["correct"] for d in per.values())
    return {"n_articles": n_articles, "skipped": skipped, "per_criterion": per,
            "overall": {"n": n, "correct": c, "accuracy": round(c / n, 3) if n else None},
            "by_split": by_split, "disagreements": disagreements}


def format_evaluation(result: dict[str, Any]) -> str:
    """Plain-text table of :func:`evaluate`'s result."""
    lines = [f"Scorecard agreement with gold ({result['n_articles']} articles"
             + (f"; skipped, data not found: {', '.join(result['skipped'])}" if result["skipped"] else "") + ")",
             f"{'criterion':<24}{'n':>4}{'agree':>7}{'accuracy':>10}"]
    for name in CRITERIA:
        d = result["per_criterion"][name]
        acc = "-" if d["accuracy"] is None else f"{d['accuracy']:.2f}"
        lines.append(f"{name:<24}{d['n']:>4}{d['correct']:>7}{acc:>10}")
    o = result["overall"]
    lines.append(f"{'overall':<24}{o['n']:>4}{o['correct']:>7}{(o['accuracy'] or 0):>10.2f}")
    for name, d in sorted(result.get("by_split", {}).items()):
        lines.append(f"{'  split ' + name + ' (' + str(d['articles']) + ' art.)':<24}{d['n']:>4}{d['correct']:>7}"
                     f"{(d['accuracy'] or 0):>10.2f}")
    if result["disagreements"]:
        lines.append("Disagreements:")
        for d in result["disagreements"]:
            lines.append(f"  {d['article']}: {d['criterion']} gold={d['gold']} pred={d['pred']} ({d['reason']})")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pipeline.scorecard [GOLD.jsonl] [--json]``: print the agreement table."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m pipeline.scorecard",
                                 description="Agreement of the article scorecard with gold annotations. "
                                             "Example: python -m pipeline.scorecard --json")
    ap.add_argument("gold", nargs="?", help="gold JSONL (default corpora/gold/scorecard.jsonl)")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    args = ap.parse_args(argv)
    try:
        result = evaluate(args.gold)
    except (OSError, ValueError) as e:
        print(f"overclaim: {e}")
        return 2
    print(json.dumps(result, indent=2) if args.json else format_evaluation(result))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
