"""Give every claim its frame, and propose frames for sentences that state a health effect of an
intervention the linker does not know ("Eating red meat increases the risk of bowel cancer").

Pure: claims and the processed document in, new claims out (``dataclasses.replace``).

Example:
    >>> from pipeline.frames.build import guess_intervention
    >>> guess_intervention("Eating red meat increases the risk of bowel cancer.", 16)
    'red meat'
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Iterable

from ..claims.extract import load_rules
from ..types import Claim, ClaimType, Frame, Mention, Strength
from .analyse import SAFETY_ABSOLUTE, SentenceReading, analyse
from .design import article_design
from .lexicon import Lexicon, load_lexicon

STRENGTH_OF = {"none": Strength.NO_CLAIM, "correlational": Strength.CORRELATIONAL, "hedged": Strength.HEDGED,
               "direct": Strength.DIRECT, "absolute": Strength.DIRECT}
KIND_OF_TYPE = {ClaimType.EFFICACY: "efficacy", ClaimType.APPROVAL: "approval", ClaimType.MECHANISM: "mechanism",
                ClaimType.DOSAGE: "dose", ClaimType.SAFETY: "safety", ClaimType.EVIDENCE: "evidence",
                ClaimType.USAGE: "usage"}
_CURE = re.compile(r"\b(cure[sd]?|curing|a cure)\b", re.IGNORECASE)
_PREVENT = re.compile(r"\b(prevent\w*|risk|protect\w*|ward\w* off)\b", re.IGNORECASE)
_PROTECTIVE = re.compile(r"\b(reduc\w*|lower\w*|cut\w*|prevent\w*|protect\w*|ward\w* off|halv\w*|slash\w*|"
                         r"decreas\w*)\b", re.IGNORECASE)
_COMPARE = re.compile(r"\b(than|compared (with|to)|versus|vs\.?)\b", re.IGNORECASE)
_OUTCOME = re.compile(r"\b(risk|chance|odds|rate|rates|death|deaths|mortality|survival|symptoms?|pain|disease|"
                      r"cancer|weight|blood pressure|cholesterol|memory|heart|brain|health|levels?)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][\w'-]*")
_ADVERBS = {"also", "still", "now", "really", "actually", "even", "just", "further", "significantly", "greatly",
            "dramatically", "substantially", "markedly", "often", "usually", "typically", "clearly"}
# Verbs that introduce the object an "X that reverses Y" relative clause is about.
_INTRODUCING = {"discovered", "developed", "found", "created", "identified", "designed", "made", "tested", "is",
                "announce", "announced", "announces", "unveil", "unveiled", "reveal", "revealed", "report",
                "reported", "reports", "describe", "described",
                "are", "was", "were", "has", "have", "had", "offers", "offer", "uses", "use", "a", "an"}
_AUXILIARIES = {"is", "are", "was", "were", "has", "have", "had", "will", "can", "could", "may", "might", "would",
                "should", "does", "do", "did", "not", "be", "been", "made", "makes", "make", "goes", "go",
                "said", "says", "showed", "found", "indicating", "suffering"}
# A phrase with one of these inside is a clause, not a name ("defenses by triggering responses").
_INNER_STOP = {"by", "through", "via", "whose", "whom", "because", "despite"}
_TITLES = {"dr", "professor", "prof", "groundbreaking", "before", "after", "when", "since"}
_INSTITUTION = {"university", "institute", "hospital", "dr", "professor", "prof", "college", "school", "centre",
                "center", "department", "team", "clinic", "foundation", "society", "association", "agency",
                "groundbreaking", "before", "after", "when", "since"}
# A phrase ending in one of these is a fragment, not an intervention ("of a", "save lives or").
_FUNCTION_END = {"of", "with", "for", "or", "and", "in", "to", "from", "by", "on", "at", "as", "a", "an", "the",
                 "than", "into", "about", "its", "their", "his", "her", "our", "your", "my", "lives"}


def frame_kind(claim_type: ClaimType | None, text: str, reading: SentenceReading) -> str:
    """The frame kind: the claim type, refined by the wording (cure, prevention, comparison)."""
    kind = KIND_OF_TYPE.get(claim_type, "efficacy")
    if kind in ("efficacy", "usage", "evidence") and _CURE.search(text):
        return "cure"
    if kind == "efficacy" and _COMPARE.search(text) and reading.causal:
        return "comparison"
    if kind in ("efficacy", "safety") and _PREVENT.search(text) and _PROTECTIVE.search(text):
        return "prevention"  # "cuts the risk of stroke" is a benefit, even where the rules saw a risk
    if kind == "efficacy" and reading.speech_act == "advice":
        return "advice"
    return kind


_SUBGROUP_AFTER = re.compile(r"^\s*(patients|sufferers|survivors|people|women|men|children|adults)\b", re.IGNORECASE)
_SUBGROUP_BEFORE = re.compile(r"\b(patients|people|women|men|children|adults|those|anyone|individuals|studies of|"
                              r"among|in)\s+(with|who have|who had|suffering from|living with)?\s*$", re.IGNORECASE)


def is_subgroup(sentence: str, m: Mention, sent_start: int) -> bool:
    """A condition that names the patient group ("hot flashes in breast cancer patients",
    "people with diabetes", "studies of diabetics") rather than what the claim is about."""
    a, b = m.start - sent_start, m.end - sent_start
    after, before = sentence[b:b + 20], sentence[max(0, a - 30):a]
    if _SUBGROUP_AFTER.match(after):
        return True
    surface = sentence[a:b] if 0 <= a < b <= len(sentence) else m.text
    if surface.lower().endswith("ics") and surface[:1].islower():  # "diabetics", "asthmatics"
        return True
    return bool(_SUBGROUP_BEFORE.search(before)) and not re.search(r"\b(in|among)\s*$", before[-6:] or "")


def outcome_not_subgroup(c: Claim, conditions: list[Mention]) -> Claim:
    """When a claim's condition is the patient group and the sentence names another condition,
    the other one is what the claim is about."""
    if c.condition is None or not is_subgroup(c.sentence, c.condition, c.start):
        return c
    outcomes = set(load_rules().outcomes)  # a symptom of the group ("pain") does not replace it
    others = [m for m in conditions if m.start != c.condition.start and not is_subgroup(c.sentence, m, c.start)
              and m.text.lower() not in outcomes]
    return replace(c, condition=others[0]) if others else c


def _outcome_names() -> set:
    """Generic outcomes of the claim rules ("pain", "sleep"): symptoms, not conditions of their own."""
    return set(load_rules().outcomes)


def drop_subgroup_claims(claims: list[Claim]) -> list[Claim]:
    """Drop a claim whose condition is the patient group when the same sentence has a claim about the
    same intervention and another condition ("studies of diabetics ... lower rates of cancer")."""
    def key(c):
        return (c.start, c.drug.id if c.drug else None)
    outcomes = set(load_rules().outcomes)  # "pain ... in patients with fibromyalgia": a symptom of the group
    real = {key(c) for c in claims if c.condition is not None and not is_subgroup(c.sentence, c.condition, c.start)
            and (c.condition.name or c.condition.text).lower() not in outcomes}
    return [c for c in claims if c.condition is None or key(c) not in real
            or not is_subgroup(c.sentence, c.condition, c.start)]


def capped_strength(strength: Strength, frame: Frame) -> Strength:
    """A claim's strength no higher than its frame's hedged or correlational wording allows
    ("appeared to prevent" is hedged whatever a sentence model scored)."""
    if frame.strength in ("hedged", "correlational"):
        return min(strength, STRENGTH_OF[frame.strength])
    return strength


def make_frame(kind: str, reading: SentenceReading, design: str, heading: bool,
               intervention: str | None, lede: bool = False) -> Frame:
    """A :class:`Frame` from a sentence reading and the article's design."""
    basis = reading.designs[0] if reading.designs else design
    if reading.population == "animal" and basis not in ("animal",):
        basis = "animal"
    return Frame(kind=kind, polarity=reading.polarity, strength=reading.strength,
                 speech_act="headline" if heading else reading.speech_act, evidence_basis=basis,
                 population=reading.population, intervention=intervention, lede=lede, hype=bool(reading.hype))


