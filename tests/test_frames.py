"""Claim frames (pipeline/frames): sentence readings, the article's own evidence, the flag policy.

One test per failure pattern of issue 15 (real news read by a health-news reviewer), on sentences of
the same shape written for these tests, plus the bundled samples, the seeds and the real-article
dev split read from the shared folder.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import check
from pipeline.run.auditor import Auditor
from pipeline.frames.analyse import analyse
from pipeline.frames.design import article_design
from pipeline.frames.lexicon import LexiconError, load_lexicon, validate
from pipeline.frames.policy import load_category_rules, load_policy
from pipeline.ingest.reader import iter_articles

SAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "samples"


def flagged(text: str) -> list:
    return [cc for cc in check(text).claims if cc.verdict.flagged]


# -- readings ------------------------------------------------------------------------------------

@pytest.mark.parametrize("sentence,strength,polarity", [
    ("Vitamin C also appeared to prevent colds.", "hedged", "positive"),
    ("Magnesium may help insomnia.", "hedged", "positive"),
    ("Eribulin, meanwhile, is no cure.", "direct", "negative"),
    ("Formoterol was not less effective than salmeterol.", "direct", "positive"),
    ("Coffee drinkers had a lower risk of stroke.", "correlational", "positive"),
    ("The compound reverses arthritis, raising hopes of a cure.", "direct", "positive"),
    ("Turmeric has been proven to cure arthritis.", "absolute", "positive"),
    ("Researchers have not yet found a cure.", "direct", "negative"),
])
def test_strength_and_polarity_of_the_main_predicate(sentence, strength, polarity):
    r = analyse(sentence)
    assert (r.strength, r.polarity) == (strength, polarity)


@pytest.mark.parametrize("sentence,act", [
    ("Many people currently take fish oil supplements to decrease their risk for heart disease.", "usage"),
    ("It would certainly be premature to suggest that aspirin prevents cancer.", "caveat"),
    ("More research is needed before doctors recommend it.", "caveat"),
    ("The study found that walking lowered blood pressure.", "reported_finding"),
    ('"This is a game-changer," said Professor Reid.', "quote"),
])
def test_speech_acts(sentence, act):
    assert analyse(sentence).speech_act == act


def test_the_cause_of_is_a_noun_not_a_causal_claim():
    assert analyse("The exact cause of fibromyalgia is unknown.").causal is False


def test_article_design_needs_more_than_one_stray_cue():
    assert article_design(["Mice given the drug lived longer.", "The mice were leaner."]) == "animal"
    assert article_design(["In a randomised trial of 400 adults, the drug lowered pain.",
                           "Participants were randomly assigned to the drug or placebo.",
                           "Earlier work in mice had suggested the effect."]) == "rct"


@pytest.mark.parametrize("sentence,intervention", [
    ("A common garden weed increases the risk of liver damage, research has shown.", "common garden weed"),
    ("Eating a Mediterranean diet can slow down cognitive decline.", "mediterranean diet"),
    ("The Nordic diet can improve your heart health, a study shows.", "nordic diet"),
    ("Researchers say that people who eat dried apricots as part of their diet can reduce their risk of cancer.",
     "dried apricots"),
    ("The researchers started with a pool of 841 men treated with radiation for prostate cancer.", None),
    ("Doctor Challenges Cause Of Migraine And Treatment", None),
])
def test_intervention_read_from_the_subject(sentence, intervention):
    from pipeline.frames.build import guess_intervention
    r = analyse(sentence)
    assert (guess_intervention(sentence, r.predicate[0]) if r.predicate else None) == intervention


def test_risk_figures_of_a_group_are_correlational_and_cell_results_are_cell_level():
    assert analyse("They had a 71 percent reduced risk of death compared to those who took other drugs.").strength \
        == "correlational"
    assert analyse("The device uses minute amounts of a metal to trigger reactions in cells.").population == "cell"


# -- verdicts: the failure patterns of issue 15 ------------------------------------------------

def test_no_cure_is_not_contradicted_by_an_approval():
    res = check("Duloxetine is no cure for fibromyalgia.")
    assert not any(cc.verdict.flagged for cc in res.claims)


def test_not_less_effective_than_is_not_a_denial_of_the_comparator():
    res = check("Formoterol was not less effective than salmeterol for asthma.")
    assert not any(cc.verdict.flagged for cc in res.claims)


def test_premature_to_suggest_is_not_a_strong_claim():
    assert not flagged("It would certainly be premature to suggest that aspirin prevents cancer.")


def test_hedged_claim_where_trials_are_inconclusive_is_not_flagged():
    assert not flagged("Magnesium may help insomnia.")


def test_reference_flags_respect_denials_and_hedges_about_something_else():
    """Regressions from unlabelled real news (FakeHealth): a limitation the claim rules missed, and a
    hedge about scientists' progress towards a product, are not contradictions of the evidence."""
    assert not flagged("Efforts to gauge the health impact of zinc have not yet demonstrated any clear benefit "
                       "for the common cold.")
    assert not flagged("Scientists may be inching toward a vaccine that could tackle the common cold.")
    assert flagged("Homeopathy cures asthma.")  # a direct claim against the evidence is still flagged


