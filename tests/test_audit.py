"""The Auditor (pipeline/run/auditor.py): limits that hold (issue 14)."""
from __future__ import annotations

import pytest

from pipeline.ingest.reader import DEFAULT_MAX_CHARS, IngestOptions, iter_articles

# Real-ish news text: one overstated claim, one correct approval statement and four sentences with
# no checkable claim in each paragraph.
PARAGRAPH = ("Baclofen has been shown to be effective for fibromyalgia. "
             "Duloxetine is approved by the FDA for fibromyalgia. "
             "The study was published in the journal on Tuesday. "
             "Researchers recruited adults at three clinics in Ohio and followed them for a year. "
             "Participants filled in a questionnaire about their sleep every month. "
             "The authors said more work is needed before doctors change their advice.\n\n")


@pytest.fixture(scope="module")
def auditor():
    from pipeline.run.auditor import Auditor

    return Auditor(models=False)


def test_an_article_of_one_and_a_half_million_characters_is_audited(tmp_path, auditor):
    # spaCy refuses texts over nlp.max_length (1,000,000) with E088; the limit is --max-chars.
    n = 1_500_000
    text = (PARAGRAPH * (n // len(PARAGRAPH) + 1))[:n]
    assert auditor.nlp.max_length < n < DEFAULT_MAX_CHARS
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    [art] = list(iter_articles([tmp_path], opts=IngestOptions()))
    assert len(art.text) == n
    res = auditor.audit_article(art)
    flagged = [cc for cc in res.claims if cc.verdict.flagged]
    paragraphs = text.count("\n\n")
    assert len(flagged) >= paragraphs - 1  # every paragraph's overstated claim, to the very end
    last = max(flagged, key=lambda cc: cc.claim.start)
    assert last.claim.start > n - 2 * len(PARAGRAPH)
    assert text[last.claim.start:last.claim.end] == "Baclofen has been shown to be effective for fibromyalgia."
    assert last.verdict.label.value == "overstated"
    supported = [cc for cc in res.claims if cc.verdict.label.value == "supported"]
    assert len(supported) >= paragraphs - 1


def test_articles_over_max_chars_are_refused_before_the_pipeline(tmp_path):
    (tmp_path / "long.txt").write_text(PARAGRAPH * 3, encoding="utf-8")
    [err] = list(iter_articles([tmp_path], opts=IngestOptions(max_chars=len(PARAGRAPH))))
    assert isinstance(err, Exception) and "over the limit of" in str(err) and "long.txt" in str(err)
