"""Evaluation against the hand-annotated gold in ``corpora/gold`` (``overclaim eval claims|linking``).

Two tasks:

``claims``
    Claim extraction and flagging. The gold (``claims.jsonl``) lists every sentence of the gold
    documents that makes a checkable claim, with its claims (type, drug, condition) and whether an
    editor should see each flagged. A predicted claim *matches* a gold claim when their sentences
    overlap and the type and drug agree, and the condition too when the gold gives one (or one of
    its ``condition_alt``). Precision is the share of predicted claims that match some gold claim,
    recall the share of gold claims matched by some prediction (a sentence split into several
    predicted claims for one gold claim is not penalised twice; the number of such duplicates is
    reported). Flags are scored the same way at claim level (a flagged prediction is right when it
    matches a gold claim with ``flag: true``) and at sentence level (a sentence is flagged when any
    of its claims is). The count of high-severity flags on the two accurate seeds (003, 004) is
    reported separately.

``linking``
    Drug and condition mentions (``mentions.jsonl``): every mention in a set of annotated sentences,
    with the reference id an ideal linker gives, or ``null`` with a reason. A predicted linked
    mention inside an annotated sentence is correct when span and id are exactly a gold mention's.
    Gold mentions whose id the loaded reference does not know are left out (and counted), as are
    predictions on mentions marked ``ignore``; a link on a mention marked ``ambiguous`` or
    ``wrong_sense`` is a false positive.

The seed documents live in the shared data directory (:func:`pipeline.config.data_dir`); when it
is missing they are skipped with a note and only the packaged articles are scored.

Example:
    >>> from pipeline.eval.metrics import prf
    >>> {k: v for k, v in prf(tp_pred=3, n_pred=4, tp_gold=3, n_gold=6).items() if k in ("precision", "recall", "f1")}
    {'precision': 0.75, 'recall': 0.5, 'f1': 0.6}
"""
from __future__ import annotations

import importlib.resources as resources
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable
import copy
import itertools

from ..claims.scoring import ClaimScorer, ScorerConfig
from ..config import data_dir
from ..errors import InputError
from ..ingest.reader import article_from_text, iter_articles
from ..reference import load_reference
from ..reference.interventions import intervention_type
from ..reference.store import Reference, _load_docs, _read_yaml_files, curated_files
from .goldfiles import gold_dir, read_jsonl
from .metrics import prf
from .scorecard_eval import evaluate as evaluate_scorecard

TASKS = ("claims", "linking", "scorecard", "coverage")
MUST_NOT_LINK = {"ambiguous", "wrong_sense"}
MAX_ERRORS = 200  # errors kept in the result (all are counted)


