"""Claims: structured, checkable claims extracted from each sentence of a processed article.

A sentence yields zero or more :class:`~pipeline.types.Claim` objects — one per claim type and
drug/condition pair — with polarity, an ordinal strength, attribution, quantities and the cues
that carried the strength. Pronouns ("It has been shown…") and anaphora ("for this purpose")
are resolved to the drugs of the preceding sentences and the article's topic condition.
Trigger lists live in ``pipeline/resources/claim_rules.yaml``.

Example:
    >>> from pipeline.claims.extract import extract_claims_from_text
    >>> [(c.type.value, c.drug.name, c.condition.name, int(c.strength))
    ...  for c in extract_claims_from_text("Baclofen has been shown to be effective for fibromyalgia.")]
    [('efficacy', 'baclofen', 'fibromyalgia', 3)]
"""
from __future__ import annotations

import bisect
import functools
import hashlib
import re
from dataclasses import dataclass
from typing import NamedTuple

from spacy.tokens import Doc, Span

from ..types import Article, Claim, ClaimType, Cue, Mention, Quantity, Strength
from ..resources.schema import load_resource
from ..ingest.reader import article_from_text
from ..nlp.boilerplate import find_boilerplate, find_headings
from ..reference import load_reference

# -----------------------------------------------------------------------------------------------
# Rules


@dataclass
class ClaimRules:
    approval_pos: re.Pattern
    approval_neg: re.Pattern
    dosage: re.Pattern
    safety: dict[str, re.Pattern]
    mechanism: re.Pattern
    evidence: re.Pattern
    usage: re.Pattern
    efficacy: re.Pattern
    usage_not_efficacy: re.Pattern
    outcomes: list[str]
    outcome_re: re.Pattern
    condition_anaphora: re.Pattern
    drug_anaphora: re.Pattern


_EXPLETIVE = re.compile(r"^(?:[a-z]+,? )?it (?:is|was|may be|can be|might be)(?: [a-z]+){0,3} (?:to|that)\b")
_WORDS = re.compile(r"[a-z']+")


def _alt(terms: list[str], prefix: bool = False) -> re.Pattern:
    parts = sorted({re.escape(t.lower()) for t in terms}, key=len, reverse=True)
    tail = r"" if prefix else r"\b"
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")" + tail)


@functools.lru_cache(maxsize=1)
def load_rules() -> ClaimRules:
    """Load the claim trigger rules shipped in ``pipeline.resources``."""
    raw = load_resource("claim_rules.yaml")
    return ClaimRules(
        approval_pos=_alt(raw["approval"]["positive"]),
        approval_neg=_alt(raw["approval"]["negative"]),
        dosage=_alt(raw["dosage"]["triggers"], prefix=True),
        safety={k: _alt(v, prefix=True) for k, v in raw["safety"].items()},
        mechanism=_alt(raw["mechanism"]["triggers"], prefix=True),
        evidence=_alt(raw["evidence"]["triggers"], prefix=True),
        usage=_alt(raw["usage"]["triggers"]),
        efficacy=_alt(raw["efficacy"]["triggers"]),
        usage_not_efficacy=_alt(raw["usage_not_efficacy"]),
        outcomes=list(raw["outcomes"]),
        outcome_re=_alt(raw["outcomes"]),
        condition_anaphora=_alt(raw["condition_anaphora"]),
        drug_anaphora=_alt(raw["drug_anaphora"]),
    )


# -----------------------------------------------------------------------------------------------
# Quantities

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"  # "6,000" is six thousand
_UNIT = r"(mg|mcg|µg|μg|g|milligrams?|micrograms?|grams?|ml|mL|units?|iu|IU)"
_QTY = re.compile(_NUM + r"(?:\s*(?:-|–|to)\s*" + _NUM + r")?\s*" + _UNIT + r"(?![a-zA-Z])(\s*(?:/|per)\s*(?:day|d)\b)?")
_FREQ = [
    (re.compile(r"\b(once|one time)\s+(a|per)\s+day\b|\bonce daily\b|\bdaily\b|\bper day\b|\ba day\b|/day\b"), 1),
    (re.compile(r"\b(twice|two times)\s+(a|per)\s+day\b|\btwice daily\b|\btwo times daily\b|\bb\.?i\.?d\b"), 2),
    (re.compile(r"\b(three times)\s+(a|per)\s+day\b|\bthree times daily\b|\bt\.?i\.?d\b"), 3),
    (re.compile(r"\b(four times)\s+(a|per)\s+day\b|\bfour times daily\b|\bq\.?i\.?d\b"), 4),
]
_KIND = [
    # The word must govern the dose: within a few words before it ("up to 80 mg", not "women up to age 50 …").
    ("max", re.compile(r"\b(max(imum)?|not exceed|no more than|up to|upper limit|titrated to)\b(\W+\w+){0,4}\W*$")),
    ("start", re.compile(r"\b(start(ing)?|initial(ly)?|begin|began)\b")),
    ("increment", re.compile(r"\b(increased by|increase by|increments? of|by \d+\s*mg every)\b")),
]
_UNIT_NORM = {"milligram": "mg", "milligrams": "mg", "microgram": "mcg", "micrograms": "mcg", "µg": "mcg",
              "μg": "mcg", "gram": "g", "grams": "g", "unit": "units", "iu": "IU", "ml": "mL"}