def test_reference_flags_need_the_claim_in_the_sentence():
    """Regressions from unlabelled real news (FakeHealth), in sentences of the same shape: a denial about
    the patients, a cure rate, a call for trials, a study's reported finding, and a hope voiced in a
    laboratory-research article are not flags; the plain overclaims still are."""
    assert not flagged("Pegloticase is for adults with chronic gout who do not improve with other treatments.")
    assert flagged("Baclofen does not work for spasticity.")
    assert not flagged("Intensive chemotherapy, which cures up to 90 percent of children with leukemia, failed her.")
    assert flagged("Homeopathy cures asthma.")
    assert not flagged("Before recommending homeopathy for asthma, we need appropriate clinical trials to establish "
                       "its efficacy.")
    assert not flagged("Another study has found that women who drank more red wine had less dense breast tissue, "
                       "a marker of breast cancer risk.")
    lab = ("In the study, mice given the vaccine were protected from the virus.\n\n"
           "The mice also made more antibodies.\n\n"
           "Scientists may be inching toward a vaccine that could prevent HIV infection.")
    assert not [cc for cc in check(lab).claims if cc.verdict.flagged and cc.claim.drug
                and cc.claim.drug.text.lower() == "vaccine" and cc.claim.start > 90]


def test_background_research_regulatory_terms_and_trial_doses_are_not_flagged():
    """Regressions from two random samples of 300 unlabelled FakeHealth articles (seeds 7 and 8), in
    sentences of the same shape."""
    mice = ("Mice given the compound lived longer.\n\nThe mice were also leaner.\n\n"
            "Previous studies have found that the compound can reverse arthritis.")
    assert not [cc for cc in check(mice).claims if cc.verdict.flagged and cc.claim.start > 60]
    assert not flagged("The drug was granted breakthrough therapy designation for the treatment of psoriasis.")
    assert not flagged("Many parents are hoping for a breakthrough for their children.")
    assert not flagged("Two trials that used 192 and 207 mg of zinc per day found no extra benefit.")
    assert not flagged("Thus, zinc doses of over 100 mg per day do not seem to provide any more benefit.")
    assert not flagged("Peg-interferon and ribavirin cures about half of people with hepatitis C who take it.")
    assert not flagged("All studies were small and of short duration, and none of the studies were designed to "
                       "test whether cocoa leads to fewer heart attacks.")
    assert not flagged("Researchers said that denosumab is not approved for breast cancer prevention.")
    assert not flagged("If a drug were developed that blocked the enzyme, chemotherapy could be used with no risk "
                       "of the cancer spreading.")
    assert not flagged("The benefit of cocoa flavanols for memory in healthy people remained uncertain.")
    assert not flagged('"There is a high unmet need," says Jane Roe of the Institute for Homeopathy Research, '
                       "of the lack of treatments for asthma.")


