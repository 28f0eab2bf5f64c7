"""The study design an article reports, from the design cues of its sentences (Sumner et al. 2014
compare a news claim with the design of the study it reports).

Example:
    >>> article_design(["In the study, mice fed the compound lived longer.",
    ...                 "The mice were also leaner."])
    'animal'
    >>> article_design(["People who drank coffee had a lower risk of stroke, the survey found.",
    ...                 "The researchers looked at data from 20,000 adults who were followed for ten years."])
    'observational'
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from .analyse import DESIGNS
from .lexicon import Lexicon, load_lexicon

# Sentences needed before a design counts as the article's (one stray "mice" is not a mouse study).
MIN_HITS = {"meta_analysis": 1, "rct": 2, "observational": 2, "animal": 2, "in_vitro": 2}


def design_counts(sentences: Iterable[str], lex: Lexicon | None = None) -> Counter:
    """How many sentences cue each design."""
    lex = lex or load_lexicon()
    counts: Counter = Counter()
    for s in sentences:
        cand = lex.candidates(s)  # the prefilter: lists with no literal in the sentence cannot match
        counts.update(d for d in DESIGNS if (cand is None or ("evidence_basis", d) in cand)
                      and lex.pattern("evidence_basis", d).search(s))
    return counts


def choose_design(counts: Counter) -> str:
    """The article's design from :func:`design_counts`: animal or cell research when it outweighs the
    human designs; else a trial or review; else observational; else ``none``."""
    human = counts.get("rct", 0) + counts.get("meta_analysis", 0)
    # Without any human design cue, one sentence about mice makes a mouse study.
    ok = {d: n for d, n in counts.items()
          if n >= MIN_HITS[d] or (d in ("animal", "in_vitro") and not human and not counts.get("observational"))}
    lab = ok.get("animal", 0) + ok.get("in_vitro", 0)
    if lab and lab > human:
        return "animal" if ok.get("animal", 0) >= ok.get("in_vitro", 0) else "in_vitro"
    if "meta_analysis" in ok and counts["meta_analysis"] >= counts.get("rct", 0) / 2:
        return "meta_analysis"
    if "rct" in ok:
        return "rct"
    if "observational" in ok and not human:
        return "observational"  # any trial or review cue makes "observational" uncertain
    return "none"


def article_design(sentences: Iterable[str], lex: Lexicon | None = None) -> str:
    """The design of the study an article reports (``meta_analysis``, ``rct``, ``observational``,
    ``animal``, ``in_vitro`` or ``none``)."""
    return choose_design(design_counts(sentences, lex))
