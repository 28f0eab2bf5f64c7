"""Article scorecard: rules on real sentences, deciding sentences with offsets, agreement with gold."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.eval.scorecard_eval import evaluate, format_evaluation, load_gold
from pipeline.assess.scorecard import CRITERIA, RATINGS, load_rules, score_article, split_sentences


def rating(text, crit, **kw):
    return score_article(text, **kw)["criteria"][crit]["rating"]


def test_rules_load_with_every_criterion():
    rules = load_rules()
    assert [c.name for c in rules.criteria] == list(CRITERIA)
    assert all(c.patterns for c in rules.criteria)


def test_deciding_sentences_carry_offsets_into_the_text():
    text = ("Baclofen is a muscle relaxant.\n\nIt can cause drowsiness and dizziness. "
            "Stopping it abruptly can lead to withdrawal seizures.")
    card = score_article(text)
    harms = card["criteria"]["harms"]
    assert harms["rating"] == "satisfactory"
    assert harms["evidence"], harms
    for ev in harms["evidence"]:
        assert text[ev["start"]:ev["end"]] == ev["text"]
    assert any("drowsiness" in ev["text"] for ev in harms["evidence"])
    assert set(card["criteria"]) == set(CRITERIA)
    assert all(v["rating"] in RATINGS for v in card["criteria"].values())


def test_negated_cure_is_not_sensational_but_a_promised_cure_is():
    assert rating("There is no cure for fibromyalgia, but treatment can help.", "sensational_language") == "satisfactory"
    assert rating("Baclofen is not a cure for multiple sclerosis.", "sensational_language") == "satisfactory"
    card = score_article("Scientists announce a breakthrough that could cure arthritis.")
    c = card["criteria"]["sensational_language"]
    assert c["rating"] == "not_satisfactory" and "breakthrough" in c["reason"] and "cure" in c["reason"]


def test_denying_harms_is_not_mentioning_them():
    text = "Turmeric capsules ease joint pain. The supplement is completely safe, with no side effects."
    assert rating(text, "harms") == "not_satisfactory"
    assert rating("Women who took the supplement had a lower risk of autism in their children, and "
                  "there's no harm in taking it.", "harms") == "not_satisfactory"


def test_commercial_disclosure_three_ways():
    undisclosed = "This serum melts away wrinkles. Buy it here: https://www.amazon.com/dp/B000?tag=blog-20"
    disclosed = "As an Amazon Associate I earn from qualifying purchases. " + undisclosed
    funded = "The drug lowered pain in the trial. The study was funded by the manufacturer."
    assert rating(undisclosed, "commercial_disclosure") == "not_satisfactory"
    assert rating(disclosed, "commercial_disclosure") == "satisfactory"
    assert rating(funded, "commercial_disclosure") == "satisfactory"
    assert rating("Baclofen is used for spasticity.", "commercial_disclosure") == "not_applicable"


def test_benefits_quantified_needs_numbers_about_an_outcome():
    vague = "Duloxetine reduces pain in fibromyalgia."
    numbers = ("Pain fell by at least a third in 41% of patients on duloxetine, compared with 28% on placebo.")
    dose_only = "Duloxetine reduces pain. The usual dose is 60 mg a day."
    assert rating(vague, "benefits_quantified") == "not_satisfactory"
    assert rating(numbers, "benefits_quantified") == "satisfactory"
    assert rating(dose_only, "benefits_quantified") == "not_satisfactory"
    assert rating("The museum opened a new wing in May.", "benefits_quantified") == "not_applicable"


def test_no_treatment_means_not_applicable():
    card = score_article("Fibromyalgia is a chronic condition. It affects millions of people worldwide.")
    for c in ("harms", "evidence_quality", "alternatives"):
        assert card["criteria"][c]["rating"] == "not_applicable"


def test_sources_need_something_specific():
    assert rating("According to the FDA guidelines, off-label use is allowed.", "sources_cited") == "not_satisfactory"
    assert rating('The results were published in the Journal of Pain. "It helps," said Dr. Maria Lopez, '
                  "who led the study.", "sources_cited") == "satisfactory"
    assert rating("# Gabapentin for Sciatica: What the Evidence Says", "sources_cited") == "not_satisfactory"


def test_split_sentences_offsets():
    text = "One sentence. Another one!\n\n  A third?"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["One sentence.", "Another one!", "A third?"]


def test_audit_fills_the_scorecard(tmp_path):
    from pipeline.api import audit
    from pipeline.report.records import article_record, validate_record

    res = audit(["As an Amazon Associate I earn from qualifying purchases.\n\n"
                 "Baclofen is a miracle cure for fibromyalgia. It has no side effects."])
    card = res.results[0].scorecard
    assert card["criteria"]["sensational_language"]["rating"] == "not_satisfactory"
    assert card["criteria"]["commercial_disclosure"]["rating"] == "satisfactory"
    assert card["criteria"]["harms"]["rating"] == "not_satisfactory"
    validate_record(article_record(res.results[0]), "article")


def test_gold_is_well_formed_and_covers_seeds_and_samples():
    gold = load_gold()
    arts = [g["article"] for g in gold]
    assert sum(a.startswith("samples/") for a in arts) >= 5
    assert sum(a.startswith("shared:seeds/") for a in arts) == 3
    assert all(set(g["labels"]) == set(CRITERIA) for g in gold)


def test_malformed_gold_is_reported_with_file_and_line(tmp_path):
    p = tmp_path / "gold.jsonl"
    p.write_text('{"article": "samples/x.md", "labels": {"harms": "satisfactory"}}\n'
                 '{"article": "samples/y.md", "labels": {"harms": "great"}}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"gold.jsonl:2"):
        load_gold(p)


def test_agreement_with_gold():
    from pipeline.api import _auditor

    r = evaluate(auditor=_auditor())
    assert r["n_articles"] >= 5
    for name in CRITERIA:
        d = r["per_criterion"][name]
        assert d["n"] == r["n_articles"]
        assert d["correct"] == sum(d["confusion"][g][g] for g in RATINGS)
    # The rules were written on the dev split: they must keep agreeing with it. Held-out splits
    # are reported (format_evaluation), not tuned to.
    assert r["by_split"]["dev"]["accuracy"] >= 0.95
    assert r["overall"]["accuracy"] >= 0.85
    assert "overall" in format_evaluation(r)


def test_command_line_json():
    out = subprocess.run([sys.executable, "-m", "pipeline.eval.scorecard_eval", "--json"], capture_output=True, text=True,
                         check=True).stdout
    r = json.loads(out)
    assert set(r["per_criterion"]) == set(CRITERIA)


def test_issue6_pruned_search_gives_the_scorecards_of_a_full_search(shared_dir, monkeypatch):
    """The literal index skips searches that cannot match: on real articles (with curly quotes,
    non-breaking spaces and the like) and on hand-made edge cases the scorecards are those of
    searching every pattern in every sentence."""
    import pipeline.assess.scorecard as sc
    from pipeline.run.bench import load_articles

    arts, _ = load_articles(shared_dir / "articles", 250)
    texts = [a.text for a in arts] + [
        "There is no cure. It is a MIRACLE cure! Side-effects? None (Smith et al., 2020).",
        "Tell your doctor. \u212aelvin-sized risks: the drug ſide effects are dangerous.",  # re folds these onto ASCII
        "İstanbul study: treatment helped 3 in 10 patients, said Dr. Jane Doe, a professor at the Mayo Clinic.",
        "", "   ", "As an Amazon Associate I earn from qualifying purchases.\nBuy it here: https://amzn.to/x?tag=y",
    ]
    pruned = [score_article(t) for t in texts]
    spacy_like = [score_article(t, sentences=[(0, len(t))]) for t in texts]  # one "sentence" per article
    monkeypatch.setattr(sc, "_PRUNE", False)
    assert [score_article(t) for t in texts] == pruned
    assert [score_article(t, sentences=[(0, len(t))]) for t in texts] == spacy_like
    assert sum(c["criteria"]["harms"]["rating"] == "satisfactory" for c in pruned) > 20


def test_issue6_literal_index_takes_in_pattern_lists_added_later():
    """The scorecard's literal automaton grows when a new pattern list brings new literals; an
    article indexed before must be looked at again, not pruned with the old index."""
    import re

    import pipeline.assess.scorecard as sc

    text = "Zebrafish studies are early. Quokkas were not studied. The drug is 50% cheaper."
    sents = sc.split_sentences(text)
    art = sc._Article(text)
    first, _ = sc._hits([re.compile(r"\bstud(y|ies)\b", re.I)], sents, text, art=art)
    assert [h["text"] for h in first] == ["Zebrafish studies are early."]
    unseen = [re.compile(r"\bquokka(s)? were\b", re.I), re.compile(r"\d+ ?%")]
    later, _ = sc._hits(unseen, sents, text, art=art)
    assert [h["cue"] for h in later] == ["Quokkas were", "50%"]
