"""Text normalisation before NLP (issue 14): invisible characters, full-width and look-alike
letters, a trailing fragment or a missing final period cannot hide a claim, and every offset of
every output record points into the original text (pipeline/nlp/normalize.py, nlp/remap.py)."""
from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import pipeline
from pipeline.cli.main import app
from pipeline.ingest.reader import article_from_text, iter_articles
from pipeline.nlp.normalize import compile_table, load_table, normalize
from pipeline.report.records import article_record, claim_record, validate_record

CLEAN = "Baclofen has been shown to be effective for fibromyalgia."
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u200e", "\u200f", "\u202a", "\u202b",
             "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
CYRILLIC = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "c": "\u0441", "p": "\u0440", "B": "\u0412"}


def fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in s)


def visible(s: str) -> str:
    return normalize(s)[0]


def verdicts(claims) -> list[tuple]:
    return [(cc.claim.type.value, cc.verdict.label.value, cc.verdict.severity.value, cc.verdict.flagged)
            for cc in claims]


VARIANTS = {
    "trailing Ok": CLEAN + " Ok",
    "no final period": CLEAN[:-1],
    "no final period, trailing newline": CLEAN[:-1] + "\n",
    "zero-width space in Baclofen": "Bac\u200blofen" + CLEAN[8:],
    "soft hyphens in Baclofen": "Bac\u00adlo\u00adfen" + CLEAN[8:],
    "BOM at the start": "\ufeff" + CLEAN,
    "right-to-left marks": "\u200f" + CLEAN.replace(" ", " \u200f") + "\u200f",
    "bidi embedding and isolate": "\u202b\u2067" + CLEAN + "\u2069\u202c",
    "full-width letters": fullwidth(CLEAN),
    "Cyrillic look-alikes": CLEAN.replace("a", CYRILLIC["a"]).replace("o", CYRILLIC["o"]),
    "ligature": CLEAN.replace("ffe", "\ufb00e"),
    "all at once": "\ufeff" + fullwidth("Ba") + "c\u200bl\u043efen has been shown to be e\u00adffective for "
                   "fibromyalgia.\u200f Ok",
}


@pytest.fixture(scope="module")
def clean_verdict():
    v = verdicts(pipeline.check(CLEAN).claims)
    assert v == [("efficacy", "overstated", "high", True)]
    return v


def assert_points_into(text: str, cc) -> None:
    """The claim's offsets slice ``text`` to the claim's own words, visibly the clean ones."""
    c = cc.claim
    assert text[c.start:c.end] == c.sentence
    assert visible(c.sentence) in (CLEAN, CLEAN[:-1])
    assert text[c.drug.start:c.drug.end] == c.drug.text and visible(c.drug.text) == "Baclofen"
    assert text[c.condition.start:c.condition.end] == c.condition.text
    assert visible(c.condition.text) == "fibromyalgia"
    for cue in c.cues:
        assert text[cue.start:cue.end] == cue.text


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variant_gets_the_clean_verdict_with_offsets_into_the_original(name, clean_verdict):
    text = VARIANTS[name]
    res = pipeline.check(text)
    assert verdicts(res.claims) == clean_verdict, name
    assert res.result.article.text is text  # the article keeps its text exactly
    assert_points_into(text, res.claims[0])
    rec = claim_record(res.claims[0])
    validate_record(rec, "claim")
    assert text[rec["start"]:rec["end"]] == rec["sentence"]


@pytest.mark.parametrize("name", ["trailing Ok", "no final period", "zero-width space in Baclofen",
                                  "soft hyphens in Baclofen", "BOM at the start", "right-to-left marks",
                                  "full-width letters"])
def test_overclaim_check_flags_the_variant(name):
    out = CliRunner().invoke(app, ["check", VARIANTS[name]])
    assert out.exit_code == 0
    assert "No checkable claim found" not in out.output
    assert "[FLAG] overstated" in out.output and "baclofen / fibromyalgia" in out.output


