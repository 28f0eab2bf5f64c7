"""NLP stage: tokenizer, sentences, abbreviation-aware linking, cues with scope."""
from __future__ import annotations

import pytest

from pipeline.nlp import get_nlp


@pytest.fixture(scope="module")
def nlp():
    return get_nlp()


def ents(doc):
    return [(e.text, e.label_, e.kb_id_) for e in doc.ents]


def test_links_generic_brand_and_defined_abbreviation(nlp):
    doc = nlp("Fibromyalgia Syndrome (FMS) is common. Lioresal is baclofen. FMS patients often ask about it.")
    found = ents(doc)
    assert ("Lioresal", "DRUG", "rxcui:1292") in found
    assert ("baclofen", "DRUG", "rxcui:1292") in found
    fms = [e for e in doc.ents if e.text == "FMS"]
    assert len(fms) == 2 and all(e.kb_id_ == "doid:631" for e in fms)


def test_intrathecal_form_and_itb(nlp):
    doc = nlp("Intrathecal baclofen (ITB) is delivered by a pump. ITB needs refills.")
    ids = {e.text: e.kb_id_ for e in doc.ents}
    assert ids["Intrathecal baclofen"] == ids["ITB"]
    assert ids["Intrathecal baclofen"] != "rxcui:1292"  # the form, not the oral ingredient


def test_ms_defined_in_text_links_to_multiple_sclerosis(nlp):
    doc = nlp("Patients with multiple sclerosis (MS) have spasticity. In MS, baclofen is standard.")
    ms = [e for e in doc.ents if e.text == "MS"]
    assert ms and all("multiple sclerosis" == nlp.get_pipe("overclaim_linker").canonical[e.kb_id_] for e in ms)


def test_plural_matches_singular_name(nlp):
    doc = nlp("Spasticity after spinal cord injuries is common.")
    assert any(e.label_ == "CONDITION" and "spinal cord injur" in e.text for e in doc.ents)


def test_unknown_word_is_not_linked(nlp):
    doc = nlp("Zorblaxin is a new gadget for the kitchen.")
    assert not [e for e in doc.ents if e.label_ == "DRUG"]


def test_sentences_break_at_lines_and_not_after_abbreviations(nlp):
    doc = nlp("Key Takeaways\n\n• Baclofen helps, e.g. in MS. It is approved.\nDosage")
    sents = [s.text.strip() for s in doc.sents if s.text.strip()]
    assert sents[0] == "Key Takeaways"
    assert sents[1] == "• Baclofen helps, e.g. in MS."
    assert sents[2] == "It is approved."
    assert sents[-1] == "Dosage"


def test_cues_and_scope(nlp):
    doc = nlp("Baclofen has been shown to reduce pain, but it may not help sleep.")
    kinds = {(c.text, c._.cue_kind) for c in doc._.cues}
    assert ("has been shown", "booster") in kinds
    assert ("may", "hedge") in kinds
    assert ("not", "negation") in kinds
    booster = next(c for c in doc._.cues if c._.cue_kind == "booster")
    s, e = booster._.scope
    assert "reduce pain" in doc[s:e].text and "sleep" not in doc[s:e].text  # scope ends at ", but"


def test_linker_serialises(tmp_path, nlp):
    linker = nlp.get_pipe("overclaim_linker")
    linker.to_disk(tmp_path / "linker")
    from pipeline.nlp.linker import EntityLinker

    other = EntityLinker(nlp, "copy", threshold=0.6, max_tokens=8, resolve_abbreviations=True)
    other.from_disk(tmp_path / "linker")
    assert other.lower == linker.lower and other.canonical == linker.canonical


def test_everyday_words_in_open_vocabularies_are_not_linked(nlp):
    doc = nlp("The lead author said gold standard trials of baclofen lead to water retention.")
    assert [(e.text, e.label_) for e in doc.ents] == [("baclofen", "DRUG")]


def test_issue2_degree_after_a_name_is_not_multiple_sclerosis(nlp):
    doc = nlp("Patients with multiple sclerosis (MS) need care. Written by Jordan Park, MS, PT.")
    ms = [e for e in doc.ents if e.text == "MS"]
    assert len(ms) == 1 and ms[0].start_char < 50


def test_issue6_boilerplate_pruning_finds_what_a_full_search_finds(seeds_dir, monkeypatch):
    from pathlib import Path

    import pipeline.nlp.boilerplate as bp

    texts = [p.read_text("utf-8") for p in sorted(Path("corpora/samples").glob("*.md"))]
    texts += [p.read_text("utf-8") for p in sorted(seeds_dir.iterdir()) if p.is_file()]
    texts += ["Medical disclaimer: this article is for informational purposes only.\nShare\nHome | Menu",
              "A woman holding a bottle of pills next to a glass of water\nThe label reads: baclofen 10 mg"]
    pruned = [bp.find_boilerplate(t) for t in texts]
    assert sum(map(len, pruned)) >= 8
    monkeypatch.setattr(bp, "literal_safe", lambda text: False)
    assert [bp.find_boilerplate(t) for t in texts] == pruned