def _clip_subject(words: list[str], lex: Lexicon) -> list[str]:
    bounds = set(lex.terms[("subject", "boundaries")])
    for i in range(len(words) - 1, -1, -1):
        if words[i].lower() in bounds:
            words = words[i + 1:]
            break
    drop = set(lex.terms[("subject", "drop_leading")])
    while words and words[0].lower() in drop:
        words = words[1:]
    return words[-6:]


def guess_intervention(sentence: str, pred_start: int, lex: Lexicon | None = None) -> str | None:
    """The words before a causal predicate, within its clause, read as the intervention; ``None``
    for pronouns and words that are not interventions ("the study", "researchers")."""
    lex = lex or load_lexicon()
    head = re.split(r"[,;:()\"“”]", sentence[:pred_start])[-1]
    words = _exposure(_WORD.findall(head), lex) or [w for w in _WORD.findall(head) if w.lower() not in _ADVERBS]
    if words and words[-1].lower() in ("that", "which"):  # "a new compound that reverses arthritis"
        words = [w for w in words[:-1]]
        verbs = [i for i, w in enumerate(words) if w.lower() in _INTRODUCING]
        if not verbs or len(words) - verbs[-1] - 1 > 4:
            return None  # no "discovered / developed / a ..." before it: the clause's head is unclear
        words = words[verbs[-1] + 1:]
    words = _clip_subject(_without_trailing_auxiliaries(words), lex)
    phrase = " ".join(words).lower().strip()
    if not phrase or phrase in lex.terms[("subject", "pronouns")]:
        return None
    if phrase in lex.terms[("subject", "not_interventions")] or words[0].lower() in lex.terms[("subject", "not_interventions")]:
        return None
    if words[-1].lower() in _FUNCTION_END or any(w.lower() in _AUXILIARIES for w in words):
        return None
    if words[-1].lower() in lex.terms[("population", "human")]:
        return None  # "a pool of 841 men (treated with ...)": the people studied, not what they took
    if words[-1].lower() in _DISEASE_NOUNS:
        return None  # "Parkinson's is a progressive neurological disease that causes ...": a disease
    if not any(len(w) >= 3 and w.lower() not in _FUNCTION_END for w in words):
        return None
    if _looks_like_a_name(words, sentence) or _fragment(words) or any(w.lower() in _INNER_STOP for w in words):
        return None
    return phrase


