"""Loaders for the public training sets in the shared data directory.

Every loader returns a DataFrame with at least ``text`` and ``label`` (int) and, where the
data has them, ``group`` (for grouped cross-validation) and ``source``. Label encodings are
normalised here, once:

* claim strength (Yu 2019, Yu 2020, Wright 2021): 0 no relation, 1 correlational,
  2 conditional (hedged) causal, 3 direct causal. Yu 2019's own file codes 1 = direct causal
  and 3 = correlational; it is re-encoded (1 <-> 3) on load.
* advice (Li 2021): 0 none, 1 weak, 2 strong.
* hedge (BioScope): 0 certain, 1 speculative (any ``cue type="speculation"``).
* checkworthy (CLEF 2020 + seed annotations): 0 no, 1 check-worthy.

Example:
    >>> from pipeline.ml.data import load_yu2019
    >>> df = load_yu2019()            # doctest: +SKIP
    >>> sorted(df.label.unique())     # doctest: +SKIP
    [0, 1, 2, 3]
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import pandas as pd

from ..config import data_dir as _shared_dir
from ..errors import DataDirError, InputError

YU2019_TO_ORDINAL = {0: 0, 1: 3, 2: 2, 3: 1}
SEED_ANNOTATIONS = "gold/checkworthy_seeds.jsonl"


def datasets_dir(data_dir: str | Path | None = None) -> Path:
    """Resolve the ``datasets`` folder from a data directory.

    Accepts the shared folder (holding ``datasets/``) or the ``datasets`` folder itself;
    defaults to :func:`pipeline.config.data_dir`.

    Raises:
        DataDirError: no such folder.
    """
    base = Path(data_dir) if data_dir is not None else _shared_dir()
    for cand in (base / "datasets", base):
        if (cand / "claim_strength").is_dir() or (cand / "advice_strength").is_dir():
            return cand
    raise DataDirError(f"{base}: no datasets/ folder (expected claim_strength/, advice_strength/, ...)",
                       hint="pass --data pointing at the shared folder or its datasets/ subfolder")


def shared_root(data_dir: str | Path | None = None) -> Path:
    """The shared folder (parent of ``datasets/``, holding ``seeds/``)."""
    return datasets_dir(data_dir).parent


def _need(path: Path) -> Path:
    if not path.is_file():
        raise InputError("file not found (is the shared data directory complete?)", path=str(path))
    return path


def _read_csv(path: Path, **kw) -> pd.DataFrame:
    try:
        return pd.read_csv(_need(path), **kw)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        raise InputError(f"cannot parse CSV: {e}", path=str(path)) from e


def _check_cols(df: pd.DataFrame, cols: list[str], path: Path) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(f"missing column(s) {missing}; found {list(df.columns)}", path=str(path))


def load_yu2019(data_dir=None) -> pd.DataFrame:
    """Yu et al. 2019 PubMed conclusion sentences, re-encoded to the ordinal strength scale."""
    p = datasets_dir(data_dir) / "claim_strength/yu2019/data/pubmed_causal_language_use.csv"
    df = _read_csv(p)
    _check_cols(df, ["sentence", "label"], p)
    out = pd.DataFrame({"text": df.sentence.astype(str), "label": df.label.map(YU2019_TO_ORDINAL)})
    if out.label.isna().any():
        raise InputError(f"unexpected labels {sorted(df.label.unique())}", path=str(p))
    out["label"] = out.label.astype(int)
    out["source"] = "yu2019_pubmed"
    return out


def load_yu2020(data_dir=None) -> pd.DataFrame:
    """Yu et al. 2020 EurekAlert press-release sentences (already ordinal 0-3)."""
    p = datasets_dir(data_dir) / "claim_strength/yu2020/data/annotated_eureka.csv"
    df = _read_csv(p)
    _check_cols(df, ["sentId", "sentence", "label"], p)
    out = pd.DataFrame({"text": df.sentence.astype(str), "label": df.label.astype(int)})
    # sentId = PMID-w-eurekaId-position: sentences of one press release share a group
    out["group"] = df.sentId.astype(str).str.rsplit("-", n=2).str[0]
    out["source"] = "yu2020_eureka"
    return out


def load_strength_combined(data_dir=None) -> pd.DataFrame:
    """Yu 2019 (PubMed) plus Yu 2020 (press releases), duplicates removed: the strength training set."""
    df = pd.concat([load_yu2019(data_dir), load_yu2020(data_dir)], ignore_index=True)
    return df.drop_duplicates("text").reset_index(drop=True)


def load_li2021(data_dir=None, part: str = "structured_abstract") -> pd.DataFrame:
    """Li et al. 2021 health-advice sentences (0 none, 1 weak, 2 strong); ``part`` is
    ``structured_abstract`` (training set), ``discussion`` or ``unstructured_abstract``."""
    p = datasets_dir(data_dir) / f"advice_strength/li2021/data/annotations_{part}.csv"
    df = _read_csv(p)
    _check_cols(df, ["label", "pmid", "sentence"], p)
    out = pd.DataFrame({"text": df.sentence.astype(str), "label": df.label.astype(int),
                        "group": df.pmid.astype(str)})
    out["source"] = f"li2021_{part}"
    return out


def load_bioscope(data_dir=None, part: str = "abstracts") -> pd.DataFrame:
    """BioScope sentences with ``label`` 1 when speculative, and ``negated`` 1 when a negation
    cue is present; ``cues`` lists ``(type, cue text)``. ``part``: abstracts or full_papers."""
    p = _need(datasets_dir(data_dir) / f"hedging/bioscope/data/bioscope/{part}.xml")
    try:
        root = ET.parse(p).getroot()
    except ET.ParseError as e:
        raise InputError(f"cannot parse XML: {e}", path=str(p)) from e
    rows = []
    for doc_i, doc in enumerate(root.iter("Document")):
        for s in doc.iter("sentence"):
            text = "".join(s.itertext()).strip()
            if not text:
                continue
            cues = [(c.get("type"), "".join(c.itertext()).strip()) for c in s.iter("cue")]
            rows.append({"text": text, "label": int(any(t == "speculation" for t, _ in cues)),
                         "negated": int(any(t == "negation" for t, _ in cues)), "cues": cues,
                         "group": f"{part}-{doc_i}"})
    out = pd.DataFrame(rows)
    out["source"] = f"bioscope_{part}"
    return out


def load_clef2020(data_dir=None, split: str = "training") -> pd.DataFrame:
    """CLEF 2020 CheckThat! Task 1 tweets; ``split`` is training, dev or test.
    ``label`` is check-worthiness; ``claim`` whether a factual claim is present."""
    fname = {"training": "training_v2.tsv", "dev": "dev_v2.tsv", "test": "test-gold.tsv"}[split]
    p = datasets_dir(data_dir) / "checkworthiness/clef2020" / fname
    df = _read_csv(p, sep="\t", quoting=csv.QUOTE_NONE, dtype=str)
    df = df.rename(columns={"claim_worthiness": "check_worthiness"})
    _check_cols(df, ["tweet_text", "claim", "check_worthiness"], p)
    out = pd.DataFrame({"text": df.tweet_text.astype(str), "label": df.check_worthiness.astype(int),
                        "claim": df.claim.astype(int)})
    out["group"] = [f"clef-{split}-{i}" for i in range(len(out))]
    out["source"] = f"clef2020_{split}"
    return out


def load_seed_annotations(data_dir=None, path: str | Path | None = None) -> pd.DataFrame:
    """Our check-worthiness annotations of the seed articles.

    The annotation file (``corpora/gold/checkworthy_seeds.jsonl``) stores offsets only:
    ``{"file", "start", "end", "label", "sha1"}``; the text is read from ``shared/seeds/``,
    and each span is checked against ``sha1`` (first 12 hex digits of the SHA-1 of the span
    text), so a changed seed file is reported instead of silently mislabelled.

    Guideline: 1 = the sentence asserts a checkable health fact (a treatment's effect,
    safety, approval, mechanism or dosing; a disease's cause, prevalence, symptoms);
    0 = headings, captions, list fragments, disclaimers, citation numbers, advice to see a
    doctor, statements about the individual reader.
    """
    seeds = shared_root(data_dir) / "seeds"
    if path is None:
        ann = resources.files("pipeline.corpora").joinpath(SEED_ANNOTATIONS)
        lines = ann.read_text(encoding="utf-8").splitlines()
        where = f"corpora/{SEED_ANNOTATIONS}"
    else:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        where = str(path)
    texts: dict[str, str] = {}
    rows = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            a = json.loads(line)
            f, s, e, lab = a["file"], int(a["start"]), int(a["end"]), int(a["label"])
        except (json.JSONDecodeError, KeyError, ValueError, TypeError) as ex:
            raise InputError(f"bad annotation: {ex}", path=where, row=i) from ex
        if f not in texts:
            texts[f] = _need(seeds / f).read_text(encoding="utf-8")
        text = texts[f][s:e]
        if "sha1" in a and hashlib.sha1(text.encode("utf-8")).hexdigest()[: len(a["sha1"])] != a["sha1"]:
            raise InputError(f"span {s}:{e} of {f} does not match its recorded SHA-1: seed file changed?",
                             path=where, row=i)
        rows.append({"text": re.sub(r"\s+", " ", text).strip(), "label": lab, "group": f"seed-{f}",
                     "source": "seeds", "file": f, "start": s, "end": e})
    return pd.DataFrame(rows)


def load_wright2021_pairs(data_dir=None) -> pd.DataFrame:
    """Wright & Augenstein 2021 press-release / abstract pairs (training split, 100 pairs)."""
    p = _need(datasets_dir(data_dir) / "exaggeration/wright2021/data/insciout_train.jsonl")
    rows = []
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise InputError(f"bad JSON: {e}", path=str(p), row=i) from e
    df = pd.DataFrame(rows)
    _check_cols(df, ["press_release_conclusion", "press_release_strength", "abstract_conclusion",
                     "abstract_strength", "exaggeration_label"], p)
    return df


def normalise_text(s: str) -> str:
    """Key for overlap checks between datasets (lower case, punctuation folded)."""
    return re.sub(r"\W+", " ", str(s).lower()).strip()
