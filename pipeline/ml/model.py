"""Trained claim models: the wrapper users call, and safe saving/loading.

A model is three files in ``models/`` (package ``pipeline.models``):

* ``<name>.skops`` the fitted scikit-learn pipeline, in the skops format (no pickle);
* ``<name>.json`` metadata: classes, class names, the SHA-256 of the weights, metrics, date,
  the command that built it;
* ``<name>.md`` the model card (generated from the JSON).

Loading checks the SHA-256 recorded in the JSON, then lets skops build only the types in
:data:`TRUSTED_TYPES`; anything else raises :class:`pipeline.errors.ModelError`.

Example:
    >>> from pipeline.ml import load_model
    >>> m = load_model("strength")                              # doctest: +SKIP
    >>> m.predict(["Baclofen has been shown to reduce pain"])   # doctest: +SKIP
    array([3])
"""
from __future__ import annotations

import hashlib
import json
import threading
import zipfile
from importlib import resources
from pathlib import Path
from typing import Sequence
from collections import OrderedDict

import numpy as np

from ..errors import ModelError
from .cuetext import cue_phrases, hash_index, tokenize

MODEL_NAMES = ("strength", "advice", "hedge", "checkworthy")

# Every non-builtin type the saved pipelines contain. skops refuses anything not listed here
# (and not in its own default-trusted set), so a swapped file cannot run arbitrary code.
TRUSTED_TYPES = [
    "pipeline.ml.features.CueCounts",
    "pipeline.ml.features.CueSequence",
    "pipeline.ml.features.tokenize",
    "pipeline.ml.cuetext.tokenize",  # where tokenize lives now (models saved since record this name)
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.HashingVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.pipeline.Pipeline",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.frozen._frozen.FrozenEstimator",
    "builtins.slice",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "numpy.ndarray",
    "scipy.sparse._csr.csr_matrix",
    "re.Pattern",
]


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class ClaimModel:
    """A trained sentence classifier with calibrated probabilities.

    Attributes:
        name: "strength", "advice", "hedge" or "checkworthy".
        classes_: the integer classes, in the column order of :meth:`predict_proba`.
        class_names: a readable name per class.
        meta: the model's JSON metadata (metrics, date, command, ...).
    """

    def __init__(self, name: str, estimator, meta: dict) -> None:
        self.name = name
        self.estimator = estimator
        self.meta = meta
        self.classes_ = np.asarray(estimator.classes_)
        self.class_names = list(meta.get("class_names", [str(c) for c in self.classes_]))
        self._coef = None
        self._lean_model = False  # built on first use
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ClaimModel({self.name!r}, classes={self.class_names})"

    @staticmethod
    def _check(sentences) -> list[str]:
        if isinstance(sentences, str):
            raise TypeError("pass a list of sentences, not a single string")
        out = list(sentences)
        bad = [i for i, s in enumerate(out) if not isinstance(s, str)]
        if bad:
            raise TypeError(f"sentences must be strings; item {bad[0]} is {type(out[bad[0]]).__name__}")
        return out

    def predict_proba(self, sentences: Sequence[str]) -> np.ndarray:
        """Calibrated class probabilities, shape (n, len(classes_)).

        Example:
            >>> load_model("hedge").predict_proba(["X may be involved."]).shape   # doctest: +SKIP
            (1, 2)
        """
        sents = self._check(sentences)
        if not sents:
            return np.zeros((0, len(self.classes_)))
        lean = self._lean()
        if lean is not None:
            return lean.predict_proba(sents)
        import sklearn

        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return self.estimator.predict_proba(sents)

    def _lean(self):
        """The fitted model's arithmetic without scikit-learn's per-call checks (see
        :class:`_LeanLinear`), or ``None`` when the estimator is not of the supported shape."""
        if self._lean_model is False:
            with self._lock:
                if self._lean_model is False:
                    self._lean_model = _LeanLinear.build(self.estimator)
        return self._lean_model

    def predict(self, sentences: Sequence[str]) -> np.ndarray:
        """Most probable class per sentence (integers from ``classes_``)."""
        p = self.predict_proba(sentences)
        return self.classes_[p.argmax(axis=1)] if len(p) else np.zeros(0, dtype=int)

    # -- rationales -------------------------------------------------------------------------
    def _word_coef(self):
        """The word n-gram pipeline, its hasher and the linear weights (classes x columns)."""
        if self._coef is None:
            with self._lock:
                feats = self.estimator.named_steps["features"]
                clf = self.estimator.named_steps["clf"]
                word = dict(feats.transformer_list)["word"]
                n_word = word.named_steps["hash"].n_features
                coefs = np.mean([cc.estimator.coef_ for cc in clf.calibrated_classifiers_], axis=0)
                coef = coefs[:, :n_word]
                if coef.shape[0] == 1:  # binary: one row for the positive class
                    coef = np.vstack([-coef[0], coef[0]])
                self._coef = (word, coef)
        return self._coef

    def _lexicon(self) -> dict:
        feats = self.estimator.named_steps["features"]
        return dict(feats.transformer_list)["cues"].lexicon_

    def top_cues(self, sentences: Sequence[str], classes: Sequence[int] | None = None,
                 k: int = 3) -> list[list[str]]:
        """The phrases that pushed each sentence towards a class (its predicted one by default).

        Word n-grams with the largest positive contribution (TF-IDF weight times the linear
        weight for that class) are located in the sentence and overlapping ones merged, so
        "has been shown" and "shown to reduce" come back as "has been shown to reduce".

        Returns:
            One list of up to ``k`` lower-cased phrases per sentence, strongest first.
        """
        sents = self._check(sentences)
        if not sents:
            return []
        word, coef = self._word_coef()
        hasher = word.named_steps["hash"]
        lexicon = self._lexicon()
        analyzer = hasher.build_analyzer()
        if classes is None:
            classes = self.predict(sents)
        cls_index = {c: i for i, c in enumerate(self.classes_)}
        X = word.transform(sents).tocsr()
        out = []
        for r, s in enumerate(sents):
            grams = sorted(set(analyzer(s)))
            cols = hash_index(grams, hasher.n_features)
            w = coef[cls_index[classes[r]]]
            contrib = np.asarray(X[r, cols].todense()).ravel() * w[cols]
            out.append(cue_phrases(s, grams, contrib, lexicon, k))
        return out

    def cue_matches(self, sentence: str, *, min_rate: float = 0.0) -> list[dict]:
        """Cue phrases of the model's learned cue lexicon found in a sentence (hedge model).

        Each match: ``{"cue", "type" (speculation|negation), "start", "end" (token offsets),
        "cue_rate"}`` where ``cue_rate`` is the share of the phrase's BioScope occurrences
        annotated as a cue ("may" is nearly always one, "or" rarely).

        Example:
            >>> [m["cue"] for m in load_model("hedge").cue_matches("X may not bind Y")]  # doctest: +SKIP
            ['may', 'not']
        """
        lex = self.meta.get("cue_lexicon")
        if not lex:
            raise ModelError(f"model {self.name!r} has no cue lexicon (only the hedge model does)")
        toks = tokenize(sentence)
        out = []
        for typ, cues in lex.items():
            for cue, info in cues.items():
                ct = tokenize(cue)
                if not ct or info["cue_rate"] < min_rate:
                    continue
                for i in range(len(toks) - len(ct) + 1):
                    if toks[i:i + len(ct)] == ct:
                        out.append({"cue": cue, "type": typ, "start": i, "end": i + len(ct),
                                    "cue_rate": info["cue_rate"]})
        return sorted(out, key=lambda m: (m["start"], -m["end"]))