def test_issue6_fast_abbreviation_candidates_match_scispacys_detector(nlp, shared_dir):
    """overclaim_abbreviations finds the bracket candidates from the token array; the abbreviations
    and long forms must be those of scispacy's Matcher-based detector on real articles."""
    import warnings

    from scispacy.abbreviation import AbbreviationDetector

    from pipeline.run.bench import load_articles

    ours = nlp.get_pipe("overclaim_abbreviations")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = AbbreviationDetector(nlp)
        arts, _ = load_articles(shared_dir / "articles", 400)
        texts = [a.text for a in arts] + ["(A) b (CD) ( x ) y z (long form here (LF)) LF",
                                       "Magnetic resonance imaging (MR imaging) is used; MR imaging and MR scans. MR imaging", "( )", "(", "x (y"]
        n = 0
        for t in texts:
            doc = nlp.make_doc(t)
            expected = [(x[0], x[1] + 1, x[2] - 1) for x in theirs.matcher(doc)]
            assert [m[1:] for m in ours.candidates(doc)] == [m[1:] for m in expected if m[2] - m[1] <= 8]
            a, b = theirs(nlp.make_doc(t)), ours(nlp.make_doc(t))
            key = lambda d: sorted((s.start, s.end, s._.long_form.start, s._.long_form.end) for s in d._.abbreviations)
            assert key(a) == key(b), t[:80]
            n += len(key(a))
    assert n > 200  # abbreviations found (and compared) in the articles


def _every_start_candidates(linker, doc):
    """The linker's candidate search before the start filter (issue 6): every token whose text
    starts some name is tried. The reference the filtered search must equal."""
    from pipeline.nlp.linker import _singular

    words = [t.text for t in doc]
    lows = [w.lower() for w in words]
    n, out = len(words), []
    lower, exact = linker.lower, linker.exact
    starts = sorted({i for i, w in enumerate(lows) if w in linker.first_lower}
                    | {i for i, w in enumerate(words) if w in linker.first_exact})
    plans = ((lower, linker.first_lower, lows, linker._lengths(lower)),
             (exact, linker.first_exact, words, linker._lengths(exact)))
    for i in starts:
        for table, first, seq, (long_lens, two) in plans:
            m = first.get(seq[i])
            if m is None:
                continue
            top = min(n, i + m)
            js = [i + k for k in long_lens.get((seq[i], seq[i + 1]), ()) if i + k <= top] if i + 1 < n else []
            if seq[i] in two and i + 2 <= top:
                js.append(i + 2)
            js.append(i + 1)
            for j in js:
                key = tuple(seq[i:j])
                hit = table.get(key)
                if hit is None and table is lower and key[-1][-1:] == "s" and _singular(key[-1]):
                    hit = table.get(key[:-1] + (_singular(key[-1]),))
                if hit:
                    out.append((i, j, hit, "exact" if table is exact else "lower"))
                    break
    return out


def test_issue6_linker_start_filter_finds_every_candidate(nlp, shared_dir):
    """The linker looks for names only where its hashed start filter allows; on real articles and
    on plurals of one- and two-word names it must find exactly what trying every start finds."""
    from pipeline.run.bench import load_articles

    linker = nlp.get_pipe("overclaim_linker")
    arts, _ = load_articles(shared_dir / "articles", 300)
    texts = [a.text for a in arts] + [
        "Heart attacks, migraines and seizures; two heart attack patients. Hot flashes? ITB, itb, MS.",
        "", "a", "In in IN"]
    found = 0
    for t in texts:
        doc = nlp.make_doc(t)
        ours = linker._candidates(doc)
        assert ours == _every_start_candidates(linker, doc), t[:80]
        found += len(ours)
    assert found > 1000
    plural_doc = nlp.make_doc(texts[-4])
    spans = {plural_doc[i:j].text for i, j, _, _ in linker._candidates(plural_doc)}
    assert {"Heart attacks", "migraines", "seizures", "heart attack", "Hot flashes"} <= spans


