"""Issue 14 (fast start): the reference snapshot, the packed linker vocabulary and the numpy
models load from the cache instead of being rebuilt, and give what the plain versions give --
the plain loader, the plain linker build and the scikit-learn models are the oracles here.

Every test that writes caches writes them into its own temporary cache folder; the compiled
reference they read is the session's (built once by the automatic build when missing)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.util.packed import LazyDict, PackedTable, write_packed
from pipeline.reference import loader, snapshot
from pipeline.reference.autobuild import ensure_compiled
from pipeline.reference.store import load_reference as plain_load

BACLOFEN, FIBROMYALGIA = "rxcui:1292", "doid:631"


@pytest.fixture(scope="session")
def compiled_path(shared_dir):
    p = ensure_compiled()
    if p is None:
        pytest.skip("no compiled reference and no sources to build it from")
    return p


@pytest.fixture()
def tmp_cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("OVERCLAIM_CACHE_DIR", str(d))
    monkeypatch.setattr(loader, "_LOADED", {})
    return d


def _texts(seeds_dir: Path, shared_dir: Path, n: int = 50) -> list[str]:
    texts = [p.read_text("utf-8") for p in sorted(seeds_dir.iterdir()) if p.is_file()]
    with open(shared_dir / "articles" / "fakehealth" / "content_HealthStory.jsonl", encoding="utf-8") as f:
        for line in f:
            if len(texts) >= n + 3:
                break
            texts.append(json.loads(line)["text"])
    return texts


# -- packed tables -----------------------------------------------------------------------------
def test_packed_table_finds_every_name_of_the_reference_and_nothing_else(tmp_path):
    ref = plain_load(compiled=None)
    names = {k: [[e.kind, e.id, e.name_type] for e in v] for k, v in ref.names.items()}
    write_packed(tmp_path / "names.pack", names.items())
    t = PackedTable(tmp_path / "names.pack")
    assert len(t) == len(names) > 300 and list(t.keys()) == list(names)
    assert all(t.get(k) == v for k, v in names.items())
    assert t.get("baclofenx") is None and t.get(("baclofen",)) is None and t.get("") is None
    d = LazyDict(t, tuple)
    assert d["baclofen"] == (["drug", BACLOFEN, "name"],) and "no such drug" not in d
    pairs = [(("heart", "attack"), 1), (("ms",), 2)]
    write_packed(tmp_path / "pairs.pack", pairs, tuple_keys=True)
    assert PackedTable(tmp_path / "pairs.pack").get(("heart", "attack")) == 1
    with pytest.raises(ValueError, match="duplicate"):
        write_packed(tmp_path / "dup.pack", [("a", 1), ("a", 2)])
    raw = (tmp_path / "names.pack").read_bytes()
    (tmp_path / "cut.pack").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="truncated"):
        PackedTable(tmp_path / "cut.pack")


# -- reference snapshot ------------------------------------------------------------------------
def _lookups(ref) -> list:
    """What verification asks the reference, for pairs of the seeds."""
    out = []
    for did, cid in ((BACLOFEN, FIBROMYALGIA), (BACLOFEN, "doid:0060011"), ("rxcui:1292", "doid:2377")):
        out += [ref.approvals_for(did, cid), ref.approvals_for(did), ref.evidence_for(did, cid), ref.label_for(did),
                ref.condition_ancestors(cid), ref.related_drugs(did), ref.drugs.get(did), ref.conditions.get(cid)]
    out += [ref.drug_by_name("Lioresal"), ref.condition_by_name("FMS"), ref.lookup_name("MS"), len(ref.names)]
    return out


def _same_tables(a, b) -> None:
    for f in snapshot.TABLE_FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        assert list(x) == list(y), f  # same keys (or rows) in the same order
        if hasattr(y, "items"):
            assert dict(x) == dict(y), f
    for f in snapshot.META_FIELDS[:-1]:
        assert getattr(a, f) == getattr(b, f), f


@pytest.mark.parametrize("which", ["curated", "compiled"])
def test_snapshot_reference_equals_the_plain_load(which, request):
    compiled = request.getfixturevalue("compiled_path") if which == "compiled" else None
    tmp_cache = request.getfixturevalue("tmp_cache")  # after the session's compiled reference
    first = loader.load_reference(compiled=compiled)  # plain load, snapshot written
    assert type(first.drugs) is dict and len(list(tmp_cache.glob("refsnap-*"))) == 1
    lazy = loader.load_reference(compiled=compiled, use_cache=False)
    assert isinstance(lazy.drugs, LazyDict) and lazy.content_key == first.content_key
    oracle = plain_load(compiled=compiled, use_cache=False)
    assert _lookups(lazy) == _lookups(oracle)  # before any table is decoded in full
    _same_tables(lazy, oracle)


def test_the_snapshot_holds_every_field_of_the_reference():
    """A field added to Reference must be added to the snapshot (pipeline/reference/snapshot.py
    TABLE_FIELDS or META_FIELDS and the code writing it); until then no snapshot is written and
    every start loads the reference plainly (seconds, not milliseconds)."""
    import dataclasses

    from pipeline.reference.store import Reference

    fields = {f.name for f in dataclasses.fields(Reference)}
    assert snapshot.covers(Reference()), sorted(fields ^ set(snapshot.TABLE_FIELDS + snapshot.META_FIELDS))


def test_snapshot_key_follows_the_curated_files_and_the_compiled_file(tmp_path):
    from pipeline.reference.store import curated_files

    files = curated_files()
    key = snapshot.snapshot_key(None, files)
    assert key == snapshot.snapshot_key(None, curated_files())
    edited = [(n, t + "\n# edited\n") if i == 0 else (n, t) for i, (n, t) in enumerate(files)]
    assert snapshot.snapshot_key(None, edited) != key
    db = tmp_path / "reference.sqlite"
    db.write_bytes(b"x")
    k1 = snapshot.snapshot_key(db, files)
    os.utime(db, ns=(1, 1))
    assert snapshot.snapshot_key(db, files) != k1 != key


def test_a_damaged_snapshot_is_rebuilt_not_used(tmp_cache):
    loader.load_reference(compiled=None)
    folder = next(tmp_cache.glob("refsnap-*"))
    pack = folder / "drugs.pack"
    pack.write_bytes(pack.read_bytes()[:100])
    ref = loader.load_reference(compiled=None, use_cache=False)
    assert type(ref.drugs) is dict and ref.drugs[BACLOFEN].name == "baclofen"
    again = loader.load_reference(compiled=None, use_cache=False)
    assert isinstance(again.drugs, LazyDict) and again.drugs[BACLOFEN] == ref.drugs[BACLOFEN]


# -- linker ----------------------------------------------------------------------------------
def _links(nlp, text: str) -> tuple:
    doc = nlp(text)
    ents = [(e.start, e.end, e.label_, e.kb_id_, e._.link_score, e._.link_via) for e in doc.ents]
    return ents, [(s.start, s.end, s._.candidates, s._.link_score) for s in doc.spans["unlinked"]]


def _plain_nlp(ref, monkeypatch):
    """The pipeline with the linker's vocabulary built from ``ref`` (no cache: the plain build)."""
    import pipeline.nlp as nlp_mod

    monkeypatch.setattr(nlp_mod, "_linker_cache", lambda: None)
    return nlp_mod.get_nlp(ref)


