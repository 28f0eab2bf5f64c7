"""The claim models with numpy alone: scikit-learn is needed once, to export them into the cache.

Importing scikit-learn and scipy and unpacking a skops file costs a fresh process about 1.5 s and
60 MB, ten times what one ``overclaim check`` spends scoring. Every shipped model has one shape
(``Pipeline(FeatureUnion(word, char, cue-sequence TF-IDF, cue counts), CalibratedClassifierCV(
linear model, sigmoid))``), so its prediction is hashing, TF-IDF and a dot product. The first use
of a model exports its fitted arrays (weights, IDF, calibration) into the cache as ``.npy`` files,
filed under the SHA-256 of its weights; later processes map them (only the pages of the columns a
sentence uses are read) and repeat :class:`pipeline.ml.model._LeanLinear`'s arithmetic step by step
in the same order -- the n-grams of scikit-learn's analyzers, its MurmurHash3 columns, TF-IDF over
the batch, the sparse product's sequential sums, libm's ``exp`` for the sigmoid -- so the
probabilities are the same numbers (``tests/test_ml_fast.py`` compares them with the scikit-learn
model, the oracle, on real sentences). A model of any other shape is used through scikit-learn.

Example:
    >>> m = load_fast_model("checkworthy")
    >>> m.predict_proba(["Baclofen has been shown to be effective for fibromyalgia."]).shape
    (1, 2)
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import threading
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Sequence

import numpy as np

from ..config import cache_dir
from ..util.packed import prune_folders
from .cuetext import abstract_sequence, cue_counts, cue_phrases, hash_column, hash_index, tokenize
from .model import ClaimModel, _LeanLinear, load_model, read_meta

FORMAT = 1
_WHITE_SPACES = re.compile(r"\s\s+")  # scikit-learn's whitespace normalisation for char n-grams


# -- n-grams, as scikit-learn's analyzers make them -----------------------------------------
def word_ngrams(tokens: list[str], ngram: tuple[int, int]) -> list[str]:
    """``_VectorizerMixin._word_ngrams`` (no stop words)."""
    lo, hi = ngram
    if hi == 1:
        return tokens
    out = list(tokens) if lo == 1 else []
    lo = max(lo, 2)
    for n in range(lo, min(hi + 1, len(tokens) + 1)):
        for i in range(len(tokens) - n + 1):
            out.append(" ".join(tokens[i:i + n]))
    return out


def char_wb_ngrams(text: str, ngram: tuple[int, int]) -> list[str]:
    """``_VectorizerMixin._char_wb_ngrams``: n-grams inside space-padded words."""
    lo, hi = ngram
    out = []
    for w in _WHITE_SPACES.sub(" ", text).split():
        w = " " + w + " "
        for n in range(lo, hi + 1):
            offset = 0
            out.append(w[offset:offset + n])
            while offset + n < len(w):
                offset += 1
                out.append(w[offset:offset + n])
            if offset == 0:  # a short word counts once
                break
    return out


class _Part:
    """One block of the feature union: its n-grams (or dense cue counts), columns and TF-IDF."""

    def __init__(self, spec: dict, idf: np.ndarray | None) -> None:
        self.kind, self.offset, self.width = spec["kind"], spec["offset"], spec["n_features"]
        self.ngram, self.weight, self.lexicon = tuple(spec.get("ngram") or (1, 1)), spec["weight"], spec.get("lexicon")
        self.token_re = re.compile(spec["token_pattern"]) if spec.get("token_pattern") else None
        self.idf = idf
        self.rows = _RowCache.of(json.dumps({k: v for k, v in spec.items() if k not in ("offset", "weight")},
                                            sort_keys=True))

    def grams(self, s: str) -> list[str]:
        if self.kind == "word":
            return word_ngrams(tokenize(s), self.ngram)
        if self.kind == "char_wb":
            return char_wb_ngrams(s.lower(), self.ngram)
        return word_ngrams(self.token_re.findall(abstract_sequence(tokenize(s), self.lexicon)), self.ngram)

    def counts(self, s: str) -> tuple[np.ndarray, np.ndarray]:
        """Sorted columns and their values for one sentence (hashed counts, or the cue counts)."""
        hit = self.rows.get(s)
        if hit is None:
            if self.kind == "cues":
                v = np.array(cue_counts(s, self.lexicon), dtype=np.float64)
                cols = np.flatnonzero(v).astype(np.int32)
                hit = (cols, v[cols])
            else:
                c = Counter(hash_column(g, self.width) for g in self.grams(s))
                cols = np.array(sorted(c), dtype=np.int32)
                hit = (cols, np.array([c[k] for k in cols.tolist()], dtype=np.float64))
            self.rows.put(s, hit)
        return hit

    def transform(self, sents: list[str]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        """The block's rows for a batch as CSR pieces: ``(columns per row, data, row bounds)``,
        TF-IDF weighted and L2-normalised (``_LeanLinear._transform``'s steps on the same arrays)."""
        got = [self.counts(s) for s in sents]
        cols = [c for c, _ in got]
        bounds = np.zeros(len(got) + 1, dtype=np.int64)
        np.cumsum([len(c) for c in cols], out=bounds[1:])
        data = np.concatenate([v for _, v in got]) if got else np.zeros(0)
        if self.idf is not None:  # sublinear TF-IDF, then each row to unit length
            np.log(data, data)
            data += 1.0
            data *= self.idf[np.concatenate(cols)] if len(data) else 1.0
            for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
                if b > a:
                    sq = np.add.accumulate(data[a:b] * data[a:b])[-1]
                    if sq != 0.0:
                        data[a:b] /= math.sqrt(sq)
        if self.weight != 1:
            data = data * self.weight
        return cols, data, bounds


class _RowCache:
    """Recently seen sentences' columns and counts per block configuration (shared by the models
    with the same block: check-worthiness and strength score the same sentences)."""

    LIMIT = 4096
    _all: dict[str, "_RowCache"] = {}
    _guard = threading.Lock()

    def __init__(self) -> None:
        self.rows: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    @classmethod
    def of(cls, sig: str) -> "_RowCache":
        with cls._guard:
            return cls._all.setdefault(sig, cls())

    def get(self, s: str):
        with self.lock:
            hit = self.rows.get(s)
            if hit is not None:
                self.rows.move_to_end(s)
            return hit

    def put(self, s: str, row) -> None:
        with self.lock:
            self.rows[s] = row
            while len(self.rows) > self.LIMIT:
                self.rows.popitem(last=False)


class FastModel:
    """A claim model scored with numpy: ``predict_proba``, ``predict``, ``top_cues``, ``classes_``,
    ``class_names`` and ``meta`` as :class:`~pipeline.ml.model.ClaimModel` has them.

    Args:
        folder: an export written by :func:`export_model`.
        meta: the model's metadata (``models/<name>.json``).

    Raises:
        ValueError: the export is damaged or of another format.
    """

    def __init__(self, folder: Path, meta: dict) -> None:
        spec = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        if spec.get("format") != FORMAT or spec.get("sha256") != meta.get("sha256"):
            raise ValueError(f"{folder}: an export of another format or model")
        self.name, self.meta = spec["name"], meta
        self.classes_ = np.asarray(spec["classes"])
        self.class_names = list(meta.get("class_names", [str(c) for c in self.classes_]))
        self.parts = [_Part(p, np.load(folder / p["idf"], mmap_mode="r") if p.get("idf") else None)
                      for p in spec["parts"]]
        self.coef_t = np.load(folder / "coef_t.npy", mmap_mode="r")
        if self.coef_t.shape[0] != sum(p.width for p in self.parts):
            raise ValueError(f"{folder}: weights do not match the feature blocks")
        self.intercept = np.asarray(spec["intercept"], dtype=np.float64)
        self.columns, self.a, self.b = spec["columns"], spec["a"], spec["b"]
        self.n_classes = spec["n_classes"]

    def __repr__(self) -> str:
        return f"FastModel({self.name!r}, classes={self.class_names})"

    def _scores(self, sents: list[str]) -> np.ndarray:
        """Decision values: per row, the products of its entries and their weights summed in
        column order (scipy's CSR times dense), plus the intercept."""
        blocks = [p.transform(sents) for p in self.parts]
        out = np.zeros((len(sents), self.coef_t.shape[1]))
        for r in range(len(sents)):
            cols = np.concatenate([c[r] + p.offset for p, (c, _, _) in zip(self.parts, blocks)])
            vals = np.concatenate([d[b[r]:b[r + 1]] for _, d, b in blocks])
            if len(cols):
                out[r] = np.add.accumulate(vals[:, None] * self.coef_t[cols], axis=0)[-1]
        return out + self.intercept

    def predict_proba(self, sentences: Sequence[str]) -> np.ndarray:
        """Calibrated class probabilities, shape (n, len(classes_)); the scikit-learn model's numbers."""
        sents = ClaimModel._check(sentences)
        if not sents:
            return np.zeros((0, len(self.classes_)))
        scores = self._scores(sents)
        proba = np.zeros((len(sents), self.n_classes))
        for col, pred, a, b in zip(self.columns, scores.T, self.a, self.b):
            proba[:, col] = [1.0 / (1.0 + math.exp(-x)) for x in (-(a * pred + b)).tolist()]
        if self.n_classes == 2:
            proba[:, 0] = 1.0 - proba[:, 1]
        else:
            denominator = np.sum(proba, axis=1)[:, np.newaxis]
            uniform = np.full_like(proba, 1 / self.n_classes)
            proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba

    def predict(self, sentences: Sequence[str]) -> np.ndarray:
        """Most probable class per sentence."""
        p = self.predict_proba(sentences)
        return self.classes_[p.argmax(axis=1)] if len(p) else np.zeros(0, dtype=int)

    def top_cues(self, sentences: Sequence[str], classes: Sequence[int] | None = None,
                 k: int = 3) -> list[list[str]]:
        """The phrases that pushed each sentence towards a class (see
        :meth:`pipeline.ml.model.ClaimModel.top_cues`; the same phrases)."""
        sents = ClaimModel._check(sentences)
        if not sents:
            return []
        word = next(p for p in self.parts if p.kind == "word")
        lexicon = next(p for p in self.parts if p.kind == "cues").lexicon
        classes = self.predict(sents) if classes is None else classes
        cls_index = {c: i for i, c in enumerate(self.classes_)}
        cols_by_row, data, bounds = word.transform(sents)
        out = []
        for r, s in enumerate(sents):
            grams = sorted(set(word.grams(s)))
            cols = hash_index(grams, word.width)
            value = dict(zip(cols_by_row[r].tolist(), data[bounds[r]:bounds[r + 1]].tolist()))
            w = self._word_weights(cls_index[classes[r]], cols + word.offset)
            contrib = np.array([value.get(c, 0.0) for c in cols.tolist()]) * w
            out.append(cue_phrases(s, grams, contrib, lexicon, k))
        return out

    def _word_weights(self, row: int, cols: np.ndarray) -> np.ndarray:
        """The linear weights of class row ``row`` at ``cols`` (binary models: -w, w)."""
        if self.coef_t.shape[1] == 1:
            w = np.asarray(self.coef_t[cols, 0])
            return -w if row == 0 else w
        return np.asarray(self.coef_t[cols, row])


# -- export -----------------------------------------------------------------------------------
def _hashing_spec(trans) -> dict | None:
    """The block spec of ``Pipeline(HashingVectorizer, TfidfTransformer)`` in the shapes the
    shipped models use, else ``None``."""
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.pipeline import Pipeline

    if not (isinstance(trans, Pipeline) and len(trans.steps) == 2):
        return None
    hv, tf = trans.steps[0][1], trans.steps[1][1]
    if type(hv) is not HashingVectorizer or type(tf) is not TfidfTransformer:
        return None
    p = hv.get_params()
    plain = (not p["alternate_sign"] and p["norm"] is None and not p["binary"] and p["input"] == "content"
             and p["preprocessor"] is None and p["stop_words"] is None and p["strip_accents"] is None
             and p["dtype"] in (np.float64, "float64") and tf.norm == "l2" and tf.sublinear_tf and tf.use_idf)
    if not plain:
        return None
    spec = {"n_features": int(p["n_features"]), "ngram": list(p["ngram_range"])}
    if p["analyzer"] == "word" and p["tokenizer"] is tokenize and not p["lowercase"]:
        return {**spec, "kind": "word"}
    if p["analyzer"] == "char_wb" and p["lowercase"] and p["tokenizer"] is None:
        return {**spec, "kind": "char_wb"}
    if p["analyzer"] == "word" and p["tokenizer"] is None and not p["lowercase"] and p["token_pattern"] == r"\S+":
        return {**spec, "kind": "cueseq", "token_pattern": p["token_pattern"]}
    return None


def _part_spec(trans) -> dict | None:
    """The spec of one feature block (``None`` when it is not of a supported shape)."""
    from sklearn.pipeline import Pipeline

    from .features import CueCounts, CueSequence

    if type(trans) is CueCounts:
        return {"kind": "cues", "n_features": len(trans.feature_names()), "lexicon": trans.lexicon_}
    if isinstance(trans, Pipeline) and len(trans.steps) == 2 and type(trans.steps[0][1]) is CueSequence:
        spec = _hashing_spec(trans.steps[1][1])
        return {**spec, "lexicon": trans.steps[0][1].lexicon_} if spec and spec["kind"] == "cueseq" else None
    spec = _hashing_spec(trans)
    return spec if spec and spec["kind"] != "cueseq" else None


def _idf(trans):
    """The IDF weights of a TF-IDF block (``None`` for the dense cue counts)."""
    while hasattr(trans, "steps"):
        trans = trans.steps[-1][1]
    return getattr(trans, "idf_", None)


def export_model(model: ClaimModel, folder: Path) -> bool:
    """Write a scikit-learn claim model's arrays into ``folder`` (atomically).

    Returns:
        ``False`` (nothing written) when the model is not of the supported shape.
    """
    lean = _LeanLinear.build(model.estimator)
    specs = [_part_spec(t) for t in lean.parts] if lean is not None else [None]
    if any(s is None for s in specs):
        return False
    tmp = folder.with_name(f".{folder.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    offset = 0
    for i, (spec, trans, w) in enumerate(zip(specs, lean.parts, lean.weights)):
        spec.update(offset=offset, weight=float(w))
        offset += spec["n_features"]
        idf = _idf(trans)
        if idf is not None:
            spec["idf"] = f"idf_{i}.npy"
            np.save(tmp / spec["idf"], np.asarray(idf, dtype=np.float64))
    np.save(tmp / "coef_t.npy", np.ascontiguousarray(lean.coef_t))
    spec = {"format": FORMAT, "name": model.name, "sha256": model.meta.get("sha256"),
            "classes": model.classes_.tolist(), "parts": specs, "intercept": np.asarray(lean.intercept).tolist(),
            "columns": [int(c) for c in lean.columns], "a": lean.a, "b": lean.b, "n_classes": lean.n_classes}
    (tmp / "model.json").write_text(json.dumps(spec), encoding="utf-8")
    try:
        os.replace(tmp, folder)
        prune_folders(folder.parent, f"model{FORMAT}-{model.name}-*", 2, spare=folder)  # older weights
    except OSError:  # another process exported it meanwhile
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return True


_LOADED: dict[tuple[str, str], object] = {}
_LOCK = threading.Lock()


def _export_folder(name: str, meta: dict) -> Path | None:
    try:
        return cache_dir() / f"model{FORMAT}-{name}-{str(meta.get('sha256'))[:16]}"
    except OSError:
        return None


def _open(folder: Path | None, meta: dict) -> FastModel | None:
    if folder is None or not (folder / "model.json").is_file():
        return None
    try:
        return FastModel(folder, meta)
    except (OSError, ValueError, KeyError, TypeError):  # damaged: removed, exported again
        shutil.rmtree(folder, ignore_errors=True)
        return None


def load_fast_model(name: str, *, model_dir: str | Path | None = None):
    """A trained model for scoring, once per process: its numpy export from the cache (made
    the first time, with scikit-learn), or the scikit-learn model when it cannot be exported.

    Args:
        name: "strength", "advice", "hedge" or "checkworthy".
        model_dir: folder of the weights (default: the installed ``models/``).

    Returns:
        A :class:`FastModel` (or :class:`~pipeline.ml.model.ClaimModel`).

    Raises:
        ModelError: unknown name, missing files, a SHA-256 mismatch or untrusted content.
    """
    key = (name, str(model_dir) if model_dir is not None else "")
    with _LOCK:
        m = _LOADED.get(key)
        if m is None:
            meta = read_meta(name, model_dir)
            folder = _export_folder(name, meta)
            m = _open(folder, meta)
            if m is None:
                plain = load_model(name, model_dir=model_dir)
                exported = folder is not None and export_model(plain, folder)
                m = (_open(folder, meta) if exported else None) or plain
            _LOADED[key] = m
        return m