def parse_quantities(text: str) -> list[Quantity]:
    """Doses in a sentence with unit, frequency and (where computable) the daily total.

    >>> q = parse_quantities("The recommended starting dose is usually 5mg three times a day.")[0]
    >>> (q.value, q.unit, q.frequency, q.daily_total, q.kind)
    (5.0, 'mg', 'three times a day', 15.0, 'start')
    """
    out = []
    low = text.lower()
    for m in _QTY.finditer(text):
        lo = float(m.group(1).replace(",", ""))
        hi = float(m.group(2).replace(",", "")) if m.group(2) else None
        unit = _UNIT_NORM.get(m.group(3).lower(), m.group(3).lower())
        if unit == "ml":
            unit = "mL"
        value = hi if hi is not None else lo
        tail = low[m.end(): m.end() + 40]
        freq_txt, mult = None, None
        if m.group(4):
            freq_txt, mult = "per day", 1
        else:
            best = None
            for pat, k in _FREQ:
                fm = pat.search(tail)
                if fm and fm.start() < 25 and (best is None or (fm.start(), -len(fm.group(0))) < best[0]):
                    best = ((fm.start(), -len(fm.group(0))), fm.group(0), k)
            if best is not None:
                freq_txt, mult = best[1], best[2]
        head = low[max(0, m.start() - 60): m.start()]
        kind = "dose"
        for name, pat in _KIND:
            if pat.search(head) or (name == "max" and pat.search(tail[:20])):
                kind = name
                break
        if re.search(r"\bevery \d+ (days?|weeks?)\b", tail) and kind == "dose" and re.search(r"increas", head):
            kind = "increment"
        daily = value * mult if mult else None
        if kind == "max" and mult is None and re.search(r"\b(daily|per day|a day)\b", head + tail[:20]):
            daily = value
        out.append(Quantity(value=value, unit=unit, frequency=freq_txt, per="day" if mult else None,
                            text=m.group(0), daily_total=daily, kind=kind, start=m.start(), end=m.end()))
    return out


# -----------------------------------------------------------------------------------------------
# Extraction


@dataclass
class _Ctx:
    """Running discourse context: recent drugs/conditions and the article's topic."""

    last_drugs: list[Mention]
    last_drugs_age: int
    last_conditions: list[Mention]
    last_conditions_age: int
    topic_condition: Mention | None
    topic_drug: Mention | None


def _mention(span: Span, kind: str, canonical, via: str | None = None, text: str | None = None,
             link: tuple[float, str | None] | None = None) -> Mention:
    """A mention of the linked ``span`` (``text``: its text, and ``link``: its link score and how it
    was linked, when the caller has them at hand)."""
    score, link_via = link if link is not None else (span._.link_score, span._.link_via)
    kb_id = span.kb_id_
    return Mention(text=span.text if text is None else text, start=span.start_char, end=span.end_char, kind=kind,
                   id=kb_id or None, name=canonical.get(kb_id), score=float(score or 0.0), via=via or link_via)


def _moved(m: Mention, via: str) -> Mention:
    return Mention(text=m.text, start=m.start, end=m.end, kind=m.kind, id=m.id, name=m.name, score=m.score, via=via)


def _dedupe(ms: list[Mention]) -> list[Mention]:
    seen, out = set(), []
    for m in ms:
        if m.id not in seen:
            seen.add(m.id)
            out.append(m)
    return out


def _quantities_for(drug: Mention, quantities: list[Quantity], text: str, s_start: int,
                    drugs: list[Mention]) -> list[Quantity]:
    """The doses of a sentence that belong to ``drug``: each dose goes to the nearest drug named
    before it ("celecoxib 200 mg") or right after it ("200 mg of celecoxib"); a dose of something
    else ("800 mg of chondroitin") belongs to no drug here."""
    if drug.start < s_start:  # drug from context (pronoun, topic): the sentence's doses are its own
        return quantities
    out = []
    for q in quantities:
        after = text[q.end: q.end + 45].lower()
        of_other = re.match(r"\s*(of|of the)\s+", after)
        best, dist = None, 10 ** 6
        named = [m for m in drugs if m.start >= s_start]
        if of_other:
            # "200 mg of celecoxib": the substance named right after the dose owns it.
            follow = [m for m in named if 0 <= m.start - s_start - q.end <= 40]
            if follow:
                best = min(follow, key=lambda m: m.start)
        if best is None:
            for m in named:
                me = m.end - s_start
                if me <= q.start and q.start - me < dist and q.start - me <= 30:
                    best, dist = m, q.start - me
        if best is None and of_other:
            continue  # "800 mg of <something we do not know>"
        if best is None or best.id == drug.id:
            out.append(q)
    return out


def _outcome_like(m: Mention, outcome_names: set[str]) -> bool:
    name = (m.name or m.text).lower()
    return name in outcome_names or name.startswith("muscle spasm") or name in {"spasms", "pain"}


def _claim_id(article_id: str, sentence: str, *parts: str | None) -> str:
    norm = " ".join(sentence.lower().split())
    h = hashlib.sha1("\x1f".join([article_id, norm, *[p or "" for p in parts]]).encode("utf-8"))
    return h.hexdigest()[:16]


def _in_ranges(start: int, end: int, ranges) -> bool:
    return any(s <= start < e or s < end <= e for s, e, *_ in ranges)


# Advice to consult a professional makes no checkable claim about a drug.
_ADVICE = re.compile(r"^(?:[\w,]+ )?(?:patients|you|people|readers|anyone)\b[^.]{0,40}\b(?:should|must|need to|may want to)\s+"
                     r"(?:always\s+)?(?:inform|tell|talk|speak|consult|discuss|ask|check with|work (?:closely )?with)\b"
                     r"|^(?:[\w,]+ )?it is (?:also )?(?:important|essential|crucial|best|wise) to (?:consult|talk|speak|"
                     r"discuss|tell|inform|work (?:closely )?with|check with)\b", re.IGNORECASE)

_PRONOUN_SUBJECTS = {"there", "it", "they", "this", "these", "its", "their", "he", "she", "we", "you", "i"}
_CLAUSE_BREAK = {";", "but", "while", "whereas", "although", "though", "however", "yet", "—", "–"}


