"""The fine-tuned encoder models (``strength-encoder``, ``advice-encoder``), run with numpy alone.

A 6-layer MiniLM (BERT architecture, hidden size 384, 12 heads), fine-tuned with a linear head
on mean-pooled token vectors (see :mod:`pipeline.ml.encoder_train`, which needs torch). Here the
forward pass is plain numpy, and the WordPiece tokenizer is our own code, so scoring needs
neither torch nor transformers. The weights are stored int8 per output row (``.npz``, read
with ``allow_pickle=False`` after a SHA-256 check against ``<name>.json``).

More accurate than the scikit-learn models (cross-validated macro-F1 in the model cards) and
about 20x slower per sentence, so the audit keeps the scikit-learn models; ``overclaim
strength --model encoder`` and :func:`pipeline.ml.score_strength` (``model="encoder"``) use it.

Example:
    >>> from pipeline.ml.encoder import load_encoder
    >>> m = load_encoder("strength-encoder")                                # doctest: +SKIP
    >>> m.predict(["Baclofen has been shown to reduce pain"])              # doctest: +SKIP
    array([3])
"""
from __future__ import annotations

import json
import threading
import unicodedata
from pathlib import Path
from typing import Sequence
import datetime as _dt
import os
import shutil

import numpy as np

from ..errors import ModelError
from .model import ClaimModel, default_model_dir, read_meta, sha256_file

ENCODER_NAMES = ("strength-encoder", "advice-encoder")
VOCAB_FILE = "encoder-vocab.txt"
LAYERS, HEADS, HIDDEN, EPS, MAX_LEN = 6, 12, 384, 1e-12, 128


# -- tokenizer ---------------------------------------------------------------------------------
def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class WordPiece:
    """Uncased BERT tokenizer (BERT normaliser, whitespace/punctuation split, greedy WordPiece).

    Args:
        vocab: the tokens, one per id (``vocab.txt`` order).

    Example:
        >>> wp = WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "pain", "##s", ","])
        >>> wp.encode("Pains,")
        [2, 4, 5, 6, 3]
    """

    def __init__(self, vocab: Sequence[str]) -> None:
        self.vocab = {t: i for i, t in enumerate(vocab)}
        self.unk, self.cls, self.sep = self.vocab["[UNK]"], self.vocab["[CLS]"], self.vocab["[SEP]"]
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def from_file(cls, path: str | Path) -> "WordPiece":
        """Read ``vocab.txt`` (one token a line)."""
        lines = Path(path).read_text(encoding="utf-8").split("\n")
        return cls(lines[:-1] if lines and lines[-1] == "" else lines)

    @staticmethod
    def normalise(text: str) -> str:
        """BERT's normaliser: drop control characters, spaces around CJK, lower case, strip accents."""
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD:
                continue
            cat = unicodedata.category(ch)
            if ch in "\t\n\r" or cat == "Zs":
                out.append(" ")
            elif cat.startswith("C"):
                continue
            elif _is_cjk(cp):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        s = "".join(out)
        # character by character, like the Rust normaliser (str.lower() makes a final sigma)
        s = "".join(c.lower() for c in s) if "\u03a3" in s else s.lower()
        s = unicodedata.normalize("NFD", s)
        return "".join(c for c in s if unicodedata.category(c) != "Mn")

    def _word(self, w: str) -> list[int]:
        ids = self._cache.get(w)
        if ids is not None:
            return ids
        if len(w) > 100:
            ids = [self.unk]
        else:
            ids, start = [], 0
            while start < len(w):
                end = len(w)
                cur = None
                while start < end:
                    piece = w[start:end] if start == 0 else "##" + w[start:end]
                    cur = self.vocab.get(piece)
                    if cur is not None:
                        break
                    end -= 1
                if cur is None:
                    ids = [self.unk]
                    break
                ids.append(cur)
                start = end
        if len(self._cache) < 200_000:
            self._cache[w] = ids
        return ids

    def tokenize_words(self, text: str) -> list[str]:
        """The pre-tokenised words: split on whitespace, each punctuation mark its own word."""
        words: list[str] = []
        for chunk in self.normalise(text).split():
            cur = []
            for ch in chunk:
                if _is_punct(ch):
                    if cur:
                        words.append("".join(cur))
                        cur = []
                    words.append(ch)
                else:
                    cur.append(ch)
            if cur:
                words.append("".join(cur))
        return words

    def encode(self, text: str, max_len: int = MAX_LEN) -> list[int]:
        """Token ids with [CLS] and [SEP], truncated to ``max_len``."""
        ids = [self.cls]
        for w in self.tokenize_words(text):
            ids.extend(self._word(w))
            if len(ids) >= max_len - 1:
                break
        return ids[:max_len - 1] + [self.sep]


