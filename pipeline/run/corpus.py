"""Large generated batches for scale runs: template articles plus real articles.

Template articles are assembled from claim sentences of every type (efficacy with hedges and
boosters, approval, dosage, safety, evidence, usage) about the drugs and conditions of the core
reference, with filler prose, headings and boilerplate; real articles are taken from the shared
corpora (``../shared/articles``) when present. Everything is written to a folder outside the
repository (the shared articles must never be copied into it).

Example:
    >>> import tempfile
    >>> from pipeline.run.corpus import generate_batch
    >>> info = generate_batch(tempfile.mkdtemp(), 20, real_fraction=0)
    >>> info["articles"], info["template"]
    (20, 20)
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from ..config import data_dir
from ..errors import InputError
from ..ingest.reader import iter_articles

DRUGS = ["baclofen", "duloxetine", "pregabalin", "gabapentin", "amitriptyline", "cyclobenzaprine", "tizanidine",
         "milnacipran", "ibuprofen", "acetaminophen", "Lyrica", "Cymbalta", "tramadol", "naproxen"]
CONDITIONS = ["fibromyalgia", "spasticity", "multiple sclerosis", "low back pain", "spinal cord injury",
              "neuropathic pain", "migraine", "depression", "insomnia", "arthritis"]
CLAIMS = [
    "{D} has been shown to be effective for {C}.",
    "{D} may help some people with {C}, according to a small study.",
    "Some studies suggest that {D} could reduce pain in {C}.",
    "{D} is approved by the FDA for {C}.",
    "{D} is not approved by the FDA for {C}.",
    "Several clinical trials have found that {D} improves symptoms of {C}.",
    "{D} cures {C} in most patients.",
    "The usual starting dose of {D} is {N} mg three times a day.",
    "The maximum dose is {M} mg of {D} a day.",
    "Stopping {D} suddenly can cause withdrawal symptoms.",
    "{D} is commonly prescribed for {C}.",
    "{D} is not safe during pregnancy.",
    "There is no evidence that {D} helps {C}.",
    "It has been proven to relieve {C} within a week.",
    "Doctors often combine {D} with physical therapy for {C}.",
]
FILLER = [
    "Researchers interviewed patients at three clinics over two years.",
    "The findings were presented at a conference last month.",
    "Patients should talk to their doctor before changing any medication.",
    "Many people live with chronic symptoms for years before a diagnosis.",
    "The study was funded by a national research council.",
    "Experts say more research is needed.",
    "Exercise, sleep and diet also play a role in managing symptoms.",
    "Side effects can include drowsiness, dizziness and nausea.",
]
BOILER = ["This article contains affiliate links; we may earn a commission.",
          "A bottle of {D} sits on a table next to a glass of water."]


def template_article(rng: random.Random, i: int) -> dict:
    """One generated article (``id``, ``title``, ``text``) of 150–900 words."""
    d, c = rng.choice(DRUGS), rng.choice(CONDITIONS)
    title = f"{d.capitalize()} for {c.capitalize()}: What You Need to Know"
    paras = [title]
    for _ in range(rng.randint(3, 12)):
        sents = []
        for _ in range(rng.randint(2, 6)):
            if rng.random() < 0.45:
                sents.append(rng.choice(CLAIMS).format(D=rng.choice([d, d, rng.choice(DRUGS)]),
                                                       C=rng.choice([c, c, rng.choice(CONDITIONS)]),
                                                       N=rng.choice([5, 10, 15]), M=rng.choice([80, 120, 300])))
            else:
                sents.append(rng.choice(FILLER))
        paras.append(" ".join(s[0].upper() + s[1:] for s in sents))
        if rng.random() < 0.15:
            paras.append(rng.choice(BOILER).format(D=d))
    return {"id": f"t{i:06d}", "title": title, "text": "\n\n".join(paras)}


def real_articles(limit: int) -> list[dict]:
    """Up to ``limit`` real articles from the shared corpora (empty when not available)."""
    root = data_dir(required=False)
    if root is None or not (root / "articles").is_dir():
        return []
    out = []
    for item in iter_articles([root / "articles" / "fakehealth", root / "articles" / "cardiff" / "cardiff"]):
        if isinstance(item, InputError):
            continue
        out.append({"id": item.id, "title": item.title, "text": item.text})
        if len(out) >= limit:
            break
    return out


def generate_batch(out_dir: str | Path, n: int = 10_000, *, real_fraction: float = 0.3, seed: int = 0,
                   per_file: int = 1000) -> dict:
    """Write ``n`` articles as JSONL files of ``per_file`` articles into ``out_dir``.

    Args:
        out_dir: destination folder (created), outside the repository.
        n: number of articles.
        real_fraction: share of real articles (cycled when fewer exist); the rest are generated.
        seed: random seed (the batch is reproducible).
        per_file: articles per JSONL file.

    Returns:
        ``{"articles", "template", "real", "words", "files", "dir"}``.
    """
    rng = random.Random(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_real = int(n * real_fraction)
    real = real_articles(min(n_real, 3000)) if n_real else []
    if not real:
        n_real = 0
    info = {"articles": n, "template": 0, "real": 0, "words": 0, "files": 0, "dir": str(out)}
    f = None
    for i in range(n):
        if i % per_file == 0:
            if f:
                f.close()
            f = open(out / f"batch_{i // per_file:04d}.jsonl", "w", encoding="utf-8")
            info["files"] += 1
        if n_real and rng.random() < real_fraction:
            src = real[info["real"] % len(real)]
            rec = {"id": f"r{i:06d}", "title": src["title"], "text": src["text"]}
            info["real"] += 1
        else:
            rec = template_article(rng, i)
            info["template"] += 1
        info["words"] += len(rec["text"].split())
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    if f:
        f.close()
    return info