def clause_bounds(sent: Span, token_i: int) -> tuple[int, int]:
    """Token range [start, end) of the clause of ``sent`` that holds token ``token_i``.

    Clauses break at ``;``, contrastive conjunctions (but, while, although, however) and at a comma
    followed by ``which``; lists ("duloxetine, pregabalin and gabapentin") are not broken.
    """
    breaks = _clause_breaks(sent.doc, sent.start, sent.end)
    for a, b in zip(breaks, breaks[1:]):
        if a <= token_i < b:
            return a, b
    return sent.start, sent.end


def _clause_breaks(doc: Doc, start: int, end: int) -> list[int]:
    """Clause boundaries of the sentence doc[start:end] (see :func:`clause_bounds`)."""
    lows = [t.lower_ for t in doc[start:end]]  # lower_ of "," is ","
    n = len(lows)
    breaks = [start]
    for k, w in enumerate(lows):
        if w in _CLAUSE_BREAK or (w == "," and k + 1 < n and (
                lows[k + 1] in {"which", "but", "while", "however", "although", "whereas"}
                or (lows[k + 1] in {"and", "or"} and k + 2 < n and lows[k + 2] in _PRONOUN_SUBJECTS))):
            if k > 0:
                breaks.append(start + k)
    breaks.append(end)
    return breaks


class _CueRow(NamedTuple):
    span: Span
    start: int
    kind: str | None
    scope: tuple[int, int] | None
    reach: tuple[int, int]  # the scope, or the cue itself when it has none


class _CueTable:
    """The Doc's cues with their extension values read once (``Span._`` lookups are slow), in
    the order of ``Doc._.cues`` (by start)."""

    def __init__(self, doc: Doc) -> None:
        cues = doc._.cues or []
        plain = doc._.cue_rows
        if plain is not None and len(plain) == len(cues):  # the cue tagger's own record, no extension lookups
            rows = [_CueRow(c, s, kind, scope, scope or (s, e)) for c, (s, e, kind, scope) in zip(cues, plain)]
        else:
            rows = []
            for c in cues:
                scope = c._.scope
                rows.append(_CueRow(c, c.start, c._.cue_kind, scope, scope or (c.start, c.end)))
        self.rows = sorted(rows, key=lambda r: r.start)
        self.starts = [r.start for r in self.rows]

    def starting_in(self, start: int, end: int) -> list[_CueRow]:
        """Cues that start in tokens [start, end) and whose scope overlaps them."""
        lo, hi = bisect.bisect_left(self.starts, start), bisect.bisect_left(self.starts, end)
        return [r for r in self.rows[lo:hi] if r.reach[0] < end and start < r.reach[1]]


def _denies(doc: Doc, r: _CueRow, rules: ClaimRules) -> bool:
    """Whether the negation cue ``r`` denies an efficacy, approval or evidence claim (rather than
    limiting it, or voicing uncertainty)."""
    c = r.span
    s, e = r.scope
    following = doc[c.end:min(e, c.end + 3)].text.lower()
    # "not effective for all patients" limits a claim; it does not negate it.
    if re.search(r"\b(for all|for every|for everyone|in all|always)\b", doc[c.end:e].text.lower()):
        return False
    if re.search(r"\b(all|every|everyone|always|specifically)\b", following) and "approved" not in following:
        return False
    if re.search(r"\b(only|just)\b", following):
        return False
    # "do not improve symptoms in about 40 percent of people", "don't necessarily help": a limit, not a denial.
    if re.search(r"\bnecessarily\b|\bin (about |nearly |around |roughly |up to )?(\d+|one|two|three) ?(percent|%|in)"
                 r"|\bin (some|many|a few|most)\b|\bfor (some|many|most)\b", doc[c.end:min(e, c.end + 12)].text.lower()):
        return False
    # "cannot say whether the benefit lasts", "not clear whether": uncertainty, not a negative claim.
    if re.search(r"^(say|tell|know|sure|clear|certain|yet known)\b", following) or \
            re.search(r"\b(whether|if)\b", doc[c.end:min(e, c.end + 5)].text.lower()):
        return False
    # The negation must govern the efficacy word closely ("does not work", "is not effective").
    near = doc[c.end:min(e, c.end + 5)].text.lower()
    if not (rules.efficacy.search(near) or rules.approval_pos.search(near) or "evidence" in near
            or re.search(r"\b(benefit|effective|help|work)", near)):
        return False
    scope_text = doc[s:e].text.lower()
    return bool(rules.efficacy.search(scope_text) or rules.approval_pos.search(scope_text) or "evidence" in scope_text)


def _polarity(doc: Doc, sent: Span, rules: ClaimRules, negs: list[_CueRow]) -> str:
    """Negative when the sentence has denying negations and no efficacy trigger outside every one."""
    if not negs:
        return "positive"
    for m in rules.efficacy.finditer(sent.text.lower()):
        ch = sent.start_char + m.start()
        if not any(doc[n.scope[0]].idx <= ch < (doc[n.scope[1] - 1].idx + len(doc[n.scope[1] - 1]))
                   for n in negs if n.scope[1] > n.scope[0]):
            return "positive"  # a positive efficacy trigger outside every negation scope
    return "negative"


def _strength(boosters: list[_CueRow], hedges: list[_CueRow], corr: list[_CueRow], default: Strength) -> Strength:
    if boosters and not hedges:
        return Strength.DIRECT
    if boosters and hedges:
        # "has been shown to be effective" with "may" elsewhere: the booster's clause decides.
        b_scopes = [b.scope for b in boosters]
        hedged_booster = all(any(h.start <= b[0] <= h.scope[1] and h.scope[0] <= b[0] for h in hedges)
                             for b in b_scopes)
        return Strength.HEDGED if hedged_booster else Strength.DIRECT
    if hedges:
        return Strength.HEDGED
    if corr:
        return Strength.CORRELATIONAL
    return default


