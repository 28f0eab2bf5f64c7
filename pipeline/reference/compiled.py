"""Load the compiled SQLite reference (see :mod:`pipeline.reference.build`) into a
:class:`~pipeline.reference.store.Reference`.

Drugs and conditions get ``origin`` = the source name; approvals come from regulator-backed
rows (LabeledIn and openFDA labels for FDA, EPAR for EMA); label facts from openFDA labels; every
row carries a :class:`Source` with the source's version and licence, and ``date_checked`` = the
date the compiled file was built. Bulky tables (Drugs@FDA products, trials, indications) stay in
SQLite and are read on demand with :func:`query`.

Example:
    >>> from pipeline.reference.store import Reference
    >>> ref = Reference()
    >>> load_compiled(ref, default_compiled_path())  # doctest: +SKIP
"""
from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..errors import ReferenceDataError
from .model import Approval, Condition, Drug, Evidence, LabelFacts, Source
from .model import NameEntry

_KIND = {"labeledin": "database", "ema_epar": "regulator", "openfda_label": "label", "drugsatfda": "regulator",
         "drugcentral": "database", "pharmacotherapydb": "database", "ctgov": "trial_registry",
         "repodb": "trial_registry", "nci_cancer_gov": "review", "ema_hmpc_herbal": "regulator", "ddsae": "database"}