class UnknownTaskError(KeyError):
    """Raised by :func:`run` for a task it does not know (a ``KeyError``, with a readable message)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "unknown task"


# -----------------------------------------------------------------------------------------------
# Metrics


# -----------------------------------------------------------------------------------------------
# Gold files and documents


def load_document(doc: str, data: Path | None = None) -> tuple[str | None, str | None]:
    """Text of a gold document, or ``(None, note)`` when it cannot be read.

    Args:
        doc: ``seeds/<file>`` (shared data directory) or ``gold/articles/<file>`` (packaged).
        data: shared data directory (default :func:`pipeline.config.data_dir`).

    Returns:
        ``(text, None)`` or ``(None, reason it was skipped)``.
    """
    if doc.startswith("seeds/"):
        base = data if data is not None else data_dir(required=False)
        if base is None:
            return None, f"{doc}: skipped, shared data directory not found (set OVERCLAIM_DATA_DIR)"
        path = Path(base) / doc
    else:
        path = Path(str(resources.files("pipeline.corpora").joinpath(doc)))
    if not path.is_file():
        return None, f"{doc}: skipped, file not found at {path}"
    return path.read_text(encoding="utf-8"), None


def _check_prefixes(doc: str, text: str, rows: Iterable[dict]) -> str | None:
    for r in rows:
        if not text[r["start"]:].startswith(r["prefix"]):
            return (f"{doc}: skipped, gold prefix {r['prefix'][:30]!r} not found at offset {r['start']} "
                    f"(the document changed since it was annotated)")
    return None


def _by_doc(rows: Iterable[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        out[r["doc"]].append(r)
    return dict(out)


# -----------------------------------------------------------------------------------------------
# Claims


def _norm(s: str | None) -> str | None:
    return None if s is None else " ".join(s.lower().split())


def _keys(name: str | None, kind: str, resolver: Callable[[str, str], str | None] | None) -> set[str]:
    """Names a gold drug/condition can be matched by: its normalised name and its reference id."""
    if name is None:
        return set()
    keys = {_norm(name)}
    if resolver is not None:
        rid = resolver(kind, name)
        if rid:
            keys.add(rid)
    return keys


def _pred_keys(name: str | None, rid: str | None) -> set[str]:
    return {k for k in (_norm(name), rid) if k}


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def _claim_matches(g: dict, p: dict, resolver) -> bool:
    if g["type"] != p["type"]:
        return False
    pd = _pred_keys(p.get("drug"), p.get("drug_id"))
    drugs = set()
    for name in [g["drug"], *g.get("drug_alt", [])]:
        drugs |= _keys(name, "drug", resolver)
    if not pd & drugs:
        return False
    if g.get("condition") is None:
        return True
    pc = _pred_keys(p.get("condition"), p.get("condition_id"))
    conds = set()
    for name in [g["condition"], *g.get("condition_alt", [])]:
        conds |= _keys(name, "condition", resolver)
    return bool(pc & conds)


def score_claims(gold: list[dict], predictions: list[dict],
                 resolver: Callable[[str, str], str | None] | None = None) -> dict[str, Any]:
    """Score predicted claims against gold claim sentences (pure function; no pipeline needed).

    Args:
        gold: gold sentence records (``claims.jsonl`` lines) of the documents scored.
        predictions: one dict per predicted claim: ``doc``, ``start``, ``end`` (sentence offsets),
            ``type``, ``drug``, ``drug_id``, ``condition``, ``condition_id``, ``flagged``,
            ``severity``, and optionally ``sentence``, ``verdict``.
        resolver: ``resolver(kind, name) -> id`` so a gold canonical name also matches a
            prediction by reference id (``None``: names only).

    Returns:
        A dict with ``claims``, ``claims_explicit`` (gold claims whose drug is named in the
        sentence), ``claim_sentences``, ``flags_claim``, ``flags_sentence`` (each from :func:`prf`),
        ``duplicates`` and error lists ``false_flags``, ``missed_flags``, ``missed_claims``,
        ``spurious_claims``.

    Example:
        >>> g = [{"doc": "d", "start": 0, "end": 10, "claims": [
        ...     {"type": "efficacy", "drug": "baclofen", "condition": "fibromyalgia", "flag": True}]}]
        >>> p = [{"doc": "d", "start": 0, "end": 10, "type": "efficacy", "drug": "baclofen",
        ...       "condition": "fibromyalgia", "flagged": True, "severity": "high"}]
        >>> score_claims(g, p)["flags_claim"]["f1"]
        1.0
    """
    gold_by_doc = _by_doc(gold)
    pred_by_doc = _by_doc(predictions)
    t = _ClaimTally(resolver)
    for doc in sorted(set(gold_by_doc) | set(pred_by_doc)):
        gsents = gold_by_doc.get(doc, [])
        t.add_gold(doc, gsents)
        for p in pred_by_doc.get(doc, []):
            t.add_prediction(doc, p, gsents)
    return t.scores(gold_by_doc)


class _ClaimTally:
    """The running counts of :func:`score_claims`: gold claims found, predictions matched,
    flags, and the sentences predicted to hold claims."""

    def __init__(self, resolver) -> None:
        self.resolver = resolver
        self.tp_pred = self.n_pred = self.dup = 0
        self.flag_tp_pred = self.flag_n_pred = 0
        self.g_found: dict[tuple, bool] = {}
        self.g_flag_found: dict[tuple, bool] = {}
        self.spurious: list[dict] = []
        self.false_flags: list[dict] = []
        self.sent_pred: dict[tuple, dict] = {}  # (doc, start, end) -> {"flagged": bool}

    def add_gold(self, doc: str, gsents: list[dict]) -> None:
        for s in gsents:
            for k, c in enumerate(s["claims"]):
                self.g_found[(doc, s["start"], k)] = False
                if c.get("flag"):
                    self.g_flag_found[(doc, s["start"], k)] = False

    def _hits(self, doc: str, p: dict, gsents: list[dict]) -> list[tuple[tuple, dict]]:
        """The gold claims of the sentences ``p`` overlaps that ``p`` matches."""
        hits = []
        for s in gsents:
            if _overlaps(p["start"], p["end"], s["start"], s["end"]):
                for k, c in enumerate(s["claims"]):
                    if _claim_matches(c, p, self.resolver):
                        hits.append(((doc, s["start"], k), c))
        return hits

    def add_prediction(self, doc: str, p: dict, gsents: list[dict]) -> None:
        self.n_pred += 1
        sp = self.sent_pred.setdefault((doc, p["start"], p["end"]), {"flagged": False})
        sp["flagged"] = sp["flagged"] or bool(p.get("flagged"))
        hits = self._hits(doc, p, gsents)
        if hits:
            self.tp_pred += 1
            if all(self.g_found[h[0]] for h in hits):
                self.dup += 1
            for h, _ in hits:
                self.g_found[h] = True
        else:
            self.spurious.append(_pred_summary(p))
        if p.get("flagged"):
            self._add_flag(p, hits)

    def _add_flag(self, p: dict, hits: list[tuple[tuple, dict]]) -> None:
        flag_tp = [h for h, c in hits if c.get("flag")]
        self.flag_n_pred += 1
        if flag_tp:
            self.flag_tp_pred += 1
            for h in flag_tp:
                self.g_flag_found[h] = True
        else:
            self.false_flags.append(_pred_summary(p, hits))

    def _missed(self, gold_by_doc: dict) -> tuple[list[dict], list[dict]]:
        """Gold flags and gold claims that no prediction found."""
        missed_flags, missed_claims = [], []
        for key, found in self.g_found.items():
            c = _gold_claim(gold_by_doc, key)
            s = _gold_sentence(gold_by_doc, key)
            item = {"doc": key[0], "start": key[1], "prefix": s.get("prefix", ""), "type": c["type"],
                    "drug": c["drug"], "condition": c.get("condition"), "implicit": bool(c.get("implicit")),
                    "note": c.get("note")}
            if not found:
                missed_claims.append(item)
            if key in self.g_flag_found and not self.g_flag_found[key]:
                missed_flags.append(item)
        return missed_flags, missed_claims

    def _sentence_scores(self, gold_by_doc: dict) -> tuple[dict, dict]:
        """Sentence level: sentences with claims, and flagged sentences."""
        gs_all = [(d, s["start"], s["end"], any(c.get("flag") for c in s["claims"]))
                  for d, ss in gold_by_doc.items() for s in ss]
        sp_all = [(d, a, b, v["flagged"]) for (d, a, b), v in self.sent_pred.items()]
        return _sentence_prf(gs_all, sp_all, flagged_only=False), _sentence_prf(gs_all, sp_all, flagged_only=True)

    def scores(self, gold_by_doc: dict) -> dict[str, Any]:
        g_found, g_flag_found = self.g_found, self.g_flag_found
        claims = prf(tp_pred=self.tp_pred, n_pred=self.n_pred, tp_gold=sum(g_found.values()), n_gold=len(g_found))
        explicit = {k: v for k, v in g_found.items() if not _gold_claim(gold_by_doc, k).get("implicit")}
        claims_explicit = {"recall": prf(tp_pred=0, n_pred=0, tp_gold=sum(explicit.values()),
                                         n_gold=len(explicit))["recall"],
                           "tp_gold": sum(explicit.values()), "n_gold": len(explicit)}
        flags_claim = prf(tp_pred=self.flag_tp_pred, n_pred=self.flag_n_pred, tp_gold=sum(g_flag_found.values()),
                          n_gold=len(g_flag_found))
        claim_sentences, flags_sentence = self._sentence_scores(gold_by_doc)
        missed_flags, missed_claims = self._missed(gold_by_doc)
        return {
            "claims": claims, "claims_explicit": claims_explicit, "claim_sentences": claim_sentences,
            "flags_claim": flags_claim, "flags_sentence": flags_sentence, "duplicates": self.dup,
            "n_false_flags": len(self.false_flags), "n_missed_flags": len(missed_flags),
            "n_missed_claims": len(missed_claims), "n_spurious_claims": len(self.spurious),
            "false_flags": self.false_flags[:MAX_ERRORS], "missed_flags": missed_flags[:MAX_ERRORS],
            "missed_claims": missed_claims[:MAX_ERRORS], "spurious_claims": self.spurious[:MAX_ERRORS],
        }


def _gold_sentence(gold_by_doc: dict, key: tuple) -> dict:
    for s in gold_by_doc.get(key[0], []):
        if s["start"] == key[1]:
            return s
    raise KeyError(key)


def _gold_claim(gold_by_doc: dict, key: tuple) -> dict:
    return _gold_sentence(gold_by_doc, key)["claims"][key[2]]


def _pred_summary(p: dict, hits: list | None = None) -> dict:
    out = {k: p.get(k) for k in ("doc", "start", "type", "drug", "condition", "verdict", "severity")}
    out["sentence"] = (p.get("sentence") or "")[:160]
    if hits:
        out["gold_here"] = [f"{c['type']}/{c['drug']}/{c.get('condition')} flag={c.get('flag')}" for _, c in hits]
    return out


def _sentence_prf(gold: list[tuple], pred: list[tuple], *, flagged_only: bool) -> dict[str, Any]:
    g = [x for x in gold if x[3] or not flagged_only]
    p = [x for x in pred if x[3] or not flagged_only]
    tp_pred = sum(1 for d, a, b, _ in p if any(d == gd and _overlaps(a, b, ga, gb) for gd, ga, gb, _ in g))
    tp_gold = sum(1 for gd, ga, gb, _ in g if any(d == gd and _overlaps(a, b, ga, gb) for d, a, b, _ in p))
    return prf(tp_pred=tp_pred, n_pred=len(p), tp_gold=tp_gold, n_gold=len(g))


# -----------------------------------------------------------------------------------------------
# Linking


def score_linking(gold: list[dict], predictions: list[dict], known_ids: set[str] | None = None) -> dict[str, Any]:
    """Score predicted linked mentions against gold mention sentences (pure function).

    Args:
        gold: gold sentence records (``mentions.jsonl`` lines) of the documents scored.
        predictions: one dict per predicted *linked* mention: ``doc``, ``start``, ``end``
            (document offsets), ``kind`` (drug | condition), ``id``, and optionally ``text``.
            Predictions outside the annotated sentences are not scored. A prediction on a gold
            mention's ``span_alt`` (e.g. "severe spasticity" for "spasticity") counts as exact, and
            absorbs the gold mentions inside it.
        known_ids: ids the loaded reference knows; gold mentions with another id are left out
            (``None``: keep all).

    Returns:
        ``by_kind`` (``drug``, ``condition``, ``all``: :func:`prf` on exact span + id),
        ``lenient`` (overlapping span + id), ``must_not_link`` (gold mentions that must stay
        unlinked, and how many were linked), ``excluded`` (gold mentions left out) and error lists
        ``false_links`` and ``missed``.

    Example:
        >>> g = [{"doc": "d", "start": 0, "end": 20, "mentions": [
        ...     {"start": 0, "end": 8, "kind": "drug", "id": "rxcui:1292", "text": "Baclofen"}]}]
        >>> score_linking(g, [{"doc": "d", "start": 0, "end": 8, "kind": "drug", "id": "rxcui:1292"}])["by_kind"]["all"]["f1"]
        1.0
    """
    gold_by_doc = _by_doc(gold)
    pred_by_doc = _by_doc(predictions)
    t = _LinkTally(known_ids)
    for doc in sorted(set(gold_by_doc) | set(pred_by_doc)):
        sents = gold_by_doc.get(doc, [])
        gms = [m for s in sents for m in s["mentions"]]
        t.add_gold(doc, gms)
        for p in pred_by_doc.get(doc, []):
            if any(_overlaps(p["start"], p["end"], s["start"], s["end"]) for s in sents):
                t.add_prediction(doc, p, gms)  # (predictions outside the annotated sentences are not scored)
    t.drop_absorbed()
    return t.scores(gold)


class _LinkTally:
    """The running counts of :func:`score_linking`."""

    def __init__(self, known_ids: set[str] | None) -> None:
        self.known_ids = known_ids
        self.tp_pred: dict[str, int] = defaultdict(int)
        self.n_pred: dict[str, int] = defaultdict(int)
        self.found: dict[tuple, bool] = {}
        self.gkind: dict[tuple, str] = {}
        self.len_tp_pred = 0
        self.len_found: dict[tuple, bool] = {}
        self.excluded = 0
        self.mnl_total = self.mnl_linked = 0
        self.false_links: list[dict] = []
        self.absorbed: set[tuple] = set()

    def scored(self, m: dict) -> bool:
        """Whether a gold mention is scored: it has an id the loaded reference knows."""
        if m.get("id") is None:
            return False
        ids = [m["id"], *m.get("id_alt", [])]
        return self.known_ids is None or any(i in self.known_ids for i in ids)

    def add_gold(self, doc: str, gms: list[dict]) -> None:
        for m in gms:
            if self.scored(m):
                self.found[(doc, m["start"], m["end"])] = False
                self.len_found[(doc, m["start"], m["end"])] = False
                self.gkind[(doc, m["start"], m["end"])] = m["kind"]
            elif m.get("id") is not None:
                self.excluded += 1
            elif m.get("reason") in MUST_NOT_LINK:
                self.mnl_total += 1

    def _skipped(self, p: dict, target: dict | None, over: list[dict]) -> bool:
        """Whether prediction ``p`` is left out: on an ignored mention, one outside the loaded
        reference, or partly over an ignored one (a link on a must-not-link mention is counted
        wrong here)."""
        if target is not None and not self.scored(target):
            if target.get("id") is None and target.get("reason") in MUST_NOT_LINK:
                self.mnl_linked += 1
                self.n_pred[p["kind"]] += 1
                self.false_links.append(_link_summary(p, target, "must stay unlinked"))
            return True
        return target is None and bool(over) and not any(self.scored(m) or m.get("reason") in MUST_NOT_LINK
                                                          for m in over)

    def add_prediction(self, doc: str, p: dict, gms: list[dict]) -> None:
        over = [m for m in gms if _overlaps(p["start"], p["end"], m["start"], m["end"])]
        exact = ([m for m in over if (m["start"], m["end"]) == (p["start"], p["end"])]
                 or [m for m in over if [p["start"], p["end"]] in [list(x) for x in m.get("span_alt", [])]])
        target = exact[0] if exact else None
        if self._skipped(p, target, over):
            return
        self.n_pred[p["kind"]] += 1
        ok_len = [m for m in over if self.scored(m) and p["id"] in (m["id"], *m.get("id_alt", []))]
        if ok_len:
            self.len_tp_pred += 1
            for m in ok_len:
                self.len_found[(doc, m["start"], m["end"])] = True
        if target is not None and p["id"] in (target["id"], *target.get("id_alt", [])):
            self.tp_pred[p["kind"]] += 1
            self.found[(doc, target["start"], target["end"])] = True
            # a longer accepted span absorbs the gold mentions inside it ("fibromyalgia pain")
            for m in gms:
                if m is not target and p["start"] <= m["start"] and m["end"] <= p["end"]:
                    self.absorbed.add((doc, m["start"], m["end"]))
        else:
            why = "wrong id" if target is not None else ("span differs" if over else "not a mention")
            self.false_links.append(_link_summary(p, target or (over[0] if over else None), why))

    def drop_absorbed(self) -> None:
        """Leave out the unfound gold mentions inside a longer accepted span."""
        for k in self.absorbed:
            if not self.found.get(k, True):
                del self.found[k]
                self.len_found.pop(k, None)

    def _missed(self, gold: list[dict]) -> list[dict]:
        missed = []
        for s in gold:
            for m in s["mentions"]:
                k = (s["doc"], m["start"], m["end"])
                if k in self.found and not self.found[k]:
                    missed.append({"doc": s["doc"], "start": m["start"], "text": m.get("text"), "kind": m["kind"],
                                   "id": m["id"], "sentence": s.get("prefix", "")})
        return missed

    def scores(self, gold: list[dict]) -> dict[str, Any]:
        found, tp_pred, n_pred = self.found, self.tp_pred, self.n_pred
        missed = self._missed(gold)
        by_kind = {}
        for kind in ("drug", "condition"):
            keys = [k for k in found if self.gkind[k] == kind]
            by_kind[kind] = prf(tp_pred=tp_pred[kind], n_pred=n_pred[kind], tp_gold=sum(found[k] for k in keys),
                                n_gold=len(keys))
        by_kind["all"] = prf(tp_pred=sum(tp_pred.values()), n_pred=sum(n_pred.values()),
                             tp_gold=sum(found.values()), n_gold=len(found))
        lenient = prf(tp_pred=self.len_tp_pred, n_pred=sum(n_pred.values()), tp_gold=sum(self.len_found.values()),
                      n_gold=len(self.len_found))
        return {
            "by_kind": by_kind, "lenient": lenient,
            "must_not_link": {"n_gold": self.mnl_total, "linked": self.mnl_linked},
            "excluded": self.excluded, "n_false_links": len(self.false_links), "n_missed": len(missed),
            "false_links": self.false_links[:MAX_ERRORS], "missed": missed[:MAX_ERRORS],
        }


def _link_summary(p: dict, g: dict | None, why: str) -> dict:
    return {"doc": p["doc"], "start": p["start"], "text": p.get("text"), "kind": p["kind"], "id": p["id"],
            "gold_text": None if g is None else g.get("text"), "gold_id": None if g is None else g.get("id"),
            "why": why}


# -----------------------------------------------------------------------------------------------
# Running the pipeline on the gold documents

def _auditor():
    """The process-wide Auditor the evaluations share with the research API."""
    from ..run.auditor import shared_auditor

    return shared_auditor()


def _resolver(reference) -> Callable[[str, str], str | None]:
    def resolve(kind: str, name: str) -> str | None:
        hit = reference.drug_by_name(name) if kind == "drug" else reference.condition_by_name(name)
        return hit.id if hit is not None else None
    return resolve


def _load(kind: str, data: Path | None, gold_path: Path | None) -> tuple[dict[str, list[dict]], dict[str, str], list[str]]:
    path = gold_path or gold_dir() / f"{kind}.jsonl"
    rows = read_jsonl(path)
    notes: list[str] = []
    texts: dict[str, str] = {}
    by_doc = _by_doc(rows)
    for doc in sorted(by_doc):
        text, note = load_document(doc, data)
        if text is not None:
            note = _check_prefixes(doc, text, by_doc[doc])
        if note:
            notes.append(note)
            continue
        texts[doc] = text
    return {d: r for d, r in by_doc.items() if d in texts}, texts, notes


def predict_claims(texts: dict[str, str], auditor=None) -> list[dict]:
    """Audit each document and return its claims as plain dicts for :func:`score_claims`."""
    auditor = auditor or _auditor()
    out = []
    for doc, text in texts.items():
        res = auditor.audit_article(article_from_text(text, id=doc))
        for cc in res.claims:
            c, v = cc.claim, cc.verdict
            if c.drug is not None and c.drug.id is None:
                continue  # a frame of an unlinked intervention: outside this gold's scope (drug claims only)
            out.append({"doc": doc, "start": c.start, "end": c.end, "sentence": c.sentence, "type": c.type.value,
                        "drug": c.drug.name if c.drug else None, "drug_id": c.drug.id if c.drug else None,
                        "condition": c.condition.name if c.condition else None,
                        "condition_id": c.condition.id if c.condition else None,
                        "flagged": v.flagged, "severity": v.severity.value, "verdict": v.label.value})
    return out


def predict_mentions(texts: dict[str, str], auditor=None) -> list[dict]:
    """Linked drug/condition mentions the NLP pipeline finds in each document."""
    auditor = auditor or _auditor()
    out = []
    for doc, text in texts.items():
        for e in auditor.nlp(text).ents:
            if not e.kb_id_:
                continue
            out.append({"doc": doc, "start": e.start_char, "end": e.end_char, "text": e.text,
                        "kind": e.label_.lower(), "id": e.kb_id_})
    return out


def evaluate_claims(*, data: Path | None = None, gold_path: Path | None = None, auditor=None,
                    compare_models: bool = True) -> dict[str, Any]:
    """Run the pipeline on the gold documents and score claims and flags (overall and per document).

    Args:
        data: shared data folder (for the seed documents).
        gold_path: another gold file (default ``corpora/gold/claims.jsonl``).
        auditor: a ready :class:`~pipeline.run.auditor.Auditor`.
        compare_models: also score the documents with each model layer switched off
            (``model_layers``, see :func:`compare_model_layers`).

    Returns:
        The scores of :func:`score_claims`, per-document figures, notes and ``model_layers``.
    """
    gold_by_doc, texts, notes = _load("claims", data, gold_path)
    auditor = auditor or _auditor()
    preds = predict_claims(texts, auditor)
    resolver = _resolver(auditor.reference)
    gold = [r for rows in gold_by_doc.values() for r in rows]
    result = {"task": "claims", "documents": sorted(texts), "notes": notes}
    result.update(score_claims(gold, preds, resolver))
    per_doc = {}
    for doc in sorted(texts):
        dp = [p for p in preds if p["doc"] == doc]
        s = score_claims(gold_by_doc[doc], dp, resolver)
        per_doc[doc] = {"claims": s["claims"], "flags_claim": s["flags_claim"], "flags_sentence": s["flags_sentence"],
                        "high_severity_flags": sum(1 for p in dp if p["flagged"] and p["severity"] == "high")}
    result["per_document"] = per_doc
    result["high_severity_on_accurate_seeds"] = {d: v["high_severity_flags"] for d, v in per_doc.items()
                                                 if Path(d).name.startswith(("003_", "004_"))}
    if compare_models:
        result["model_layers"] = compare_model_layers(texts, gold, auditor, resolver)
    return result


MODEL_LAYERS = (
    ("rules only (--no-models)", {"models": False}),
    ("rules + strength model", {"checkworthy_threshold": 0.0}),
    ("rules + strength + check-worthiness (default)", {}),
    ("same, strength from strength-encoder", {"strength_model": "encoder"}),
)


def compare_model_layers(texts: dict[str, str], gold: list[dict], auditor=None, resolver=None) -> list[dict]:
    """Claim extraction and flags on the gold documents with and without each trained model.

    The same reference and NLP pipeline are audited four ways (:data:`MODEL_LAYERS`): rules only,
    with the strength model, with the check-worthiness filter too (the default audit), and with
    the strength encoder in place of the scikit-learn strength model.

    Args:
        texts: document id -> text (as :func:`_load` returns).
        gold: the gold sentence records of those documents.
        auditor: an :class:`~pipeline.run.auditor.Auditor` whose reference and pipeline are reused.
        resolver: name -> id resolver for :func:`score_claims`.

    Returns:
        One dict per layer: ``layer``, ``claims``, ``flags_claim``, ``flags_sentence`` (from
        :func:`prf`) and ``high_on_accurate_seeds`` (high-severity flags on seeds 003 and 004).

    Example:
        >>> rows = compare_model_layers({}, [])  # doctest: +SKIP
    """
    auditor = auditor or _auditor()
    rows = []
    for label, opts in MODEL_LAYERS:
        a = copy.copy(auditor)  # same reference, pipeline and verifier; its own model layer
        if opts.get("models") is False:
            a.scorer = None
        else:
            cfg = {k: v for k, v in opts.items() if k != "models"}
            a.scorer = ClaimScorer(ScorerConfig(**cfg))
        preds = predict_claims(texts, a)
        sc = score_claims(gold, preds, resolver)
        high = sum(1 for p in preds if p["flagged"] and p["severity"] == "high"
                   and Path(p["doc"]).name.startswith(("003_", "004_")))
        rows.append({"layer": label, "claims": sc["claims"], "flags_claim": sc["flags_claim"],
                     "flags_sentence": sc["flags_sentence"], "high_on_accurate_seeds": high})
    return rows


def evaluate_linking(*, data: Path | None = None, gold_path: Path | None = None, auditor=None) -> dict[str, Any]:
    """Run the NLP pipeline on the gold documents and score mention linking by kind."""
    gold_by_doc, texts, notes = _load("mentions", data, gold_path)
    auditor = auditor or _auditor()
    preds = predict_mentions(texts, auditor)
    ref = auditor.reference
    known = set(ref.drugs) | set(ref.conditions)
    gold = [r for rows in gold_by_doc.values() for r in rows]
    result = {"task": "linking", "documents": sorted(texts), "notes": notes,
              "n_sentences": len(gold), "n_mentions": sum(len(r["mentions"]) for r in gold)}
    result.update(score_linking(gold, preds, known))
    if result["excluded"]:
        result["notes"].append(f"{result['excluded']} gold mentions left out: their ids are not in the loaded "
                               "reference (build the compiled reference to score them)")
    return result


def claim_intervention_type(ref, claim) -> str:
    """What a claim is about, for coverage by type: an intervention type (herb, diet, device, ...),
    ``drug`` for a medicine, ``unlinked`` for an intervention the linker did not know, ``none``
    for a claim without one.

    Example:
        >>> from types import SimpleNamespace as NS
        >>> from pipeline.reference import load_reference
        >>> ref = load_reference(compiled=None)
        >>> claim_intervention_type(ref, NS(drug=NS(id=ref.drug_by_name("yoga").id)))
        'behaviour'
        >>> claim_intervention_type(ref, NS(drug=NS(id=None))), claim_intervention_type(ref, NS(drug=None))
        ('unlinked', 'none')
    """
    drug = getattr(claim, "drug", None)
    if drug is None:
        return "none"
    if not drug.id or drug.id not in ref.drugs:
        return "unlinked"
    return intervention_type(ref, drug.id) or "drug"


def _type_row(c) -> dict[str, Any]:
    n = sum(c.values())
    checked = n - c.get("unverifiable", 0)
    return {"claims": n, "checked": checked, "checked_share": round(checked / n, 3) if n else None,
            "verdicts": dict(c)}


def evaluate_coverage(*, data: Path | None = None, limit: int = 200,
                      source: str = "articles/fakehealth/content_HealthStory.jsonl") -> dict[str, Any]:
    """How much of real health news the reference can check: verdict counts on the same articles
    with the seed core only (``corpora/reference/core*.yaml``), all curated files, and curated plus
    the compiled open-source reference (when built).

    Args:
        data: shared data folder (default :func:`pipeline.config.data_dir`).
        limit: audit the first ``limit`` articles of ``source``.
        source: a JSONL/CSV file under the data folder.

    Returns:
        ``{"task", "articles", "layers": {name: {claims, articles_with_claims, verdicts, unverifiable_share,
        by_intervention_type: {type: {claims, checked, checked_share, verdicts}}}},
        "same_claims": {n, unverifiable_core, unverifiable_full}}``; a claim's type is
        :func:`claim_intervention_type` (checked = a verdict other than unverifiable).
    """
    base = Path(data) if data else data_dir()
    items = itertools.islice((a for a in iter_articles([base / source]) if not isinstance(a, InputError)), limit)
    arts = list(items)
    layers = _coverage_layers()
    out: dict[str, Any] = {"task": "coverage", "source": source, "articles": len(arts), "layers": {}}
    verdict_by_layer: dict[str, dict[str, str]] = {}
    for name, ref in layers.items():
        out["layers"][name], verdict_by_layer[name] = _layer_coverage(ref, arts)
    last = list(layers)[-1]
    common = set(verdict_by_layer["seed core"]) & set(verdict_by_layer[last])
    out["same_claims"] = {"n": len(common), "compared": ["seed core", last],
                          "unverifiable_core": sum(verdict_by_layer["seed core"][k] == "unverifiable" for k in common),
                          "unverifiable_full": sum(verdict_by_layer[last][k] == "unverifiable" for k in common)}
    return out


def _coverage_layers() -> dict[str, Any]:
    """The references compared: the seed core, all curated files, and curated plus compiled (when built)."""
    core = Reference()
    _load_docs(_read_yaml_files([f for f in curated_files() if "/core" in f[0]]), core)
    if hasattr(core, "finish"):
        core.finish()
    layers = {"seed core": core, "curated": load_reference(compiled=None)}
    full = load_reference()
    if getattr(full, "compiled_path", None):
        layers["curated + compiled"] = full
    return layers


def _layer_coverage(ref, arts: list) -> tuple[dict[str, Any], dict[str, str]]:
    """Verdict counts of ``arts`` audited with reference ``ref``, and each claim's verdict."""
    from ..run.auditor import Auditor

    au = Auditor(reference=ref)
    counts: Counter = Counter()
    by_type: dict[str, Counter] = {}
    with_claims = 0
    seen: dict[str, str] = {}
    for a in arts:
        res = au.audit_article(a)
        with_claims += bool(res.claims)
        for cc in res.claims:
            label = cc.verdict.label.value
            counts[label] += 1
            seen[cc.claim.id] = label
            by_type.setdefault(claim_intervention_type(ref, cc.claim), Counter())[label] += 1
    n = sum(counts.values())
    return ({"claims": n, "articles_with_claims": with_claims, "verdicts": dict(counts),
             "unverifiable_share": round(counts["unverifiable"] / n, 3) if n else None,
             "by_intervention_type": {t: _type_row(c) for t, c in sorted(by_type.items())}}, seen)