@st.composite
def disguised(draw) -> str:
    """The flagged sentence with some characters full-width, some letters Cyrillic look-alikes
    (never a word's first letter, so each word keeps a Latin one) and invisible characters
    inserted anywhere."""
    chars = list(CLEAN)
    for i, c in enumerate(chars):
        how = draw(st.sampled_from(["keep", "keep", "fullwidth", "lookalike"]))
        if how == "fullwidth":
            chars[i] = fullwidth(c)
        elif how == "lookalike" and c in CYRILLIC and i > 0 and CLEAN[i - 1] != " ":
            chars[i] = CYRILLIC[c]
    inserts = draw(st.lists(st.tuples(st.integers(0, len(chars)), st.sampled_from(INVISIBLE)), max_size=10))
    for pos, ch in sorted(inserts, reverse=True):
        chars.insert(pos, ch)
    return "".join(chars)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=disguised())
def test_any_disguise_of_a_flagged_sentence_gets_its_verdict(text, clean_verdict):
    assert visible(text) == CLEAN
    res = pipeline.check(text)
    assert verdicts(res.claims) == clean_verdict
    assert_points_into(text, res.claims[0])


# -- normalize() itself --------------------------------------------------------------------------

def test_text_that_needs_no_change_comes_back_as_it_is():
    # U+1D455 lies in a normalised range but has no compatibility form (unassigned)
    for text in (CLEAN, "Baclofen’s “effect” on pain — 1½ tablets, 10 µg/m², naïve… TNFα, β-blockers ®",
                 "x \U0001d455 y"):
        norm, omap = normalize(text)
        assert norm is text and omap is None


def test_words_wholly_in_another_script_are_left_alone():
    text = "Баклофен (по-русски) and Greek αβγ stay; Bаclofen is folded."
    norm, omap = normalize(text)
    assert norm == text.replace("Bаclofen", "Baclofen") and len(norm) == len(text)
    assert omap is not None and omap.span(0, 8) == (0, 8)


def test_offset_map_skips_removed_characters_at_span_edges():
    text = "\u200b\u200bBac\u00adlofen\u200b has"
    norm, omap = normalize(text)
    assert norm == "Baclofen has"
    s, e = omap.span(0, 8)
    assert text[s:e] == "Bac\u00adlofen"
    s, e = omap.span(9, 12)
    assert text[s:e] == "has"
    assert omap.span(12, 12) == (len(text), len(text))


def test_expanding_characters_map_to_the_whole_original_character():
    text = "e\ufb00ective ｍｇ"
    norm, omap = normalize(text)
    assert norm == "effective mg"
    assert omap.span(0, 9) == (0, 8) and omap.span(1, 2) == (1, 2) and omap.span(2, 3) == (1, 2)
    s, e = omap.span(10, 12)
    assert text[s:e] == "ｍｇ"


def test_table_is_checked_when_loaded():
    good = {"version": 1, "remove": [{"from": "U+200B", "to": "U+200B", "name": "zwsp"}],
            "nfkc": [{"from": "U+FF01", "to": "U+FF5E", "name": "full-width"}], "homoglyphs": {"а": "a"}}
    assert compile_table(good).replace["\u200b"] == ""
    bad = [
        ({"remove": [{"from": "200B", "to": "U+200B", "name": "x"}]}, "not a code point"),
        ({"remove": [{"from": "U+200C", "to": "U+200B", "name": "x"}]}, "is after"),
        ({"remove": [{"from": "U+200B", "to": "U+200B"}]}, "exactly"),
        ({"nfkc": [{"from": "U+200B", "to": "U+200B", "name": "x"}]}, "both in"),
        ({"homoglyphs": {"а": "ab"}}, "one ASCII letter"),
        ({"homoglyphs": {"a": "a"}}, "non-ASCII letter"),
        ({"version": "1"}, "version"),
    ]
    for change, message in bad:
        raw = copy.deepcopy(good)
        raw.update(change)
        with pytest.raises(ValueError, match=message):
            compile_table(raw)
    assert load_table().replace["\ufeff"] == "" and load_table().replace["Ｂ"] == "B"


