"""The verifier: each claim's verdict from the rule of its type (:mod:`pipeline.verify.rules`,
found through :mod:`pipeline.verify.registry`), under the frame's gates and flag policy, then the
category rules and the article's own evidence.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from ..frames.policy import (SEVERITY_ORDER, article_evidence_verdict, category_verdict, cure_overstated, load_policy,
                             not_flagged)
from ..reference import Reference, load_reference
from ..reference.interventions import is_dietary_supplement
from ..types import CheckedClaim, Claim, ClaimType, Finding, Severity, Strength, Verdict, VerdictLabel
from . import rules  # noqa: F401  (registers the shipped rules)
from .common import name_of
from .gates import A_STUDY, NOT_A_CLAIM, in_a_name, reported_claim, weakly_stated
from .registry import rule_for
from .rules.evidence import _LIMITED as LIMITED


class Verifier:
    """Applies the verification rules against one reference.

    Args:
        reference: the :class:`~pipeline.reference.Reference` (default: :func:`load_reference`).
    """

    def __init__(self, reference: Reference | None = None) -> None:
        self.ref = reference if reference is not None else load_reference()

    # -- dispatch -------------------------------------------------------------------------
    def __call__(self, claim: Claim) -> Verdict:
        """The claim's verdict: the frame's gate, the reference rule of its type under the frame
        policy, then (when nothing is flagged) the article's own evidence."""
        f = claim.frame
        if reported_claim(claim.sentence):
            return self._reference(claim)  # someone else's claim, reported (usually to refute it)
        if f is not None and f.speech_act in load_policy().unflagged_speech_acts:
            return not_flagged(self._reference(claim), NOT_A_CLAIM[f.speech_act])
        if claim.drug is not None and claim.drug.via == "frame":
            v = Verdict(VerdictLabel.UNVERIFIABLE, Severity.NONE,
                        "Not checked: a claim the reference rules do not cover (only the article's own evidence "
                        "is weighed)." if claim.drug.id else "Not checked: the reference has nothing on this "
                        "intervention.")
        else:
            v = self._reference(claim)
            if f is not None:
                v = self._frame_policy(claim, v)
        if not v.flagged:
            return category_verdict(claim, self._kinds(claim)) or article_evidence_verdict(claim) or v
        return v

    def _kinds(self, claim: Claim) -> set[str]:
        """The reference kinds of the claim's intervention (e.g. ``{"supplement"}``)."""
        d = self.ref.drugs.get(claim.drug.id) if claim.drug is not None and claim.drug.id else None
        kind = getattr(d, "kind", None) if d is not None else None
        if not kind:
            return set()
        return {kind, "supplement"} if is_dietary_supplement(kind) else {kind}  # herbs, vitamins: DSHEA too

    def _frame_policy(self, claim: Claim, v: Verdict) -> Verdict:
        """Apply the frame to a reference verdict: "cures" needs more than an approval; hedged
        wording, denials of a cure and reported trial results are not flags; unknown pairs are not
        checked, not flagged; a flag carries its reason."""
        f, pol = claim.frame, load_policy()
        cure = cure_overstated(claim, v)
        if f.speech_act in pol.reference_unweighed_speech_acts and (cure is not None or v.flagged):
            return not_flagged(cure or v, "Not flagged: a quoted speaker's words; the reference weighs the "
                                          "article's own claims (quotes are weighed against the article's evidence).")
        if cure is not None:
            return cure
        if not v.flagged:
            return v
        if f.kind == "cure" and f.polarity == "negative":
            return not_flagged(v, "Not flagged: the article says it is not a cure.")
        weak = weakly_stated(claim, untested=self._untested(claim))
        if weak:
            return not_flagged(v, weak)
        if in_a_name(claim):
            return not_flagged(v, "Not flagged: the intervention is part of a name (\u201cInstitute for Cancer "
                                  "Immunotherapy\u201d), not a claim.")
        if claim.type == ClaimType.DOSAGE and f.evidence_basis in ("rct", "meta_analysis", "observational", "case") \
                and f.speech_act != "advice":
            return not_flagged(v, "Not flagged: a dose in an article about a study is the study's dose, not dosing "
                                  "advice.")
        if claim.type == ClaimType.DOSAGE and f.polarity == "negative":
            return not_flagged(v, "Not flagged: the sentence says a dose does not help, it does not recommend it.")
        if claim.type == ClaimType.APPROVAL and claim.approval_status == "not_approved" and v.severity != Severity.HIGH:
            return not_flagged(v, "Not flagged: \u201cnot approved\u201d is often true of a narrower use than the "
                                  "approval on record (breast cancer prevention vs. bone metastases); shown for review.")
        if f.population in ("animal", "cell") and claim.type in (ClaimType.EFFICACY, ClaimType.EVIDENCE):
            return not_flagged(v, "Not flagged: the sentence is about research in animals or cells, which the "
                                  "reference's evidence on people does not judge.")
        implicit = claim.condition is not None and claim.condition.via in ("context", "topic", "pronoun")
        if claim.type == ClaimType.EVIDENCE and v.label == VerdictLabel.CONTRADICTED \
                and (A_STUDY.search(claim.sentence) or f.conditions_in_sentence > 1 or implicit
                     or f.speech_act == "reported_finding"):
            return not_flagged(v, "Not flagged: the article reports a study the reference may not hold yet.")
        if claim.type == ClaimType.USAGE:
            return not_flagged(v, NOT_A_CLAIM["usage"])
        if f.kind == "comparison":
            return not_flagged(v, "Not checked: a comparative claim, and the reference holds no comparative "
                                  "evidence for this pair.")
        if v.label == VerdictLabel.UNVERIFIABLE:
            return not_flagged(v, "Not checked (the reference cannot judge this pair):")
        if v.label == VerdictLabel.OVERSTATED and f.speech_act in ("reported_finding", "quote") \
                and f.evidence_basis in ("rct", "meta_analysis"):
            return not_flagged(v, "Not flagged: a reported trial result, told with its design.")
        if SEVERITY_ORDER.index(v.severity.value) < pol.min_flag_severity and f.strength != "absolute":
            return not_flagged(v, "Not flagged: a small gap between the wording and the reference (low "
                                  "severity); shown for review.")
        return replace(v, reason=v.reason or pol.reason_by_type.get(claim.type.value, "other"))

    def _untested(self, claim: Claim) -> bool:
        """No randomised trial of the claim's pair is on record (direction ``no_trials`` or 0 RCTs)."""
        ids = self._ids(claim)
        if not all(ids):
            return False
        ev = self.best_evidence(*ids)
        return bool(ev) and (ev[0].direction == "no_trials" or ev[0].n_rcts == 0)

    def _reference(self, claim: Claim) -> Verdict:
        verdict = self._verdict(claim)
        if not verdict.flagged and verdict.severity in (Severity.MEDIUM, Severity.HIGH):
            # severity ranks flags; an unflagged verdict is at most low
            return replace(verdict, severity=Severity.LOW)
        if verdict.flagged and reported_claim(claim.sentence):
            # The article quotes a claim (to refute it, usually): note it, do not raise it as a flag.
            return replace(verdict, severity=Severity.LOW, flagged_override=False,
                           rationale="Reported claim (the article attributes it to someone else): " + verdict.rationale)
        return verdict

    def _verdict(self, claim: Claim) -> Verdict:
        return rule_for(claim.type)(self, claim)

    def pair(self, claim: Claim) -> tuple[str, str, str, str] | None:
        """(drug id, condition id, drug name, condition name), or None when either is unlinked."""
        did, cid = self._ids(claim)
        if not did or not cid:
            return None
        return did, cid, name_of(claim.drug, self.ref), name_of(claim.condition, self.ref)

    def _ids(self, claim: Claim) -> tuple[str | None, str | None]:
        return (claim.drug.id if claim.drug else None, claim.condition.id if claim.condition else None)

    # -- efficacy -------------------------------------------------------------------------
    def best_evidence(self, did: str, cid: str):
        rows = self.ref.evidence_for(did, cid)
        overall = [e for e in rows if not e.outcome] or rows
        return overall