def run(task: str, **kwargs: Any) -> dict[str, Any]:
    """Evaluate one task against the gold in ``corpora/gold``.

    Args:
        task: ``"claims"`` (claim extraction and flags) or ``"linking"`` (mention linking).
        **kwargs: passed on: ``data`` (shared data folder), ``gold_path`` (another gold file),
            ``auditor`` (a ready :class:`pipeline.run.auditor.Auditor`).

    Returns:
        A JSON-serialisable dict (``task``, metrics, per-document figures, errors, notes).

    Raises:
        KeyError: for an unknown task (:class:`UnknownTaskError`, message lists the tasks).

    Example:
        >>> run("claims")["claims"]["precision"]  # doctest: +SKIP
        0.8
    """
    if task == "claims":
        return evaluate_claims(**kwargs)
    if task == "linking":
        return evaluate_linking(**kwargs)
    if task == "scorecard":
        res = evaluate_scorecard(auditor=kwargs.get("auditor"))
        res["task"] = "scorecard"
        return res
    if task == "coverage":
        return evaluate_coverage(**{k: v for k, v in kwargs.items() if k in ("data", "limit", "source")})
    raise UnknownTaskError(f"unknown evaluation task {task!r}: choose one of {', '.join(TASKS)}")


# -----------------------------------------------------------------------------------------------
# Terminal output


