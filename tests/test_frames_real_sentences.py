"""Judgement on real prose (issue 15, second round): regressions from a blind reading of the flags
on unlabelled FakeHealth articles (seed 9, reviewed; seed 11, read for this round), one real
sentence each (short), and the plain overclaims that must stay flagged."""
from __future__ import annotations

from pipeline import check
from pipeline.frames.analyse import analyse


def flagged(text: str) -> list:
    return [cc for cc in check(text).claims if cc.verdict.flagged]


def test_a_quote_is_not_flagged_against_the_reference():
    """A quoted speaker's claim is not the article's: the reference does not judge it (seed 9 and 11:
    none of nine such flags was right). The article's own claim, and a quoted remedy the evidence
    rejects outright (category rule), stay flagged."""
    assert not flagged("Gabriel Hortobagyi of Houston's M.D. Anderson Cancer Center says: \u2022 Younger women may "
                       "choose tamoxifen; it prevents more cancers and hasn't been shown to cause endometrial cancer "
                       "before menopause.")
    assert flagged("Homeopathy cures asthma.")
    assert flagged('"Homeopathy cures asthma," she said.')


def test_an_effect_someone_looks_for_is_not_claimed():
    """"Finding a cure", "identifying effective treatments", "our goal is to bring ... cure": a goal
    (seed 9 and 11: quotes and a reported opinion flagged as absolute or animal-to-human claims)."""
    assert not flagged("\u201cOur goal is to bring that kind of biological cure across the spectrum of type 1 "
                       "diabetes.\u201d")
    assert not flagged("Based on an analysis of existing evidence, Dr. Narod argues that to achieve a cure, women "
                       "should be first treated with aggressive surgery.")
    mice = ("In the study, mice given the compound lived longer.\n\nThe mice were also leaner.\n\n")
    assert not [cc for cc in check(mice + "\u201cWe need to keep identifying effective preventive treatments for "
                                   "lung cancer,\u201d she said.").claims if cc.verdict.flagged]
    assert flagged(mice + "\u201cThe compound is a cure for lung cancer,\u201d she said.")
    assert flagged("Turmeric has been proven to cure arthritis.")


def test_names_counterfactuals_and_reported_claims_are_not_claims():
    """A journal's name, a counterfactual, and claims the article says someone made (seed 11)."""
    text = ("People who walked more had a lower risk of stroke, the survey found.\n\n"
            "The survey results are published in the March 24 release of the journal Preventing Chronic Disease.")
    assert not flagged(text)
    assert not flagged("If mass mammography screening for breast cancer worked well, fewer women would die from the "
                       "disease.")
    assert not flagged("But the business has often been criticized by mainstream medicine for making ambitious claims "
                       "about quick cures and miraculous health improvements.")
    assert flagged("Homeopathy cures asthma.")


def test_none_whether_and_a_hedged_tail_qualify_the_claim():
    """"none are risk-free" denies the absolute; "whether ... or not", "to try to prevent" and a closing
    ", they suggest" hedge (seed 9 and 11)."""
    assert analyse("And none are risk-free.").polarity == "negative"
    assert analyse("Whether aspirin ultimately proves beneficial or not, doctors cautioned that women being treated "
                   "for breast cancer should not take the medication.").strength == "hedged"
    assert analyse("The second group was taking the natural supplement, myo-inositol, to try to prevent lung "
                   "cancer.").strength == "hedged"
    assert analyse("Sulforaphane has an ability to trigger enzymes that protect against oxidative stress and reduce "
                   "inflammation, they suggest.").strength == "hedged"
    assert analyse("Sulforaphane reduces inflammation, they found.").strength == "direct"


def test_a_double_hyphen_is_a_dash_and_a_possessive_makes_a_noun():
    """"vegetables--may have" is hedged (the typed dash of news text); "the medications' benefits" names
    benefits, it does not predicate them (seed 9)."""
    r = analyse("Women who eat more high-fiber foods--especially lots of fruits and vegetables--may have "
                "significantly lower breast cancer risk than those who eat less dietary fiber.")
    assert r.strength == "hedged"
    assert analyse("The companies have explored the medications' benefits.").strength == "none"


def test_risk_among_users_and_a_link_first_shown_are_associations():
    """"a 12% reduction of colorectal cancer risk among statin users" compares groups; "show for the
    first time a link" sells no effect (seed 9 and 11)."""
    assert not flagged("The analysis shows there was a 12% reduction of colorectal cancer risk among statin users.")
    assert not flagged("Data from this study show for the first time a link between the amount of calcium in the "
                       "arteries of the breast and the level of calcium in the coronary arteries.")


def test_a_relative_clause_is_about_its_own_head_noun():
    """"aspirin, NSAIDs or COX-2 inhibitors, drugs that all work ... to reduce inflammation" describes the
    drugs, it reports no finding about aspirin (seed 11); "Baclofen is a medication that can help" is
    about baclofen (seed 000)."""
    text = ("People who took aspirin had a lower risk of cancer, the registry study found.\n\n"
            "The data were drawn from health records of 20,000 adults.\n\n"
            "In the current study, researchers compared the records of patients using aspirin, NSAIDs or COX-2 "
            "inhibitors, drugs that all work in similar ways to reduce inflammation and dull pain.")
    assert not [cc for cc in check(text).claims if cc.verdict.flagged and cc.claim.start > 130]
    assert flagged("Baclofen is a medication that can help alleviate the pain of fibromyalgia.")


def test_a_supplement_to_stop_taking_is_not_a_disease_claim():
    """"tells all of his patients to stop taking any liver supplements before ..." (seed 9 and 11)."""
    assert not flagged("To lower the risk of drug interactions, he tells all of his patients to stop taking any liver "
                       "supplements before taking a prescription medication for liver disease.")
    assert flagged("Liver supplements help prevent liver disease.")


def test_hype_must_be_about_a_treatment_a_result_or_a_condition():
    """"For Abby, a breakthrough moment came at age 9" (seed 9 and 11) sells nothing; a breakthrough
    treatment or discovery still is hype."""
    assert not flagged("For Abby, a breakthrough moment came at age 9: She started reading voraciously.")
    assert flagged("The new drug is a breakthrough treatment for Alzheimer's disease.")


def test_scare_quotes_are_not_a_quote():
    """Quotation marks around a name ('“triple negative” breast cancer', 'a "polypill"') do not make the
    sentence someone's words (dev); an unpaired mark (part of a longer quote) or a quoted clause does."""
    assert analyse('Taking a "polypill" which combines four drugs can cut the risk of stroke by half, the trial '
                   'found.').speech_act != "quote"
    assert analyse('"The drug cuts the risk of stroke by half," she said.').speech_act == "quote"
    assert analyse("\u201cIt works far better than we hoped.").speech_act == "quote"


def test_a_cure_of_a_curable_condition_and_what_some_scientists_say():
    """"regimens ... achieve a cure in about eight to 12 weeks" of hepatitis C is not an absolute claim;
    "Some scientists say this position can lead to pain" is hedged (seed 9 and 11)."""
    regimen = "regimens use a two- to three-drug combination that achieves a cure in about eight to 12 weeks."
    assert not flagged("The new-generation hepatitis C " + regimen)
    assert flagged("The new-generation arthritis " + regimen)
    assert analyse("Some scientists say this unnatural position can lead to pain, headaches and other "
                   "symptoms.").strength == "hedged"
