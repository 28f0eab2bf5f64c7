"""Literal prefilters: the literals found in a pattern are necessary for a match, on real text."""
from __future__ import annotations

import re

import pytest

from pipeline.util.prefilter import UNSAFE, literal_safe, requirements


def test_unsafe_characters_are_exactly_those_re_folds_onto_ascii():
    # Every non-ASCII code point that case-insensitive re matches against an ASCII letter or digit.
    fold = re.compile(r"[a-z0-9]", re.IGNORECASE)
    found = {chr(cp) for cp in range(128, 0x110000) if 0xD800 > cp or cp > 0xDFFF if fold.fullmatch(chr(cp))}
    assert found == set(UNSAFE)


def test_requirements_expand_alternations_and_optional_parts():
    reqs = requirements(re.compile(r"\b(no|without) (known )?side[- ]effects?\b", re.I))
    assert reqs[0] == {"no side effect", "no side-effect", "no known side effect", "no known side-effect",
                       "without side effect", "without side-effect", "without known side effect",
                       "without known side-effect"}
    assert requirements(re.compile(r"randomi[sz]ed", re.I)) == (frozenset({"randomised", "randomized"}),)
    # both halves of "X .* Y" are required, the rarer-looking first
    assert requirements(re.compile(r"(study|trial)\b.*\bbias", re.I)) == (frozenset({"study", "trial"}),
                                                                          frozenset({"bias"}))
    # nothing can be required of a pattern made of classes only
    assert requirements(re.compile(r"\w+\s\d+")) == ()
    # a lookahead's text is not part of the match: it is never required
    assert requirements(re.compile(r"top(?=secret)", re.I)) == (frozenset({"top"}),)


def test_a_literal_test_never_rules_out_a_real_match(sample_sentences):
    """For every rule pattern and every sentence of the sample and shared articles: when the pattern
    matches, every requirement set has a literal in the lower-cased sentence."""
    from pipeline.nlp.boilerplate import _patterns
    from pipeline.assess.scorecard import load_rules

    rules = load_rules()
    pats = list(rules.treatment) + list(rules.benefit_claim) + [p for _, p in _patterns()]
    for c in rules.criteria:
        pats += list(c.patterns) + list(c.exclude) + list(c.exclude_context) + list(c.signals)
    matches = 0
    for sent in sample_sentences:
        if not literal_safe(sent):
            continue
        low = sent.lower()
        for p in pats:
            if p.search(sent):
                matches += 1
                for r in requirements(p):
                    assert any(x in low for x in r), (p.pattern, sorted(r), sent)
    assert matches > 300  # the check ran on sentences that do match


@pytest.fixture(scope="module")
def sample_sentences(shared_dir):
    from pathlib import Path

    from pipeline.run.bench import load_articles
    from pipeline.assess.scorecard import split_sentences

    arts, _ = load_articles(shared_dir / "articles", 300)
    texts = [a.text for a in arts]
    texts += [p.read_text("utf-8") for p in sorted(Path("corpora/samples").glob("*")) if p.is_file()]
    return [t[s:e] for t in texts for s, e in split_sentences(t)]


def test_issue18_the_parser_reads_the_documented_syntax_without_the_private_re_parser():
    import pipeline.util.prefilter as pf
    from pipeline.util.regex_tree import Op, RegexSyntaxError, parse

    src = open(pf.__file__, encoding="utf-8").read() + open(parse.__code__.co_filename, encoding="utf-8").read()
    assert not re.search(r"import (re\._parser|re\._constants|sre_parse|sre_constants)|re\._parser\.", src)
    assert parse(r"(?i)a\.b") == [(Op.LITERAL, 97), (Op.LITERAL, 46), (Op.LITERAL, 98)]
    assert parse(r"x{2,3}?")[0] == (Op.MIN_REPEAT, (2, 3, [(Op.LITERAL, 120)]))
    assert parse(r"[^ab]")[0][1][0][0] is Op.OTHER and parse(r"[a-c]")[0][1] == [(Op.OTHER, None)]
    assert parse(r"(?<!no )pain")[0] == (Op.ASSERT_NOT, (-1, [(Op.LITERAL, ord(c)) for c in "no "]))
    assert parse(r"a{}")[1:] == [(Op.LITERAL, ord("{")), (Op.LITERAL, ord("}"))]  # literal braces, as re reads them
    with pytest.raises(RegexSyntaxError):
        parse(r"(a)\1")
    # syntax it does not read leaves the pattern unfiltered, never wrongly filtered
    assert requirements(re.compile(r"(?P<w>miracle) (?P=w)")) == ()
    assert requirements(re.compile(r"\bmiracle\w*\b|\bmiraculous\w*\b", re.I)) == (frozenset({"miracle", "miraculous"}),)


def test_issue18_every_rule_pattern_gets_a_prefilter():
    from pipeline.assess.scorecard import load_rules
    from pipeline.nlp.boilerplate import _patterns

    rules = load_rules()
    pats = list(rules.treatment) + list(rules.benefit_claim) + [p for _, p in _patterns()]
    for c in rules.criteria:
        pats += list(c.patterns) + list(c.exclude) + list(c.exclude_context) + list(c.signals)
    assert len(pats) > 90 and [p.pattern for p in pats if not requirements(p)] == []
