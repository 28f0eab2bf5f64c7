"""The real-article gold: a random sample of real health news, annotated under a written guideline.

The articles stay in the shared data directory (their text is copyrighted); the gold files in
``corpora/gold/real/`` hold only references (``shared:<path>#<id>``), character offsets, SHA-256
hashes of each article and sentence, and the annotations. ``corpora/gold/GUIDELINE.md`` says what is
annotated and how.

Commands (annotators and curators)::

    python -m pipeline.eval.realgold sample            # (re)draw the sample: corpora/gold/real/sample.json
    python -m pipeline.eval.realgold show DOC          # numbered sentences of one article, with offsets
    python -m pipeline.eval.realgold validate FILE     # check one annotator's file
    python -m pipeline.eval.realgold assemble          # annotator files -> dev.jsonl / test.jsonl (validated)
    python -m pipeline.eval.realgold agreement         # second annotator vs the gold (annotations_agreement/)

Example:
    >>> split_sentences("Aspirin helps. It may cause bleeding.\\n\\nSee a doctor")
    [(0, 14), (15, 37), (39, 51)]
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..config import data_dir
from .goldfiles import read_jsonl, real_dir

SEED = 20261203
# Articles drawn per source: (test, dev). Test first: it was annotated before anything was tuned.
DRAW = {"fh_story": (19, 31), "fh_release": (11, 19), "cardiff": (15, 25)}
# Texts shorter than this are empty or stubs; longer than MAX are left out to bound annotation time
# (the cap is recorded in sample.json; it removes 6% of FakeHealth stories and no Cardiff article).
MIN_CHARS, MAX_CHARS = 400, 15000


@dataclass(frozen=True)
class Source:
    path: str  # under the shared data directory
    id_field: str
    text_field: str


SOURCES = {
    "fh_story": Source("articles/fakehealth/content_HealthStory.jsonl", "news_id", "text"),
    "fh_release": Source("articles/fakehealth/content_HealthRelease.jsonl", "news_id", "text"),
    "cardiff": Source("articles/cardiff/cardiff/corpus_news_enhanced.csv", "news_id", "news_content"),
}


def sha256(text: str) -> str:
    """Hex SHA-256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def doc_ref(source: str, article_id: str) -> str:
    """The reference stored in the gold for one article, e.g. ``shared:articles/...jsonl#story_reviews_00001``."""
    return f"shared:{SOURCES[source].path}#{article_id}"


def _read_rows(src: Source, base: Path) -> dict[str, str]:
    path = base / src.path
    if path.suffix == ".csv":
        csv.field_size_limit(10**8)
        with open(path, encoding="utf-8", newline="") as f:
            return {r[src.id_field]: r[src.text_field] or "" for r in csv.DictReader(f)}
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            out[row[src.id_field]] = row.get(src.text_field) or ""
    return out


@lru_cache(maxsize=8)
def source_texts(source: str, base: str | None = None) -> dict[str, str]:
    """All texts of one source, by article id, in file order."""
    root = Path(base) if base else data_dir()
    return _read_rows(SOURCES[source], root)


def load_text(ref: str, base: str | None = None) -> str:
    """The text a gold reference points at (``shared:<path>#<id>``)."""
    if not ref.startswith("shared:") or "#" not in ref:
        raise ValueError(f"{ref}: not a shared:<path>#<id> reference")
    path, _, aid = ref[len("shared:"):].partition("#")
    name = next((n for n, s in SOURCES.items() if s.path == path), None)
    if name is None:
        raise ValueError(f"{ref}: unknown source {path}")
    texts = source_texts(name, base)
    if aid not in texts:
        raise ValueError(f"{ref}: no article {aid!r} in {path}")
    return texts[aid]


def draw_sample(seed: int = SEED, base: str | None = None) -> list[dict[str, Any]]:
    """Draw the gold articles at random (numpy ``default_rng(seed)``), test split first per source.

    Returns:
        One dict per article: ``doc``, ``source``, ``split``, ``n_chars``, ``text_sha256``.
    """
    rng = np.random.default_rng(seed)
    out = []
    for name, (n_test, n_dev) in DRAW.items():
        texts = source_texts(name, base)
        ids = [i for i, t in texts.items() if MIN_CHARS <= len(t.strip()) <= MAX_CHARS]
        picked = rng.permutation(len(ids))[: n_test + n_dev]
        for k, j in enumerate(picked):
            t = texts[ids[j]]
            out.append({"doc": doc_ref(name, ids[j]), "source": name, "split": "test" if k < n_test else "dev",
                        "n_chars": len(t), "text_sha256": sha256(t)})
    return out


