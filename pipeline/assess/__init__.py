"""Assess stage: article-level judgements on top of the checked claims.

Modules:
    ``scorecard``  the questions health-news reviewers ask of a whole article (harms, evidence
                   quality, alternatives, quantified benefits, sensational language, ...).
"""