# -- a whole article: every record's offsets point into the original ---------------------------

ARTICLE = ("Baclofen for Fibromyalgia\n\n"
           "As an Amazon Associate I earn from qualifying purchases.\n\n"
           "Baclofen has been shown to be effective for fibromyalgia. The maximum dose of baclofen is 80 mg a day. "
           "Baclofen can cause drowsiness, and stopping it suddenly is dangerous.\n\n"
           "Duloxetine is approved by the FDA for fibromyalgia. A 2019 randomised trial found it may reduce pain.\n")


def disguise_article(text: str) -> str:
    """Invisible characters every few characters (inside words too), a BOM, full-width words."""
    out = "\ufeff" + text.replace("Duloxetine", fullwidth("Duloxetine")).replace("mg", fullwidth("mg"))
    return "".join(c + ("\u200b" if i % 7 == 3 else "\u00ad" if i % 11 == 5 else "") for i, c in enumerate(out))


def test_every_offset_of_an_article_points_into_the_original(auditor):
    dirty = disguise_article(ARTICLE)
    assert visible(dirty) == ARTICLE
    clean_res = auditor.audit_article(article_from_text(ARTICLE, id="a"))
    art = article_from_text(dirty, id="a")
    res = auditor.audit_article(art)
    assert res.article is art and art.text == dirty
    assert len(clean_res.claims) >= 4 and verdicts(res.claims) == verdicts(clean_res.claims)
    assert any(q for cc in res.claims for q in cc.claim.quantities)
    for cc, c0 in zip(res.claims, clean_res.claims):
        assert_same_claim(dirty, cc.claim, ARTICLE, c0.claim)
        validate_record(claim_record(cc), "claim")
    assert [k for *_, k in res.boilerplate] == [k for *_, k in clean_res.boilerplate] == ["affiliate"]
    for (s, e, _), (s0, e0, _) in zip(res.boilerplate, clean_res.boilerplate):
        assert visible(dirty[s:e]) == ARTICLE[s0:e0]
    assert_same_scorecard(dirty, res.scorecard, ARTICLE, clean_res.scorecard)
    validate_record(article_record(res), "article")


def assert_same_claim(text, c, text0, c0) -> None:
    assert text[c.start:c.end] == c.sentence and visible(c.sentence) == c0.sentence
    assert c.id == c0.id  # ids come from the words, not from invisible characters
    for m, m0 in ((c.drug, c0.drug), (c.condition, c0.condition)):
        assert (m is None) == (m0 is None)
        if m is not None:
            assert text[m.start:m.end] == m.text and visible(m.text) == text0[m0.start:m0.end]
    assert [visible(text[x.start:x.end]) for x in c.cues] == [text0[x.start:x.end] for x in c0.cues]
    for q, q0 in zip(c.quantities, c0.quantities, strict=True):
        assert text[c.start + q.start:c.start + q.end] == q.text
        assert visible(q.text) == c0.sentence[q0.start:q0.end] and q.value == q0.value


def assert_same_scorecard(text, card, text0, card0) -> None:
    assert card["n_satisfactory"] == card0["n_satisfactory"]
    n = 0
    for name, crit in card["criteria"].items():
        crit0 = card0["criteria"][name]
        assert crit["rating"] == crit0["rating"], name
        for ev, ev0 in zip(crit["evidence"], crit0["evidence"], strict=True):
            assert text[ev["start"]:ev["end"]] == ev["text"] and visible(ev["text"]) == ev0["text"]
            n += 1
    assert n, "the article has scorecard evidence"


@pytest.fixture(scope="module")
def auditor():
    from pipeline.run.auditor import Auditor

    return Auditor()


