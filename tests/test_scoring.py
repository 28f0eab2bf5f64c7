"""The model layer in the claim stage (issue 4: check-worthiness filter, strength estimates)."""
from __future__ import annotations

import pytest

from pipeline.claims.extract import extract_claims_from_text
from pipeline.claims.scoring import ClaimScorer, ScorerConfig
from pipeline.types import ClaimType, Strength

pytest.importorskip("skops")


def test_cued_claims_keep_rule_strength_and_plain_claims_get_a_probability():
    claims = extract_claims_from_text("Baclofen may help fibromyalgia. Duloxetine reduces pain in fibromyalgia.")
    out = ClaimScorer().apply(claims)
    hedged = next(c for c in out if c.drug.name == "baclofen")
    plain = next(c for c in out if c.drug.name == "duloxetine")
    assert hedged.strength == Strength.HEDGED and hedged.strength_prob is None
    assert plain.strength_prob is not None and 0.0 <= plain.strength_prob <= 1.0


def test_checkworthiness_threshold_filters_only_its_claim_types():
    text = "Duloxetine reduces pain in fibromyalgia. Duloxetine is FDA-approved for fibromyalgia."
    claims = extract_claims_from_text(text)
    assert {c.type for c in claims} >= {ClaimType.EFFICACY, ClaimType.APPROVAL}
    strict = ClaimScorer(ScorerConfig(checkworthy_threshold=1.01)).apply(list(claims))
    assert {c.type for c in strict} == {ClaimType.APPROVAL}  # approval claims are never filtered
    lenient = ClaimScorer(ScorerConfig(checkworthy_threshold=0.0)).apply(extract_claims_from_text(text))
    assert ClaimType.EFFICACY in {c.type for c in lenient}


def test_confident_model_lowers_a_plainly_stated_observational_claim():
    # No hedge or booster in "had lower rates of": the rules default to a direct claim; the model
    # reads the observational phrasing as correlational, and its cue words are kept for the rationale.
    claims = [c for c in extract_claims_from_text("Metformin users had lower rates of cancer.")
              if c.type in (ClaimType.EFFICACY, ClaimType.EVIDENCE)]
    assert claims and claims[0].strength == Strength.DIRECT
    out = ClaimScorer(ScorerConfig(checkworthy_threshold=0.0, strength_min_prob=0.6)).apply(claims)
    assert out[0].strength == Strength.CORRELATIONAL and out[0].strength_prob >= 0.6
    assert any(cue.kind == "model" for cue in out[0].cues)


def test_issue6_lean_prediction_gives_the_numbers_of_the_sklearn_pipeline(shared_dir):
    """ClaimModel.predict_proba skips scikit-learn's per-call checks and reuses hashed sentences
    (_LeanLinear, _HashedRows); on real sentences, alone and in batches, every shipped model gives
    exactly the probabilities of ``estimator.predict_proba``."""
    import numpy as np

    from pipeline.ml import load_model
    from pipeline.run.bench import load_articles
    from pipeline.assess.scorecard import split_sentences

    arts, _ = load_articles(shared_dir / "articles", 60)
    sents = [a.text[s:e] for a in arts for s, e in split_sentences(a.text)][:800]
    sents += ["Duloxetine reduces pain in fibromyalgia.", "Metformin users had lower rates of cancer.",
              "Baclofen may help.", "It is not known whether this works.", "", "?", "\u00e9t\u00e9 \u2014 \U0001F600"]
    for name in ("strength", "checkworthy", "advice", "hedge"):
        m = load_model(name)
        assert m._lean() is not None, name
        expected = m.estimator.predict_proba(sents)
        assert np.array_equal(m.predict_proba(sents), expected), name
        assert np.array_equal(np.vstack([m.predict_proba([x]) for x in sents[:50]]), expected[:50]), name
        # small batches reuse hashed sentences (shared between models, kept across calls): a batch
        # half seen before, half new, with a repeat, gives the numbers of a fresh computation
        mixed = sents[25:75] + sents[300:340] + sents[30:31]
        assert np.array_equal(m.predict_proba(mixed), m.estimator.predict_proba(mixed)), name



def test_issue18_rescoring_returns_new_claims_and_leaves_the_other_claims_of_the_sentence_alone():
    """Regression: the scorer appended the model's cue words to a cue list that the claims of one
    sentence share, so an approval claim the model never re-scored showed them too (and each claim
    re-scored added them again: duplicates in claims.jsonl). Sentence from seed 000."""
    text = ("Despite the lack of clinical evidence, some healthcare providers still prescribe baclofen "
            "off-label to treat fibromyalgia symptoms.")
    claims = extract_claims_from_text(text)
    before = [(c.type.value, int(c.strength), list(c.cues)) for c in claims]
    out = ClaimScorer().apply(claims)
    assert [(c.type.value, int(c.strength), list(c.cues)) for c in claims] == before  # inputs unchanged
    approval = next(c for c in out if c.type.value == "approval")
    evidence = next(c for c in out if c.type.value == "evidence")
    assert [q.kind for q in approval.cues] == ["evidence_limited"]
    assert int(evidence.strength) == 0 and [q.kind for q in evidence.cues].count("model") == 1