_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
# Words whose final period ends no sentence ("Dr. Smith", "the U.S. Food and Drug Administration").
_ABBREV = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|Sr|Jr|St|Mt|vs|No|Vol|Gov|Sen|Rep|Gen|Col|Lt|Sgt|Inc|Co|Corp|Ltd|"
                     r"Jan|Feb|Mar|Apr|Aug|Sept|Sep|Oct|Nov|Dec|e\.g|i\.e|approx|est|Fig|al)|\b[A-Z]|"
                     r"\b(?:[A-Za-z]\.){1,3}[A-Za-z])\.[\"”’)\]]*\s+$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Simple sentence spans for annotation: paragraphs (blank lines or single newlines), then
    ``.!?`` followed by space and a capital. Independent of the pipeline's own splitter."""
    spans = []
    for para in re.finditer(r"[^\n]+", text):
        start = para.start()
        chunk = para.group()
        cuts = [m.end() for m in _BOUNDARY.finditer(chunk) if not _ABBREV.search(chunk, 0, m.end())]
        cuts.append(len(chunk))
        prev = 0
        for c in cuts:
            piece = chunk[prev:c]
            lead = len(piece) - len(piece.lstrip())
            s, e = start + prev + lead, start + prev + len(piece.rstrip())
            if e > s:
                spans.append((s, e))
            prev = c
    return spans


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The gold schema (``pipeline/resources/realgold_schema.yaml``)."""
    text = resources.files("pipeline.resources").joinpath("realgold_schema.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for key in ("enums", "required_frame_fields", "optional_frame_fields"):
        if key not in data:
            raise ValueError(f"realgold_schema.yaml: missing {key!r}")
    return data


def frame_errors(frame: dict, where: str) -> list[str]:
    """Problems of one annotated frame (missing or unknown fields, values outside the enums)."""
    sch = schema()
    errs = [f"{where}: missing {f!r}" for f in sch["required_frame_fields"] if f not in frame]
    known = set(sch["required_frame_fields"]) | set(sch["optional_frame_fields"])
    errs += [f"{where}: unknown field {f!r}" for f in frame if f not in known]
    for field, values in sch["enums"].items():
        v = frame.get(field)
        if v is not None and v not in values:
            errs.append(f"{where}: {field}={v!r} not one of {values}")
    if not isinstance(frame.get("see"), bool):
        errs.append(f"{where}: 'see' must be true or false")
    if frame.get("see") and not frame.get("reason"):
        errs.append(f"{where}: a frame an editor should see needs a 'reason'")
    if not isinstance(frame.get("intervention"), str) or not frame.get("intervention"):
        errs.append(f"{where}: 'intervention' must be a non-empty string")
    return errs


def resolve_annotation(ann: dict, text: str) -> tuple[dict, list[str]]:
    """Turn an annotator's record (sentence numbers of :func:`split_sentences`) into a gold record
    (offsets and hashes), with the problems found."""
    spans = split_sentences(text)
    errs, sentences = [], []
    for k, s in enumerate(ann.get("sentences", [])):
        sid = s.get("sid")
        ids = sid if isinstance(sid, list) else [sid]
        if not ids or any(not isinstance(i, int) or not 0 <= i < len(spans) for i in ids):
            errs.append(f"{ann.get('doc')}: sentence {k}: sid {sid!r} out of range 0-{len(spans) - 1}")
            continue
        start, end = spans[min(ids)][0], spans[max(ids)][1]
        frames = s.get("frames") or []
        if not frames:
            errs.append(f"{ann.get('doc')}: sid {sid}: no frames")
        for j, fr in enumerate(frames):
            errs += frame_errors(fr, f"{ann.get('doc')}: sid {sid} frame {j}")
        sentences.append({"start": start, "end": end, "sha256": sha256(text[start:end])[:16], "frames": frames})
    sentences.sort(key=lambda r: r["start"])
    rec = {"doc": ann["doc"], "text_sha256": sha256(text), "n_chars": len(text),
           "annotator": ann.get("annotator"), "date": ann.get("date"), "sentences": sentences}
    return rec, errs


def load_split(split: str, base: str | None = None) -> list[tuple[dict, str]]:
    """The gold records of one split with their texts, each text checked against its hash.

    Raises:
        ValueError: a text changed (its hash differs) or a record is invalid.
    """
    if split not in ("dev", "test"):
        raise ValueError(f"split {split!r}: use dev or test")
    out = []
    for rec in read_jsonl(real_dir() / f"{split}.jsonl"):
        text = load_text(rec["doc"], base)
        if sha256(text) != rec["text_sha256"]:
            raise ValueError(f"{rec['doc']}: text changed since it was annotated (hash differs)")
        for s in rec["sentences"]:
            if sha256(text[s["start"]:s["end"]])[:16] != s["sha256"]:
                raise ValueError(f"{rec['doc']}: sentence at {s['start']} changed (hash differs)")
        out.append((rec, text))
    return out


def frozen_test_hash() -> str:
    """SHA-256 recorded when the test split was frozen (``corpora/gold/real/test.sha256``)."""
    line = (real_dir() / "test.sha256").read_text(encoding="utf-8").split()
    return line[1]  # "test.jsonl <sha256> version N ..."


def _cmd_show(ref: str) -> None:
    text = load_text(ref)
    for k, (s, e) in enumerate(split_sentences(text)):
        print(f"[{k}] ({s}-{e}) {text[s:e]}")


def _cmd_assemble() -> int:
    sample = {r["doc"]: r for r in json.loads((real_dir() / "sample.json").read_text())["articles"]}
    by_split: dict[str, list[dict]] = {"dev": [], "test": []}
    errors = []
    for path in sorted((real_dir() / "annotations").glob("*.jsonl")):
        for ann in read_jsonl(path):
            if ann["doc"] not in sample:
                errors.append(f"{path.name}: {ann['doc']}: not in sample.json")
                continue
            rec, errs = resolve_annotation(ann, load_text(ann["doc"]))
            errors += [f"{path.name}: {e}" for e in errs]
            by_split[sample[ann["doc"]]["split"]].append(rec)
    for e in errors:
        print(e, file=sys.stderr)
    for split, recs in by_split.items():
        recs.sort(key=lambda r: r["doc"])
        body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)
        path = real_dir() / f"{split}.jsonl"
        if split == "test" and (real_dir() / "test.sha256").exists():
            same = path.read_text(encoding="utf-8") == body
            print(f"test: frozen ({'unchanged' if same else 'annotations differ from the frozen file; not written'})")
            continue
        path.write_text(body, encoding="utf-8")
        print(f"{split}: {len(recs)} articles, {sum(len(r['sentences']) for r in recs)} sentences")
    return 1 if errors else 0


def _cmd_validate(path: Path) -> int:
    errors, n = [], 0
    for ann in read_jsonl(path):
        _, errs = resolve_annotation(ann, load_text(ann["doc"]))
        errors += errs
        n += 1
    for e in errors:
        print(e)
    print(f"{path}: {n} articles, {len(errors)} problems")
    return 1 if errors else 0


def _unit_labels(ann: dict, n_units: int) -> tuple[list[int], list[int]]:
    """Per annotation unit (sentence of :func:`split_sentences`): makes a claim, and should be seen."""
    claim, see = [0] * n_units, [0] * n_units
    for s in ann.get("sentences", []):
        ids = s["sid"] if isinstance(s["sid"], list) else [s["sid"]]
        for i in range(min(ids), max(ids) + 1):
            if 0 <= i < n_units:
                claim[i] = 1
                see[i] = max(see[i], int(any(f.get("see") for f in s.get("frames", []))))
    return claim, see


def kappa(a: list[int], b: list[int]) -> float | None:
    """Cohen's kappa of two binary labelings.

    >>> kappa([1, 0, 1, 0], [1, 0, 0, 0])
    0.5
    """
    n = len(a)
    if n == 0:
        return None
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return None if pe == 1 else round((po - pe) / (1 - pe), 3)


def agreement(first: list[dict], second: list[dict]) -> dict:
    """Sentence-level agreement of two annotators on the articles both annotated: Cohen's kappa for
    "makes a claim" and "an editor should see it", and the counts of seen sentences."""
    by_doc = {a["doc"]: a for a in first}
    ca, cb, sa, sb, docs = [], [], [], [], 0
    for b in second:
        a = by_doc.get(b["doc"])
        if a is None:
            continue
        n = len(split_sentences(load_text(b["doc"])))
        (c1, s1), (c2, s2) = _unit_labels(a, n), _unit_labels(b, n)
        ca += c1; cb += c2; sa += s1; sb += s2; docs += 1  # noqa: E702
    return {"articles": docs, "sentences": len(ca), "claim_kappa": kappa(ca, cb), "see_kappa": kappa(sa, sb),
            "see_first": sum(sa), "see_second": sum(sb), "see_both": sum(x and y for x, y in zip(sa, sb))}


def _cmd_agreement() -> int:
    first = [r for p in sorted((real_dir() / "annotations").glob("*.jsonl")) for r in read_jsonl(p)]
    second = [r for p in sorted((real_dir() / "annotations_agreement").glob("*.jsonl")) for r in read_jsonl(p)]
    print(json.dumps(agreement(first, second), indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    cmd = args[0] if args else "help"
    if cmd == "sample":
        arts = draw_sample()
        body = {"seed": SEED, "draw": DRAW, "min_chars": MIN_CHARS, "max_chars": MAX_CHARS, "articles": arts}
        (real_dir() / "sample.json").write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
        print(f"{len(arts)} articles drawn with seed {SEED}")
        return 0
    if cmd == "show" and len(args) == 2:
        _cmd_show(args[1])
        return 0
    if cmd == "assemble":
        return _cmd_assemble()
    if cmd == "agreement":
        return _cmd_agreement()
    if cmd == "validate" and len(args) == 2:
        return _cmd_validate(Path(args[1]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
