"""Probe: can a trained classifier tell which real-article sentences an editor should see?

Sentence-level logistic regression on the real-article dev split (corpora/gold/real/dev.jsonl),
features = TF-IDF word 1-2-grams + the frame stage's readings (strength, speech act, article design,
population, polarity, position), 5-fold cross-validation grouped by article. Run from the repository:

    OVERCLAIM_DATA_DIR=../shared python experiments/frame_see_probe/probe.py

Dev split only: the test split is never used here.
"""
import numpy as np, re
from pipeline.eval import realgold
from pipeline.frames.analyse import analyse
from pipeline.frames.design import article_design
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from scipy.sparse import hstack, csr_matrix
X_txt, y, groups, feats, claimy = [], [], [], [], []
for rec, text in realgold.load_split("dev"):
    spans = realgold.split_sentences(text)
    gold = rec["sentences"]
    sents = [text[a:b] for a, b in spans]
    design = article_design(sents)
    for i, (a, b) in enumerate(spans):
        g = [s for s in gold if s["start"] < b and a < s["end"]]
        see = any(f["see"] for s in g for f in s["frames"])
        r = analyse(text[a:b])
        X_txt.append(text[a:b]); y.append(int(see)); groups.append(rec["doc"]); claimy.append(int(bool(g)))
        f = [r.strength == k for k in ("none","correlational","hedged","direct","absolute")]
        f += [r.speech_act == k for k in ("assertion","reported_finding","quote","advice","usage","caveat")]
        f += [design == k for k in ("none","meta_analysis","rct","observational","animal","in_vitro")]
        f += [r.population == "unspecified", r.polarity == "negative", i < 2, i / max(1, len(spans)), bool(r.designs)]
        feats.append([float(x) for x in f])
y = np.array(y); F = np.array(feats); groups = np.array(groups)
print("sentences", len(y), "pos", y.sum(), "claim sentences", sum(claimy))
oof = np.zeros(len(y))
for tr, te in GroupKFold(5).split(F, y, groups):
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    Xtr = hstack([vec.fit_transform([X_txt[i] for i in tr]), csr_matrix(F[tr])]).tocsr()
    Xte = hstack([vec.transform([X_txt[i] for i in te]), csr_matrix(F[te])]).tocsr()
    m = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(Xtr, y[tr])
    oof[te] = m.predict_proba(Xte)[:, 1]
from sklearn.metrics import roc_auc_score, average_precision_score
print("AUC", roc_auc_score(y, oof), "AP", average_precision_score(y, oof))
for t in (0.5, 0.6, 0.7, 0.8, 0.9):
    p = oof >= t
    tp = (p & (y == 1)).sum()
    print(t, "pred", p.sum(), "P", round(tp / max(1, p.sum()), 3), "R", round(tp / y.sum(), 3))
