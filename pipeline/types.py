"""Typed records that flow through the stages: Article -> Claim -> Verdict.

Data flows one way. Every record is a plain dataclass with ``to_dict()`` so it
can be written as JSON and read into pandas.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum, IntEnum
from typing import Any


class Strength(IntEnum):
    """Ordinal claim strength (Yu et al. 2019 scale)."""

    NO_CLAIM = 0
    CORRELATIONAL = 1
    HEDGED = 2  # conditional or hedged causal
    DIRECT = 3  # direct causal or established


class ClaimType(str, Enum):
    EFFICACY = "efficacy"
    APPROVAL = "approval"
    MECHANISM = "mechanism"
    DOSAGE = "dosage"
    SAFETY = "safety"
    EVIDENCE = "evidence"
    USAGE = "usage"


class VerdictLabel(str, Enum):
    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    OVERSTATED = "overstated"
    UNSUPPORTED = "unsupported"
    UNVERIFIABLE = "unverifiable"


class Severity(str, Enum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


# Verdicts that flag a claim for an editor. An "unverifiable" claim is flagged only when the
# verifier asks for review explicitly (a strong claim about a pair the reference does not know).
FLAGGED_VERDICTS = {VerdictLabel.CONTRADICTED, VerdictLabel.OVERSTATED, VerdictLabel.UNSUPPORTED}


class StrengthModel(str, Enum):
    """Which trained model estimates a claim's strength: the one spelling of the option in the
    command line (``--strength-model fast|encoder``), the API and every config.

    Example:
        >>> StrengthModel("encoder").model_name, StrengthModel.FAST.model_name
        ('strength-encoder', 'strength')
    """

    FAST = "fast"        # the scikit-learn model (scored with numpy), about 1 ms per sentence
    ENCODER = "encoder"  # the fine-tuned MiniLM: more accurate, about 20 ms per sentence

    @property
    def model_name(self) -> str:
        """The name of the model's weights and card in ``models/``."""
        return "strength" if self is StrengthModel.FAST else "strength-encoder"


@dataclass
class Article:
    """One input article. ``text`` is kept exactly as read; offsets point into it."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    date: str | None = None
    source: str | None = None  # file path (or "<stdin>") it came from
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Mention:
    """A drug or condition mention linked (or not) to a reference identifier."""

    text: str
    start: int  # character offsets in the article text
    end: int
    kind: str  # "drug" | "condition"
    id: str | None = None  # reference id, None when left unlinked
    name: str | None = None  # canonical name
    score: float = 0.0
    via: str | None = None  # "name", "abbreviation", "pronoun", "topic", ...

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Quantity:
    value: float
    unit: str
    frequency: str | None = None
    per: str | None = None  # "day" for daily totals
    text: str = ""
    daily_total: float | None = None  # in the unit, when computable
    kind: str | None = None  # "max", "start", "increment", "dose"
    start: int | None = None  # offsets in the sentence
    end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Cue:
    text: str
    kind: str  # hedge | booster | negation | correlational | attribution
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Frame:
    """Who claims what, how strongly, on what evidence, about whom (``pipeline.frames``).

    Values follow the real-article gold (``corpora/gold/GUIDELINE.md``): ``kind`` efficacy,
    prevention, cure, safety, approval, mechanism, dose, comparison, evidence, advice or usage;
    ``strength`` none, correlational, hedged, direct or absolute; ``speech_act`` assertion,
    reported_finding, quote, advice, usage, caveat or headline; ``evidence_basis`` the design the
    article reports (meta_analysis, rct, observational, animal, in_vitro, none); ``population``
    human, animal, cell or unspecified (whom the sentence names).
    """

    kind: str
    polarity: str
    strength: str
    speech_act: str
    evidence_basis: str
    population: str
    intervention: str | None = None  # the intervention as the text names it (also unlinked ones)
    conditions_in_sentence: int = 0  # several: which condition a statement about evidence means is unclear
    subject: bool = True  # the intervention is the subject of the sentence's main predicate
    lede: bool = False  # one of the article's first two body sentences (with the headline, its main claims)
    hype: bool = False  # "breakthrough", "game changer", "100 per cent accurate", asserted (not denied)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Claim:
    """A structured claim extracted from one sentence."""

    article_id: str
    sentence: str
    start: int  # sentence offsets in the article text
    end: int
    type: ClaimType
    drug: Mention | None = None
    condition: Mention | None = None
    outcome: str | None = None
    polarity: str = "positive"  # "positive" | "negative"
    strength: Strength = Strength.NO_CLAIM
    strength_prob: float | None = None
    attribution: str | None = None
    quantities: list[Quantity] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    subtype: str | None = None  # e.g. safety: adverse_effects|withdrawal|interactions|pregnancy
    approval_status: str | None = None  # for approval claims: approved | not_approved
    sentence_index: int = 0
    id: str = ""
    frame: Frame | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["type"] = self.type.value
        d["strength"] = int(self.strength)
        return d


@dataclass
class EvidenceRef:
    """A reference entry a verdict rests on, with its source."""

    entry_id: str
    kind: str  # approval | evidence | label | trial
    summary: str
    source: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Verdict:
    label: VerdictLabel
    severity: Severity
    rationale: str
    evidence: list[EvidenceRef] = field(default_factory=list)
    suggestion: str | None = None
    allowed_strength: Strength | None = None
    flagged_override: bool | None = None  # force review of an otherwise unflagged verdict
    reason: str | None = None  # why it is flagged, in the gold's terms (e.g. causal_from_observational)

    @property
    def flagged(self) -> bool:
        if self.flagged_override is not None:
            return self.flagged_override
        return self.label in FLAGGED_VERDICTS

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.label.value,
            "flagged": self.flagged,
            "severity": self.severity.value,
            "rationale": self.rationale,
            "evidence": [e.to_dict() for e in self.evidence],
            "suggestion": self.suggestion,
            "allowed_strength": None if self.allowed_strength is None else int(self.allowed_strength),
            "reason": self.reason,
        }


@dataclass
class CheckedClaim:
    claim: Claim
    verdict: Verdict


@dataclass
class Finding:
    """An article-level finding (e.g. inconsistent claims about one pair)."""

    kind: str
    message: str
    severity: Severity
    claim_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["severity"] = self.severity.value
        return d


@dataclass
class ArticleResult:
    article: Article
    claims: list[CheckedClaim] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    boilerplate: list[tuple[int, int, str]] = field(default_factory=list)
    scorecard: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