# -- real articles (FakeHealth, from the shared data directory) ----------------------------------

def fakehealth(shared_dir):
    files = sorted((shared_dir / "articles" / "fakehealth").glob("*.jsonl"))
    if not files:
        pytest.skip("articles/fakehealth missing from the shared data directory")
    return [a for a in iter_articles(files) if not isinstance(a, Exception)]


@pytest.fixture(scope="module")
def real_articles(shared_dir):
    return fakehealth(shared_dir)


def outputs(res) -> tuple[list, dict]:
    arec = article_record(res)
    arec.pop("seconds")
    return [claim_record(cc) for cc in res.claims], arec


def test_real_articles_that_need_no_change_give_the_same_outputs(real_articles, auditor, monkeypatch):
    # Non-ASCII but nothing to change: curly quotes, dashes, accents, ®, ½... (most real articles)
    plain = [a for a in real_articles if not a.text.isascii() and normalize(a.text)[1] is None][:6]
    assert len(plain) == 6
    for a in plain:
        assert normalize(a.text)[0] is a.text
    with_norm = [outputs(auditor.audit_article(a)) for a in plain]
    monkeypatch.setattr("pipeline.run.auditor._normalized", lambda art: (art, None))
    assert [outputs(auditor.audit_article(a)) for a in plain] == with_norm
    assert sum(len(c) for c, _ in with_norm) > 0


def test_real_articles_with_invisible_characters_map_back(real_articles, auditor):
    # Some FakeHealth texts carry zero-width spaces, soft hyphens, a BOM, ligatures.
    dirty = [a for a in real_articles if normalize(a.text)[1] is not None][:5]
    assert len(dirty) >= 3
    for a in dirty:
        clean = normalize(a.text)[0]
        res = auditor.audit_article(a)
        res0 = auditor.audit_article(article_from_text(clean, id=a.id, title=visible(a.title) if a.title else None))
        assert verdicts(res.claims) == verdicts(res0.claims), a.id
        for cc, c0 in zip(res.claims, res0.claims):
            assert_same_claim(a.text, cc.claim, clean, c0.claim)
        assert_same_scorecard(a.text, res.scorecard, clean, res0.scorecard)
        assert json.loads(json.dumps(article_record(res)))["n_chars"] == len(a.text)


def test_written_records_point_into_the_article_text(tmp_path):
    """Through `overclaim audit`: claims.jsonl and articles.jsonl offsets slice the text as read."""
    dirty = disguise_article(ARTICLE)
    src = tmp_path / "in" / "post.txt"
    src.parent.mkdir()
    src.write_text(dirty, encoding="utf-8")
    r = CliRunner().invoke(app, ["audit", str(src.parent), "--out", str(tmp_path / "out"), "-q", "--no-html"])
    assert r.exit_code == 0, r.output
    claims = [json.loads(x) for x in (tmp_path / "out" / "claims.jsonl").read_text("utf-8").splitlines()]
    [art] = [json.loads(x) for x in (tmp_path / "out" / "articles.jsonl").read_text("utf-8").splitlines()]
    [read] = list(iter_articles([src]))
    assert read.text == dirty[1:]  # the reader drops the byte-order mark that starts a UTF-8 file
    dirty = read.text
    assert art["n_chars"] == len(dirty) and any(c["flagged"] for c in claims)
    for c in claims:
        assert dirty[c["start"]:c["end"]] == c["sentence"]
        for m in (c["drug"], c["condition"]):
            if m:
                assert dirty[m["start"]:m["end"]] == m["text"]
    for b in art["boilerplate"]:
        assert visible(dirty[b["start"]:b["end"]]).startswith("As an Amazon Associate")
    for crit in art["scorecard"]["criteria"].values():
        for ev in crit["evidence"]:
            assert dirty[ev["start"]:ev["end"]] == ev["text"]