def test_fast_loaded_linker_links_the_mentions_the_plain_build_links(compiled_path, tmp_cache, seeds_dir, shared_dir,
                                                                      monkeypatch):
    from pipeline.nlp import build_nlp

    ref = loader.load_reference(compiled=compiled_path)
    build_nlp(ref)  # builds the vocabulary and saves it into the cache
    fast = build_nlp(loader.load_reference(compiled=compiled_path, use_cache=False))
    linker = fast.get_pipe("overclaim_linker")
    assert isinstance(linker.lower, LazyDict) and isinstance(linker.canonical, LazyDict)
    plain = _plain_nlp(plain_load(compiled=compiled_path, use_cache=False), monkeypatch)
    assert type(plain.get_pipe("overclaim_linker").lower) is dict
    n = 0
    for text in _texts(seeds_dir, shared_dir):
        got, want = _links(fast, text), _links(plain, text)
        assert got == want, text[:80]
        n += len(want[0])
    assert n > 1000


# -- the whole audit -------------------------------------------------------------------------
def _plain_auditor(compiled, monkeypatch):
    """The audit from the plain pieces: plain reference load, plain linker build, scikit-learn models."""
    import pipeline.claims.scoring as scoring
    from pipeline.run.auditor import Auditor
    from pipeline.ml import load_model

    monkeypatch.setattr(scoring, "load_fast_model", lambda name, model_dir=None: load_model(name, model_dir=model_dir))
    ref = plain_load(compiled=compiled, use_cache=False)
    _plain_nlp(ref, monkeypatch)
    auditor = Auditor(reference=ref)
    assert type(auditor.nlp.get_pipe("overclaim_linker").lower) is dict
    assert type(auditor.scorer._cue_model()).__name__ == "ClaimModel"
    return auditor