def _f(x: float | None) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def _row(label: str, m: dict, width: int = 34) -> str:
    return (f"{label:<{width}} {_f(m['precision'])} {_f(m['recall'])} {_f(m['f1'])} "
            f"{m['tp']:>6} {m['n_pred']:>6} {m['n_gold']:>6}")


def _head(width: int = 34) -> list[str]:
    h = f"{'':<{width}} {'P':>6} {'R':>6} {'F1':>6} {'TP':>6} {'pred':>6} {'gold':>6}"
    return [h, "-" * len(h)]


def format_table(result: dict[str, Any], max_errors: int = 8) -> str:
    """Readable terminal tables for a :func:`run` result.

    Args:
        result: what :func:`run` returned.
        max_errors: examples of each error kind to list.

    Returns:
        Multi-line text.

    Example:
        >>> print(format_table(run("linking")))  # doctest: +SKIP
    """
    task = result.get("task")
    if task == "coverage":
        return "\n".join(_coverage_lines(result))
    if task == "scorecard":
        return "\n".join(_scorecard_lines(result, max_errors))
    if task == "claims":
        lines = _claims_lines(result, max_errors)
    elif task == "linking":
        lines = _linking_lines(result, max_errors)
    else:
        lines = [json.dumps(result, indent=2)]
    for n in result.get("notes") or []:
        lines.append(f"note: {n}")
    return "\n".join(lines)