def test_associations_hopes_goals_and_reported_safety_results_are_not_flagged():
    """Regressions from a blind reading of 125 flags on 400 random unlabelled FakeHealth articles
    (seed 9): 14 were right; these shapes were among the wrong ones."""
    assert not flagged("Statin use was linked to a 12% lower risk of colorectal cancer, the analysis of 22 studies shows.")
    assert not flagged("Coenzyme Q10 is thought to have benefits for people with Parkinson's disease.")
    assert not flagged("The new drug has been hailed as a potential game changer for head and neck cancer.")
    assert not flagged('"Our goal is to bring that kind of cure to every child with type 1 diabetes."')
    assert not flagged("Fat measurements were unaffected by fish oil, the team noted, and no side effects were observed.")
    assert not flagged("MORE: This Alzheimer's Breakthrough Could Be a Game Changer")
    assert not flagged("Night blindness caused by vitamin A deficiency is reversible with extra vitamin A.")
    assert flagged("Baclofen can help alleviate the pain of fibromyalgia.")  # no trial: even "can help" is unsupported
    assert not flagged("When it comes to preventing blood clots after a knee replacement, aspirin may be as good as "
                       "newer drugs.")


def test_appeared_to_caps_the_strength():
    res = check("Vitamin C also appeared to prevent colds.")
    assert res.claims and all(int(cc.claim.strength) <= 2 for cc in res.claims)
    assert all("stated as fact" not in cc.verdict.rationale for cc in res.claims)


def test_description_of_usage_is_not_flagged():
    assert not flagged("Many people currently take fish oil supplements to decrease their risk for heart disease.")


def test_trial_arm_dose_is_not_a_label_contradiction():
    assert not flagged("In the trial, patients were randomly assigned to 80 mg of atorvastatin a day or placebo.")


def test_patient_group_is_not_the_condition():
    res = check("Duloxetine reduced hot flashes in breast cancer patients.")
    assert all(cc.claim.condition is None or "breast" not in (cc.claim.condition.name or "") for cc in res.claims)


def test_approval_never_licenses_cures():
    f = flagged("Melatonin cures insomnia.")
    assert f and f[0].verdict.reason == "absolute_claim"


def test_generic_arthritis_and_proven_cure_is_flagged():
    assert flagged("Turmeric has been proven to cure arthritis.")


def test_statins_cause_muscle_pain_is_not_a_usage_verdict():
    res = check("Statins cause muscle pain in most people who take them.")
    assert all("discouraged" not in cc.verdict.rationale for cc in res.claims if cc.verdict.flagged)


def test_causal_wording_for_an_observational_finding_is_flagged_and_linked_wording_is_not():
    bad = flagged("Drinking coffee cuts the risk of stroke, a survey of 20,000 adults found.")
    assert bad and bad[0].verdict.reason == "causal_from_observational"
    assert "linked to" in (bad[0].verdict.suggestion or "")
    assert not flagged(bad[0].verdict.suggestion)  # the rewording passes its own check
    assert not flagged("Drinking coffee was linked to a lower risk of stroke, a survey of 20,000 adults found.")


def test_mouse_result_told_as_human_is_flagged_and_in_mice_is_not():
    text = ("Mice with arthritis that were given the compound had less joint swelling than untreated mice.\n\n"
            "Scientists say the compound reverses arthritis.")
    res = check(text)
    assert [cc.verdict.reason for cc in res.claims if cc.verdict.flagged] == ["animal_to_human"]
    ok = check("Mice with arthritis that were given the compound had less joint swelling than untreated mice.\n\n"
               "Scientists say the compound reverses arthritis in mice.")
    assert not any(cc.verdict.flagged for cc in ok.claims)


def test_supplement_disease_claim_cites_dshea_and_homeopathy_cites_nhmrc():
    f = flagged("This breakthrough supplement protects your brain from Alzheimer's disease.")
    assert f and f[0].verdict.reason == "supplement_disease_claim"
    assert "DSHEA" in f[0].verdict.rationale and f[0].verdict.evidence[0].kind == "category_rule"
    h = flagged("Homeopathic remedies can help with eczema.")
    assert h and h[0].verdict.evidence[0].entry_id == "category:homeopathy_no_effect"


def test_reported_claim_of_a_website_is_not_an_absolute_claim():
    assert not flagged("Some websites claim that baclofen has been proven to cure fibromyalgia.")


# -- resources --------------------------------------------------------------------------------

def test_lexicon_and_policy_tables_load_and_a_misspelt_section_is_an_error():
    assert load_lexicon().pattern("strength", "hedged").search("it may help")
    assert load_policy().article_voice and len(load_category_rules()) >= 3
    with pytest.raises(LexiconError, match="unknown section"):
        validate({"version": 1, "strenght": {}})


# -- bundled samples and seeds (the done criteria) -------------------------------------

