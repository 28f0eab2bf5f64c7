"""The real-article gold: frozen test split, valid annotations, texts unchanged, scorer behaviour."""
from __future__ import annotations

import hashlib
import json

import pytest

from pipeline.eval import realgold, realscore


def test_test_split_is_frozen():
    """test.jsonl may change only with a new version line in test.sha256 (annotated before tuning)."""
    path = realgold.real_dir() / "test.jsonl"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == realgold.frozen_test_hash()


@pytest.mark.parametrize("split", ["dev", "test"])
def test_gold_records_follow_the_schema(split):
    recs = realgold.read_jsonl(realgold.real_dir() / f"{split}.jsonl")
    assert recs
    sample = {a["doc"]: a for a in json.loads((realgold.real_dir() / "sample.json").read_text())["articles"]}
    for rec in recs:
        assert sample[rec["doc"]]["split"] == split and sample[rec["doc"]]["text_sha256"] == rec["text_sha256"]
        for s in rec["sentences"]:
            for i, fr in enumerate(s["frames"]):
                assert realgold.frame_errors(fr, f"{rec['doc']}@{s['start']}#{i}") == []
            assert "text" not in s and "prefix" not in s  # no article text in the repository


def test_test_split_has_at_least_40_articles_drawn_from_the_recorded_seed():
    sample = json.loads((realgold.real_dir() / "sample.json").read_text())
    assert sample["seed"] == realgold.SEED
    assert len(realgold.read_jsonl(realgold.real_dir() / "test.jsonl")) >= 40


def test_sample_and_hashes_match_the_shared_texts(shared_dir):
    """Redrawing with the recorded seed gives the recorded sample, and every gold sentence hash
    still matches the text in the shared folder."""
    drawn = realgold.draw_sample(base=str(shared_dir))
    recorded = json.loads((realgold.real_dir() / "sample.json").read_text())["articles"]
    assert drawn == recorded
    for split in ("dev", "test"):
        assert realgold.load_split(split, str(shared_dir))


def test_frame_errors_name_the_problem():
    bad = {"intervention": "aspirin", "intervention_type": "pill", "condition": None, "population": "human",
           "kind": "efficacy", "polarity": "positive", "strength": "direct", "speech_act": "assertion",
           "evidence_basis": "none", "see": True}
    errs = realgold.frame_errors(bad, "x")
    assert any("intervention_type='pill'" in e for e in errs) and any("needs a 'reason'" in e for e in errs)


def test_sentence_splitter_keeps_abbreviations_inside_sentences():
    text = "Dr. Rohan Arora of N.Y. spoke. In 2000, the U.S. Food and Drug Administration approved it."
    spans = realgold.split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["Dr. Rohan Arora of N.Y. spoke.",
                                             "In 2000, the U.S. Food and Drug Administration approved it."]


def _rec(see=True):
    fr = {"intervention": "fish oil supplements", "intervention_alt": ["omega-3"], "see": see, "reason": "other"}
    return {"doc": "d", "sentences": [{"start": 0, "end": 50, "frames": [fr]},
                                      {"start": 60, "end": 90, "frames": [dict(fr, see=False)]}]}


def test_scorer_matches_interventions_by_words_and_alternatives():
    preds = {"d": [{"start": 0, "end": 50, "drug": "fish oil", "drug_text": "Fish oil", "flagged": True},
                   {"start": 60, "end": 90, "drug": "omega-3 fatty acids", "flagged": False},
                   {"start": 95, "end": 120, "drug": "aspirin", "flagged": True}]}
    res = realscore.score([_rec()], preds)
    # "omega-3" (an alternative name) lies inside "omega-3 fatty acids"; aspirin is in no gold sentence
    assert res["frames"]["tp_gold"] == 2 and res["frames"]["n_gold"] == 2
    assert res["frames"]["tp_pred"] == 2 and res["frames"]["n_pred"] == 3
    assert res["flags_sentence"]["precision"] == 0.5 and res["flags_sentence"]["recall"] == 1.0
    assert res["false_flags"] == [{"doc": "d", "start": 95, "end": 120}]
