"""Read one sentence for its frame: strength (none → absolute), polarity, speech act, the study
design it cites, and whether it is about animals or cells. Pure functions of the text.

Example:
    >>> a = analyse("Vitamin C also appeared to prevent colds.")
    >>> a.strength, a.polarity, a.causal
    ('hedged', 'positive', True)
    >>> analyse("Halaven, meanwhile, is no cure.").polarity
    'negative'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import Lexicon, load_lexicon

SPEECH_ORDER = ("caveat", "usage", "advice", "reported_finding", "quote")
DESIGNS = ("meta_analysis", "rct", "observational", "animal", "in_vitro")
# "No side effects", "take as much as you like": absolute safety wording (frames and policy read it).
SAFETY_ABSOLUTE = re.compile(r"\b(no side effects|without side effects|completely safe|totally safe|perfectly safe|"
                             r"100% safe|as much as you (like|want)|no risk|risk-free)\b", re.IGNORECASE)
_LITOTES = re.compile(r"\b(?:not|no)\s+(?:less|worse|inferior)\b", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“”]")
_CLAUSE = re.compile(r"[,;:()]|\s[-–—]\s|--|\b(?:but|however|although|though|whereas|while)\b|"
                     r"\band (?:say|says|said|hope|hopes)\b", re.IGNORECASE)


@dataclass(frozen=True)
class SentenceReading:
    """What :func:`analyse` found in one sentence."""

    strength: str  # none | correlational | hedged | direct | absolute
    polarity: str  # positive | negative
    causal: bool  # a causal or efficacy predicate is present
    absolute_terms: tuple[str, ...]
    speech_act: str  # assertion | reported_finding | quote | advice | usage | caveat
    designs: tuple[str, ...]  # study designs the sentence itself names
    population: str  # human | animal | cell | unspecified
    predicate: tuple[int, int] | None  # span of the first causal or absolute term
    hype: tuple[str, ...] = ()  # hype terms the sentence asserts (not denied: "not a miracle drug")


def _first(p: re.Pattern, text: str, start: int = 0) -> re.Match | None:
    return p.search(text, start)


def _clause_start(text: str, pos: int) -> int:
    last = 0
    for m in _CLAUSE.finditer(text, 0, pos):
        last = m.end()
    return last


def _negated(text: str, span: tuple[int, int], lex: Lexicon) -> bool:
    """A negation term in the predicate's clause before it, at most six words back ("is no cure",
    "did not reduce", "premature to suggest that X prevents")."""
    lo = _clause_start(text, span[0])
    window = text[lo:span[0]]
    words = window.split()
    near = " ".join(words[-10:]) if words else ""
    if lex.pattern("strength", "negation").search(near):
        # "not less effective", "no worse than", "not inferior": a double negative asserts the claim
        return not _LITOTES.search(text, span[0] - 12 if span[0] >= 12 else 0)
    wide = text[:span[0]]
    return bool(re.search(r"\b(premature|too early|too soon|no evidence|unproven|not clear|unclear)\b",
                          wide, re.IGNORECASE))


_ADJECTIVE = re.compile(r"(effective|beneficial|protective|safer|better|more effective|less effective)\b",
                        re.IGNORECASE)
_HOW = re.compile(r"\bhow\s+(\w+\s+){0,2}$", re.IGNORECASE)
# ... or a possessive ("the medications' benefits", "the drug's effect").
_DETERMINER = re.compile(r"(?:\b(?:the|a|an|its|their|root|exact|main|leading|major|primary)|\w['\u2019]s?)\s+$",
                         re.IGNORECASE)


def _noun_use(text: str, pos: int) -> bool:
    """ "the exact cause of", "a benefit", "how the protein works": the word names a thing or a
    mechanism; it does not predicate an effect."""
    before = text[max(0, pos - 30):pos]
    if _ADJECTIVE.match(text, pos):
        return bool(_HOW.search(before))  # "an effective treatment" still predicates an effect
    return bool(_DETERMINER.search(before[-12:]) or _HOW.search(before))


_GOAL_GAP = re.compile(r"(?:\s+[\w'-]+){0,5}\s*$")


def _sought(text: str, pos: int, lex: Lexicon) -> bool:
    """The effect term at ``pos`` is what someone looks for or aims at ("finding a cure",
    "identifying effective preventive treatments"), at most five words after a goal phrase of its clause."""
    seg = text[_clause_start(text, pos):pos]
    return any(_GOAL_GAP.fullmatch(seg, m.end()) for m in lex.pattern("strength", "goal").finditer(seg))


def _clause_end(text: str, pos: int) -> int:
    m = _CLAUSE.search(text, pos)
    return m.start() if m else len(text)


def _strength(text: str, lex: Lexicon) -> tuple[str, bool, tuple[str, ...], tuple[int, int] | None]:
    """The strength of the sentence's main predicate: hedges and correlational wording count in the
    predicate's own clause ("reverses arthritis, raising hopes of a cure" is direct); without a
    predicate, anywhere in the sentence."""
    found = list(lex.pattern("strength", "absolute").finditer(text))
    found = [m for m in found if not _sought(text, m.start(), lex) and not _in_a_title(text, m)]  # a goal, a name
    absolute = [m for m in found if not _negated(text, m.span(), lex)]  # "there is no cure": nothing absolute
    denied = [m for m in found if m not in absolute]
    causal_first = next((m for m in lex.pattern("strength", "causal").finditer(text)
                         if not _noun_use(text, m.start()) and not _sought(text, m.start(), lex)
                         and not _in_a_title(text, m)), None)
    if causal_first is not None:  # "reverses arthritis, raising hopes of a cure": the cure is only hoped for
        absolute = [m for m in absolute if m.start() < causal_first.start() or not _hedge_before(text, m.start(), lex)]
    causal = causal_first
    pred = min([m for m in (absolute[0] if absolute else None, causal) if m is not None],
               key=lambda m: m.start(), default=None)  # the first predicate the sentence states
    if pred is None and denied:
        pred = denied[0]  # "X is no cure": a denied predicate (polarity negative)
    span = pred.span() if pred else None
    terms = tuple(m.group().lower() for m in absolute)
    scope = text[_clause_start(text, span[0]):_clause_end(text, span[1])] if span else text
    if lex.pattern("strength", "correlational").search(scope):
        level = "correlational"
    elif lex.pattern("strength", "hedged").search(scope):
        level = "hedged"
    elif absolute:
        level = "absolute"
    elif causal or denied:
        level = "direct"
    else:
        level = "none"
    if absolute and level in ("hedged", "correlational") and not _hedge_before(text, absolute[0].start(), lex):
        level = "absolute"  # "proven to cure, and may also help" keeps its absolute predicate
    if level == "direct" and _hedged_tail(text, lex):
        level = "hedged"  # "... protect against stress and reduce inflammation, they suggest."
    return level, bool(causal or absolute or denied), terms, span


def _hedged_tail(text: str, lex: Lexicon) -> bool:
    """The sentence ends in a short hedged attribution that covers all of it (", they suggest.",
    ", researchers believe.")."""
    tail = text[_clause_start(text, len(text.rstrip())):]
    return len(tail.split()) <= 4 and bool(lex.pattern("strength", "hedged").search(tail))


def _in_a_title(text: str, m: re.Match) -> bool:
    """A capitalised effect word inside a sentence that is not itself in title case names something
    (the journal "Preventing Chronic Disease", the "P-Cure" team): it predicates nothing."""
    if not m.group()[:1].isupper() or not re.search(r"\w", text[:m.start()]):
        return False
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", text) if len(w) > 3]
    return sum(w[:1].isupper() for w in words) <= len(words) / 2


def _hedge_before(text: str, pos: int, lex: Lexicon) -> bool:
    lo = _clause_start(text, pos)
    seg = text[lo:pos]
    return bool(lex.pattern("strength", "hedged").search(seg) or lex.pattern("strength", "correlational").search(seg))


def _speech_act(text: str, lex: Lexicon, span: tuple[int, int] | None = None) -> str:
    """The sentence's speech act; a caveat counts only in the main predicate's own clause ("while X
    can be an effective treatment, it is important to ..." asserts the treatment works)."""
    if text.lstrip()[:1] in "\"“'‘" and len(text.strip()) > 1:
        return "quote"  # a quoted sentence is the speaker's, whatever it says
    scope = text[_clause_start(text, span[0]):_clause_end(text, span[1])] if span else text
    for act in SPEECH_ORDER:
        if lex.pattern("speech_act", act).search(scope if act == "caveat" else text):
            if act == "quote" and not (_quoted(text) or re.search(r"\b(said|says|according to|told)\b",
                                                                        text, re.IGNORECASE)):
                continue
            return act
    return "quote" if _quoted(text) else "assertion"


_QUOTED_SPAN = re.compile(r"[\"“]([^\"“”]*)[\"”]")


def _quoted(text: str) -> bool:
    """Someone's words are quoted: an unpaired quotation mark (the sentence is part of a longer quote)
    or a quoted span of four words or more; scare quotes around a name ('a "polypill" which ...') are
    not a quote."""
    marks = len(_QUOTED.findall(text))
    if marks % 2:
        return True
    return any(len(m.group(1).split()) >= 4 for m in _QUOTED_SPAN.finditer(text))


def _population(text: str, lex: Lexicon, span: tuple[int, int] | None) -> str:
    """Animals or cells named anywhere qualify the sentence; people count only in the predicate's
    clause ("reverses arthritis, raising hopes for the millions of people ..." is not about people)."""
    if lex.pattern("population", "animal").search(text):
        return "animal"
    if lex.pattern("population", "cell").search(text):
        return "cell"
    scope = text[_clause_start(text, span[0]):_clause_end(text, span[1])] if span else text
    first = text[:_clause_end(text, 0)]  # the subject clause: "Both groups of people lost ..."
    if lex.pattern("population", "human").search(scope) or lex.pattern("population", "human").search(first):
        return "human"
    return "unspecified"


# A regulator's programme name ("breakthrough therapy designation") and a hope ("hoping for a
# breakthrough") are not hype.
_DESIGNATION_AFTER = re.compile(r"^\s*(therapy |device )?designation", re.IGNORECASE)
_HOPE_BEFORE = re.compile(r"\b(hop\w*|wait\w*|look\w*|search\w*|need\w*) for an?\s*$", re.IGNORECASE)


def _not_hype(text: str, span: tuple[int, int]) -> bool:
    return bool(_DESIGNATION_AFTER.match(text[span[1]:span[1] + 30]) or _HOPE_BEFORE.search(text[:span[0]]))


def analyse(text: str, lex: Lexicon | None = None) -> SentenceReading:
    """Frame attributes of one sentence (see the module docstring). Readings with the shipped
    lexicon are cached by text (the frames stage and the verifier read the same sentences)."""
    if lex is None or lex is load_lexicon():
        return _analyse_cached(text)
    return _analyse(text, lex)


@lru_cache(maxsize=8192)
def _analyse_cached(text: str) -> SentenceReading:
    return _analyse(text, load_lexicon())


def _analyse(text: str, lex: Lexicon) -> SentenceReading:
    lex = lex.scoped(text)  # only the term lists with a literal in the sentence are searched
    level, causal, terms, span = _strength(text, lex)
    polarity = "negative" if span is not None and _negated(text, span, lex) else "positive"
    designs = tuple(d for d in DESIGNS if lex.pattern("evidence_basis", d).search(text))
    hype = tuple(m.group().lower() for m in lex.pattern("strength", "hype").finditer(text)
                 if not _negated(text, m.span(), lex) and not _not_hype(text, m.span())
                 and not _sought(text, m.start(), lex))
    return SentenceReading(strength=level, polarity=polarity, causal=causal, absolute_terms=terms,
                           speech_act=_speech_act(text, lex, span), designs=designs,
                           population=_population(text, lex, span), predicate=span, hype=hype)