@pytest.fixture(scope="module")
def sample_results():
    au = Auditor()
    return {a.id: au.audit_article(a) for a in iter_articles([SAMPLES])}


def _flag_starts(res) -> set:
    return {cc.claim.start for cc in res.claims if cc.verdict.flagged}


def test_turmeric_sample_every_overclaim_flagged(sample_results):
    res = sample_results["turmeric_joint_pain_miracle.md"]
    text = res.article.text
    for phrase in ("Miracle Cure", "proven to cure arthritis", "as much as you like", "protects your brain"):
        pos = text.index(phrase)
        assert any(cc.verdict.flagged and cc.claim.start <= pos < cc.claim.end for cc in res.claims), phrase


def test_mouse_sample_every_overclaim_flagged(sample_results):
    res = sample_results["arthritis_mouse_breakthrough_release.md"]
    text = res.article.text
    for phrase in ("reverses arthritis", "actually repairs the joint"):
        pos = text.index(phrase)
        hits = [cc for cc in res.claims if cc.verdict.flagged and cc.claim.start <= pos < cc.claim.end]
        assert hits and hits[0].verdict.reason == "animal_to_human", phrase


@pytest.mark.parametrize("name", ["gabapentin_sciatica_evidence.md", "duloxetine_fibromyalgia_trial_news.md"])
def test_accurate_samples_have_no_flag(sample_results, name):
    assert not _flag_starts(sample_results[name])


def test_seeds_003_and_004_have_no_flag_and_000_is_flagged(seed_results):
    assert not _flag_starts(seed_results["003"]) and not _flag_starts(seed_results["004"])
    assert len(_flag_starts(seed_results["000"])) >= 8


def test_real_dev_split_flags_are_mostly_right(shared_dir):
    """On the real-article dev split (random real news), a flag is right far more often than not.
    Measured 2026-12-03: 12 of 12 flags right (recall 12 of 81) with the compiled reference; 9 of 9 with
    the curated reference alone."""
    from pipeline.eval.realrun import evaluate_split

    res = evaluate_split("dev", base=str(shared_dir))
    fs = res["flags_sentence"]
    assert fs["n_pred"] >= 5 and fs["precision"] >= 0.75, res["false_flags"]


def test_hype_is_flagged_unless_denied_or_from_a_large_study():
    text = ("The saliva test was developed by the team.\n\n"
            "We now have a simple test that shows whether a person is destined to develop Alzheimer's disease.")
    assert [cc.verdict.reason for cc in check(text).claims if cc.verdict.flagged] == ["absolute_claim"]
    assert not flagged("Not everyone considers the drug to be a miracle cure for arthritis.")
    assert not flagged("A study of 16,000 volunteers showed for the first time that a vaccine could prevent HIV.")


def test_one_flag_per_sentence_and_reason():
    res = check("Gabapentin and pregabalin have been proven to cure tinnitus.")
    flags = [cc for cc in res.claims if cc.verdict.flagged]
    assert len(flags) == 1 and any("Same flag as claim" in cc.verdict.rationale for cc in res.claims)


def test_suggested_rewordings_pass_their_own_check(sample_results):
    """Every suggestion a flag offers on the samples is itself left unflagged."""
    suggestions = [cc.verdict.suggestion for r in sample_results.values() for cc in r.claims
                   if cc.verdict.flagged and cc.verdict.suggestion]
    assert suggestions
    for s in suggestions:
        assert not flagged(s), s


def test_prefiltered_lexicon_reads_real_sentences_like_the_plain_one(shared_dir):
    """The Aho-Corasick prefilter and trie-shaped patterns are an optimisation: on 3,000 real
    sentences they give exactly the readings of the plain lexicon (every list, plain alternations)."""
    import itertools
    import json

    from pipeline.eval.realgold import split_sentences
    from pipeline.frames.analyse import _analyse

    path = shared_dir / "articles" / "fakehealth" / "content_HealthRelease.jsonl"
    with open(path, encoding="utf-8") as f:
        texts = [json.loads(line).get("text") or "" for line in itertools.islice(f, 150)]
    sents = [t[a:b] for t in texts for a, b in split_sentences(t)][:3000]
    fast, plain = load_lexicon(), load_lexicon(prefilter=False)
    assert len(sents) > 1000
    assert [_analyse(s, fast) for s in sents] == [_analyse(s, plain) for s in sents]