# Modal and auxiliary verbs between an intervention and its predicate ("the diet can slow", "it is
# effective"): the strength reading weighs them; the intervention ends before them.
_TRAILING_AUX = {"can", "could", "may", "might", "will", "would", "should", "must", "does", "do", "did", "is",
                 "are", "was", "were", "has", "have", "had", "not"}


def _without_trailing_auxiliaries(words: list[str]) -> list[str]:
    while words and words[-1].lower() in _TRAILING_AUX:
        words = words[:-1]
    return words


_GROUP_END = {"as", "for", "at", "in", "on", "with", "every", "each", "a", "an", "daily", "regularly", "or", "and",
              "more", "less", "than", "over", "during", "part"}


def _exposure(words: list[str], lex: Lexicon) -> list[str]:
    """What a group is said to eat, drink or take ("people who eat dried plums as part of ..." ->
    "dried plums"), or ``[]`` when the subject is not of that shape."""
    low = [w.lower() for w in words]
    verbs = set(lex.terms[("subject", "exposure_verbs")])
    groups = set(lex.terms[("population", "human")]) | {"those", "anyone"}
    for i in range(len(low) - 2):
        if low[i] in groups and low[i + 1] == "who" and low[i + 2] in verbs:
            out = []
            for w in words[i + 3:]:
                if w.lower() in _GROUP_END and out:
                    break
                out.append(w)
            return out
    return []


def _looks_like_a_name(words: list[str], sentence: str) -> bool:
    """People and institutions ("Peter Donnelly of Oxford University") are not interventions; an
    institution word counts when capitalised ("a hospital bug" is not a hospital)."""
    if any(w.lower() in _INSTITUTION and (w[:1].isupper() or w.lower() in _TITLES) for w in words):
        return True
    first = _WORD.match(sentence.lstrip())
    caps = [w for w in words if w[:1].isupper() and not w.isupper() and not (first and w == first.group())]
    return len(caps) >= 2


def _fragment(words: list[str]) -> bool:
    """Two function words in a row ("in of the") mark a broken phrase, not a name."""
    low = [w.lower() for w in words]
    return any(a in _FUNCTION_END and b in _FUNCTION_END - {"a", "an", "the"} for a, b in zip(low, low[1:]))


def _candidate(text: str, reading: SentenceReading, has_condition: bool) -> bool:
    """A sentence without a linked claim that states a health effect (at any strength: hedged and
    correlational frames are recorded, and only direct ones can be flagged)."""
    if (SAFETY_ABSOLUTE.search(text) and reading.polarity == "positive") or reading.hype:
        return True
    return (reading.causal and reading.predicate is not None
            and (has_condition or bool(_OUTCOME.search(text[reading.predicate[1]:]))))


