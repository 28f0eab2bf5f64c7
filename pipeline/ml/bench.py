"""Benchmark: scoring cost of the claim models in ms per sentence (batches of 100).

Run ``python -m pipeline.ml.bench`` (optionally ``--repeat N``). Sentences are the seed-article
sentences of ``corpora/gold/checkworthy_seeds.jsonl`` (read from the shared folder), so the
figure reflects article text. Model loading is timed separately.

Example:
    >>> from pipeline.ml.bench import benchmark
    >>> benchmark(repeat=1)            # doctest: +SKIP
"""
from __future__ import annotations

import argparse
import time

import pandas as pd

from . import load_model, score_strength
from .encoder import ENCODER_NAMES, available, load_encoder
from .model import MODEL_NAMES


def benchmark(repeat: int = 5, batch: int = 100) -> pd.DataFrame:
    """Time load and ``predict_proba`` per model (encoder models too), and ``score_strength`` (with top_cues).

    Returns:
        DataFrame: what, load_s, ms_per_sentence (median over ``repeat`` runs).
    """
    from .data import load_seed_annotations

    sents = load_seed_annotations().text.tolist()
    sents = (sents * (batch // max(len(sents), 1) + 1))[:batch]
    def median_ms(fn) -> float:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn(sents)
            times.append(time.perf_counter() - t0)
        return round(sorted(times)[len(times) // 2] / len(sents) * 1000, 3)


    rows = []
    for name in MODEL_NAMES + tuple(n for n in ENCODER_NAMES if available(n)):
        t0 = time.perf_counter()
        m = load_encoder(name) if name in ENCODER_NAMES else load_model(name)
        load_s = time.perf_counter() - t0
        rows.append({"what": f"{name}.predict_proba", "load_s": round(load_s, 2),
                     "ms_per_sentence": median_ms(m.predict_proba)})
    for model in ("fast", "encoder"):
        rows.append({"what": f"score_strength(model={model!r}) (+top_cues)", "load_s": 0.0,
                     "ms_per_sentence": median_ms(lambda s, model=model: score_strength(s, model=model))})
    return pd.DataFrame(rows)


def main() -> None:  # pragma: no cover - command
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--batch", type=int, default=100)
    a = ap.parse_args()
    print(benchmark(a.repeat, a.batch).to_string(index=False))


if __name__ == "__main__":  # pragma: no cover
    main()
