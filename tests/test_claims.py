"""Claims stage: types, strength, polarity, pronouns, topic, quantities, boilerplate."""
from __future__ import annotations

from pipeline.claims.extract import extract_claims_from_text, parse_quantities
from pipeline.types import ClaimType, Strength


def by_type(claims, t):
    return [c for c in claims if c.type is t]


def test_booster_efficacy_claim_is_direct():
    cs = extract_claims_from_text("Baclofen has been shown to be effective in reducing pain in people with fibromyalgia.")
    eff = by_type(cs, ClaimType.EFFICACY)
    assert len(eff) == 1
    c = eff[0]
    assert (c.drug.name, c.condition.name, c.strength, c.polarity) == ("baclofen", "fibromyalgia", Strength.DIRECT, "positive")
    assert any(cue.text == "has been shown to be effective" for cue in c.cues)


def test_hedged_claim():
    c = by_type(extract_claims_from_text("Baclofen may help some patients with fibromyalgia."), ClaimType.EFFICACY)[0]
    assert c.strength == Strength.HEDGED


def test_pronoun_refers_to_previous_sentence_drug():
    text = ("Duloxetine is used to treat depression. It has been shown to reduce pain and improve sleep in "
            "patients with fibromyalgia.")
    eff = by_type(extract_claims_from_text(text), ClaimType.EFFICACY)
    assert [(c.drug.name, c.drug.via, c.condition.name) for c in eff] == [("duloxetine", "pronoun", "fibromyalgia")]


def test_plural_pronoun_refers_to_all_previous_drugs():
    text = ("Pregabalin and gabapentin are anticonvulsants. They have been shown to reduce pain in patients "
            "with fibromyalgia.")
    eff = by_type(extract_claims_from_text(text), ClaimType.EFFICACY)
    assert sorted(c.drug.name for c in eff) == ["gabapentin", "pregabalin"]


def test_this_purpose_resolves_to_title_condition():
    text = ("Baclofen for Fibromyalgia\n\nBaclofen is not approved by the FDA for this purpose, but it has been used "
            "off-label for this purpose with some success.")
    cs = extract_claims_from_text(text)
    appr = by_type(cs, ClaimType.APPROVAL)
    assert appr and appr[0].condition.name == "fibromyalgia" and appr[0].polarity == "negative"


def test_commonly_prescribed_list_is_usage_not_efficacy():
    cs = extract_claims_from_text("Duloxetine, pregabalin and milnacipran are some of the most commonly prescribed "
                                  "medications for fibromyalgia.")
    assert {c.type for c in cs} == {ClaimType.USAGE}
    assert sorted(c.drug.name for c in cs) == ["duloxetine", "milnacipran", "pregabalin"]


def test_approval_negation_binds_to_the_right_condition():
    cs = extract_claims_from_text("Baclofen is FDA-approved for spasticity from multiple sclerosis, not for "
                                  "low back pain.")
    pol = {c.condition.name: c.polarity for c in by_type(cs, ClaimType.APPROVAL)}
    assert pol.get("low back pain") == "negative"
    assert any(v == "positive" for k, v in pol.items() if k != "low back pain")


def test_dosage_quantities():
    q = parse_quantities("The maximum daily dose should not exceed 80mg per day.")
    assert (q[0].value, q[0].unit, q[0].kind, q[0].daily_total) == (80.0, "mg", "max", 80.0)
    q = parse_quantities("Take 20 mg twice daily.")
    assert (q[0].daily_total, q[0].frequency) == (40.0, "twice daily")
    q = parse_quantities("titrated to 8-36mg/day")
    assert q[0].value == 36.0 and q[0].daily_total == 36.0


def test_dosage_without_drug_uses_article_topic():
    text = ("Baclofen for Fibromyalgia\n\nBaclofen is a muscle relaxant. Baclofen is taken by mouth. "
            "Baclofen comes as tablets.\n\nThe maximum daily dose should not exceed 80mg per day.")
    dose = by_type(extract_claims_from_text(text), ClaimType.DOSAGE)
    assert dose and dose[0].drug.name == "baclofen"