def _connect(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise ReferenceDataError(f"{path}: compiled reference not found",
                                 hint="run `overclaim reference build --sources ../shared/reference_sources`")
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    except sqlite3.DatabaseError as e:
        raise ReferenceDataError(f"{path}: not a compiled reference ({e})",
                                 hint="rebuild it with `overclaim reference build`") from None
    return con


def query(path: str | Path, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    """Run a read-only query on the compiled file; rows as dicts."""
    con = _connect(Path(path))
    try:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()


def load_compiled(ref, path: str | Path) -> dict[str, Any]:
    """Add the compiled reference at ``path`` to ``ref`` (before any curated file).

    Returns the file's metadata (build date, counts).
    """
    path = Path(path)
    con = _connect(path)
    try:
        meta = dict(con.execute("SELECT key, value FROM meta"))
        checked = (meta.get("built_at") or "")[:10]
        sources: dict[str, Source] = {}
        for name, title, issuer, version, licence in con.execute(
                "SELECT name, title, issuer, version, licence FROM sources"):
            sources[name] = Source(kind=_KIND.get(name, "database"), title=title, issuer=issuer or None,
                                   citation_status="verified", licence=licence, version=version,
                                   note="compiled open source")
            ref.sources.setdefault(f"compiled:{name}", sources[name])

        # Names first, grouped per concept, so Drug/Condition objects carry their surface forms.
        names: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        index = ref.names
        for table, kind in (("drug_names", "drug"), ("condition_names", "condition")):
            col = "drug_id" if kind == "drug" else "condition_id"
            for cid, name, key, name_type, cs, amb, src in con.execute(
                    f"SELECT {col}, name, key, name_type, case_sensitive, ambiguous, source FROM {table}"):
                index[key].append(NameEntry(kind, cid, name_type, bool(cs), bool(amb), src))
                if name_type != "name":
                    names[cid][name_type].append(name)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        drug_cols = {r[1] for r in con.execute("PRAGMA table_info(drugs)")}
        ing_col = "ingredients" if "ingredients" in drug_cols else "NULL"  # files built before schema 2
        for did, name, kind, rxcui, drugbank, unii, mesh, umls, ingredients, src in con.execute(
                f"SELECT id, name, kind, rxcui, drugbank, unii, mesh, umls, {ing_col}, source FROM drugs"):
            n = names.get(did, {})
            xrefs = {k: v for k, v in (("rxcui", rxcui), ("drugbank", drugbank), ("unii", unii),
                                       ("mesh", mesh), ("umls", umls)) if v}
            ref.drugs[did] = Drug(did, name, kind, synonyms=n.get("synonym", []), brands=n.get("brand", []),
                                  abbreviations=n.get("abbreviation", []), xrefs=xrefs,
                                  ingredients=ingredients.split("|") if ingredients else [], origin=src)
        for cid, name, doid, mesh, mesh_unv, umls, icd10, parents, src in con.execute(
                "SELECT id, name, doid, mesh, mesh_unverified, umls, icd10, parents, source FROM conditions"):
            n = names.get(cid, {})
            xrefs = {k: v for k, v in (("doid", doid), ("mesh", mesh), ("umls", umls), ("icd10", icd10)) if v}
            if mesh_unv:
                xrefs["mesh_unverified"] = mesh_unv
            ref.conditions[cid] = Condition(cid, name, synonyms=n.get("synonym", []),
                                            abbreviations=n.get("abbreviation", []),
                                            parents=parents.split("|") if parents else [], xrefs=xrefs,
                                            origin=src)
        # Drug classes from DrugCentral: FDA established pharmacologic class names only.
        for did, cls in con.execute("SELECT drug_id, class_name FROM drug_classes WHERE class_type='EPC'"):
            d = ref.drugs.get(did)
            if d is not None:
                d.xrefs.setdefault("fda_epc", cls)
        for (did, cid, reg, status, text, year, appl, product, route, note, src) in con.execute(
                "SELECT drug_id, condition_id, regulator, status, indication_text, year, application, product, "
                "route, note, source FROM approvals"):
            s = sources[src]
            if note or appl:
                s = Source(**{**s.to_dict(), "note": note, "application": appl})
            ref.add_approval(Approval(id=f"approval:{did}:{cid}:{reg}:{src}", drug=did, condition=cid,
                                      regulator=reg, status=status, source=s, date_checked=checked,
                                      route=route, form=product, year=year, indication_text=text, origin=src))
        for row in con.execute(
                "SELECT drug_id, set_id, route, max_daily_dose, max_daily_dose_unit, boxed_warning, pregnancy, "
                "mechanism, interactions, citation, application, source FROM label_facts"):
            did, set_id, route, mdd, unit, boxed, preg, mech, inter, citation, appl, src = row
            s = Source(**{**sources[src].to_dict(), "title": citation or sources[src].title, "application": appl})
            ref.add_label(LabelFacts(id=f"label:{did}:{set_id}", drug=did, source=s, date_checked=checked,
                                     route=route, max_daily_dose=mdd, max_daily_dose_unit=unit,
                                     boxed_warning=boxed, pregnancy=preg, mechanism=mech,
                                     interactions=[inter] if inter else [], origin=src))
        if "evidence" in tables:
            _load_evidence(ref, con, sources)
    finally:
        con.close()
    ref.compiled_path = str(path)
    ref.compiled_meta = meta
    return meta


def _load_evidence(ref, con: sqlite3.Connection, sources: dict[str, Source]) -> None:
    """Evidence rows of the open sources (NCI statements, EMA monographs, repoDB futility stops),
    each with its own citation, URL and date checked."""
    for i, row in enumerate(con.execute(
            "SELECT drug_id, condition_id, outcome, direction, grade, n_rcts, summary, citation, url, "
            "citation_status, date_checked, source FROM evidence")):
        did, cid, outcome, direction, grade, n_rcts, summary, citation, url, cstatus, checked, src = row
        base = sources[src]
        s = Source(kind=base.kind, title=citation or base.title, issuer=base.issuer, url=url,
                   citation_status=cstatus or "unverified", licence=base.licence, version=base.version,
                   note=f"compiled from {src}")
        ref.add_evidence(Evidence(id=f"evidence:{src}:{did}:{cid}:{outcome or 'any'}:{i}", drug=did, condition=cid,
                                  direction=direction, grade=grade, source=s, date_checked=checked,
                                  outcome=outcome, n_rcts=n_rcts, summary=summary, origin=src))