def _outputs(folder: Path) -> dict[str, str]:
    """The output files, with the timing fields (``seconds``, ``audit_seconds``) taken out."""
    out = {}
    for f in sorted(folder.iterdir()):
        text = f.read_text("utf-8")
        if f.suffix in (".json", ".jsonl"):
            rows = [json.loads(line) for line in text.splitlines()] if f.suffix == ".jsonl" else [json.loads(text)]
            text = "\n".join(json.dumps({k: v for k, v in r.items() if not k.endswith("seconds")}) for r in rows)
        out[f.name] = text
    return out


def test_audit_outputs_are_those_of_the_plain_pipeline(compiled_path, tmp_cache, seeds_dir, shared_dir, tmp_path,
                                                       monkeypatch):
    import pipeline.api as api
    from pipeline.run.auditor import Auditor
    from pipeline.ml.fast import FastModel

    texts = _texts(seeds_dir, shared_dir)
    Auditor(reference=loader.load_reference(compiled=compiled_path))  # writes the caches
    fast = Auditor(reference=loader.load_reference(compiled=compiled_path, use_cache=False))
    res = api.audit(texts, auditor=fast)
    assert isinstance(fast.scorer._checkworthy_model(), FastModel) and isinstance(fast.reference.drugs, LazyDict)
    res.write(tmp_path / "fast")
    api.audit(texts, auditor=_plain_auditor(compiled_path, monkeypatch)).write(tmp_path / "plain")
    got, want = _outputs(tmp_path / "fast"), _outputs(tmp_path / "plain")
    assert set(got) >= {"claims.jsonl", "articles.jsonl", "claims.csv", "report.html", "summary.json"}
    assert got == want
    assert len(res.claims) > 500 and res.claims.flagged.sum() > 10


# -- the measurement ---------------------------------------------------------------------------
def test_bench_check_start_reports_both_starts_their_ratio_and_peak_memory():
    from pipeline.run.bench import format_check_start

    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "bench", "--check-start", "--reps", "1", "--json"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)
    assert c["reps"] == 1 and len(c["check_runs"]) == len(c["bare_runs"]) == 1
    assert c["ratio"] == pytest.approx(c["check_seconds"] / c["bare_spacy_seconds"], abs=0.01)
    assert c["check_peak_rss_mb"] > c["bare_spacy_peak_rss_mb"] > 30  # the check loads spaCy and more
    line = format_check_start(c)
    assert f"{c['check_seconds']:.2f}s" in line and f"{c['bare_spacy_seconds']:.2f}s" in line and "ratio" in line
    bad = subprocess.run([sys.executable, "-m", "pipeline.cli", "bench", "--check-start", "--reps", "0"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--reps" in bad.stderr


def test_issue18_the_start_filter_finds_every_name_the_plain_lookup_at_every_token_finds(compiled_path, seeds_dir,
                                                                                         shared_dir):
    """The linker's bit-set start filter is an optimisation behind ``prefilter``; the plain version
    (a lookup at every token) is the oracle: same candidates, same links, on real articles."""
    from pipeline.nlp import get_nlp

    nlp = get_nlp(loader.load_reference(compiled=compiled_path))
    linker = nlp.get_pipe("overclaim_linker")
    assert linker.prefilter
    n = 0
    try:
        for text in _texts(seeds_dir, shared_dir):
            doc = nlp(text)
            fast = linker._candidates(doc)
            linker.prefilter = False
            plain = linker._candidates(doc)
            linker.prefilter = True
            assert [(i, j, mode) for i, j, _, mode in fast] == [(i, j, mode) for i, j, _, mode in plain], text[:80]
            n += len(plain)
    finally:
        linker.prefilter = True
    assert n > 1000
