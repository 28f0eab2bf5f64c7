"""Ingest under hostile input: every bad file gets a clear, specific message naming it; nothing
crashes or hangs the batch. Property-based tests (hypothesis) over ingest and the whole audit."""
from __future__ import annotations

import codecs
import json
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.ingest.reader import IngestOptions, article_from_text, iter_articles
from pipeline.report.records import article_record, claim_record, validate_record

GOOD = "Baclofen has been shown to be effective for fibromyalgia. It is approved for spasticity."


def collect(paths, **kw):
    items = list(iter_articles(paths, **kw))
    assert all(isinstance(i, (InputError,)) or hasattr(i, "text") for i in items)
    return [i for i in items if not isinstance(i, InputError)], [i for i in items if isinstance(i, InputError)]


def by_file(errs):
    out: dict[str, list[str]] = {}
    for e in errs:
        out.setdefault(os.path.basename(e.path or ""), []).append(str(e))
    return out


@pytest.fixture
def hostile(tmp_path):
    """A folder of hostile files plus one good article."""
    d = tmp_path / "hostile"
    d.mkdir()
    (d / "good.txt").write_text(GOOD)
    (d / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (d / "png.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(512))
    (d / "latin1.txt").write_bytes("Le baclofène est approuvé. Caf\xe9".encode("latin-1"))
    (d / "utf16bom.txt").write_bytes(codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le"))
    (d / "utf16nobom.txt").write_bytes(GOOD.encode("utf-16-le"))
    (d / "empty.txt").write_bytes(b"")
    (d / "blank.md").write_text(" \n\t\n")
    with open(d / "huge.txt", "w") as f:  # 50 MB on one line
        chunk = "baclofen helps fibromyalgia " * 4096
        for _ in range(50 * 2**20 // len(chunk) + 1):
            f.write(chunk)
    (d / "scripts.html").write_text(
        "<html><head><script>document.write('Baclofen cures fibromyalgia')</script>"
        "<style>p{color:red}</style></head><body>" + "<iframe src='https://ads.example/x'></iframe>" * 50
        + "<script>var claim='pregabalin cures everything';</script>" * 50 + "</body></html>")
    (d / "mixed.html").write_text(
        "<html><body><script>alert('gabapentin cures cancer')</script><iframe src='x'></iframe><article>"
        "<h1>Duloxetine and fibromyalgia</h1><p>Duloxetine is approved by the FDA for fibromyalgia, and it "
        "has been studied in several randomised trials in adults with chronic widespread pain.</p><p>Doctors "
        "say it helps some patients, though side effects such as nausea are common in the first weeks.</p>"
        "</article><script>var x='milnacipran cures all';</script></body></html>")
    (d / "rows.csv").write_bytes(
        b'id,title,text\n'
        b'c1,Good,"Duloxetine is approved for fibromyalgia."\n'
        b'c2,Short row\n'
        b'c3,Unclosed,"Baclofen helps, and then the quote never ends\n'
        b'c4,Extra,a,b,c\n')
    (d / "nul.csv").write_bytes(b"id,text\nn1,Baclofen\x00helps\n")
    (d / "rows.jsonl").write_bytes(
        b'{"id": "j1", "text": "Pregabalin is approved for fibromyalgia."}\n'
        b'{not json}\n'
        b'[1, 2, 3]\n'
        b'{"id": "j4", "text": 42}\n'
        b'{"id": "j5", "body": ""}\n'
        + b'[' * 100000 + b']' * 100000 + b'\n'
        + b'{"id": "j7", "text": "caf\xe9 latin-1 byte"}\n'
        b'{"id": "j8", "text": "lone surrogate \\ud800 here about baclofen"}\n'
        b'{"id": "j9", "text": "Gabapentin is approved for postherpetic neuralgia."}\n')
    (d / "a").mkdir()
    (d / "a" / "nested.md").write_text("# Notes\n\nTizanidine is approved for spasticity.")
    os.symlink(d, d / "a" / "loop")  # directory loop via symlink
    os.symlink(d / "missing.txt", d / "dangling.txt")
    os.mkfifo(d / "fifo.txt")  # would block for ever if opened
    return d


def test_hostile_corpus_clear_specific_messages(hostile):
    t0 = time.perf_counter()
    arts, errs = collect([hostile], opts=IngestOptions(max_chars=1_000_000))
    took = time.perf_counter() - t0
    assert took < 30, f"ingest of the hostile corpus took {took:.1f}s"
    ids = sorted(a.id for a in arts)
    assert "good.txt" in ids and "utf16bom.txt" in ids and "a/nested.md" in ids
    assert "rows.csv#c1" in ids and "rows.jsonl#j1" in ids and "rows.jsonl#j9" in ids and "mixed.html" in ids
    u16 = next(a for a in arts if a.id == "utf16bom.txt")
    assert u16.text == GOOD
    msgs = by_file(errs)
    assert "binary" in msgs["binary.txt"][0] and "binary" in msgs["png.md"][0]
    assert "not valid UTF-8" in msgs["latin1.txt"][0] and "0xe8" in msgs["latin1.txt"][0]
    assert "UTF-16" in msgs["utf16nobom.txt"][0] and "byte-order mark" in msgs["utf16nobom.txt"][0]
    assert "empty" in msgs["empty.txt"][0] and "empty" in msgs["blank.md"][0]
    assert "over the limit" in msgs["huge.txt"][0] and "bytes" in msgs["huge.txt"][0]
    assert "no article text" in msgs["scripts.html"][0]
    assert "not a regular file" in msgs["fifo.txt"][0]
    assert "cannot read" in msgs["dangling.txt"][0] or "no such" in msgs["dangling.txt"][0].lower()
    assert any("folder loop" in m for m in msgs["loop"])
    csv_msgs = " | ".join(msgs["rows.csv"])
    assert "row 3" in csv_msgs and "2 fields, header has 3" in csv_msgs
    assert "NUL" in " ".join(msgs["nul.csv"]) or "binary" in " ".join(msgs["nul.csv"])
    jl = {e.row: e.reason for e in errs if e.path and e.path.endswith("rows.jsonl")}
    assert "malformed JSON" in jl[2] and "not an object" in jl[3] and "not text" in jl[4]
    assert "no 'text' field" in jl[5] or "empty" in jl[5]
    assert "nested too deeply" in jl[6] or "malformed JSON" in jl[6]
    assert "not valid UTF-8" in jl[7] and "column" in jl[7]
    # every message names the file (and the row for row formats)
    for e in errs:
        assert str(hostile) in str(e)
    # a lone surrogate is replaced in place: offsets into the text stay valid, output can be written
    j8 = next(a for a in arts if a.id == "rows.jsonl#j8")
    assert "\ufffd" in j8.text and len(j8.text) == len("lone surrogate \ud800 here about baclofen")
    mixed = next(a for a in arts if a.id == "mixed.html")
    assert "Duloxetine is approved" in mixed.text and "cures" not in mixed.text


def test_hostile_corpus_whole_run_goes_on(hostile, tmp_path):
    from pipeline.run.runner import run_audit

    out = tmp_path / "out"
    s = run_audit([hostile], out, opts=IngestOptions(max_chars=1_000_000), progress=False, html=True)
    assert s["articles"] >= 8 and s["errors"] >= 15
    errors = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines()]
    assert len(errors) == s["errors"]
    for rec in errors:
        validate_record(rec, "error")
        assert rec["error"] and rec["path"]
    arts = [json.loads(x) for x in (out / "articles.jsonl").read_text().splitlines()]
    assert {"good.txt", "rows.jsonl#j8", "mixed.html"} <= {a["article_id"] for a in arts}
    html = (out / "report.html").read_text()
    assert "<script>document.write" not in html and "pregabalin cures everything" not in html


def test_max_chars_clear_message(tmp_path):
    (tmp_path / "long.txt").write_text("Baclofen helps. " * 2000)
    (tmp_path / "rows.jsonl").write_text(json.dumps({"id": "x", "text": "Baclofen helps. " * 2000}) + "\n")
    arts, errs = collect([tmp_path], opts=IngestOptions(max_chars=10_000))
    assert not arts
    m = by_file(errs)
    assert "over the limit" in m["long.txt"][0] and "10,000" in m["long.txt"][0]
    assert "32,000 characters, over the limit of 10,000" in m["rows.jsonl"][0] and "row 1" in m["rows.jsonl"][0]
    assert "--max-chars" in m["long.txt"][0]


def test_issue14_title_is_not_a_paragraph_lacking_its_final_period():
    title = article_from_text("Baclofen for Fibromyalgia\n\nBaclofen helps some people.").title
    assert title == "Baclofen for Fibromyalgia"
    for first in ("Baclofen has been shown to be effective for fibromyalgia. Ok",
                  "“Baclofen has been shown to be effective for fibromyalgia.”"):
        assert article_from_text(first + "\n\nMore text follows here.").title is None, first
    assert article_from_text("Dr. Smith on Baclofen vs. Tizanidine\n\nText.").title == "Dr. Smith on Baclofen vs. Tizanidine"


def test_huge_jsonl_line_is_refused_without_holding_it(tmp_path):
    p = tmp_path / "big.jsonl"
    with open(p, "w") as f:
        f.write('{"id": "big", "text": "' + "a" * (50 * 2**20) + '"}\n')
        f.write('{"id": "ok", "text": "Baclofen is approved for spasticity."}\n')
    arts, errs = collect([p], opts=IngestOptions(max_chars=100_000))
    assert [a.id for a in arts] == ["big.jsonl#ok"]
    assert errs[0].row == 1 and "over the limit" in errs[0].reason and "52,428,8" in errs[0].reason


def test_stdin_with_bad_bytes():
    import io

    bad = io.TextIOWrapper(io.BytesIO(b"caf\xe9 baclofen"), encoding="utf-8")
    _, errs = collect(["-"], stdin=bad)
    assert "not valid UTF-8" in str(errs[0]) and "<stdin>" in str(errs[0])


# -- property-based ----------------------------------------------------------------------------

HEALTH = ["baclofen", "Baclofen", "fibromyalgia", "FMS", "may help", "has been shown", "cures", "not",
          "approved", "FDA", "mg", "120", "daily", "studies suggest", "duloxetine", "MS", "pain", "(", ")",
          ".", "!", "?", "\n", "\n\n", "e.g.", "Dr.", "“", "”", "•", "-", "It", "this", "spasticity"]
texts = st.lists(st.one_of(st.sampled_from(HEALTH), st.text(max_size=12)), max_size=60).map(
    lambda parts: " ".join(parts))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".txt", ".md", ".jsonl", ".csv", ".html"]))