def _strength_and_polarity(doc: Doc, sent: Span, rules: ClaimRules, default: Strength,
                           table: _CueTable | None = None) -> tuple[Strength, str, list]:
    rows = (table or _CueTable(doc)).starting_in(sent.start, sent.end)
    cues = [r.span for r in rows]
    boosters = [r for r in rows if r.kind == "booster"]
    hedges = [r for r in rows if r.kind == "hedge"]
    corr = [r for r in rows if r.kind == "correlational"]
    negs = [r for r in rows if r.kind == "negation" and _denies(doc, r, rules)]
    return _strength(boosters, hedges, corr, default), _polarity(doc, sent, rules, negs), cues


def _attribution(text: str) -> str | None:
    """Who the sentence ``text`` attributes its claim to ("according to the FDA"), if anyone."""
    m = re.search(r"\baccording to (the )?([A-Z][\w&.-]*(?: [A-Z][\w&.-]*){0,5})", text)
    if m:
        return m.group(2)
    m = re.search(r"\b(the )?(FDA|EMA|CDC|WHO|NICE|NIH|American [A-Z][a-z]+(?: [A-Z][a-z]+){0,4})\b "
                  r"(says|states|explicitly states?|notes|recommends|warns)", text)
    if m:
        return m.group(2)
    return None


def _ents_within(ent_starts: list[int], ent_ends: list[int], start_char: int, end_char: int) -> range:
    """Indices of the doc's entities (sorted, given by their start and end offsets) inside the span
    [start_char, end_char), as ``Span.ents`` would give them, without rescanning every entity of
    the doc for each sentence."""
    lo = k = bisect.bisect_left(ent_starts, start_char)
    while k < len(ent_ends) and ent_ends[k] <= end_char:
        k += 1
    return range(lo, k)


_MULTI_PARENT: dict[int, tuple] = {}


def _multi_parent(reference) -> dict[str, list]:
    """Conditions with two or more parents, as ``(rank in reference order, condition)`` under each
    of their parents, computed once per reference."""
    hit = _MULTI_PARENT.get(id(reference))
    if hit is None or hit[0] is not reference or hit[1] != len(reference.conditions):
        by_parent: dict[str, list] = {}
        for rank, c in enumerate(c for c in reference.conditions.values() if len(c.parents) >= 2):
            for p in dict.fromkeys(c.parents):
                by_parent.setdefault(p, []).append((rank, c))
        hit = (reference, len(reference.conditions), by_parent)
        _MULTI_PARENT.clear()
        _MULTI_PARENT[id(reference)] = hit
    return hit[2]


class _Canonical:
    """Canonical name of a drug or condition id, looked up in the reference on demand (a condition
    wins over a drug with the same id), instead of a dict of every name built per article."""

    def __init__(self, reference) -> None:
        self.reference = reference

    def get(self, key, default=None):
        if self.reference is None:
            return default
        c = self.reference.conditions.get(key)
        if c is not None:
            return c.name
        d = self.reference.drugs.get(key)
        return d.name if d is not None else default


def _combine_conditions(conds: list[Mention], reference) -> list[Mention]:
    """Replace "spasticity" + "multiple sclerosis" by "spasticity due to MS" where the reference has it."""
    if len(conds) < 2 or reference is None:
        return conds
    ids = {c.id for c in conds if c.id}
    out: list[Mention] = []
    used: set[str] = set()
    by_parent = _multi_parent(reference)
    found = {rank: c for i in ids for rank, c in by_parent.get(i, ()) if set(c.parents) <= ids}
    if not found:
        return conds
    specific = [found[k] for k in sorted(found)]  # in reference order
    first = {c.id: c for c in conds}
    for sc in specific:
        base = first[sc.parents[0]]
        out.append(Mention(text=base.text, start=base.start, end=base.end, kind="condition", id=sc.id, name=sc.name,
                           score=min(first[p].score for p in sc.parents), via="combined"))
        used.update(sc.parents)
    # A generic parent (spasticity) used in combination is replaced; the diseases themselves are not
    # separate claims in such a sentence.
    return _dedupe(out + [c for c in conds if c.id not in used and not any(c.id in s.parents for s in specific)])


_NOT_FOR = re.compile(r"(\bnot|\bnor|rather than|instead of|\bbut not|\bonly for [^,;]*,)\b[^.;]{0,40}$")


_CLASS_MEMBER = re.compile(r"\b(is|are) (both )?(an? )?(older |newer |first-generation |second-generation )?"
                           r"(tricyclic|snris?|ssris?|serotonin|selective serotonin|anticonvulsants?|antidepressants?|"
                           r"muscle relaxants?|opioids?|nsaids?|benzodiazepines?|gabapentinoids?|antispastic|"
                           r"gaba-b agonist|anti-inflammator)")


def _efficacy_outside_mechanism(sent: Span, rules: ClaimRules) -> bool:
    """An efficacy word in a clause that is not the mechanism clause ("works by X, which can help Y")."""
    seen = set()
    for t in sent:
        a, b = clause_bounds(sent, t.i)
        if (a, b) in seen:
            continue
        seen.add((a, b))
        clause = sent.doc[a:b].text.lower()
        if rules.efficacy.search(clause) and not re.search(r"\bworks? by\b|\bacts? (on|by)\b|\bby (reducing|"
                                                            r"altering|suppressing|blocking)", clause):
            return True
    return False


