"""The curation to-do list: unverifiable intervention-condition pairs ranked by frequency."""
from __future__ import annotations

from pipeline.ingest.reader import article_from_text
from pipeline.reference import load_reference
from pipeline.eval.gaps import COLUMNS, rank_gaps, write_gaps_tsv

# A pair the curated reference has no evidence for (the test checks that first: when a curator adds
# it, pick another one).
TEXTS = {
    "a1": "Yoga has been proven to cure gout, the instructor said. Yoga also cures migraine.",
    "a2": "A new blog claims yoga cures gout in weeks.",
}


def test_gaps_rank_pairs_by_frequency_and_store_no_article_text(tmp_path):
    ref = load_reference(compiled=None)
    yoga, gout = ref.drug_by_name("yoga"), ref.condition_by_name("gout")
    assert yoga and gout and not ref.evidence_for(yoga.id, gout.id), "yoga-gout is curated now: use another pair"
    rep = rank_gaps(articles=[article_from_text(t, id=k) for k, t in TEXTS.items()], reference=ref)
    assert rep.n_articles == 2 and rep.n_unverifiable >= len(rep.rows) >= 1
    top = rep.rows[0]
    assert (top["intervention"], top["condition"]) == ("yoga", "gout")
    assert top["claims"] >= 2 and top["articles"] == 2 and top["intervention_type"] == "behaviour"
    assert [r["rank"] for r in rep.rows] == list(range(1, len(rep.rows) + 1))
    out = write_gaps_tsv(rep, tmp_path / "gaps.tsv", command="overclaim reference gaps test")
    text = out.read_text()
    assert "# Made by: overclaim reference gaps test" in text
    assert "\t".join(COLUMNS) in text
    assert "instructor" not in text and "blog" not in text  # ids, names and counts only
