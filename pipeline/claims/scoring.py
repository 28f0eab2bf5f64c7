"""Trained models in the claim stage: check-worthiness filter and claim-strength estimates.

Rules find claims and their cue words; the trained scikit-learn models (``pipeline.ml``,
weights in ``models/``) then

* drop claims in sentences the check-worthiness model scores as making no checkable claim
  (below ``checkworthy_threshold``), and
* estimate the strength of efficacy and evidence claims the rules found no hedge, booster or
  correlational cue in (the sentence states a claim plainly): a confident model prediction
  replaces the rules' default, and each such claim carries ``strength_prob`` (the model's
  probability of the final strength) and, when changed, the model's cue words.

Models load lazily when a claim first needs them (never at import time) and are cached per
process; the scikit-learn models are scored with numpy (:mod:`pipeline.ml.fast`).

Example:
    >>> from pipeline.claims.extract import extract_claims_from_text
    >>> from pipeline.claims.scoring import ClaimScorer
    >>> claims = extract_claims_from_text("Baclofen use was associated with less pain in fibromyalgia.")
    >>> scored = ClaimScorer().apply(claims)
    >>> [int(c.strength) for c in scored]
    [1]
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..ml import strength_choice
from ..ml.encoder import load_encoder
from ..ml.fast import load_fast_model
from ..types import Claim, ClaimType, Cue, Strength, StrengthModel

STRENGTH_TYPES = (ClaimType.EFFICACY, ClaimType.EVIDENCE)


@dataclass
class ScorerConfig:
    """Thresholds for the model layer.

    Attributes:
        checkworthy_threshold: claims in sentences scored below this are dropped (0 disables).
        strength_min_prob: a model strength replaces the rules' default only above this probability.
        checkworthy_types: claim types the check-worthiness filter applies to.
        strength_model: a :class:`~pipeline.types.StrengthModel`: ``"fast"`` (the scikit-learn
            model, default) or ``"encoder"`` (the fine-tuned MiniLM: more accurate, about 20 ms
            per scored sentence instead of 1; its cue words still come from the scikit-learn model).
    """

    checkworthy_threshold: float = 0.15
    strength_min_prob: float = 0.8
    checkworthy_types: tuple[ClaimType, ...] = (ClaimType.EFFICACY,)
    strength_model: StrengthModel | str = StrengthModel.FAST


class ClaimScorer:
    """Applies the check-worthiness and strength models to extracted claims.

    Each model loads when a claim first needs it (the check-worthiness model for the first
    efficacy claim, the strength model for the first plainly stated one, the cue words of the
    scikit-learn strength model when a strength changes); the scikit-learn models are scored with
    numpy (:func:`pipeline.ml.fast.load_fast_model`: the same probabilities, without importing
    scikit-learn).

    Args:
        config: :class:`ScorerConfig`.
        model_dir: folder with the weights (default: the installed ``models/``).

    Raises:
        ModelError: an unknown ``config.strength_model``.
    """

    def __init__(self, config: ScorerConfig | None = None, model_dir=None) -> None:
        self.config = config or ScorerConfig()
        self.model_dir = model_dir
        self.strength_choice = strength_choice(self.config.strength_model)
        self._strength = None
        self._checkworthy = None
        self._cues = None

    def _checkworthy_model(self):
        """The check-worthiness model, or ``None`` when the filter is off."""
        if self._checkworthy is None and self.config.checkworthy_threshold > 0:
            self._checkworthy = load_fast_model("checkworthy", model_dir=self.model_dir)
        return self._checkworthy

    def _strength_model(self):
        if self._strength is None:
            if self.strength_choice is StrengthModel.ENCODER:
                self._strength = load_encoder(self.strength_choice.model_name, model_dir=self.model_dir)
            else:
                self._strength = self._cue_model()
        return self._strength

    def _cue_model(self):
        """The scikit-learn strength model, whose word weights name the cue words."""
        if self._cues is None:
            self._cues = load_fast_model("strength", model_dir=self.model_dir)
        return self._cues

    def apply(self, claims: list[Claim]) -> list[Claim]:
        """The claims the check-worthiness filter keeps, re-scored by the strength model (new
        records; the input claims are not changed).

        Args:
            claims: claims of one article.

        Returns:
            The kept claims, with ``strength_prob`` set on plainly stated efficacy/evidence claims.
        """
        if not claims:
            return claims
        keep = self._checkworthy_filter(claims)
        # Only plainly stated claims (no hedge, booster or correlational cue found by the rules) can
        # change; cued claims keep the rules' strength and are not scored (saves time).
        targets = {id(c) for c in keep if c.type in STRENGTH_TYPES
                   and not any(cue.kind in ("booster", "hedge", "correlational") for cue in c.cues)}
        sents = sorted({c.sentence for c in keep if id(c) in targets})
        if not sents:
            return keep
        model = self._strength_model()
        by_sent = dict(zip(sents, model.predict_proba(sents)))
        classes = [int(k) for k in model.classes_]
        top: dict[str, list[str]] = {}
        return [self._rescored(c, by_sent[c.sentence], classes, top) if id(c) in targets else c for c in keep]

    def _checkworthy_filter(self, claims: list[Claim]) -> list[Claim]:
        """``claims`` without those of the filtered types in sentences scored below the threshold."""
        cfg = self.config
        sents = sorted({c.sentence for c in claims if c.type in cfg.checkworthy_types})
        cw_model = self._checkworthy_model() if sents else None
        if cw_model is None:
            return claims
        proba = cw_model.predict_proba(sents)
        col = list(cw_model.classes_).index(1)
        p_cw = dict(zip(sents, proba[:, col]))
        return [c for c in claims if c.type not in cfg.checkworthy_types
                or p_cw.get(c.sentence, 1.0) >= cfg.checkworthy_threshold]

    def _rescored(self, c: Claim, p, classes: list[int], top: dict[str, list[str]]) -> Claim:
        """``c`` with the model's strength (and the cue words that carried it) when the model is
        confident and disagrees with the rules, and with the probability of its strength."""
        best = int(classes[int(p.argmax())])
        strength, cues = c.strength, c.cues
        if best != int(c.strength) and float(p.max()) >= self.config.strength_min_prob and c.polarity == "positive":
            strength = Strength(best)
            if c.sentence not in top:
                top[c.sentence] = self._cue_model().top_cues([c.sentence], classes=[best], k=2)[0]
            cues = [*c.cues, *self._model_cues(c, top[c.sentence])]
        return replace(c, strength=strength, cues=cues, strength_prob=round(float(p[classes.index(int(strength))]), 4))

    @staticmethod
    def _model_cues(c: Claim, phrases: list[str]) -> list[Cue]:
        out = []
        for phrase in phrases:
            i = c.sentence.lower().find(phrase.lower())
            if i >= 0:
                out.append(Cue(text=c.sentence[i:i + len(phrase)], kind="model", start=c.start + i,
                               end=c.start + i + len(phrase)))
        return out