def _approval_groups(doc: Doc, sent: Span, conds: list[Mention], rules: ClaimRules) -> dict[str, list[Mention]]:
    """Assign each condition of an approval sentence to "approved" / "not_approved", clause by clause.

    A condition takes the approval trigger of its own clause ("…, but doctors prescribe it
    off-label for fibromyalgia": only fibromyalgia is off-label). A condition after "not for"
    ("approved for spasticity — not for back pain") is not approved. A condition in a clause with
    no trigger takes the nearest preceding trigger of the sentence, or none.
    """
    out: dict[str, list[Mention]] = {}
    text = sent.text
    for cnd in conds:
        if cnd.start < sent.start_char or cnd.via in ("topic",):
            # Anaphora ("for this purpose"): the whole sentence's trigger decides.
            status = "not_approved" if rules.approval_neg.search(text.lower()) else "approved"
            out.setdefault(status, []).append(cnd)
            continue
        tok = doc.char_span(cnd.start, cnd.end, alignment_mode="expand")
        if tok is None:
            continue
        a, b = clause_bounds(sent, tok.start)
        clause = doc[a:b].text.lower()
        before_in_sentence = text[: cnd.start - sent.start_char].lower()
        inside = before_in_sentence.rfind("(") > before_in_sentence.rfind(")")
        if inside:
            close = text.find(")", cnd.start - sent.start_char)
            paren = text[before_in_sentence.rfind("(") + 1: close if close > 0 else len(text)].lower()
            if not (rules.approval_pos.search(paren) or rules.approval_neg.search(paren)):
                continue  # an aside describing the drug, not the approval statement itself
        if rules.approval_neg.search(clause):
            status = "not_approved"
        elif rules.approval_pos.search(clause):
            status = "not_approved" if _NOT_FOR.search(before_in_sentence[-60:]) else "approved"
        else:
            pos = [m.end() for m in rules.approval_pos.finditer(before_in_sentence)]
            neg = [m.end() for m in rules.approval_neg.finditer(before_in_sentence)]
            if not pos and not neg:
                continue
            # Inherit a trigger only in a bare continuation ("…approved for spasticity and for MS");
            # a clause with its own predicate ("and there is only sparse evidence for…") makes no approval claim.
            if re.search(r"\b(is|are|was|were|has|have|had|there|it|they|can|may|should|does|do)\b", clause):
                continue
            if neg and (not pos or max(neg) > max(pos)):
                status = "not_approved"
            else:
                status = "not_approved" if _NOT_FOR.search(before_in_sentence[-60:]) else "approved"
        out.setdefault(status, []).append(cnd)
    return out


def _doc_len(doc) -> int:
    """Length of ``doc.text``, from the last token (no rebuilding of the text)."""
    if not len(doc):
        return 0
    last = doc[-1]
    return last.idx + len(last.text_with_ws)


@dataclass(frozen=True)
class _ArticleView:
    """What every sentence of one article reads: the rules, the Doc's entities with their offsets
    and links (read once: ``Span`` lookups are slow), the cue table and the skipped ranges."""

    doc: Doc
    article: Article
    reference: object
    rules: ClaimRules
    canonical: _Canonical
    text: str
    ents: list[Span]
    labels: list[str]
    ent_starts: list[int]
    ent_ends: list[int]
    ent_links: list
    cue_table: _CueTable
    outcome_names: set[str]
    boilerplate: object
    headings: object


def _article_view(doc: Doc, article: Article, reference, boilerplate, headings) -> _ArticleView:
    all_ents = list(doc.ents)
    # the article's text is the Doc's text (Doc.text would rebuild it from every token)
    doc_text = article.text if article is not None and len(article.text) == _doc_len(doc) else doc.text
    # The linker's record of each entity's link (score, via), when the entities are its own.
    links = doc._.links
    ent_links = [links.get((e.start, e.end)) for e in all_ents] if links is not None else [None] * len(all_ents)
    rules = load_rules()
    return _ArticleView(
        doc=doc, article=article, reference=reference, rules=rules, canonical=_Canonical(reference), text=doc_text,
        ents=all_ents, labels=[e.label_ for e in all_ents], ent_starts=[e.start_char for e in all_ents],
        ent_ends=[e.end_char for e in all_ents], ent_links=ent_links, cue_table=_CueTable(doc),
        outcome_names=set(o.lower() for o in rules.outcomes), boilerplate=boilerplate, headings=headings)


def _frequent_topic(ents: list[Span], kind: str, canonical) -> Mention | None:
    """The entity named most often, as the article's topic, when it is named three times or more."""
    if not ents:
        return None
    counts: dict[str, int] = {}
    for e in ents:
        counts[e.kb_id_] = counts.get(e.kb_id_, 0) + 1
    best = max(counts, key=counts.get)
    if counts[best] >= 3:
        return _mention(next(e for e in ents if e.kb_id_ == best), kind, canonical, "topic")
    return None


def _topics(view: _ArticleView) -> tuple[Mention | None, Mention | None]:
    """The article's topic condition and drug: the first named in the title, else the one named
    three times or more."""
    article, canonical = view.article, view.canonical
    drug_ents = [e for e, label in zip(view.ents, view.labels) if label == "DRUG"]
    cond_ents = [e for e, label in zip(view.ents, view.labels) if label == "CONDITION"]
    topic_condition = topic_drug = None
    title_end = len(article.title) + (article.text.find(article.title) if article.title else 0) if article.title else 0
    if title_end:
        tc = [e for e in cond_ents if e.end_char <= title_end]
        td = [e for e in drug_ents if e.end_char <= title_end]
        topic_condition = _mention(tc[0], "condition", canonical, "topic") if tc else None
        topic_drug = _mention(td[0], "drug", canonical, "topic") if td else None
    if topic_drug is None:
        topic_drug = _frequent_topic(drug_ents, "drug", canonical)
    if topic_condition is None:
        topic_condition = _frequent_topic(cond_ents, "condition", canonical)
    return topic_condition, topic_drug


class _Sentence(NamedTuple):
    index: int
    span: Span
    text: str  # stripped
    start: int  # character offsets of the stripped text
    end: int


def _sentences(view: _ArticleView):
    """The article's non-blank sentences, with their stripped text and its offsets."""
    for si, sent in enumerate(view.doc.sents):
        sent_text = view.text[sent.start_char:sent.end_char]  # == sent.text, without rebuilding it from tokens
        text = sent_text.strip()
        if not text:
            continue
        s_start = sent.start_char + len(sent_text) - len(sent_text.lstrip())
        yield _Sentence(si, sent, text, s_start, s_start + len(text))


