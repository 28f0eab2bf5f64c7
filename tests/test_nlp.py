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