# -- model -------------------------------------------------------------------------------------
def quantize(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """int8 per-row symmetric quantisation of every matrix; vectors stay float32.

    A matrix ``W`` is stored as ``W::q`` (int8) and ``W::s`` (float32 scale per row), with
    ``W ~= W::q * W::s[:, None]``.
    """
    out = {}
    for k, w in weights.items():
        w = np.asarray(w, dtype=np.float32)
        if w.ndim == 2:
            s = np.abs(w).max(axis=1) / 127.0
            s[s == 0] = 1.0
            out[k + "::q"] = np.round(w / s[:, None]).astype(np.int8)
            out[k + "::s"] = s.astype(np.float32)
        else:
            out[k] = w
    return out


def dequantize(arrays) -> dict[str, np.ndarray]:
    """The float32 weights from :func:`quantize`'s arrays (an ``NpzFile`` or dict)."""
    out = {}
    for k in arrays.keys():
        if k.endswith("::s"):
            continue
        if k.endswith("::q"):
            base = k[:-3]
            out[base] = arrays[k].astype(np.float32) * arrays[base + "::s"][:, None]
        else:
            out[k] = np.asarray(arrays[k], dtype=np.float32)
    return out


def _layer_norm(x, g, b):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + EPS) * g + b


def _gelu(x):
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def _softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64) / temperature
    z -= z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