def _sentence_mentions(view: _ArticleView, sent: Span) -> tuple[list[Mention], list[Mention]]:
    """The drugs and conditions named in ``sent`` (first mention of each id)."""
    sent_ents = _ents_within(view.ent_starts, view.ent_ends, sent.start_char, sent.end_char)  # == sent.ents

    def mentions(label: str, kind: str) -> list[Mention]:
        return _dedupe([_mention(view.ents[k], kind, view.canonical, text=view.text[view.ent_starts[k]:view.ent_ends[k]],
                                 link=view.ent_links[k]) for k in sent_ents if view.labels[k] == label])

    return mentions("DRUG", "drug"), mentions("CONDITION", "condition")


def _skipped(view: _ArticleView, s: _Sentence) -> bool:
    """Boilerplate, headings, questions, table rows, fragments and advice make no claim."""
    text = s.text
    return (_in_ranges(s.start, s.end, view.boilerplate) or _in_ranges(s.start, s.end, view.headings)
            or text.endswith("?") or text.count("|") >= 2 or len(text.split()) < 3
            or bool(_ADVICE.search(text)))


def _drug_anaphora(rules: ClaimRules, low: str, ctx: _Ctx, expletive) -> list[Mention]:
    """Drugs of the preceding sentences that a pronoun refers to ("It has been shown…", "They
    have been shown…", "These medications…"), or none."""
    if not (ctx.last_drugs and ctx.last_drugs_age <= 3 and not expletive):
        return []
    first_words = " ".join(_WORDS.findall(low[:60])[:6])
    if not rules.drug_anaphora.search(first_words):
        return []
    plural = bool(re.search(r"\b(they|these|their|both|none|all|each|such|drugs)\b", first_words))
    ref_drugs = ctx.last_drugs if plural else ctx.last_drugs[:1]
    return [_moved(m, "pronoun") for m in ref_drugs]


def _condition_anaphora(rules: ClaimRules, low: str, ctx: _Ctx) -> list[Mention]:
    """Condition anaphora: "for this purpose" -> the topic or the last condition."""
    if not rules.condition_anaphora.search(low):
        return []
    src = ctx.topic_condition or (ctx.last_conditions[0] if ctx.last_conditions else None)
    if src is None:
        return []
    return [_moved(src, "topic" if src is ctx.topic_condition else "context")]


def _named_drugs(drugs: list[Mention], reference) -> list[Mention]:
    """A drug class in apposition to a named drug ("Duloxetine is an SNRI") is not a separate subject."""
    if reference is not None and len(drugs) > 1:
        named = [d for d in drugs if d.id not in reference.drugs or reference.drugs[d.id].kind != "class"]
        if named:
            return named
    return drugs


def _target_conditions(conds: list[Mention], s: _Sentence, outcome_names: set[str]) -> list[Mention]:
    """Drop the conditions that only qualify a population and the symptoms named beside a real condition."""
    # Conditions that only qualify a population ("those who experience spasticity") are not targets.
    if len(conds) > 1:
        targets = [c for c in conds if not re.search(r"(who (experience|have|suffer)|as a result of|such as)\s+"
                                                     r"(\w+\s+){0,4}$", s.text[:max(0, c.start - s.start)].lower())]
        if targets:
            conds = targets
    # A symptom named as a condition alongside a real condition is an outcome ("muscle spasms" in spasticity).
    if len(conds) > 1:
        real = [c for c in conds if (c.name or c.text).lower() not in outcome_names
                and not any((c.name or "").lower().startswith(o) for o in ("muscle spasm",))]
        if real:
            conds = real
    return conds


def _outcomes_in_context(conds: list[Mention], ctx: _Ctx, outcome_names: set[str]) -> list[Mention]:
    """A symptom named as a condition ("muscle spasms") where the discourse is about a disease
    (spasticity) is an outcome of that disease, not a new condition."""
    ctx_real = [c for c in ctx.last_conditions if not _outcome_like(c, outcome_names)] \
        if ctx.last_conditions_age <= 3 else []
    if not ctx_real and ctx.topic_condition is not None and not _outcome_like(ctx.topic_condition, outcome_names):
        ctx_real = [ctx.topic_condition]
    if conds and all(_outcome_like(c, outcome_names) for c in conds) and ctx_real:
        return [_moved(c, "context") for c in ctx_real]
    return conds


def _context_drugs(rules: ClaimRules, text: str, low: str, ctx: _Ctx, expletive, conds: list[Mention]) -> list[Mention]:
    """The drug of a sentence that names none: the preceding sentence's for a bare list of side
    effects, the recent or topic drug for a dose."""
    if ctx.last_drugs and ctx.last_drugs_age <= 1 and not expletive and any(
            p.search(low) for p in rules.safety.values()) and not conds:
        # "Drowsiness, weakness and dizziness are common." right after a sentence about the drug.
        return [_moved(m, "context") for m in ctx.last_drugs]
    if ctx.topic_drug is not None and (rules.dosage.search(low) and parse_quantities(text)):
        return [_moved(ctx.last_drugs[0] if ctx.last_drugs and ctx.last_drugs_age <= 3 else ctx.topic_drug,
                       "context")]
    return []


def _implied_conditions(ctx: _Ctx) -> list[Mention]:
    """The conditions a sentence that names none is about: the recent ones, else the topic."""
    if ctx.last_conditions and ctx.last_conditions_age <= 2:
        return [_moved(c, "context") for c in ctx.last_conditions]
    if ctx.topic_condition is not None:
        return [_moved(ctx.topic_condition, "topic")]
    return []


