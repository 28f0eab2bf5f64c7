"""Judgement on real prose (issue 15, second round): regressions from a blind reading of the flags
on unlabelled FakeHealth articles (seed 9, reviewed; seed 11, read for this round), one real
sentence each (short), and the plain overclaims that must stay flagged."""
from __future__ import annotations

from pipeline import check


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