_TYPE_CUES = ((ClaimType.APPROVAL, re.compile(r"\b(approv\w*|licen[cs]\w*|FDA|EMA|cleared)\b")),
              (ClaimType.DOSAGE, re.compile(r"\b\d+(\.\d+)?\s?(mg|mcg|µg|g|ml|iu|units)\b|\bdos(e|es|age|ing)\b", re.I)),
              (ClaimType.SAFETY, re.compile(r"\b(side[- ]effects?|adverse|toxic\w*|safe\w*|harm\w*|risks?\b)", re.I)),
              (ClaimType.EVIDENCE, re.compile(r"\b(stud(y|ies)|trials?|research)\b", re.I)))
_SIGNAL = re.compile(r"\b(approv\w*|dose|doses|mg|side[- ]effects?|safe\w*|trials?|stud(y|ies)|treat\w*|therap\w*|"
                     r"prescri\w*|effective\w*|works?|used|recommend\w*|risks?)\b", re.I)


@dataclass(frozen=True)
class _Context:
    """What every frame of one article needs: its design, headings, mentions and topic."""

    article_id: str
    design: str
    heads: tuple
    mentions: dict
    topic: str | None
    lex: Lexicon
    ledes: frozenset = frozenset()

    def heading(self, start: int) -> bool:
        return any(h0 <= start < h1 for h0, h1 in self.heads)

    def of(self, start: int, kind: str) -> list[Mention]:
        return [m for m in self.mentions.get(start, []) if m.kind == kind]


def claim_type_of(text: str, reading: SentenceReading) -> ClaimType:
    """The claim type a sentence's wording suggests for a frame the rules did not extract."""
    for ctype, pattern in _TYPE_CUES:
        if pattern.search(text) and not (ctype == ClaimType.EVIDENCE and reading.causal):
            return ctype
    return ClaimType.EFFICACY


def _frame_claim(ctx: _Context, start: int, text: str, reading: SentenceReading, drug: Mention) -> Claim:
    ctype = ClaimType.SAFETY if SAFETY_ABSOLUTE.search(text) else claim_type_of(text, reading)
    kind = "safety" if SAFETY_ABSOLUTE.search(text) else frame_kind(ctype, text, reading)
    conds = [m for m in ctx.of(start, "condition") if not is_subgroup(text, m, start)]
    name = drug.name or drug.text.lower()
    cid = hashlib.sha1(f"{ctx.article_id}|{start}|frame|{name}".encode()).hexdigest()[:16]
    frame = replace(make_frame(kind, reading, ctx.design, ctx.heading(start), name, start in ctx.ledes),
                    subject=is_subject(text, start, drug, reading))
    return Claim(article_id=ctx.article_id, sentence=text, start=start, end=start + len(text), type=ctype,
                 drug=drug, condition=conds[0] if conds else None, polarity=reading.polarity,
                 strength=STRENGTH_OF[reading.strength], id=cid, frame=frame)


_CONTRAST = re.compile(r"\b(but|however|while|whereas|although|though|which|who)\b|;", re.IGNORECASE)
# A relative clause ("aspirin, NSAIDs or COX-2 inhibitors, drugs that all work ... to reduce") is about its
# own head noun; "that" after a verb of saying or finding ("found that X slashed") is not one.
_RELATIVE_THAT = re.compile(r"\b(?!(?:found|finds|find|shows?|showed|shown|suggests?|suggested|says?|said|reports?|"
                            r"reported|concluded|concludes|demonstrated?|demonstrates|revealed?|reveals|means?|meant|"
                            r"believes?|believed|thinks?|thought|knows?|knew|known|indicates?|indicated|confirms?|"
                            r"confirmed|so|such|now|is|was|are|were|noted|notes|argues?|argued|hopes?|hoped|"
                            r"claims?|claimed|evidence|proof|fact|likely|clear|possible|idea)\b)[a-z]+\s+that\b",
                            re.IGNORECASE)


def is_subject(text: str, sent_start: int, m: Mention | None, reading: SentenceReading) -> bool:
    """Whether the intervention is what the main predicate is about: named before it in the same
    clause ("Fiber, the study found, feeds gut bacteria"), or read from the predicate itself
    (guessed and topic mentions, which have no span of their own in the text)."""
    if m is None or reading.predicate is None:
        return False
    if m.via in ("frame", "pronoun", "topic", "context") and m.start == m.end:
        return True
    a, b, p = m.start - sent_start, m.end - sent_start, reading.predicate[0]
    return 0 <= a < p and p - b <= 80 and not _CONTRAST.search(text, b, p) and not _other_head(text, b, p)


