"""Verify: give each claim a verdict against the reference, with severity, rationale, evidence
and — where flagged — a suggested rewording at the strength the evidence allows.

Rules, per claim type:
    approval   against approvals (a label's indications are complete: an indication the regulator
               has not approved is contradicted when claimed approved).
    efficacy   the claim's strength against what the evidence allows (grade and direction);
               approved uses allow a direct claim.
    evidence   claims that studies exist or showed something, against recorded trials.
    dosage     doses against label facts (maximum daily dose).
    safety, mechanism   against label facts; unmatched ones are unverifiable, not flagged.
    usage      a statement of practice; contradicted only by the reference's direction "harm".
Strong claims about pairs the reference does not know are unverifiable and flagged for review.

Example:
    >>> from pipeline.claims.extract import extract_claims_from_text
    >>> from pipeline.verify import verify_claim
    >>> c = extract_claims_from_text("Baclofen has been shown to be effective for fibromyalgia.")[0]
    >>> v = verify_claim(c)
    >>> v.label.value, v.severity.value
    ('overstated', 'high')
"""
from .common import allowed_strength, soften
from .gates import reported_claim
from .registry import RULES, rule, rule_for
from .verifier import Verifier, article_findings, one_flag_per_reason, verify_claim

__all__ = ["RULES", "Verifier", "allowed_strength", "article_findings", "one_flag_per_reason", "reported_claim", "rule",
           "rule_for", "soften", "verify_claim"]