def test_boilerplate_and_image_captions_yield_no_claims():
    text = ("Baclofen Guide\n\nAs an Amazon Associate I earn from qualifying purchases.\n\n"
            "A bottle of baclofen sits on a table, next to a prescription pad. The label reads \"Baclofen cures "
            "fibromyalgia.\"\n\nBaclofen is approved for spasticity.")
    cs = extract_claims_from_text(text)
    assert cs and all("bottle" not in c.sentence and "label reads" not in c.sentence for c in cs)


def test_offsets_point_into_the_text():
    text = "Intro line\n\nBaclofen has been shown to cure fibromyalgia. It is cheap."
    for c in extract_claims_from_text(text):
        assert text[c.start:c.end] == c.sentence
        assert text[c.drug.start:c.drug.end].lower() == c.drug.text.lower()


def test_questions_and_expletive_it_are_not_claims():
    text = "Baclofen is a muscle relaxant. It is important to talk to your doctor about fibromyalgia treatment."
    assert not [c for c in extract_claims_from_text(text) if c.sentence.startswith("It is important")]
    assert not extract_claims_from_text("Does baclofen cure fibromyalgia?")


# Regressions found with the gold set (issue 2, `overclaim eval claims`).

def test_issue2_off_label_in_second_clause_does_not_leak_to_first():
    cs = extract_claims_from_text("Baclofen is approved in the United States only for spasticity, but doctors "
                                  "prescribe it off-label for fibromyalgia.")
    pol = {c.condition.name: c.polarity for c in by_type(cs, ClaimType.APPROVAL)}
    assert pol.get("spasticity") == "positive" and pol.get("fibromyalgia") == "negative"


def test_issue2_clause_with_its_own_predicate_makes_no_approval_claim():
    cs = extract_claims_from_text("Baclofen is FDA-approved for spasticity from spinal cord injury, and there is "
                                  "only sparse evidence (2 trials) supporting its efficacy for low back pain.")
    assert "low back pain" not in {c.condition.name for c in by_type(cs, ClaimType.APPROVAL)}


def test_issue2_advice_to_consult_is_not_a_claim():
    assert not extract_claims_from_text("Patients should inform their healthcare provider about all the medications "
                                        "they are taking before starting baclofen.")


def test_issue2_mechanism_sentence_gets_no_efficacy_claim_from_context():
    text = ("Acetaminophen and ibuprofen are used for fibromyalgia. They work by reducing inflammation and pain.")
    assert not [c for c in extract_claims_from_text(text) if c.type is ClaimType.EFFICACY
                and c.sentence.startswith("They work by")]


def test_issue2_caption_is_boilerplate():
    assert not extract_claims_from_text("Baclofen guide\n\nPictured: Baclofen 10 mg tablets on a counter.")


def test_issue2_dose_of_another_substance_is_not_the_drugs_dose():
    text = ("Patients were randomly assigned to take 800 mg of chondroitin sulfate or 200 mg of celecoxib "
            "every day for six months.")
    dose = [c for c in extract_claims_from_text(text) if c.type is ClaimType.DOSAGE and c.drug.name == "celecoxib"]
    assert dose and [q.value for q in dose[0].quantities] == [200.0]


def test_issue2_limits_are_not_denials():
    for text in ("Antidepressants do not improve symptoms in about 40 percent of people with depression.",
                 "Stimulants don't necessarily help people with ADHD."):
        assert all(c.polarity == "positive" for c in extract_claims_from_text(text)
                   if c.type is ClaimType.EFFICACY), text


def test_issue2_thousands_separator_and_governing_max_word():
    q = parse_quantities("you can safely take up to 6,000 mg a day")[0]
    assert (q.value, q.kind) == (6000.0, "max")
    q = parse_quantities("women up to age 50 years should consume 1000mg per day of calcium")[0]
    assert (q.value, q.kind) == (1000.0, "dose")