def _other_head(text: str, b: int, p: int) -> bool:
    """A relative clause between the intervention and the predicate whose head is another noun
    ("aspirin, NSAIDs or COX-2 inhibitors, drugs that all work ..."); not when the intervention is
    that noun by a copula ("Baclofen is a medication that can help ...")."""
    m = _RELATIVE_THAT.search(text, b, p)
    return m is not None and not re.search(r"\b(is|are|was|were|be|being|been|remains?)\b", text[b:m.start()],
                                           re.IGNORECASE)


def _guessed_mention(ctx: _Context, start: int, text: str, reading: SentenceReading) -> Mention | None:
    """The intervention read back from the predicate, or the article's topic for a pronoun subject."""
    if reading.predicate is None:
        generic = _GENERIC_RE.search(text)
        name = ctx.topic or ((generic.group(1) or generic.group(0)).lower() if generic else None)
        if reading.hype and name:  # "Our discovery is a game changer."; "a simple test ... destined to"
            return Mention(text=name, start=start, end=start, kind="drug", id=None, name=name, score=0.0,
                           via="frame")
        return None
    name = guess_intervention(text, reading.predicate[0], ctx.lex)
    generic = name in _GENERIC_NOUNS or (name is None and _GENERIC_RE.search(text) is not None)
    if ctx.topic and (_anaphor(text, reading.predicate[0], ctx.lex) or generic):
        # "it", "the drug", "we have a treatment that ...": the article's topic
        return Mention(text=ctx.topic, start=start, end=start, kind="drug", id=None, name=ctx.topic, score=0.0,
                       via="frame")
    if name is None or _names_a_condition(ctx, start, text, name):
        return None
    pos = max(text.lower().find(name), 0)
    return Mention(text=text[pos:pos + len(name)], start=start + pos, end=start + pos + len(name), kind="drug",
                   id=None, name=None, score=0.0, via="frame")


_DISEASE_NOUNS = {"disease", "diseases", "disorder", "disorders", "syndrome", "infection", "infections", "illness",
                  "condition", "conditions", "cancer", "cancers", "tumour", "tumor", "tumours", "tumors", "virus"}
_GENERIC_NOUNS = {"treatment", "compound", "drug", "therapy", "medication", "medicine", "pill", "vaccine",
                  "procedure", "supplement", "technique", "approach", "device", "injection", "new treatment",
                  "new drug", "experimental drug", "new compound", "molecule", "breakthrough"}
_GENERIC_RE = re.compile(r"\b(?:a|the|this|our|new|simple) (treatment|compound|drug|therapy|medication|medicine|"
                         r"vaccine|procedure|technique|test)\b|\bbreakthrough\b", re.IGNORECASE)


def _anaphor(text: str, pred_start: int, lex: Lexicon) -> bool:
    """The predicate's subject is a pronoun or an anaphor ("it", "the drug", "this treatment")."""
    head = re.split(r"[,;:()\"“”]", text[:pred_start])[-1].strip().lower()
    head = " ".join(w for w in head.split() if w not in _ADVERBS)
    return head in lex.terms[("subject", "pronouns")]


def _names_a_condition(ctx: _Context, start: int, text: str, name: str) -> bool:
    """A disease is the subject ("AIDS kills ..."), not an intervention."""
    low = text.lower()
    return any(m.text.lower() in name or name in m.text.lower() for m in ctx.of(start, "condition")
               if m.text.lower() in low)


_EFFECT_LISTS = frozenset({("strength", "causal"), ("strength", "absolute"), ("strength", "hype")})


def _may_state_an_effect(text: str, lex: Lexicon) -> bool:
    """Cheap test (the lexicon's prefilter) that a sentence can be a frame candidate at all."""
    cand = lex.candidates(text)
    return cand is None or bool(cand & _EFFECT_LISTS) or bool(SAFETY_ABSOLUTE.search(text))