def test_issue6_link_score_and_via_are_those_of_the_kept_link(nlp):
    """A name matched both case-insensitively and as an exact abbreviation gives two candidate
    spans over the same words; extension values are stored by character range, so the dropped
    candidate used to overwrite the kept entity's score and "via" (SNRIs showed score 0)."""
    from pipeline.claims.extract import extract_claims_from_text

    text = ("Selective serotonin reuptake inhibitors (SSRIs) or serotonin norepinephrine reuptake "
            "inhibitors (SNRIs) may help.")
    doc = nlp(text)
    got = {e.text: (e.kb_id_, e._.link_score, e._.link_via) for e in doc.ents}
    assert got["SNRIs"] == ("oc:snris", 1.0, "name")
    assert got["SSRIs"] == ("oc:ssris", 1.0, "name")
    mentions = {(c.drug.text, c.drug.score, c.drug.via) for c in extract_claims_from_text(
        "SNRIs are approved for fibromyalgia. " + text) if c.drug}
    assert ("SNRIs", 1.0, "name") in mentions


def test_issue6_cue_scopes_stay_in_the_sentence_spacy_gives(nlp, shared_dir):
    """Cue scopes take the sentence bounds from the sentence starts read once per doc; they must be
    those found with ``Span.sent`` for every cue of real articles."""
    from pipeline.run.bench import load_articles

    tagger = nlp.get_pipe("overclaim_cues")
    arts, _ = load_articles(shared_dir / "articles", 120)
    n = 0
    for a in arts:
        doc = nlp(a.text)
        for cue in doc._.cues:
            sent, direction = cue.sent, tagger.meta[cue._.cue_kind]["direction"]
            start, end = cue.start, cue.end
            if direction in ("forward", "bidirectional"):
                end = next((k for k in range(cue.end, sent.end) if doc[k].lower_ in tagger.terminators), sent.end)
            if direction in ("backward", "bidirectional"):
                start = next((k + 1 for k in range(cue.start - 1, sent.start - 1, -1)
                              if doc[k].lower_ in tagger.terminators), sent.start)
            assert cue._.scope == (start, end), (cue.text, a.id)
            n += 1
    assert n > 300


def test_issue6_boilerplate_found_in_the_first_article_of_a_process(monkeypatch):
    """The boilerplate literal index starts empty in every process (workers, a resumed run): the
    very first article must be searched with every literal registered (a first article's
    affiliate line was missed, so --resume and --workers outputs differed from a single run)."""
    import pipeline.nlp.boilerplate as bp
    from pipeline.util.prefilter import LiteralIndex

    monkeypatch.setattr(bp, "_INDEX", LiteralIndex())
    text = "Baclofen helps.\nAs an Amazon Associate I earn from qualifying purchases.\nMore text."
    assert [k for _, _, k in bp.find_boilerplate(text)] == ["affiliate"]


# -- issue 14: headings do not swallow a paragraph that merely lacks a final period -------------

def test_issue14_heading_lines_are_short_titles_followed_by_text():
    from pipeline.nlp.boilerplate import find_headings

    text = ("Baclofen for Fibromyalgia: What the Evidence Says\n\n"
            "Baclofen has been shown to be effective for fibromyalgia. Ok\n\n"
            "Side Effects\n"
            "“Baclofen can cause drowsiness.”\n"
            "Baclofen has been shown to be effective for fibromyalgia")
    found = [text[s:e] for s, e in find_headings(text)]
    # a sentence plus a trailing fragment, a quoted sentence and the last line are not headings
    assert found == ["Baclofen for Fibromyalgia: What the Evidence Says", "Side Effects"]


def test_issue14_a_one_line_text_without_final_period_is_not_a_heading():
    from pipeline.nlp.boilerplate import find_headings

    for text in ("Baclofen has been shown to be effective for fibromyalgia",
                 "Baclofen has been shown to be effective for fibromyalgia\n\n",
                 "Baclofen has been shown to be effective for fibromyalgia. Ok"):
        assert find_headings(text) == []


def test_issue18_the_pipeline_follows_spacys_conventions():
    """Built from its config (resources/nlp.cfg); every component declares what it assigns, spaCy's
    pipe analysis finds no missing requirement, and data loads in initialize(), not in the factory."""
    import spacy

    from pipeline.nlp import build_nlp
    from pipeline.nlp.cues import CueTagger
    from pipeline.resources.schema import read_text

    nlp = build_nlp()
    cfg = spacy.util.load_config_from_str(read_text("nlp.cfg"))
    assert nlp.pipe_names == cfg["nlp"]["pipeline"]
    analysis = nlp.analyze_pipes()
    assert all(analysis["summary"][name]["assigns"] for name in nlp.pipe_names)
    assert not any(analysis["problems"].values())
    fresh = CueTagger(nlp, "cues", lexicon="cues.yaml")
    with pytest.raises(RuntimeError, match="initialize"):
        fresh(nlp.make_doc("Baclofen may help."))
    fresh.initialize(nlp=nlp)
    doc = nlp.get_pipe("overclaim_sentences")(nlp.make_doc("Baclofen may help."))
    assert [c[2] for c in fresh(doc)._.cue_rows] == ["hedge"]