def _coverage_lines(result: dict[str, Any]) -> list[str]:
    lines = [f"Reference coverage on {result['articles']} real articles ({result['source']})",
             f"{'reference':<22} {'claims':>7} {'articles':>9} {'supported':>10} {'flagged*':>9} "
             f"{'unverifiable':>13}"]
    for name, m in result["layers"].items():
        v = m["verdicts"]
        flagged = v.get("contradicted", 0) + v.get("overstated", 0) + v.get("unsupported", 0)
        share = f"{v.get('unverifiable', 0)} ({m['unverifiable_share']:.0%})" if m["claims"] else "0"
        lines.append(f"{name:<22} {m['claims']:>7} {m['articles_with_claims']:>9} {v.get('supported', 0):>10} "
                     f"{flagged:>9} {share:>13}")
    for name, m in result["layers"].items():
        rows = m.get("by_intervention_type") or {}
        if rows:
            lines.append(f"{name}: share of claims with a verdict other than unverifiable, by intervention type")
            lines += [f"  {t:<16} {r['checked']:>6} / {r['claims']:<6} {r['checked_share']:.0%}"
                      for t, r in sorted(rows.items(), key=lambda kv: -kv[1]["claims"])]
    sc = result["same_claims"]
    lines.append(f"same claims found with both the seed core and the {sc['compared'][1]} reference: {sc['n']}; "
                 f"unverifiable {sc['unverifiable_core']} -> {sc['unverifiable_full']}")
    lines.append("(* contradicted + overstated + unsupported verdicts)")
    return lines


