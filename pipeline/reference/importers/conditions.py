"""Condition importers: Disease Ontology terms, synonyms and cross-references; the MeSH disease
dictionary for symptom-type conditions the ontology lacks; our lay names and abbreviations.

Conditions are keyed ``doid:<n>``. MeSH ids come only from the ontology's MeSH cross-references;
the MeSH dictionary's own ids are partly wrong (SOURCE.md), so a dictionary heading that the
ontology lacks is keyed ``meshterm:<slug>`` and keeps the dictionary id as ``mesh_unverified``.
"""
from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

from ...errors import ReferenceDataError
from ..model import normalise_name
from .common import initials, load_lay_terms, looks_like_abbreviation, need, read_tsv, slug
from .state import CompileState

_SUFFIX = re.compile(r"\s*\((disorder|finding|disease|morphologic abnormality|situation)\)\s*$", re.I)


def _doid(raw: str) -> str:
    return "doid:" + raw.split(":", 1)[1] if raw.upper().startswith("DOID:") else raw


def import_disease_ontology(st: CompileState, src: Path) -> None:
    folder = src / "disease_ontology"
    parents_by_label: dict[str, list[str]] = defaultdict(list)
    label_to_id: dict[str, str] = {}
    for row in read_tsv(need(folder / "HumanDO.tsv", "disease_ontology")):
        cid = _doid(row["id"])
        if cid not in st.conditions:
            st.conditions[cid] = {"id": cid, "name": row["label"], "doid": row["id"], "mesh": None,
                                  "mesh_unverified": None, "mesh_tree": None, "umls": None, "icd10": None,
                                  "parents": [], "source": "disease_ontology"}
            label_to_id[normalise_name(row["label"])] = cid
        if row.get("subClassOf"):
            parents_by_label[cid].append(row["subClassOf"])
    for cid, labels in parents_by_label.items():
        st.conditions[cid]["parents"] = [label_to_id[normalise_name(l)] for l in labels
                                         if normalise_name(l) in label_to_id]
    for cid, c in st.conditions.items():
        st.add_condition_name(cid, c["name"], "name", "disease_ontology")
    # Cross-references.
    for row in read_tsv(need(folder / "MESHinDO.tsv", "disease_ontology")):
        c = st.conditions.get(_doid(row["id"]))
        if c is None:
            continue
        for mesh in re.findall(r"\b([CD]\d{6,9})\b", row["xrefs"]):
            if mesh.startswith("D"):
                c["mesh"] = c["mesh"] or mesh
            st.cond_by_xref.setdefault(("mesh", mesh), c["id"])
    for row in read_tsv(need(folder / "allXREFinDO.tsv", "disease_ontology")):
        c = st.conditions.get(_doid(row["id"]))
        if c is None:
            continue
        pfx, _, val = row["xref"].partition(":")
        if pfx == "UMLS_CUI":
            c["umls"] = c["umls"] or val
            st.cond_by_xref.setdefault(("umls", val), c["id"])
        elif pfx == "ICD10CM":
            c["icd10"] = c["icd10"] or val
    # 2016 synonyms (EXACT scope only: RELATED ones are often broader or narrower).
    n = 0
    for row in read_tsv(need(folder / "doid_synonyms_2016-09-01.tsv", "disease_ontology")):
        cid = _doid(row["doid"])
        if cid not in st.conditions or row["scope"] != "EXACT":
            continue
        syn = _SUFFIX.sub("", row["synonym"]).strip()
        kind = "abbreviation" if looks_like_abbreviation(syn) else "synonym"
        if st.add_condition_name(cid, syn, kind, "disease_ontology"):
            n += 1
    st.counts["conditions (disease ontology)"] = len(st.conditions)
    st.counts["disease ontology synonyms kept"] = n


def import_lay_terms(st: CompileState, *, by_name: bool) -> None:
    """Apply ``pipeline/resources/reference_lay_terms.yaml`` (entries by id, or by name)."""
    n = 0
    for i, e in enumerate(load_lay_terms().get("conditions") or []):
        if ("name" in e) != by_name:
            continue
        if by_name:
            cid = st.find_condition(e["name"])
            if cid is None:
                st.warnings.append(f"reference_lay_terms.yaml entry {i + 1}: no single condition named {e['name']!r}")
                continue
        else:
            cid = e["id"]
            c = st.conditions.get(cid)
            if c is None:
                st.warnings.append(f"reference_lay_terms.yaml entry {i + 1}: {cid} not in the Disease Ontology")
                continue
            if normalise_name(c["name"]) != normalise_name(e["expect"]):
                raise ReferenceDataError(
                    f"reference_lay_terms.yaml entry {i + 1}: {cid} is {c['name']!r}, not {e['expect']!r}",
                    hint="fix the id or the expected label")
        for a in e.get("abbreviations") or []:
            n += st.add_condition_name(cid, a, "abbreviation", "lay_terms")
        for s in e.get("synonyms") or []:
            n += st.add_condition_name(cid, s, "synonym", "lay_terms")
    st.counts["lay terms added" + (" (by name)" if by_name else "")] = n


def import_mesh_dictionary(st: CompileState, src: Path, prefixes: tuple[str, ...]) -> None:
    """Merge MeSH entry terms into matching ontology terms; add missing headings as meshterm: ids."""
    folder = src / "mesh_disease_dictionary"
    heads: dict[str, dict] = {}
    for row in read_tsv(need(folder / "diseases.tsv", "mesh_dictionary"), quoting=csv.QUOTE_NONE):
        heads[row["canonical_key"]] = row
    variants: dict[str, list[str]] = defaultdict(list)
    for row in read_tsv(need(folder / "synonyms.tsv", "mesh_dictionary"), quoting=csv.QUOTE_NONE):
        variants[row["canonical_key"]].append(row["variant"])
    merged = added = 0
    for key, h in heads.items():
        trees = [t for t in h["mesh_tree"].split("|") if t]
        cid = st.find_condition(h["name"])
        if cid is None:
            for v in variants.get(key, []):
                cid = st.find_condition(v)
                if cid and normalise_name(v) == normalise_name(st.conditions[cid]["name"]):
                    break
                cid = None
        if cid is not None:
            merged += 1
            c = st.conditions[cid]
            c["mesh_tree"] = c["mesh_tree"] or "|".join(trees) or None
        else:
            if not any(t.startswith(prefixes) for t in trees):
                continue
            cid = f"meshterm:{slug(h['name'])}"
            if cid in st.conditions:
                continue
            # The dictionary id is kept for review only when no ontology term claims it.
            claimed = st.cond_by_xref.get(("mesh", h["mesh_id"]))
            st.conditions[cid] = {"id": cid, "name": normalise_name(h["name"]), "doid": None, "mesh": None,
                                  "mesh_unverified": None if claimed else (h["mesh_id"] or None),
                                  "mesh_tree": "|".join(trees) or None, "umls": None, "icd10": None,
                                  "parents": [], "source": "mesh_dictionary"}
            st.add_condition_name(cid, h["name"], "name", "mesh_dictionary")
            added += 1
        ini = initials(h["name"])
        for v in variants.get(key, []):
            if " " not in v and len(v) <= 5 and len(ini) >= 2 and normalise_name(v) == ini:
                st.add_condition_name(cid, v.upper(), "abbreviation", "mesh_dictionary")
            else:
                st.add_condition_name(cid, v, "synonym", "mesh_dictionary")
    st.counts["mesh headings merged into ontology terms"] = merged
    st.counts["mesh headings added (meshterm:)"] = added