class _Found(NamedTuple):
    type: ClaimType
    subtype: str | None
    conditions: list[Mention]
    approval: str | None


def _fact_types(view: _ArticleView, sent: Span, low: str, explicit_conds: list[Mention],
                quantities: list[Quantity]) -> list[_Found]:
    """The approval, dosage, safety and mechanism claims of a sentence."""
    rules = view.rules
    found: list[_Found] = []
    if (rules.approval_neg.search(low) or rules.approval_pos.search(low)) and explicit_conds:
        for status, group in _approval_groups(view.doc, sent, explicit_conds, rules).items():
            found.append(_Found(ClaimType.APPROVAL, "per-clause", group, status))
    if quantities and rules.dosage.search(low):
        found.append(_Found(ClaimType.DOSAGE, None, explicit_conds, None))
    elif re.search(r"\b(lower|higher|reduced|smaller|larger|adjusted) (doses?|dosing|dosage)\b|"
                   r"\b(doses?|dosage|dosing) (should|must|may need to) be (lowered|reduced|adjusted|increased)\b"
                   r"|\btitrat", low):
        found.append(_Found(ClaimType.DOSAGE, "qualitative", explicit_conds, None))
    for sub, pat in rules.safety.items():
        if pat.search(low):
            found.append(_Found(ClaimType.SAFETY, sub, explicit_conds, None))
            break
    if rules.mechanism.search(low) or _CLASS_MEMBER.search(low):
        found.append(_Found(ClaimType.MECHANISM, None, explicit_conds, None))
    return found


def _efficacy_hit(rules: ClaimRules, low: str, drugs: list[Mention], explicit_conds: list[Mention],
                  claim_conds: list[Mention], s_start: int):
    """The efficacy trigger of the sentence, if it is about one of its drugs."""
    efficacy_hit = rules.efficacy.search(low)
    if efficacy_hit and not explicit_conds and claim_conds:
        # With the condition only implied, the drug must be the one said to work: it comes before the
        # efficacy word, close to it ("baclofen has been used … with some success").
        d_pos = [m.start - s_start for m in drugs if m.start >= s_start]
        if d_pos and not any(0 < efficacy_hit.start() - p < 90 for p in d_pos):
            return None
        if not d_pos and efficacy_hit.start() > 60:
            return None
    return efficacy_hit


def _claim_types(view: _ArticleView, s: _Sentence, low: str, drugs: list[Mention], explicit_conds: list[Mention],
                 claim_conds: list[Mention], quantities: list[Quantity]) -> list[_Found]:
    """Every claim type the sentence makes, with its subtype, conditions and approval status."""
    rules, sent = view.rules, s.span
    found = _fact_types(view, sent, low, explicit_conds, quantities)
    neg_approval = rules.approval_neg.search(low)
    has_evidence = bool(rules.evidence.search(low)) and not re.search(r"\bdespite (extensive )?research\b", low)
    efficacy_hit = _efficacy_hit(rules, low, drugs, explicit_conds, claim_conds, s.start)
    usage_only = bool(rules.usage_not_efficacy.search(low)) and not re.search(
        r"\b(effective|efficacy|shown|proven|success|relief|reduce|improve)", low)
    safety_only = any(t is ClaimType.SAFETY for t, *_ in found) and (not explicit_conds or not re.search(
        r"\b(effective|efficacy|relief|relieve|alleviate|reduce pain)", low))
    mech_only = any(t is ClaimType.MECHANISM for t, *_ in found) and (
        not explicit_conds or not _efficacy_outside_mechanism(sent, rules))
    if has_evidence and claim_conds and not safety_only and (
            explicit_conds or re.search(r"\b(studies|trials|evidence|rcts?)\b", low)):
        found.append(_Found(ClaimType.EVIDENCE, None, claim_conds, None))
    elif efficacy_hit and claim_conds and not usage_only and not safety_only and not mech_only \
            and not (neg_approval and not re.search(r"\b(success|effective|relief|help)", low)):
        found.append(_Found(ClaimType.EFFICACY, None, claim_conds, None))
    if rules.usage.search(low) and explicit_conds and not any(t in (ClaimType.EFFICACY, ClaimType.EVIDENCE)
                                                              for t, *_ in found):
        found.append(_Found(ClaimType.USAGE, None, explicit_conds, None))
    return found


def _in_trigger_clause(sent: Span, cands: list[Mention], pat: re.Pattern) -> list[Mention]:
    """The conditions named in a clause that holds the trigger ``pat`` (all of them if none is)."""
    doc = sent.doc
    keep = []
    for cnd in cands:
        if cnd.via in ("topic", "context") or cnd.start < sent.start_char:
            keep.append(cnd)
            continue
        tok = doc.char_span(cnd.start, cnd.end, alignment_mode="expand")
        if tok is None:
            keep.append(cnd)
            continue
        a, b = clause_bounds(sent, tok.start)
        if pat.search(doc[a:b].text.lower()):
            keep.append(cnd)
    return keep or cands


def _cue_records(spans) -> list[Cue]:
    return [Cue(text=c.text, kind=c._.cue_kind, start=c.start_char, end=c.end_char) for c in spans]


class _Reading(NamedTuple):
    """What a sentence says of all its claims."""

    strength: Strength
    polarity: str
    cues: list[Cue]
    attribution: str | None
    outcome: str | None
    quantities: list[Quantity]


def _clause_reading(view: _ArticleView, sent: Span, ctype: ClaimType, cnd: Mention | None,
                    default: tuple[Strength, str, list[Cue]]) -> tuple[Strength, str, list[Cue]]:
    """Strength, polarity and cues of the claim about ``cnd``: those of the clause that names it,
    when that clause has an efficacy word or cues of its own, else ``default`` (the sentence's)."""
    if cnd is None or cnd.via in ("topic", "context") or ctype is ClaimType.APPROVAL or cnd.start < sent.start_char:
        return default
    doc = view.doc
    tok = doc.char_span(cnd.start, cnd.end, alignment_mode="expand")
    if tok is None:
        return default
    a, b = clause_bounds(sent, tok.start)
    if (a, b) == (sent.start, sent.end):
        return default
    clause = doc[a:b]
    st, po, cl_cues = _strength_and_polarity(doc, clause, view.rules, Strength.DIRECT, view.cue_table)
    if view.rules.efficacy.search(clause.text.lower()) or cl_cues:
        return st, po, _cue_records(cl_cues)
    return default