def test_ingest_never_raises_on_random_bytes(tmp_path, data, suffix):
    p = tmp_path / f"f{suffix}"
    p.write_bytes(data)
    for item in iter_articles([p]):
        assert isinstance(item, InputError) or 0 < len(item.text.strip())
        if isinstance(item, InputError):
            assert str(p) in str(item)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.one_of(texts, st.text(max_size=80)), max_size=8), as_csv=st.booleans())
def test_ingest_rows_never_raise(tmp_path, rows, as_csv):
    import csv
    import io

    if as_csv:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["id", "text"])
        for i, r in enumerate(rows):
            w.writerow([i, r])
        (tmp_path / "r.csv").write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")
        p = tmp_path / "r.csv"
    else:
        p = tmp_path / "r.jsonl"
        p.write_text("\n".join(json.dumps({"id": i, "text": r}) for i, r in enumerate(rows)))
    items = list(iter_articles([p]))
    for item in items:
        if not isinstance(item, InputError):
            item.text.encode("utf-8")  # always writable


@pytest.fixture(scope="module")
def auditor():
    from pipeline.run.auditor import Auditor

    return Auditor()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_audit_random_text_offsets_inside_and_schema_valid(auditor, text):
    art = article_from_text(text, id="prop")
    from pipeline.report.writer import AuditWriter

    res = auditor.audit_article(art)  # no exception escapes
    n = len(art.text)
    validate_record(article_record(res), "article")
    # what the writer puts on disk parses back and validates too
    back = json.loads(AuditWriter._line(article_record(res)))
    validate_record(back, "article")
    for s, e, _ in res.boilerplate:
        assert 0 <= s <= e <= n
    for cc in res.claims:
        rec = claim_record(cc)
        validate_record(rec, "claim")
        validate_record(json.loads(AuditWriter._line(rec)), "claim")
        assert 0 <= rec["start"] <= rec["end"] <= n
        assert art.text[rec["start"]:rec["end"]].strip() == rec["sentence"].strip() or rec["sentence"] in art.text
        for m in (cc.claim.drug, cc.claim.condition):
            if m is not None and m.via not in ("topic",):
                assert 0 <= m.start <= m.end <= n
        for cue in cc.claim.cues:
            d = cue.to_dict()
            if "start" in d:
                assert 0 <= d["start"] <= d["end"] <= n