def _scorecard_lines(result: dict[str, Any], max_errors: int) -> list[str]:
    lines = [f"Article scorecard vs gold ({result['n_articles']} articles, one annotator)",
             f"{'criterion':<24} {'n':>4} {'agree':>6} {'accuracy':>9}"]
    for name, m in sorted(result["per_criterion"].items()):
        lines.append(f"{name:<24} {m['n']:>4} {m['correct']:>6} {_f(m['accuracy']):>9}")
    o = result["overall"]
    lines.append(f"{'all':<24} {o['n']:>4} {o['correct']:>6} {_f(o['accuracy']):>9}")
    for d in result.get("disagreements", [])[:max_errors]:
        lines.append(f"  disagree: {d['article']} {d['criterion']}: gold {d['gold']}, predicted {d['pred']}")
    return lines


def _claims_lines(result: dict[str, Any], max_errors: int) -> list[str]:
    lines = [f"Claims and flags vs gold ({len(result['documents'])} documents)", *_head(),
             _row("claim extraction", result["claims"])]
    ce = result["claims_explicit"]
    lines.append(f"{'  recall, drug named in sentence':<34} {'':6} {_f(ce['recall'])} {'':6} {ce['tp_gold']:>6} {'':6} {ce['n_gold']:>6}")
    lines.append(_row("sentences with claims", result["claim_sentences"]))
    lines.append(_row("flags (claim level)", result["flags_claim"]))
    lines.append(_row("flags (sentence level)", result["flags_sentence"]))
    lines.append(f"(precision counts a prediction right if it matches any gold claim; "
                 f"{result['duplicates']} predictions duplicated an already-matched claim)")
    lines += _per_document_lines(result["per_document"])
    if result.get("model_layers"):
        lines += _model_layer_lines(result["model_layers"])
    hs = result.get("high_severity_on_accurate_seeds") or {}
    if hs:
        lines.append("")
        lines.append("high-severity flags on the accurate seeds: "
                     + ", ".join(f"{Path(d).name[:3]}: {n}" for d, n in hs.items()))
    for key, title in (("false_flags", "false flags"), ("missed_flags", "missed flags"),
                       ("spurious_claims", "predicted claims with no gold match"),
                       ("missed_claims", "gold claims not found")):
        lines += _error_lines(result, key, title, max_errors, _claim_error_line)
    return lines