# -- persistence -----------------------------------------------------------------------------
def default_model_dir():
    """The installed ``models/`` folder (package ``pipeline.models``)."""
    return resources.files("pipeline.models")


def save_model(estimator, name: str, meta: dict, out_dir: str | Path) -> Path:
    """Write ``<name>.skops`` and ``<name>.json`` (with the weights' SHA-256) atomically."""
    import skops.io as sio

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    weights = out / f"{name}.skops"
    tmp = out / f".{name}.skops.tmp"
    sio.dump(estimator, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    untrusted = set(sio.get_untrusted_types(file=tmp)) - set(TRUSTED_TYPES)
    if untrusted:
        tmp.unlink()
        raise ModelError(f"model {name} holds types not in TRUSTED_TYPES: {sorted(untrusted)}",
                         hint="add them to pipeline/ml/model.py TRUSTED_TYPES after review")
    meta = dict(meta, weights=weights.name, sha256=sha256_file(tmp), size_bytes=tmp.stat().st_size)
    tmp.replace(weights)
    jtmp = out / f".{name}.json.tmp"
    jtmp.write_text(json.dumps(meta, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")
    jtmp.replace(out / f"{name}.json")
    return weights


def read_meta(name: str, model_dir=None) -> dict:
    """The JSON metadata of a model (raises ModelError when missing or unreadable)."""
    base = model_dir if model_dir is not None else default_model_dir()
    mp = Path(str(base)) / f"{name}.json"
    if not mp.is_file():
        raise ModelError(f"model {name!r} not found: {mp} is missing",
                         hint=f"build it with `overclaim train {name}`")
    try:
        return json.loads(mp.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ModelError(f"{mp}: metadata is not valid JSON ({e})") from e


def load_from_dir(name: str, model_dir=None) -> ClaimModel:
    """Load a model from a folder, verifying the SHA-256 and the types it contains."""
    import skops.io as sio

    if name not in MODEL_NAMES:
        raise ModelError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")
    base = Path(str(model_dir if model_dir is not None else default_model_dir()))
    meta = read_meta(name, base)
    wp = base / meta.get("weights", f"{name}.skops")
    if not wp.is_file():
        raise ModelError(f"model {name!r}: weights file {wp} is missing",
                         hint=f"rebuild with `overclaim train {name}`")
    digest = sha256_file(wp)
    if digest != meta.get("sha256"):
        raise ModelError(f"model {name!r}: {wp} fails its integrity check (SHA-256 {digest[:12]}... "
                         f"but {base / (name + '.json')} records {str(meta.get('sha256'))[:12]}...)",
                         hint="the file was modified or corrupted; restore it or rebuild with "
                              f"`overclaim train {name}`")
    try:
        untrusted = set(sio.get_untrusted_types(file=wp)) - set(TRUSTED_TYPES)
        if untrusted:
            raise ModelError(f"model {name!r}: {wp} contains untrusted types {sorted(untrusted)}")
        est = sio.load(wp, trusted=TRUSTED_TYPES)
    except ModelError:
        raise
    except Exception as e:  # skops raises several types on corrupt files
        raise ModelError(f"model {name!r}: cannot load {wp}: {e}") from e
    if not (hasattr(est, "predict_proba") and hasattr(est, "named_steps") and hasattr(est, "classes_")):
        raise ModelError(f"model {name!r}: {wp} holds a {type(est).__name__}, not a classifier pipeline",
                         hint=f"rebuild with `overclaim train {name}`")
    return ClaimModel(name, est, meta)


_CACHE: dict[tuple[str, str], ClaimModel] = {}
_CACHE_LOCK = threading.Lock()


def load_model(name: str, *, model_dir: str | Path | None = None) -> ClaimModel:
    """Load a trained model by name, once per process (cached).

    Args:
        name: "strength", "advice", "hedge" or "checkworthy".
        model_dir: folder holding ``<name>.skops`` and ``<name>.json``; default the
            installed ``models/``.

    Returns:
        A :class:`ClaimModel` with ``predict_proba``, ``predict``, ``classes_`` and ``top_cues``.

    Raises:
        ModelError: unknown name, missing files, a SHA-256 mismatch or untrusted content.

    Example:
        >>> m = load_model("strength")                    # doctest: +SKIP
        >>> m.class_names                                 # doctest: +SKIP
        ['no relation', 'correlational', 'conditional causal', 'direct causal']
    """
    key = (name, str(model_dir) if model_dir is not None else "")
    with _CACHE_LOCK:
        m = _CACHE.get(key)
        if m is None:
            m = load_from_dir(name, model_dir)
            _CACHE[key] = m
        return m


def clear_cache() -> None:
    """Forget loaded models (after retraining in the same process)."""
    with _CACHE_LOCK:
        _CACHE.clear()


class _LeanLinear:
    """Prediction for ``Pipeline(FeatureUnion, CalibratedClassifierCV(linear model, sigmoid,
    ensemble=False))``, the shape of every Overclaim model, done with the fitted arrays directly.

    scikit-learn validates its input at every step (each TF-IDF transformer, the classifier, the
    calibrator): on the one to ten sentences an article sends, those checks cost ten times the
    arithmetic. This class repeats the arithmetic of ``TfidfTransformer.transform``,
    ``decision_function`` and ``_CalibratedClassifier.predict_proba`` in the same order with the
    same routines, so the probabilities are the same numbers (``tests/test_scoring.py`` compares
    them with ``estimator.predict_proba`` on real sentences for every shipped model). Hashing
    vectorizers run their own analyzer and hashing routine, and their rows are shared through
    :class:`_HashedRows`; other transformers (our cue features) are called as they are.
    """

    def __init__(self, parts, weights, coef, intercept, columns, a, b, n_classes) -> None:
        self.parts, self.weights = parts, weights
        self.coef_t, self.intercept = coef.T, intercept
        self.columns, self.a, self.b, self.n_classes = columns, a, b, n_classes

    @classmethod
    def build(cls, estimator) -> "_LeanLinear | None":
        try:  # private names: another scikit-learn release may move them (then: the normal path)
            from sklearn.calibration import CalibratedClassifierCV, _SigmoidCalibration
            from sklearn.pipeline import FeatureUnion, Pipeline
            from sklearn.preprocessing import LabelEncoder
            from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2  # noqa: F401
            from sklearn.feature_extraction._hashing_fast import transform  # noqa: F401
        except ImportError:
            return None

        if not (isinstance(estimator, Pipeline) and len(estimator.steps) == 2
                and isinstance(estimator.steps[0][1], FeatureUnion)):
            return None
        union, clf = estimator.steps[0][1], estimator.steps[1][1]
        if not isinstance(clf, CalibratedClassifierCV) or len(clf.calibrated_classifiers_) != 1:
            return None
        cc = clf.calibrated_classifiers_[0]
        est = cc.estimator
        if cc.method != "sigmoid" or not all(type(c) is _SigmoidCalibration for c in cc.calibrators) \
                or not hasattr(est, "coef_") or not hasattr(est, "decision_function"):
            return None
        parts = [(name, t) for name, t in union.transformer_list if t not in ("drop", None)]
        weights = [(union.transformer_weights or {}).get(name, 1) for name, _ in parts]
        columns = LabelEncoder().fit(cc.classes).transform(est.classes_)
        n_classes = len(cc.classes)
        if n_classes == 2:
            columns = columns + 1
        coef = np.asarray(est.coef_)
        intercept = np.asarray(est.intercept_)
        a = [float(c.a_) for c in cc.calibrators]
        b = [float(c.b_) for c in cc.calibrators]
        return cls([t for _, t in parts], weights, coef, intercept, columns, a, b, n_classes)

    _analyzers: dict = {}

    @staticmethod
    def _transform(trans, X, fresh: bool = False):
        """``trans.transform(X)`` with the same numbers; ``fresh``: ``X`` is a matrix this call
        made (it may be changed in place)."""
        from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
        from sklearn.pipeline import Pipeline

        if isinstance(trans, Pipeline):
            for _, step in trans.steps:
                if step not in ("passthrough", None):
                    X = _LeanLinear._transform(step, X, fresh)
                    fresh = True
            return X
        if type(trans) is TfidfTransformer and trans.norm in ("l2", None):
            import scipy.sparse as sp
            from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

            if not (fresh and sp.issparse(X) and X.format == "csr" and X.dtype == np.float64):
                X = sp.csr_matrix(X, dtype=np.float64, copy=True)
            if trans.sublinear_tf:
                np.log(X.data, X.data)
                X.data += 1.0
            if hasattr(trans, "idf_"):
                X.data *= trans.idf_[X.indices]
            if trans.norm == "l2":
                inplace_csr_row_normalize_l2(X)
            return X
        if type(trans) is HashingVectorizer and trans.norm is None and not trans.binary \
                and trans.input == "content" and not isinstance(X, str):
            # HashingVectorizer.transform without its checks: the same analyzer and hashing
            import scipy.sparse as sp
            from sklearn.feature_extraction._hashing_fast import transform as hashing_transform

            hit = _LeanLinear._analyzers.get(id(trans))
            if hit is None or hit[0] is not trans:
                sig = repr(sorted((k, f"{v.__module__}.{v.__qualname__}" if callable(v) else v)
                                  for k, v in trans.get_params().items()))
                hit = _LeanLinear._analyzers[id(trans)] = (trans, trans.build_analyzer(), sig)
            _, analyze, sig = hit

            def hashed(docs: list[str]):
                indices, indptr, values = hashing_transform((((f, 1) for f in analyze(doc)) for doc in docs),
                                                            trans.n_features, trans.dtype, trans.alternate_sign,
                                                            seed=0)
                m = sp.csr_matrix((values, indices, indptr), dtype=trans.dtype,
                                  shape=(indptr.shape[0] - 1, trans.n_features))
                m.sum_duplicates()
                return m
            docs = list(X)
            if len(docs) > _HashedRows.LIMIT // 16:  # a large batch: hash it, keep nothing
                return hashed(docs)
            rows = _HashedRows.for_params(sig)
            missing = rows.missing(docs)
            if missing:
                m = hashed(missing)
                rows.store(missing, m)
                if missing == docs:
                    return m
            m = rows.matrix(docs, trans.n_features, trans.dtype)
            return m if m is not None else hashed(docs)
        return trans.transform(X)

    def predict_proba(self, sents: list[str]) -> np.ndarray:
        import scipy.sparse as sp
        from scipy.special import expit

        mats = []
        for trans, w in zip(self.parts, self.weights):
            m = self._transform(trans, sents)
            if w != 1:
                m = m * w
            mats.append(m if sp.issparse(m) else sp.csr_matrix(m))
        X = sp.hstack(mats).tocsr()
        scores = X @ self.coef_t + self.intercept
        scores = np.asarray(scores)
        if scores.ndim == 1:  # binary: one column, for the positive class
            scores = scores.reshape(-1, 1)
        proba = np.zeros((X.shape[0], self.n_classes))
        for col, pred, a, b in zip(self.columns, scores.T, self.a, self.b):
            proba[:, col] = expit(-(a * pred + b))
        if self.n_classes == 2:
            proba[:, 0] = 1.0 - proba[:, 1]
        else:
            denominator = np.sum(proba, axis=1)[:, np.newaxis]
            uniform = np.full_like(proba, 1 / self.n_classes)
            proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba


class _HashedRows:
    """Recently hashed sentences, per hashing-vectorizer configuration: the check-worthiness and
    strength models hash the same sentences with the same settings, and a blog repeats sentences
    across its posts. Rows are stored as copies (``(indices, data)``, sorted, duplicates summed,
    as ``HashingVectorizer.transform`` leaves them), so a matrix rebuilt from them is the matrix
    hashing would give."""

    LIMIT = 4096  # sentences kept per configuration
    _by_params: dict[str, "_HashedRows"] = {}
    _guard = threading.Lock()

    def __init__(self) -> None:
        self.rows: "OrderedDict[str, tuple[np.ndarray, np.ndarray]]" = OrderedDict()
        self.lock = threading.Lock()

    @classmethod
    def for_params(cls, sig: str) -> "_HashedRows":
        with cls._guard:
            rows = cls._by_params.get(sig)
            if rows is None:
                rows = cls._by_params[sig] = cls()
            return rows

    def missing(self, docs: list[str]) -> list[str]:
        with self.lock:
            return [d for d in dict.fromkeys(docs) if d not in self.rows]

    def store(self, docs: list[str], m) -> None:
        with self.lock:
            for r, d in enumerate(docs):
                a, b = m.indptr[r], m.indptr[r + 1]
                self.rows[d] = (m.indices[a:b].copy(), m.data[a:b].copy())
            while len(self.rows) > self.LIMIT:
                self.rows.popitem(last=False)

    def matrix(self, docs: list[str], n_features: int, dtype):
        import scipy.sparse as sp

        with self.lock:
            got = []
            for d in docs:
                row = self.rows.get(d)
                if row is None:  # evicted meanwhile by another thread: rare, hash it again
                    return None
                self.rows.move_to_end(d)
                got.append(row)
        indptr = np.zeros(len(got) + 1, dtype=np.int32)
        np.cumsum([len(i) for i, _ in got], out=indptr[1:])
        if indptr[-1]:
            indices = np.concatenate([i for i, _ in got])
            data = np.concatenate([v for _, v in got]).astype(dtype, copy=False)
        else:
            indices, data = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=dtype)
        return sp.csr_matrix((data, indices, indptr), dtype=dtype, shape=(len(got), n_features))
