"""Feature extraction for the claim models: tokens, cue lexicons and scikit-learn transformers.

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

import re
from functools import lru_cache
from importlib import resources

import numpy as np
import scipy.sparse as sp
import yaml
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from ..errors import ModelError

LEXICON_RESOURCE = "ml_cues.yaml"
CATEGORIES = ("correlational", "causal", "hedge", "booster", "modal", "negation", "advice", "study")

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|n't|[^\sa-z0-9]")
_FUNCTION_WORDS = frozenset(
    "the a an of in on to and or with for by at as is are was were be been being has have had "
    "that this these those it its than from into after before during between among which who "
    "there their they than".split()
)


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens; ``"doesn't"`` becomes ``["does", "n't"]``.

    Example:
        >>> tokenize("It doesn't CURE pain.")
        ['it', 'does', "n't", 'cure', 'pain', '.']
    """
    t = text.lower().replace("\u2019", "'")
    t = re.sub(r"(\w)n't\b", r"\1 n't", t)
    return _TOKEN_RE.findall(t)


@lru_cache(maxsize=4)
def load_lexicon(resource: str = LEXICON_RESOURCE) -> dict[str, tuple[str, ...]]:
    """Load the cue lexicon (category -> phrases) from ``pipeline/resources``.

    Raises:
        ModelError: the file is missing or malformed.
    """
    try:
        text = resources.files("pipeline.resources").joinpath(resource).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (FileNotFoundError, yaml.YAMLError) as e:
        raise ModelError(f"cue lexicon pipeline/resources/{resource} cannot be read: {e}") from e
    out = {}
    for cat in CATEGORIES:
        phrases = data.get(cat)
        if not isinstance(phrases, list):
            raise ModelError(f"cue lexicon pipeline/resources/{resource}: category {cat!r} missing or not a list")
        out[cat] = tuple(str(p).lower() for p in phrases)
    return out


def _index(lexicon: dict) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    idx: dict[str, list] = {}
    for cat, phrases in lexicon.items():
        for p in phrases:
            toks = tuple(tokenize(p))
            if toks:
                idx.setdefault(toks[0], []).append((cat, toks))
    return idx


_INDEX_CACHE: dict[int, dict] = {}


def match_cues(tokens: list[str], lexicon: dict) -> list[tuple[int, int, str, str]]:
    """All cue matches in a token list as ``(start, end, category, phrase)``.

    Several categories can match the same words ("may" is a hedge and a modal).
    """
    key = id(lexicon)
    idx = _INDEX_CACHE.get(key)
    if idx is None or idx[0] is not lexicon:
        idx = (lexicon, _index(lexicon))
        _INDEX_CACHE[key] = idx
    index = idx[1]
    res = []
    for i, w in enumerate(tokens):
        for cat, t in index.get(w, ()):
            if tuple(tokens[i:i + len(t)]) == t:
                res.append((i, i + len(t), cat, " ".join(t)))
    return res


def abstract_sequence(tokens: list[str], lexicon: dict) -> str:
    """Rewrite a sentence as a sequence of cue categories and function words.

    Content words collapse to ``W``; causal and correlational cues to their category, other
    cues to ``CATEGORY_word``. N-grams over this sequence generalise patterns such as
    "W may CAUSAL W" across drugs and outcomes.

    Example:
        >>> abstract_sequence(tokenize("Baclofen may reduce pain"), load_lexicon())
        'W hedge_may causal W'
    """
    labels: list[str | None] = [None] * len(tokens)
    order = {c: i for i, c in enumerate(CATEGORIES)}
    for s, e, c, _ in sorted(match_cues(tokens, lexicon), key=lambda m: (-(m[1] - m[0]), order[m[2]])):
        if all(labels[k] is None for k in range(s, e)):
            for k in range(s, e):
                labels[k] = c
    out: list[str] = []
    for w, lab in zip(tokens, labels):
        if lab:
            out.append(lab if lab in ("causal", "correlational") else f"{lab}_{w}")
        elif w in _FUNCTION_WORDS:
            out.append(w)
        elif not out or out[-1] != "W":
            out.append("W")
    return " ".join(out)


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
        names = [f"n_{c}" for c in CATEGORIES] + [f"has_{c}" for c in CATEGORIES] + [f"pos_{c}" for c in CATEGORIES]
        names += ["hedge&causal", "causal_unhedged", "corr_only", "booster&causal", "negation&causal",
                  "corr&causal", "hedge&corr", "no_relation_cue", "modal&causal", "advice&modal",
                  "length", "question", "colon", "number"]
        return names

    def transform(self, X):
        rows = np.zeros((len(X), len(self.feature_names())), dtype=np.float64)
        for r, x in enumerate(X):
            toks = tokenize(x)
            n = max(len(toks), 1)
            cnt = dict.fromkeys(CATEGORIES, 0)
            first = dict.fromkeys(CATEGORIES, 1.0)
            for s, _e, c, _p in match_cues(toks, self.lexicon_):
                cnt[c] += 1
                first[c] = min(first[c], s / n)
            has = {c: cnt[c] > 0 for c in CATEGORIES}
            v = [min(cnt[c], 3) / 3 for c in CATEGORIES] + [float(has[c]) for c in CATEGORIES]
            v += [first[c] for c in CATEGORIES]
            h, ca, co, b, ng, md, ad = (has[k] for k in ("hedge", "causal", "correlational", "booster",
                                                          "negation", "modal", "advice"))
            v += [h and ca, ca and not h and not co, co and not ca, b and ca, ng and ca, co and ca,
                  h and co, not (ca or co), md and ca, ad and md]
            v += [min(n, 60) / 60, x.strip().endswith("?"), ":" in x, bool(re.search(r"\d", x))]
            rows[r] = v
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


def hash_index(grams: list[str], n_features: int) -> np.ndarray:
    """Column index of each n-gram in a ``HashingVectorizer`` with ``n_features`` columns."""
    if not grams:
        return np.zeros(0, dtype=int)
    m = FeatureHasher(n_features=n_features, input_type="string", alternate_sign=False).transform(
        [[g] for g in grams]).tocsr()
    return m.indices[m.indptr[:-1]]


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