def one_flag_per_reason(checked: list) -> list:
    """One flag per sentence and reason: a sentence that names three drugs for one overclaim is one
    thing for an editor to fix. Later claims with the same sentence and reason keep their verdict,
    unflagged, with a pointer to the claim that carries the flag.

    Args:
        checked: :class:`~pipeline.types.CheckedClaim` records of one article, in document order.

    Returns:
        New records (the input is not changed).
    """
    seen: dict[tuple, str] = {}
    out = []
    for cc in checked:
        v = cc.verdict
        key = (cc.claim.start, v.reason or v.label.value)
        if v.flagged and key in seen:
            v = replace(v, flagged_override=False, severity=Severity.LOW if v.severity != Severity.NONE else v.severity,
                        rationale=f"Same flag as claim {seen[key]} in this sentence. {v.rationale}")
        elif v.flagged:
            seen[key] = cc.claim.id
        out.append(CheckedClaim(cc.claim, v))
    return out

def verify_claim(claim: Claim, reference: Reference | None = None) -> Verdict:
    """Verdict for one claim (convenience wrapper around :class:`Verifier`)."""
    return Verifier(reference)(claim)

def article_findings(checked, reference: Reference | None = None) -> list[Finding]:
    """Article-level findings: established efficacy asserted for a pair the same article elsewhere
    says has limited evidence.

    Args:
        checked: (claim, verdict) pairs of one article.

    Returns:
        Findings (possibly empty).
    """
    by_pair = defaultdict(lambda: {"strong": [], "limited": []})
    limited_re = LIMITED
    for claim, verdict in checked:
        if not claim.drug or not claim.condition or not claim.drug.id or not claim.condition.id:
            continue
        key = (claim.drug.id, claim.condition.id)
        low = claim.sentence.lower()
        if claim.type in (ClaimType.EFFICACY, ClaimType.EVIDENCE) and claim.polarity == "positive" \
                and claim.strength >= Strength.DIRECT and not limited_re.search(low):
            by_pair[key]["strong"].append(claim)
        elif claim.type in (ClaimType.EVIDENCE, ClaimType.EFFICACY) and limited_re.search(low):
            by_pair[key]["limited"].append(claim)
    findings = []
    for (did, cid), groups in by_pair.items():
        if groups["strong"] and groups["limited"]:
            s, l = groups["strong"][0], groups["limited"][0]
            dname = s.drug.name or s.drug.text
            cname = s.condition.name or s.condition.text
            findings.append(Finding(
                kind="inconsistent_strength",
                message=(f"The article asserts established efficacy of {dname} for {cname} "
                         f"(\u201c{s.sentence[:120]}\u201d) but elsewhere says the evidence is limited "
                         f"(\u201c{l.sentence[:120]}\u201d)."),
                severity=Severity.HIGH,
                claim_ids=[c.id for c in groups["strong"] + groups["limited"]],
            ))
    return findings
