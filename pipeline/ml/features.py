"""Feature extraction for the claim models: scikit-learn transformers over the cue text of
:mod:`pipeline.ml.cuetext` (tokens, cue lexicons, cue counts; re-exported here).

The lexicons live in ``pipeline/resources/ml_cues.yaml``. Each transformer copies the
lexicon into itself when fitted, so a saved model keeps working (and gives the same
answers) even if the data file is edited later.

Example:
    >>> from pipeline.ml.features import tokenize, match_cues, load_lexicon
    >>> lex = load_lexicon()
    >>> [(c, p) for _, _, c, p in match_cues(tokenize("Baclofen may reduce pain"), lex)]
    [('hedge', 'may'), ('modal', 'may'), ('causal', 'reduce')]
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from .cuetext import (CATEGORIES, CUE_FEATURES, LEXICON_RESOURCE, abstract_sequence, cue_counts,  # noqa: F401
                      hash_index, load_lexicon, match_cues, tokenize)


class CueSequence(BaseEstimator, TransformerMixin):
    """Map sentences to their cue-category sequence (see :func:`abstract_sequence`)."""

    def fit(self, X, y=None):
        self.lexicon_ = {k: list(v) for k, v in load_lexicon().items()}
        return self

    def transform(self, X):
        return [abstract_sequence(tokenize(x), self.lexicon_) for x in X]


class CueCounts(BaseEstimator, TransformerMixin):
    """Dense cue features: counts, presence and first position per category, plus interactions.

    Interactions: hedge with causal, unhedged causal, correlational without causal, booster
    with causal, negation with causal, correlational with causal, hedge with correlational,
    no relation cue, modal with causal, advice with modal; then length, question, colon,
    and whether a number or percentage appears.
    """

    def fit(self, X, y=None):
        self.lexicon_ = {k: list(v) for k, v in load_lexicon().items()}
        return self

    def feature_names(self) -> list[str]:
        return list(CUE_FEATURES)

    def transform(self, X):
        rows = np.zeros((len(X), len(CUE_FEATURES)), dtype=np.float64)
        for r, x in enumerate(X):
            rows[r] = cue_counts(x, self.lexicon_)
        return sp.csr_matrix(rows)


def build_features(*, word_ngrams=(1, 3), char_ngrams=(2, 5), word_bits: int = 19, char_bits: int = 18,
                   cue_weight: float = 1.0) -> FeatureUnion:
    """The feature union shared by all claim models.

    Word 1-3-gram TF-IDF (named ``word``; top-cue rationales are read from it), character
    2-5-gram TF-IDF within word boundaries, TF-IDF 1-4-grams over the cue-category sequence,
    and the dense cue counts. N-grams are hashed (no vocabulary to store, so weights stay
    small and load fast); :func:`hash_index` maps an n-gram back to its column.
    """
    def tfidf(bits, **kw):
        return Pipeline([("hash", HashingVectorizer(n_features=2 ** bits, alternate_sign=False, norm=None, **kw)),
                         ("tfidf", TfidfTransformer(sublinear_tf=True))])

    return FeatureUnion([
        ("word", tfidf(word_bits, ngram_range=word_ngrams, token_pattern=None, tokenizer=tokenize,
                       lowercase=False)),
        ("char", tfidf(char_bits, analyzer="char_wb", ngram_range=char_ngrams)),
        ("cueseq", Pipeline([("seq", CueSequence()),
                             ("tfidf", tfidf(16, ngram_range=(1, 4), token_pattern=r"\S+", lowercase=False))])),
        ("cues", CueCounts()),
    ], transformer_weights={"cueseq": cue_weight, "cues": cue_weight})


def strip_for_saving(estimator) -> None:
    """Drop fitted attributes only needed for introspection (``stop_words_`` of every
    TF-IDF vectorizer can hold hundreds of thousands of pruned n-grams)."""
    stack = [estimator]
    while stack:
        est = stack.pop()
        if isinstance(est, TfidfVectorizer) and hasattr(est, "stop_words_"):
            del est.stop_words_
        if isinstance(est, Pipeline):
            stack.extend(step for _, step in est.steps)
        elif isinstance(est, FeatureUnion):
            stack.extend(t for _, t in est.transformer_list)