def _per_document_lines(per_document: dict[str, Any]) -> list[str]:
    lines = ["", f"{'document':<48} {'claimP':>6} {'claimR':>6} {'flagP':>6} {'flagR':>6} {'sentP':>6} {'sentR':>6} {'high':>5}"]
    for d, v in per_document.items():
        lines.append(f"{d[-48:]:<48} {_f(v['claims']['precision'])} {_f(v['claims']['recall'])} "
                     f"{_f(v['flags_claim']['precision'])} {_f(v['flags_claim']['recall'])} "
                     f"{_f(v['flags_sentence']['precision'])} {_f(v['flags_sentence']['recall'])} "
                     f"{v['high_severity_flags']:>5}")
    return lines


def _model_layer_lines(layers: list[dict]) -> list[str]:
    w = 46
    lines = ["", "what the trained models change (same documents and gold):",
             f"{'':<{w}} {'claimP':>6} {'claimR':>6} {'claimF':>6} {'pred':>5} "
             f"{'flagP':>6} {'flagR':>6} {'high*':>5}"]
    for r in layers:
        c, fl = r["claims"], r["flags_claim"]
        lines.append(f"{r['layer']:<{w}} {_f(c['precision'])} {_f(c['recall'])} {_f(c['f1'])} "
                     f"{c['n_pred']:>5} {_f(fl['precision'])} {_f(fl['recall'])} "
                     f"{r['high_on_accurate_seeds']:>5}")
    lines.append("(* high-severity flags on the accurate seeds 003 and 004)")
    return lines