class EncoderClassifier:
    """A fine-tuned MiniLM with a linear head; ``predict_proba`` like a scikit-learn classifier.

    Args:
        weights: float32 arrays named as in the BERT state dict, plus ``head.weight``/``head.bias``.
        tokenizer: a :class:`WordPiece`.
        classes: the class labels, in head order.
        meta: the model's metadata (``<name>.json``).

    Example:
        >>> m = load_encoder("advice-encoder")                                  # doctest: +SKIP
        >>> m.predict_proba(["Patients should take vitamin D daily."]).round(2)  # doctest: +SKIP
        array([[0.01, 0.02, 0.97]])
    """

    def __init__(self, weights: dict[str, np.ndarray], tokenizer: WordPiece, classes: Sequence[int],
                 meta: dict | None = None, *, batch_size: int = 32) -> None:
        self.w = weights
        self.tok = tokenizer
        self.classes_ = np.asarray(classes)
        self.meta = meta or {}
        self.name = self.meta.get("name", "encoder")
        self.batch_size = batch_size
        need = ["embeddings.word_embeddings.weight", "head.weight", f"encoder.layer.{LAYERS - 1}.output.dense.weight"]
        missing = [k for k in need if k not in weights]
        if missing:
            raise ModelError(f"encoder {self.name!r}: weights lack {missing}")
        if weights["head.weight"].shape[0] != len(self.classes_):
            raise ModelError(f"encoder {self.name!r}: head has {weights['head.weight'].shape[0]} outputs "
                             f"but {len(self.classes_)} classes")
        # the linear layers' matrices, transposed once (x @ W.T); the untransposed copies are dropped
        self._t = {k: np.ascontiguousarray(v.T) for k, v in weights.items()
                   if v.ndim == 2 and k.startswith("encoder.")}
        self.w = {k: v for k, v in weights.items() if k not in self._t}

    def __repr__(self) -> str:
        return f"EncoderClassifier({self.name!r}, classes={list(self.classes_)})"

    def _lin(self, x, name):
        return x @ self._t[name + ".weight"] + self.w[name + ".bias"]

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.w
        B, T = ids.shape
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:T][None]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        neg = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :].astype(np.float32)
        dh = HIDDEN // HEADS
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."

            def heads(h):
                return h.reshape(B, T, HEADS, dh).transpose(0, 2, 1, 3)

            q = heads(self._lin(x, p + "attention.self.query"))
            k = heads(self._lin(x, p + "attention.self.key"))
            v = heads(self._lin(x, p + "attention.self.value"))
            s = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(dh)) + neg
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(B, T, HIDDEN)
            x = _layer_norm(x + self._lin(ctx, p + "attention.output.dense"),
                            w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
            h = _gelu(self._lin(x, p + "intermediate.dense"))
            x = _layer_norm(x + self._lin(h, p + "output.dense"),
                            w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        m = mask[:, :, None]
        pooled = (x * m).sum(1) / m.sum(1)
        return pooled @ w["head.weight"].T + w["head.bias"]

    @property
    def temperature(self) -> float:
        """The softmax temperature fitted on the stored out-of-fold predictions (1.0: none)."""
        return float((self.meta.get("calibration") or {}).get("temperature", 1.0))

    def predict_proba(self, sentences: Sequence[str], *, calibrated: bool = True) -> np.ndarray:
        """Class probabilities, shape (n, n_classes), columns in ``classes_`` order.

        Args:
            sentences: the sentences.
            calibrated: divide the logits by :attr:`temperature` (fitted by
                :func:`fit_temperature` on the cross-validation's held-out predictions, see the
                model card). ``False`` gives the network's raw softmax. The most probable class is
                the same either way.
        """
        sents = ClaimModel._check(sentences)
        enc = [self.tok.encode(s) for s in sents]
        out = np.zeros((len(enc), len(self.classes_)), dtype=np.float64)
        order = np.argsort([len(e) for e in enc], kind="stable")
        for i in range(0, len(order), self.batch_size):
            bi = order[i:i + self.batch_size]
            T = max(len(enc[j]) for j in bi)
            ids = np.zeros((len(bi), T), dtype=np.int64)
            mask = np.zeros((len(bi), T), dtype=np.float32)
            for r, j in enumerate(bi):
                ids[r, :len(enc[j])] = enc[j]
                mask[r, :len(enc[j])] = 1.0
            out[bi] = _softmax(self._forward(ids, mask), self.temperature if calibrated else 1.0)
        return out

    def predict(self, sentences: Sequence[str]) -> np.ndarray:
        """The most probable class of each sentence."""
        return self.classes_[self.predict_proba(sentences).argmax(axis=1)]


def save_encoder(weights: dict[str, np.ndarray], name: str, meta: dict, out_dir: str | Path,
                 vocab_file: str | Path) -> Path:
    """Write ``<name>.npz`` (int8) and ``<name>.json`` (with SHA-256s), and the vocabulary, atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    wp = out / f"{name}.npz"
    tmp = out / f".{name}.tmp.npz"
    np.savez_compressed(tmp, **quantize(weights))
    vp = out / VOCAB_FILE
    if not vp.is_file() or sha256_file(vp) != sha256_file(vocab_file):
        vtmp = out / f".{VOCAB_FILE}.tmp"
        shutil.copyfile(vocab_file, vtmp)
        os.replace(vtmp, vp)
    meta = dict(meta, weights=wp.name, sha256=sha256_file(tmp), size_bytes=tmp.stat().st_size,
                vocab=VOCAB_FILE, vocab_sha256=sha256_file(vp))
    os.replace(tmp, wp)
    jtmp = out / f".{name}.json.tmp"
    jtmp.write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(jtmp, out / f"{name}.json")
    return wp


def load_encoder_from_dir(name: str, model_dir=None) -> EncoderClassifier:
    """Load an encoder model, checking the SHA-256 of its weights and vocabulary."""
    if name not in ENCODER_NAMES:
        raise ModelError(f"unknown encoder model {name!r}; choose one of {', '.join(ENCODER_NAMES)}")
    base = Path(str(model_dir if model_dir is not None else default_model_dir()))
    meta = read_meta(name, base)
    for key, fname in (("sha256", meta.get("weights", f"{name}.npz")), ("vocab_sha256", meta.get("vocab", VOCAB_FILE))):
        p = base / fname
        if not p.is_file():
            raise ModelError(f"model {name!r}: {p} is missing", hint=f"rebuild with `overclaim train {name}`")
        digest = sha256_file(p)
        if digest != meta.get(key):
            raise ModelError(f"model {name!r}: {p} fails its integrity check (SHA-256 {digest[:12]}... but "
                             f"{base / (name + '.json')} records {str(meta.get(key))[:12]}...)",
                             hint=f"restore the file or rebuild with `overclaim train {name}`")
    try:
        with np.load(base / meta["weights"], allow_pickle=False) as z:
            weights = dequantize(z)
    except (OSError, ValueError) as e:
        raise ModelError(f"model {name!r}: cannot read {base / meta['weights']}: {e}") from e
    return EncoderClassifier(weights, WordPiece.from_file(base / meta["vocab"]), meta["classes"], meta)


_CACHE: dict[tuple[str, str], EncoderClassifier] = {}
_LOCK = threading.Lock()


def load_encoder(name: str, *, model_dir: str | Path | None = None) -> EncoderClassifier:
    """Load an encoder model by name, once per process (cached).

    Args:
        name: "strength-encoder" or "advice-encoder".
        model_dir: folder with ``<name>.npz``, ``<name>.json`` and the vocabulary (default the
            installed ``models/``).

    Raises:
        ModelError: unknown name, missing files or a SHA-256 mismatch.
    """
    key = (name, str(model_dir) if model_dir is not None else "")
    with _LOCK:
        m = _CACHE.get(key)
        if m is None:
            m = load_encoder_from_dir(name, model_dir)
            _CACHE[key] = m
        return m


def available(name: str, model_dir=None) -> bool:
    """Whether the encoder model ``name`` is installed (its metadata file exists)."""
    base = Path(str(model_dir if model_dir is not None else default_model_dir()))
    return (base / f"{name}.json").is_file()


# -- stored cross-validation (out-of-fold predictions) ------------------------------------------
def write_cv(name: str, out_dir: str | Path, stored: dict, *, command: str, note: str = "") -> Path:
    """Add out-of-fold probabilities to ``<name>.cv.npz`` and describe them in ``<name>.cv.json``.

    Args:
        name: encoder model name.
        out_dir: the models folder.
        stored: protocol key -> (probabilities (n, k), SHA-256 of the scored sentences in order,
            see :func:`pipeline.ml.protocol.texts_sha256`).
        command: the command that produced them.
        note: provenance words kept with each entry.

    Entries for other keys are kept. Both files are replaced atomically.
    """
    out = Path(out_dir)
    npz, js = out / f"{name}.cv.npz", out / f"{name}.cv.json"
    arrays, info = {}, {}
    if npz.is_file():
        with np.load(npz, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.keys()}
    if js.is_file():
        info = json.loads(js.read_text(encoding="utf-8"))
    today = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d")
    for key, (proba, sha) in stored.items():
        arrays[key] = np.asarray(proba, dtype=np.float32)
        info[key] = {"n": int(len(proba)), "texts_sha256": sha, "command": command, "date": today, "note": note}
    tmp = out / f".{name}.cv.tmp.npz"
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, npz)
    jtmp = out / f".{name}.cv.json.tmp"
    jtmp.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    os.replace(jtmp, js)
    return npz


def cv_rows(name: str, data_dir=None, model_dir=None) -> list[dict]:
    """Evaluation rows recomputed from the stored out-of-fold predictions and today's gold labels.

    The labels are read from the shared data; each stored array is used only if the sentences
    (and their order) hash to what was recorded, else a ``ModelError`` says to rerun
    ``overclaim train <name> --cv``. Returns [] when the model has no stored predictions.
    """
    from sklearn.metrics import f1_score

    from .protocol import _row, fold_splits, pairs_split, protocols, texts_sha256

    base = Path(str(model_dir if model_dir is not None else default_model_dir()))
    npz, js = base / f"{name}.cv.npz", base / f"{name}.cv.json"
    if not (npz.is_file() and js.is_file()):
        return []
    info = json.loads(js.read_text(encoding="utf-8"))
    rows = []
    with np.load(npz, allow_pickle=False) as z:
        for p in protocols(name, data_dir):
            key = p["key"]
            if key not in info or key not in z.files:
                continue
            proba = z[key]
            if p["df"] is None:
                _, sents = pairs_split(data_dir)
            else:
                sents = p["df"].text.tolist()
            if texts_sha256(sents) != info[key]["texts_sha256"] or len(sents) != len(proba):
                raise ModelError(f"{js}: the stored {key} predictions were made on other sentences than "
                                 f"the data in {data_dir or 'the data folder'} now holds",
                                 hint=f"rerun them with `overclaim train {name} --cv`")
            how = f"{p['protocol']}; fine-tuned per fold, stored predictions ({info[key]['date']})"
            extra = {"model": name}
            if p["df"] is None:
                from . import data as D
                pairs = D.load_wright2021_pairs(data_dir)
                n = len(pairs)
                pred = proba.argmax(1)
                ps, ab = pred[:n], pred[n:]
                lab = np.where(ps > ab, "exaggerates", np.where(ps < ab, "downplays", "same"))
                note = "strength encoder fine-tuned on Yu 2019+2020 minus the pair sentences"
                rows.append(_row("exaggeration", "Wright 2021 train pairs (100)",
                                 "press vs abstract strength compared; " + note, pairs.exaggeration_label, lab,
                                 None, "TF-IDF+LR 0.455 on the 563 test pairs (our SOURCE.md ref)", np.nan, np.nan,
                                 extra=extra))
                rows.append(_row("exaggeration", "Wright 2021 train pairs, sentence strength (200)",
                                 "strength of both sides; " + note,
                                 np.r_[pairs.press_release_strength, pairs.abstract_strength], pred, None,
                                 "TF-IDF+LR 0.547 on test sentences (our SOURCE.md ref)", np.nan, np.nan,
                                 extra=extra))
                continue
            y = p["df"].label.to_numpy().astype(int)
            done = ~np.isnan(proba).any(axis=1)
            if not done.all():
                how += f"; only {int(done.sum())} of {len(y)} rows scored (folds missing)"
            pred = proba.argmax(1)
            fold_f1 = [f1_score(y[te], pred[te], average="macro") for _, te in fold_splits(p["df"])
                       if done[te].all()]
            task = name.split("-")[0]
            anchor = {"strength": "BioBERT 0.883 (Yu 2019)" if key == "yu2019" else "BioBERT 0.892 (Yu 2020)",
                      "advice": "BioBERT 0.933, SVM 0.833 (Li 2021 Table 3)"}[task]
            anchor_f1 = {"yu2019": 0.883, "li2021": 0.933}.get(key, 0.892)
            rows.append(_row(task, p["dataset"], how, y[done], pred[done], fold_f1, anchor, anchor_f1,
                             p["target"], extra=extra))
    return rows


def out_of_domain_rows(data_dir=None, limit: int | None = None, model_dir=None) -> list[dict]:
    """The shipped ``advice-encoder`` scored on Li 2021's discussion and unstructured-abstract sentences.

    The model was trained on the structured abstracts only, so these are held-out domains, the
    same rows the scikit-learn ``advice`` model reports. Computed now (about 20 ms a sentence);
    ``limit`` takes a stratified sample per part. Returns [] when the model is not installed.
    """
    from .protocol import advice_out_of_domain_rows

    if not available("advice-encoder", model_dir):
        return []
    m = load_encoder("advice-encoder", model_dir=model_dir)
    return advice_out_of_domain_rows(m.predict, data_dir, limit,
                                     "out of domain: the shipped model (trained on all structured abstracts)",
                                     extra={"model": "advice-encoder"})


# -- calibration -------------------------------------------------------------------------------
def _nll(proba: np.ndarray, y: np.ndarray) -> float:
    return float(-np.log(np.clip(proba[np.arange(len(y)), y], 1e-12, 1.0)).mean())


def _rescale(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities with their logits divided by ``temperature`` (log-probabilities are logits up
    to a constant per row, so softmax(log p / T) = softmax(logits / T))."""
    return _softmax(np.log(np.clip(proba, 1e-12, 1.0)), temperature)


def fit_temperature(proba: np.ndarray, y: Sequence[int]) -> float:
    """The softmax temperature that minimises the negative log-likelihood of held-out predictions.

    Args:
        proba: held-out class probabilities (n, k) of the uncalibrated network.
        y: the true class indices.

    Returns:
        T in [0.05, 20]; T > 1 softens over-confident probabilities.

    Example:
        >>> p = np.array([[0.99, 0.01], [0.99, 0.01], [0.01, 0.99], [0.99, 0.01]])
        >>> fit_temperature(p, [0, 1, 1, 0]) > 1
        True
    """
    from scipy.optimize import minimize_scalar

    p, y = np.asarray(proba, dtype=np.float64), np.asarray(y, dtype=int)
    r = minimize_scalar(lambda lt: _nll(_rescale(p, np.exp(lt)), y), bounds=(np.log(0.05), np.log(20.0)),
                        method="bounded", options={"xatol": 1e-4})
    return float(np.exp(r.x))


def calibration_scores(proba: np.ndarray, y: Sequence[int], bins: int = 10) -> dict:
    """Expected calibration error (top class, ``bins`` equal-width bins), NLL, Brier score, accuracy.

    Example:
        >>> calibration_scores(np.array([[0.9, 0.1], [0.2, 0.8]]), [0, 1])["accuracy"]
        1.0
    """
    p, y = np.asarray(proba, dtype=np.float64), np.asarray(y, dtype=int)
    conf, pred = p.max(1), p.argmax(1)
    ece = 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            ece += m.mean() * abs((pred[m] == y[m]).mean() - conf[m].mean())
    onehot = np.eye(p.shape[1])[y]
    return {"ece": round(float(ece), 4), "nll": round(_nll(p, y), 4),
            "brier": round(float(((p - onehot) ** 2).sum(1).mean()), 4),
            "accuracy": round(float((pred == y).mean()), 4), "mean_confidence": round(float(conf.mean()), 4)}


# the stored protocols whose held-out predictions come from models trained like the shipped one
CALIBRATION_PROTOCOLS = {"strength-encoder": ("yu2019", "yu2020+yu2019"), "advice-encoder": ("li2021",)}


def calibration(name: str, data_dir=None, model_dir=None) -> dict | None:
    """Fit the temperature of an encoder model on its stored out-of-fold predictions, and measure it.

    The temperature is fitted on the pooled held-out predictions of
    :data:`CALIBRATION_PROTOCOLS`. Its effect is measured without optimism by cross-fitting: each
    fold's predictions are rescaled with a temperature fitted on the other four folds, and ECE,
    NLL and Brier score are reported before and after.

    Returns:
        ``{"temperature", "fitted_on", "n", "before", "after", "per_dataset"}``, or None when
        the stored predictions of those protocols are missing or incomplete.

    Raises:
        ModelError: the stored predictions were made on other sentences than the data holds.
    """
    from .protocol import fold_splits, protocols, texts_sha256

    base = Path(str(model_dir if model_dir is not None else default_model_dir()))
    npz, js = base / f"{name}.cv.npz", base / f"{name}.cv.json"
    if not (npz.is_file() and js.is_file()):
        return None
    info = json.loads(js.read_text(encoding="utf-8"))
    want = CALIBRATION_PROTOCOLS[name]
    parts = []
    with np.load(npz, allow_pickle=False) as z:
        for p in protocols(name, data_dir):
            if p["key"] not in want:
                continue
            if p["key"] not in z.files or p["key"] not in info:
                return None
            proba = z[p["key"]].astype(np.float64)
            if texts_sha256(p["df"].text.tolist()) != info[p["key"]]["texts_sha256"]:
                raise ModelError(f"{js}: the stored {p['key']} predictions were made on other sentences than "
                                 f"the data in {data_dir or 'the data folder'} now holds",
                                 hint=f"rerun them with `overclaim train {name} --cv`")
            if np.isnan(proba).any():
                return None
            fold = np.zeros(len(proba), dtype=int)
            for k, (_, te) in enumerate(fold_splits(p["df"])):
                fold[te] = k
            parts.append((p["key"], proba, p["df"].label.to_numpy().astype(int), fold))
    proba = np.vstack([x[1] for x in parts])
    y = np.concatenate([x[2] for x in parts])
    fold = np.concatenate([x[3] for x in parts])
    crossfit = np.empty_like(proba)
    for k in range(5):
        te = fold == k
        crossfit[te] = _rescale(proba[te], fit_temperature(proba[~te], y[~te]))
    per, off = {}, 0
    for key, p_, y_, _ in parts:
        sl = slice(off, off + len(p_))
        per[key] = {"before": calibration_scores(p_, y_), "after": calibration_scores(crossfit[sl], y_)}
        off += len(p_)
    return {"temperature": round(fit_temperature(proba, y), 4), "fitted_on": list(want), "n": int(len(y)),
            "before": calibration_scores(proba, y), "after": calibration_scores(crossfit, y), "per_dataset": per}