def sentence_frames(ctx: _Context, start: int, text: str, claimed: set) -> list[Claim]:
    """New frames for one sentence: every linked intervention the rules left without a claim (when
    the sentence says something checkable), else the intervention read from a causal predicate."""
    if not claimed and not ctx.of(start, "drug") and not _may_state_an_effect(text, ctx.lex):
        return []  # nothing to frame: no intervention named and no effect, absolute or hype term
    r = analyse(text, ctx.lex)
    taken = [m for m in ctx.of(start, "drug") if (m.id or m.text.lower()) in claimed]
    drugs = [m for m in ctx.of(start, "drug") if (m.id or m.text.lower()) not in claimed
             and not any(abs(m.start - t.end) <= 4 or abs(t.start - m.end) <= 4 for t in taken)]  # "X, a Y" / "Y (X)"
    if drugs and (r.causal or r.strength != "none" or _SIGNAL.search(text)):
        seen, out = set(), []
        for m in drugs:
            if (m.id or m.text.lower()) not in seen:
                seen.add(m.id or m.text.lower())
                out.append(_frame_claim(ctx, start, text, r, replace(m, via="frame")))
        return out
    if claimed or not _candidate(text, r, bool(ctx.of(start, "condition"))):
        return []
    m = _guessed_mention(ctx, start, text, r)
    return [_frame_claim(ctx, start, text, r, m)] if m is not None else []


def article_topic(claims: list[Claim], mentions: dict) -> str | None:
    """The intervention an article is about: its most frequent linked drug (at least twice)."""
    counts: Counter = Counter()
    for c in claims:
        if c.drug is not None and c.drug.id:
            counts[c.drug.name or c.drug.text.lower()] += 1
    for ms in mentions.values():
        for m in ms:
            if m.kind == "drug" and m.id:
                counts[m.name or m.text.lower()] += 1
    if not counts:
        return None
    name, n = counts.most_common(1)[0]
    return name if n >= 2 else None


def lede_intervention(sentences: list[tuple[int, int, str]], lex: Lexicon) -> str | None:
    """The first intervention read from a causal predicate in the opening sentences."""
    for _s, _e, text in sentences:
        r = analyse(text, lex)
        if r.predicate is not None and r.causal:
            name = guess_intervention(text, r.predicate[0], lex)
            if name:
                return name
    return None


def _framed(c: Claim, ctx: _Context, r: SentenceReading) -> Claim:
    c = outcome_not_subgroup(c, ctx.of(c.start, "condition"))
    name = c.drug.name or c.drug.text if c.drug else None
    implicit = c.drug is not None and c.drug.via in ("pronoun", "topic", "context")
    frame = replace(make_frame(frame_kind(c.type, c.sentence, r), r, ctx.design, ctx.heading(c.start), name,
                               c.start in ctx.ledes),
                    conditions_in_sentence=len({m.id for m in ctx.of(c.start, "condition")
                                                if m.text.lower() not in _outcome_names()}),
                    subject=implicit or is_subject(c.sentence, c.start, c.drug, r))
    return replace(c, frame=frame, strength=capped_strength(c.strength, frame))


def frame_claims(claims: Iterable[Claim], sentences: list[tuple[int, int, str]], *, article_id: str,
                 headings: Iterable[tuple[int, int]] = (), mentions: dict[int, list[Mention]] | None = None,
                 lex: Lexicon | None = None) -> list[Claim]:
    """Frames for an article's claims, plus frames for what the rules left out: linked interventions
    in sentences that say something checkable, and unlinked ones read from a causal predicate.

    Args:
        claims: the claims of :func:`pipeline.claims.extract.extract_claims`, in document order.
        sentences: ``(start, end, text)`` of the article's body sentences (no boilerplate).
        article_id: the article's id (for the new claims' ids).
        headings: character ranges of heading lines (their claims are headlines).
        mentions: sentence start -> linked drug and condition mentions in it.

    Returns:
        New claims, each with ``frame`` set, in document order; the new frames' drug mentions have
        ``via="frame"``.
    """
    lex = lex or load_lexicon()
    claims = drop_subgroup_claims(list(claims))
    mentions = mentions or {}
    topic = article_topic(claims, mentions) or lede_intervention(sentences[:3], lex)
    heads = tuple(tuple(h[:2]) for h in headings)
    body = [s for s in sentences if not any(h0 <= s[0] < h1 for h0, h1 in heads)]
    ctx = _Context(article_id, article_design([t for _, _, t in sentences], lex), heads, mentions, topic, lex,
                   frozenset(s[0] for s in body[:2]))
    readings: dict[int, SentenceReading] = {}
    out = [_framed(c, ctx, readings.setdefault(c.start, analyse(c.sentence, lex))) for c in claims]
    claimed: dict[int, set] = {}
    for c in claims:
        if c.drug is not None:
            claimed.setdefault(c.start, set()).add(c.drug.id or c.drug.text.lower())
    for start, _end, text in sentences:
        out += sentence_frames(ctx, start, text, claimed.get(start, set()))
    out.sort(key=lambda c: (c.start, c.id))
    return out