def _claims_of(view: _ArticleView, s: _Sentence, f: _Found, drugs: list[Mention], reading: _Reading) -> list[Claim]:
    """The claims of type ``f.type``: one per drug and condition."""
    article, sent = view.article, s.span
    ctype, sub, cconds, appr = f
    if ctype is ClaimType.APPROVAL:
        sub = None  # conditions were already assigned clause by clause
    if ctype is ClaimType.EVIDENCE:
        cconds = _in_trigger_clause(sent, cconds, view.rules.evidence)
    elif ctype is ClaimType.EFFICACY:
        cconds = _in_trigger_clause(sent, cconds, view.rules.efficacy)
    polarity = reading.polarity
    if ctype is ClaimType.APPROVAL:
        polarity = "negative" if appr == "not_approved" else "positive"
    quantities = reading.quantities
    out = []
    for d in drugs:
        for cnd in cconds or [None]:
            strength_i, polarity_i, cues_i = _clause_reading(view, sent, ctype, cnd,
                                                             (reading.strength, polarity, reading.cues))
            qs = quantities
            if ctype is ClaimType.DOSAGE and quantities:
                qs = _quantities_for(d, quantities, s.text, s.start, drugs)
                if not qs and sub != "qualitative":
                    continue
            out.append(Claim(
                article_id=article.id, sentence=s.text, start=s.start, end=s.end, type=ctype, drug=d,
                condition=cnd, outcome=reading.outcome, polarity=polarity_i,
                strength=strength_i, attribution=reading.attribution,
                quantities=qs if ctype is ClaimType.DOSAGE else [],
                cues=cues_i, subtype=sub, approval_status=appr, sentence_index=s.index,
                id=_claim_id(article.id, s.text, ctype.value, d.id, cnd.id if cnd else None, sub),
            ))
    return out


def _sentence_claims(view: _ArticleView, s: _Sentence, ctx: _Ctx) -> list[Claim]:
    """The claims of one sentence; updates the discourse context ``ctx`` for the next ones."""
    rules = view.rules
    drugs, conds = _sentence_mentions(view, s.span)
    if _skipped(view, s):
        # Headings still set the discourse context ("Multiple Sclerosis (MS)").
        if conds and _in_ranges(s.start, s.end, view.headings):
            ctx.last_conditions, ctx.last_conditions_age = conds, 0
        return []
    low = s.text.lower()
    expletive = _EXPLETIVE.match(low)
    if not drugs:
        drugs = _drug_anaphora(rules, low, ctx, expletive)
    if not conds:
        conds = _condition_anaphora(rules, low, ctx)
    conds = _combine_conditions(conds, view.reference)
    drugs = _named_drugs(drugs, view.reference)
    conds = _outcomes_in_context(_target_conditions(conds, s, view.outcome_names), ctx, view.outcome_names)
    if drugs:
        ctx.last_drugs, ctx.last_drugs_age = drugs, 0
    else:
        drugs = _context_drugs(rules, s.text, low, ctx, expletive, conds)
    if not drugs:
        if conds:
            ctx.last_conditions, ctx.last_conditions_age = conds, 0
        return []
    explicit_conds = [c for c in conds if c.via not in ("context",)]
    claim_conds = conds or _implied_conditions(ctx)
    if explicit_conds:
        ctx.last_conditions, ctx.last_conditions_age = explicit_conds, 0
    strength, polarity, cues = _strength_and_polarity(view.doc, s.span, rules, Strength.DIRECT, view.cue_table)
    outcomes = sorted({m.group(0) for m in rules.outcome_re.finditer(low)})
    quantities = parse_quantities(s.text)
    reading = _Reading(strength, polarity, _cue_records(cues), _attribution(s.text), ", ".join(outcomes) or None,
                       quantities)
    found = _claim_types(view, s, low, drugs, explicit_conds, claim_conds, quantities)
    return [c for f in found for c in _claims_of(view, s, f, drugs, reading)]


def extract_claims(doc: Doc, article: Article, *, reference=None, boilerplate=(), headings=()) -> list[Claim]:
    """Extract claims from a processed article.

    Args:
        doc: the article processed by :func:`pipeline.nlp.get_nlp`.
        article: the article (its id and title are used).
        reference: the :class:`~pipeline.reference.Reference` (used to combine conditions).
        boilerplate: (start, end, kind) character ranges to skip.
        headings: (start, end) character ranges of heading lines (no claims, but topic).

    Returns:
        Claims in document order.
    """
    view = _article_view(doc, article, reference, boilerplate, headings)
    topic_condition, topic_drug = _topics(view)
    ctx = _Ctx([], 99, [], 99, topic_condition, topic_drug)
    claims: list[Claim] = []
    for s in _sentences(view):
        ctx.last_drugs_age += 1
        ctx.last_conditions_age += 1
        claims.extend(_sentence_claims(view, s, ctx))
    return claims


def extract_claims_from_text(text: str, *, reference=None) -> list[Claim]:
    """Convenience: process ``text`` and extract its claims (for notebooks and doctests)."""
    from ..nlp import get_nlp

    ref = reference if reference is not None else load_reference()
    art = article_from_text(text, id="text")
    doc = get_nlp(ref)(text)
    return extract_claims(doc, art, reference=ref, boilerplate=find_boilerplate(text), headings=find_headings(text))
