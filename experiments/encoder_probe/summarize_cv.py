"""Pool the out-of-fold predictions of ``finetune_cv.py`` runs (several runs may each have done
some folds of the same split) and print macro-F1 with 95% bootstrap CIs: fine-tuned encoder, the
repo model on the same split, and the average of both.

Usage: python summarize_cv.py DATASET OOF.npz [OOF.npz ...]   (e.g. out/oof_li2021.npz other/oof_li2021.npz)
Prints one JSON line; appends it to <dir of the first file>/finetune_cv_summary.jsonl.
"""
import argparse
import json
import sys
from pathlib import Path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset")
    ap.add_argument("files", nargs="+", type=Path)
    args = ap.parse_args(argv)

    import numpy as np
    from sklearn.metrics import f1_score

    from pipeline.ml import training as T

    y = proba = base = None
    for f in args.files:
        d = np.load(f)
        if y is None:
            y, proba, base = d["y"], d["proba"].copy(), d["base"].copy()
        elif not np.array_equal(y, d["y"]):
            sys.exit(f"{f}: labels differ from {args.files[0]} (not the same dataset or split)")
        done = ~np.isnan(d["proba"][:, 0])
        proba[done], base[done] = d["proba"][done], d["base"][done]
    done = ~np.isnan(proba[:, 0])
    yy = y[done]
    res = {"dataset": args.dataset, "n": int(done.sum()), "of": int(len(y)), "files": [str(f) for f in args.files]}
    for key, p in (("finetuned", proba[done]), ("base", base[done]), ("avg", proba[done] + base[done])):
        pred = p.argmax(1)
        lo, hi = T.bootstrap_ci(yy, pred)
        res[key] = {"macro_f1": round(f1_score(yy, pred, average="macro"), 4), "ci95": [round(lo, 4), round(hi, 4)]}
    print(json.dumps(res))
    with open(args.files[0].parent / "finetune_cv_summary.jsonl", "a") as fh:
        fh.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    sys.exit(main())