def _error_lines(result: dict[str, Any], key: str, title: str, max_errors: int,
                 line: Callable[[str, dict], str]) -> list[str]:
    """The first ``max_errors`` examples of one error list, after a blank line and a title."""
    items = result.get(key) or []
    n = result.get(f"n_{key}", len(items))
    if not n:
        return []
    return ["", f"{title} ({n}), first {min(max_errors, len(items))}:",
            *(line(f"{Path(it['doc']).name[:18]}@{it['start']}", it) for it in items[:max_errors])]


def _claim_error_line(where: str, it: dict) -> str:
    what = f"{it['type']} {it['drug']}/{it.get('condition')}"
    extra = f" [{it['verdict']}, {it['severity']}]" if it.get("verdict") else ""
    text = it.get("sentence") or it.get("prefix") or ""
    return f"  {where:<26} {what:<44}{extra} {text[:70]!r}"


def _linking_lines(result: dict[str, Any], max_errors: int) -> list[str]:
    lines = [f"Mention linking vs gold ({result['n_sentences']} sentences, {result['n_mentions']} "
             f"annotated mentions, {len(result['documents'])} documents; exact span + id)", *_head()]
    for k in ("drug", "condition", "all"):
        lines.append(_row(k, result["by_kind"][k]))
    lines.append(_row("all, overlapping span + id", result["lenient"]))
    mnl = result["must_not_link"]
    lines.append(f"must stay unlinked (ambiguous / wrong sense): {mnl['linked']} of {mnl['n_gold']} linked")
    lines += _error_lines(result, "false_links", "false links", max_errors,
                          lambda where, it: f"  {where:<26} {it['text']!r} -> {it['id']} ({it['why']}; gold "
                                            f"{it['gold_text']!r} {it['gold_id']})")
    lines += _error_lines(result, "missed", "missed mentions", max_errors,
                          lambda where, it: f"  {where:<26} {it['text']!r} {it['kind']} {it['id']}")
    return lines
