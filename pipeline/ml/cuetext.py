"""Cue text for the claim models, in plain Python: tokens, cue lexicons, cue matches, the
cue-category sequence and the dense cue counts (what :mod:`pipeline.ml.features` wraps as
scikit-learn transformers), plus the phrase selection of model rationales. Nothing here imports
scikit-learn or scipy, so the numpy-only models (:mod:`pipeline.ml.fast`) can use it.

Example:
    >>> lex = load_lexicon()
    >>> [(c, p) for _, _, c, p in match_cues(tokenize("Baclofen may reduce pain"), lex)]
    [('hedge', 'may'), ('modal', 'may'), ('causal', 'reduce')]
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import numpy as np
import yaml
from murmurhash.mrmr import hash as murmur3_32

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


CUE_FEATURES = ([f"n_{c}" for c in CATEGORIES] + [f"has_{c}" for c in CATEGORIES] + [f"pos_{c}" for c in CATEGORIES]
                + ["hedge&causal", "causal_unhedged", "corr_only", "booster&causal", "negation&causal",
                   "corr&causal", "hedge&corr", "no_relation_cue", "modal&causal", "advice&modal",
                   "length", "question", "colon", "number"])


def cue_counts(x: str, lexicon: dict) -> list:
    """The dense cue features of one sentence, in the order of :data:`CUE_FEATURES`: counts,
    presence and first position per category, interactions, length, question, colon, number."""
    toks = tokenize(x)
    n = max(len(toks), 1)
    cnt = dict.fromkeys(CATEGORIES, 0)
    first = dict.fromkeys(CATEGORIES, 1.0)
    for s, _e, c, _p in match_cues(toks, lexicon):
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
    return v


def _spans(grams: list[str], contrib: np.ndarray, toks: list[str], k: int) -> list[list]:
    """Token spans ``[start, end, score]`` of the ``4 * k`` n-grams with the largest positive
    contribution (first occurrence of each), merged where they overlap, strongest first."""
    spans: list[list] = []
    for j in np.argsort(-contrib)[: 4 * k]:
        if contrib[j] <= 0:
            break
        gram = tuple(grams[j].split(" "))
        if all(not any(ch.isalnum() for ch in g) for g in gram):
            continue
        n = len(gram)
        for i in range(len(toks) - n + 1):
            if tuple(toks[i:i + n]) == gram:
                spans.append([i, i + n, float(contrib[j])])
                break
    spans.sort()
    merged: list[list] = []
    for sp_ in spans:
        if merged and sp_[0] <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], sp_[1])
            merged[-1][2] += sp_[2]
        else:
            merged.append(list(sp_))
    merged.sort(key=lambda m: -m[2])
    return merged


def cue_phrases(sentence: str, grams: list[str], contrib: np.ndarray, lexicon: dict, k: int) -> list[str]:
    """The phrases of a model rationale: the word n-grams (``grams``, with their contribution to
    the class, ``contrib``) located in the sentence, overlapping ones merged, and words at the
    edges that are not cues trimmed ("has been shown to reduce pain" -> "has been shown to
    reduce"; a span without any cue is kept whole). Up to ``k`` lower-cased phrases."""
    toks = tokenize(sentence)
    is_cue = [False] * len(toks)
    for a, b, cat, _ in match_cues(toks, lexicon):
        if cat != "study":
            is_cue[a:b] = [True] * (b - a)
    phrases = []
    for a, b, _ in _spans(grams, contrib, toks, k):
        aa, bb = a, b
        while aa < bb and not is_cue[aa]:
            aa += 1
        while bb > aa and not is_cue[bb - 1]:
            bb -= 1
        if aa < bb:
            a, b = aa, bb
        phrase = " ".join(toks[a:b])
        if phrase not in phrases:
            phrases.append(phrase)
    return phrases[:k]


def hash_column(feature: str, n_features: int) -> int:
    """The column of ``feature`` in a hashing vectorizer with ``n_features`` columns: scikit-learn's
    rule (signed 32-bit MurmurHash3 of the UTF-8 text, seed 0; absolute value modulo the width)."""
    h = murmur3_32(feature)
    if h == -2147483648:  # abs(-2**31) overflows int32: scikit-learn's defined value
        return (2147483647 - (n_features - 1)) % n_features
    return abs(h) % n_features


def hash_index(grams: list[str], n_features: int) -> np.ndarray:
    """Column index of each n-gram in a ``HashingVectorizer`` with ``n_features`` columns."""
    return np.array([hash_column(g, n_features) for g in grams], dtype=np.int32)
