"""The verification rules, one per claim type, found by type (like spaCy's ``registry``): a new
rule is one function in one file of :mod:`pipeline.verify.rules`, decorated with :func:`rule`.

Example:
    >>> from pipeline.types import ClaimType
    >>> from pipeline.verify import rules  # registers the shipped rules
    >>> rule_for(ClaimType.DOSAGE).__name__
    'dosage'
"""
from __future__ import annotations

from typing import Callable

from ..types import ClaimType

RULES: dict[ClaimType, Callable] = {}


def rule(claim_type: ClaimType) -> Callable[[Callable], Callable]:
    """Register ``fn(context, claim) -> Verdict`` as the rule of ``claim_type`` (one rule per type)."""
    def register(fn: Callable) -> Callable:
        if claim_type in RULES and RULES[claim_type] is not fn:
            raise ValueError(f"a rule for {claim_type.value} claims is registered already ({RULES[claim_type].__name__})")
        RULES[claim_type] = fn
        return fn
    return register


def rule_for(claim_type: ClaimType) -> Callable:
    """The rule registered for ``claim_type``."""
    try:
        return RULES[claim_type]
    except KeyError:
        raise KeyError(f"no verification rule for {claim_type.value} claims") from None
