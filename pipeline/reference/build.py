"""Compile the open reference sources into one SQLite file.

``build_reference(sources_dir, out_path)`` reads the folders of ``../shared/reference_sources``
(or what ``overclaim reference fetch`` downloaded) and writes tables ``drugs``, ``drug_names``,
``drug_classes``, ``conditions``, ``condition_names``, ``approvals``, ``indications``,
``fda_products``, ``label_facts``, ``trials``, ``trial_conditions``, ``trial_interventions``,
``evidence`` (NCI statements, EMA monographs, repoDB futility stops), ``herbal_assessments`` (EMA
HMPC), ``ae_signals`` (DDSAE), ``rejected_names``, ``sources`` and ``meta``. Drugs carry a ``kind``:
``drug`` or an intervention type (:mod:`pipeline.reference.interventions`). Every row carries ``source``, ``source_version`` and
``licence``. Sources marked ``commercial_use: false`` are never read.

Example:
    >>> from pipeline.config import data_dir, cache_dir
    >>> report = build_reference(data_dir() / "reference_sources",
    ...                          cache_dir() / "reference.sqlite")  # doctest: +SKIP
    >>> report.counts["drugs"] > 5000  # doctest: +SKIP
    True
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..config import cache_dir
from ..errors import ReferenceDataError
from .importers import conditions as cond_imp
from .importers import ctgov as ctgov_imp
from .importers import ddsae as ddsae_imp
from .importers import drugs as drug_imp
from .importers import ema_herbal as herbal_imp
from .importers import facts as facts_imp
from .importers import nci as nci_imp
from .importers import openfda as openfda_imp
from .importers import repodb as repodb_imp
from .importers.common import NameFilter, load_filter_rules, load_sources
from .importers.curated_names import curated_name_index
from .importers.state import CompileState
from .interventions import classify_substance
from .model import normalise_name

COMPILED_NAME = "reference.sqlite"
SCHEMA_VERSION = 2


def default_compiled_path() -> Path:
    """Where the compiled reference lives: ``cache_dir()/reference.sqlite``."""
    return cache_dir() / COMPILED_NAME


@dataclass
class BuildReport:
    """What a build produced: row counts per table and per source, warnings, timing."""

    out_path: Path
    counts: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    details: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"out_path": str(self.out_path), "counts": self.counts, "by_source": self.by_source,
                "details": self.details, "warnings": self.warnings, "seconds": round(self.seconds, 2)}


_TABLES: dict[str, list[str]] = {
    "drugs": ["id", "name", "kind", "rxcui", "drugbank", "unii", "mesh", "umls", "drugcentral_id", "ingredients"],
    "drug_names": ["drug_id", "name", "key", "name_type", "case_sensitive", "ambiguous"],
    "drug_classes": ["drug_id", "class_type", "class_id", "class_name", "class_source"],
    "conditions": ["id", "name", "doid", "mesh", "mesh_unverified", "mesh_tree", "umls", "icd10", "parents"],
    "condition_names": ["condition_id", "name", "key", "name_type", "case_sensitive", "ambiguous"],
    "approvals": ["drug_id", "condition_id", "regulator", "status", "indication_text", "year", "application",
                  "product", "route", "note"],
    "indications": ["drug_id", "condition_id", "relation", "text"],
    "fda_products": ["drug_id", "application", "appl_type", "sponsor", "product_no", "brand", "active_ingredient",
                     "form", "route", "strength", "approval_date", "marketing_status"],
    "label_facts": ["drug_id", "set_id", "route", "brand", "application", "product_type", "effective_time",
                    "indications", "dosage", "max_daily_dose", "max_daily_dose_unit", "boxed_warning",
                    "pregnancy", "mechanism", "interactions", "citation"],
    "trials": ["nct_id", "title", "official_title", "status", "why_stopped", "stop_reason", "start_date",
               "completion_date",
               "study_type", "phases", "allocation", "enrollment", "has_results", "primary_outcomes", "results"],
    "trial_conditions": ["nct_id", "name", "mesh_id", "condition_id"],
    "trial_interventions": ["nct_id", "type", "name", "other_names", "mesh_id", "drug_id"],
    "evidence": ["drug_id", "condition_id", "outcome", "direction", "grade", "n_rcts", "summary", "citation", "url",
                 "citation_status", "date_checked"],
    "herbal_assessments": ["drug_id", "latin_name", "common_name", "botanical_name", "combination",
                           "therapeutic_area", "outcome", "status", "last_updated", "url"],
    "ae_signals": ["drug_id", "subject", "subject_type", "event", "count", "methods", "statistics", "wording"],
    "rejected_names": ["kind", "concept_id", "name", "name_type", "reason"],
}
_INDEXES = [
    "CREATE INDEX ix_drug_names_key ON drug_names(key)",
    "CREATE INDEX ix_drug_names_drug ON drug_names(drug_id)",
    "CREATE INDEX ix_condition_names_key ON condition_names(key)",
    "CREATE INDEX ix_condition_names_cond ON condition_names(condition_id)",
    "CREATE INDEX ix_approvals_drug ON approvals(drug_id)",
    "CREATE INDEX ix_indications_drug ON indications(drug_id)",
    "CREATE INDEX ix_fda_products_drug ON fda_products(drug_id)",
    "CREATE INDEX ix_label_facts_drug ON label_facts(drug_id)",
    "CREATE INDEX ix_drug_classes_drug ON drug_classes(drug_id)",
    "CREATE INDEX ix_trial_int_drug ON trial_interventions(drug_id)",
    "CREATE INDEX ix_trial_cond ON trial_conditions(condition_id)",
    "CREATE INDEX ix_evidence_drug ON evidence(drug_id)",
    "CREATE INDEX ix_herbal_drug ON herbal_assessments(drug_id)",
    "CREATE INDEX ix_ae_signals_drug ON ae_signals(drug_id)",
]


def _finalise_names(st: CompileState) -> None:
    """Resolve name collisions and mark ambiguous names.

    * A surface form that is the preferred name of exactly one concept of a kind belongs to it:
      the same form listed as synonym/brand of other concepts of that kind is dropped.
    * Otherwise a form denoting several concepts (of any kind) is marked ambiguous.
    * Abbreviations on the ambiguous list, and preferred names that are common English words,
      are marked ambiguous.
    """
    f = st.filter
    for table, index, kind in ((st.drug_names, st.drug_index, "drug"),
                               (st.condition_names, st.cond_index, "condition")):
        for key, ids in list(index.items()):
            if len(ids) < 2:
                continue
            owners = [i for i in ids if table[(i, key)]["name_type"] == "name"]
            if len(owners) == 1:
                for i in list(ids):
                    if i != owners[0]:
                        row = table.pop((i, key))
                        st.rejected.append({"kind": kind, "concept_id": i, "name": row["name"],
                                            "name_type": row["name_type"], "source": row["source"],
                                            "reason": f"preferred name of {owners[0]}"})
                        ids.discard(i)
    both = set(st.drug_index) & set(st.cond_index)
    for table, index in ((st.drug_names, st.drug_index), (st.condition_names, st.cond_index)):
        for (cid, key), row in table.items():
            amb = (len(index[key]) > 1 or key in both
                   or (row["case_sensitive"] and row["name"].strip() in f.ambiguous_abbr)
                   or (row["name_type"] == "name" and f.is_ambiguous_canonical(row["name"])))
            row["ambiguous"] = int(bool(amb))


def _dedupe_approvals(st: CompileState) -> None:
    """One approval row per (drug, condition, regulator, status, source); products are listed."""
    merged: dict[tuple, dict] = {}
    for a in st.approvals:
        k = (a["drug_id"], a["condition_id"], a["regulator"], a["status"], a["source"])
        if k not in merged:
            merged[k] = dict(a, _products=[a["product"]] if a.get("product") else [])
        elif a.get("product") and a["product"] not in merged[k]["_products"]:
            merged[k]["_products"].append(a["product"])
            if a.get("year") and (merged[k].get("year") is None or a["year"] < merged[k]["year"]):
                merged[k]["year"] = a["year"]
    out = []
    for a in merged.values():
        prods = a.pop("_products")
        if len(prods) > 1:
            a["product"] = ", ".join(prods[:10]) + (f" and {len(prods) - 10} more" if len(prods) > 10 else "")
        out.append(a)
    st.approvals = out


def _condition_scan_names(st: CompileState) -> dict[str, str]:
    out = {}
    for (cid, key), row in st.condition_names.items():
        if row["ambiguous"] or row["case_sensitive"] or len(key) < 5:
            continue
        out[key] = cid
    return out


def _resolve_label_drug(st: CompileState):
    def resolve(p: dict) -> str | None:
        for u in p["unii"]:
            did = st.drug_by_xref.get(("unii", u))
            if did:
                return did
        for s in p["substances"][:1] if len(p["substances"]) == 1 else []:
            did = drug_imp.ingredient_to_drug(st, s)
            if did:
                return did
        if p["generic"] and len(p["substances"]) <= 1:
            return drug_imp.ingredient_to_drug(st, p["generic"])
        return None
    return resolve


def _import_labels_and_trials(st: CompileState, src: Path) -> None:
    label_files = sorted((src / "openfda_label").rglob("*.json")) if (src / "openfda_label").is_dir() else []
    label_files += sorted((src / "openfda_label_schema").glob("sample_label_records*.json"))
    facts, approvals, skipped = openfda_imp.import_labels(
        label_files, resolve_drug=_resolve_label_drug(st), condition_names=_condition_scan_names(st))
    st.label_facts += facts
    st.approvals += approvals
    st.counts["openfda label records"] = len(facts)
    st.counts["openfda label records without a known ingredient"] = skipped
    st.counts["openfda approvals"] = len(approvals)
    for path in sorted((src / "ctgov_v2").glob("*.json")) if (src / "ctgov_v2").is_dir() else []:
        for study in ctgov_imp.iter_studies(path):
            rec = ctgov_imp.parse_study(study)
            st.trials.append({**rec["trial"], "source": "ctgov"})
            for c in rec["conditions"]:
                cid = (st.cond_by_xref.get(("mesh", c["mesh_id"])) if c["mesh_id"] else None) \
                    or st.find_condition(c["name"])
                st.trial_conditions.append({**c, "condition_id": cid, "source": "ctgov"})
            for it in rec["interventions"]:
                did = (st.drug_by_xref.get(("mesh", it["mesh_id"])) if it["mesh_id"] else None) \
                    or drug_imp.ingredient_to_drug(st, it["name"] or "")
                st.trial_interventions.append({**it, "drug_id": did, "source": "ctgov"})
    st.counts["trials"] = len(st.trials)


def _type_substances(st: CompileState) -> None:
    """Give compiled substances that are not prescription medicines their intervention type
    (rules in ``pipeline/resources/intervention_types.yaml``)."""
    n = 0
    for d in st.drugs.values():
        if d["kind"] == "drug":
            kind = classify_substance(d["name"])
            if kind:
                d["kind"] = kind
                n += 1
    st.counts["substances typed as non-drug interventions"] = n


def _import_interventions_and_evidence(st: CompileState, src: Path) -> None:
    """The sources on supplements, herbs and alternative therapies (issue 16) and repoDB."""
    curated = curated_name_index()
    _type_substances(st)
    herbal_imp.import_ema_herbal(st, src, curated)
    nci_imp.import_cam_summaries(st, src, curated)
    nci_imp.import_drug_pages(st, src, curated)
    ddsae_imp.import_ddsae(st, src)
    repodb_imp.import_repodb(st, src)


def compile_sources(sources_dir: str | Path) -> CompileState:
    """Run every importer over ``sources_dir``; returns the in-memory tables."""
    src = Path(sources_dir)
    if not src.is_dir():
        raise ReferenceDataError(f"{src}: sources folder not found",
                                 hint="pass --sources ../shared/reference_sources or run `overclaim reference fetch`")
    rules = load_filter_rules()
    st = CompileState(NameFilter(rules))
    registry = load_sources()
    assert all(registry[s].commercial_use for s in
               ("rxnorm", "drugcentral", "unii", "drug_ner", "disease_ontology", "mesh_dictionary",
                "labeledin", "pharmacotherapydb", "drugsatfda", "ema_epar", "openfda_label", "ctgov", "repodb",
                "nci_cancer_gov", "ema_hmpc_herbal", "ddsae"))
    # Vocabulary.
    drug_imp.import_drug_backbone(st, src)
    drug_imp.import_rxnorm_brands(st)
    drug_imp.import_unii_names(st, src)
    drug_imp.import_drug_ner(st, src)
    cond_imp.import_disease_ontology(st, src)
    cond_imp.import_lay_terms(st, by_name=False)
    cond_imp.import_mesh_dictionary(st, src, tuple(rules.get("mesh_condition_tree_prefixes") or ("C",)))
    cond_imp.import_lay_terms(st, by_name=True)
    # Facts (Drugs@FDA and EMA also add brand names).
    facts_imp.import_drugsatfda(st, src)
    facts_imp.import_ema(st, src)
    drug_imp.import_drugcentral_classes(st, src)
    facts_imp.import_labeledin(st, src)
    facts_imp.import_drugcentral_indications(st, src)
    facts_imp.import_pharmacotherapydb(st, src)
    _import_interventions_and_evidence(st, src)
    _finalise_names(st)
    _import_labels_and_trials(st, src)
    _dedupe_approvals(st)
    return st


def _rows(st: CompileState, table: str) -> list[dict]:
    if table == "drugs":
        return list(st.drugs.values())
    if table == "conditions":
        return [{**c, "parents": "|".join(c["parents"])} for c in st.conditions.values()]
    if table in ("drug_names", "condition_names"):
        key = "drug_id" if table == "drug_names" else "condition_id"
        return [{**r, key: r["concept_id"]} for r in getattr(st, table).values()]
    if table == "rejected_names":
        return st.rejected
    return getattr(st, table)


def write_sqlite(st: CompileState, out_path: Path, sources_dir: Path) -> dict[str, dict[str, int]]:
    """Write the tables atomically (temporary file, then rename). Returns counts by source."""
    registry = load_sources()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + f".tmp{os.getpid()}")
    if tmp.exists():
        tmp.unlink()
    by_source: dict[str, dict[str, int]] = {}
    con = sqlite3.connect(tmp)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        con.execute("CREATE TABLE sources (name TEXT PRIMARY KEY, title TEXT, issuer TEXT, version TEXT, "
                    "licence TEXT, commercial_use INTEGER, folder TEXT)")
        con.executemany("INSERT INTO sources VALUES (?,?,?,?,?,?,?)",
                        [(s.name, s.title, s.issuer, s.version, s.licence, int(s.commercial_use), s.folder)
                         for s in registry.values()])
        for table, cols in _TABLES.items():
            allcols = cols + ["source", "source_version", "licence"]
            con.execute(f"CREATE TABLE {table} ({', '.join(allcols)})")
            rows = []
            for r in _rows(st, table):
                s = registry[r["source"]]
                rows.append(tuple(r.get(c) for c in cols) + (s.name, s.version, s.licence))
                by_source.setdefault(table, {}).setdefault(s.name, 0)
                by_source[table][s.name] += 1
            con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(allcols))})", rows)
        for ix in _INDEXES:
            con.execute(ix)
        meta = {"schema_version": str(SCHEMA_VERSION), "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "sources_dir": str(sources_dir), "counts": json.dumps(dict(st.counts)),
                "warnings": json.dumps(st.warnings)}
        con.executemany("INSERT INTO meta VALUES (?,?)", list(meta.items()))
        con.commit()
    finally:
        con.close()
    os.replace(tmp, out_path)
    return by_source


def build_reference(sources_dir: str | Path, out_path: str | Path | None = None) -> BuildReport:
    """Compile the open sources into one SQLite file.

    Args:
        sources_dir: folder holding ``drugcentral_2016/``, ``disease_ontology/``, ... (the layout
            of ``../shared/reference_sources`` and of ``overclaim reference fetch``).
        out_path: the SQLite file to write (default ``cache_dir()/reference.sqlite``); written
            atomically, so a failed build leaves the previous file in place.

    Returns:
        A :class:`BuildReport` with row counts per table and per source.

    Raises:
        ReferenceDataError: a source file is missing or malformed (names the file).

    Example:
        >>> r = build_reference("../shared/reference_sources", "/tmp/ref.sqlite")  # doctest: +SKIP
        >>> r.counts["drugs"], r.counts["conditions"]  # doctest: +SKIP
        (8503, 14916)
    """
    t0 = time.perf_counter()
    out = Path(out_path) if out_path else default_compiled_path()
    st = compile_sources(sources_dir)
    by_source = write_sqlite(st, out, Path(sources_dir))
    report = BuildReport(out_path=out, by_source=by_source, details=dict(st.counts), warnings=list(st.warnings))
    report.counts = {t: sum(v.values()) for t, v in by_source.items()}
    for t in _TABLES:
        report.counts.setdefault(t, 0)
    report.seconds = time.perf_counter() - t0
    return report
