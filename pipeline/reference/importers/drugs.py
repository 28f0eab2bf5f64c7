"""Drug importers: RxNorm ingredients, DrugCentral identifiers and classes, UNII names,
the drug NER dictionary, and brand names from Drugs@FDA products and EMA.

Drugs are keyed by RxNorm ingredient RxCUI (``rxcui:<n>``). DrugCentral's identifier table is
the cross-reference backbone (DrugBank, UNII, MeSH); MeSH ids of the drug NER dictionary are
never used (they are known to be wrong, see its SOURCE.md).
"""
from __future__ import annotations

import csv
import gzip
import re
from collections import defaultdict
from pathlib import Path

from ..model import normalise_name
from .common import need, read_tsv
from .state import CompileState

# Semantic types of ingredient-like RxNorm concepts (no clinical drug T200).
_ING_TYPES = {"T109", "T121", "T116", "T125", "T126", "T127", "T129", "T130", "T131", "T195", "T196",
              "T197", "T104", "T168", "T123", "T192", "T114", "T122"}
_DOSE = re.compile(r"\d|\b(oral|tablet|capsule|injection|solution|cream|ointment|topical|kit|pack)\b", re.I)
_SBD = re.compile(r"^(?P<ing>[^\[]+?)\s+\d[^\[]*\[(?P<brand>[^\]]+)\]\s*$")
_UNII_SUFFIX = re.compile(r"\s*\[[^\]]*\]\s*$")


def _norm_rxcui(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def import_rxnorm(st: CompileState, src: Path) -> dict[str, dict]:
    """Read RxNorm concepts; return ingredient candidates rxcui -> {name, synonyms, cui}
    and record SBD-derived brand names (``st._rx_brands``)."""
    folder = src / "rxnorm_maps"
    concepts: dict[str, dict] = {}
    brands: list[tuple[str, str]] = []
    with gzip.open(need(folder / "RXNORM_bioportal.csv.gz", "rxnorm"), "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row.get("Obsolete") == "true":
                continue
            label = row["Preferred Label"].strip()
            m = _SBD.match(label)
            if m and " / " not in m["ing"]:
                brands.append((m["ing"].strip(), m["brand"].strip()))
            types = {t.rsplit("/", 1)[-1] for t in row["Semantic Types"].split("|") if t}
            if not types & _ING_TYPES or _DOSE.search(label) or " / " in label:
                continue
            concepts[_norm_rxcui(row["Class ID"])] = {
                "name": label, "synonyms": [s for s in row["Synonyms"].split("|") if s],
                "cui": row["CUI"].split("|")[0] if row["CUI"] else ""}
    brand_names = {normalise_name(b) for _, b in brands}
    ingredients = {k: v for k, v in concepts.items() if normalise_name(v["name"]) not in brand_names}
    st._rx_brands = brands  # type: ignore[attr-defined]
    st.counts["rxnorm ingredient-like concepts"] = len(ingredients)
    return ingredients


def _read_rx_unii(src: Path) -> dict[str, str]:
    """RxNorm ingredient rxcui -> its first UNII."""
    rx_unii: dict[str, str] = {}
    for row in read_tsv(need(src / "rxnorm_maps" / "rxcui-unii-map.tsv", "rxnorm")):
        rx_unii.setdefault(row["rxnorm_id"], row["fdasrs_id"])
    return rx_unii


def _read_drugcentral(src: Path) -> tuple[dict[str, dict[str, list[str]]], dict[str, str]]:
    """DrugCentral identifiers: DRUG_ID -> {type: [ids]}, and DRUG_ID -> name."""
    dc: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    dc_name: dict[str, str] = {}
    for row in read_tsv(need(src / "drugcentral_2016" / "identifiers.tsv", "drugcentral")):
        dc[row["DRUG_ID"]][row["ID_TYPE"]].append(row["IDENTIFIER"])
        dc_name[row["DRUG_ID"]] = row["DRUG_NAME"]
    return dc, dc_name


def _ensure_drug(st: CompileState, rxcui: str, name: str, source: str) -> str:
    """The id of the drug of ``rxcui``, created (with no cross-references yet) when new."""
    did = f"rxcui:{rxcui}"
    if did not in st.drugs:
        st.drugs[did] = {"id": did, "name": normalise_name(name), "kind": "drug", "rxcui": rxcui,
                         "drugbank": None, "unii": None, "mesh": None, "umls": None,
                         "drugcentral_id": None, "source": source}
    return did


def _add_drugcentral_drugs(st: CompileState, dc: dict[str, dict[str, list[str]]], dc_name: dict[str, str],
                           ingredients: dict[str, dict]) -> None:
    """DrugCentral drugs with an RxNorm ingredient id (the backbone), with their cross-references."""
    for dc_id, ids in dc.items():
        rx = [r for r in ids.get("RXNORM", []) if r in ingredients] or ids.get("RXNORM", [])
        if not rx:
            continue
        rxcui = rx[0]
        name = ingredients[rxcui]["name"] if rxcui in ingredients else dc_name[dc_id]
        did = _ensure_drug(st, rxcui, name, "drugcentral")
        d = st.drugs[did]
        d["drugcentral_id"] = dc_id
        d["drugbank"] = d["drugbank"] or (ids.get("DRUGBANK_ID") or [None])[0]
        d["unii"] = d["unii"] or (ids.get("UNII") or [None])[0]
        d["mesh"] = d["mesh"] or (ids.get("MESH_DESCRIPTOR_UI") or ids.get("MESH_SUPPLEMENTAL_RECORD_UI") or [None])[0]
        d["umls"] = d["umls"] or (ids.get("UMLSCUI") or [None])[0]
        st._dc_to_drug[dc_id] = did  # type: ignore[attr-defined]
        st.add_drug_name(did, dc_name[dc_id], "name" if normalise_name(dc_name[dc_id]) == d["name"] else "synonym",
                         "drugcentral")
        # (INN ids are numbers, not names: nothing to add)


def _add_unii_ingredients(st: CompileState, rx_unii: dict[str, str], ingredients: dict[str, dict]) -> None:
    """RxNorm ingredients with a UNII (substances FDA registers)."""
    for rxcui, unii in rx_unii.items():
        if rxcui not in ingredients:
            continue
        did = _ensure_drug(st, rxcui, ingredients[rxcui]["name"], "rxnorm")
        st.drugs[did]["unii"] = st.drugs[did]["unii"] or unii


def _salt_forms(drugs: dict[str, dict]) -> dict[str, str]:
    """Salt form drug id -> base ingredient drug id ("duloxetine hydrochloride" -> duloxetine)."""
    by_name = {d["name"]: did for did, d in drugs.items()}
    salts: dict[str, str] = {}
    for did, d in drugs.items():
        base = _SALT_WORDS.sub("", d["name"]).strip()
        while base != d["name"] and base not in by_name:
            nxt = _SALT_WORDS.sub("", base).strip()
            if nxt == base:
                break
            base = nxt
        if base != d["name"] and base in by_name and by_name[base] != did:
            salts[did] = by_name[base]
    return salts


def _fold_salts(st: CompileState, salts: dict[str, str]) -> None:
    """Fold each salt form into its base ingredient: its names become synonyms, its
    cross-references (and UNII) resolve to the base drug."""
    st.salt_alias = {}  # type: ignore[attr-defined]
    for did, base_id in salts.items():
        d = st.drugs.pop(did)
        st.salt_alias[did] = base_id  # type: ignore[attr-defined]
        for key in ("unii", "drugbank", "mesh"):
            if d[key]:
                st.drug_by_xref.setdefault((key, d[key]), base_id)
        if d["unii"]:
            st.extra_uniis.append((d["unii"], base_id))  # type: ignore[attr-defined]
        st.add_drug_name(base_id, d["name"], "synonym", d["source"])
    if salts:
        for (cid, key), row in list(st.drug_names.items()):
            if cid in salts:
                del st.drug_names[(cid, key)]
                st.drug_index[key].discard(cid)
                st.add_drug_name(salts[cid], row["name"], "synonym" if row["name_type"] == "name" else row["name_type"],
                                 row["source"])
    st.counts["salt forms folded into their ingredient"] = len(salts)
    st._dc_to_drug = {k: salts.get(v, v) for k, v in st._dc_to_drug.items()}  # type: ignore[attr-defined]


def _index_drugs(st: CompileState, ingredients: dict[str, dict]) -> None:
    """Names (with the RxNorm ingredient's names and synonyms) and cross-references of every drug."""
    for did, d in st.drugs.items():
        ing = ingredients.get(d["rxcui"])
        st.add_drug_name(did, d["name"], "name", d["source"])
        if ing:
            d["umls"] = d["umls"] or ing["cui"] or None
            st.add_drug_name(did, ing["name"], "name", "rxnorm")
            for s in ing["synonyms"]:
                st.add_drug_name(did, s, "synonym", "rxnorm")
        for key in ("unii", "drugbank", "mesh", "drugcentral_id"):
            if d[key]:
                st.drug_by_xref.setdefault((key, d[key]), did)


def import_drug_backbone(st: CompileState, src: Path) -> None:
    """Create the drug table from RxNorm ingredients with a UNII or a DrugCentral record."""
    ingredients = import_rxnorm(st, src)
    rx_unii = _read_rx_unii(src)
    dc, dc_name = _read_drugcentral(src)
    st._dc_to_drug = {}  # type: ignore[attr-defined]
    st.extra_uniis = []  # type: ignore[attr-defined]
    _add_drugcentral_drugs(st, dc, dc_name, ingredients)  # 1. the backbone
    _add_unii_ingredients(st, rx_unii, ingredients)  # 2. substances FDA registers
    # 3. Salt forms (RxNorm precise ingredients such as "duloxetine hydrochloride") fold into the
    #    base ingredient: their names become synonyms, their UNII resolves to the base drug.
    _fold_salts(st, _salt_forms(st.drugs))
    _index_drugs(st, ingredients)
    st.counts["drugs"] = len(st.drugs)


def import_rxnorm_brands(st: CompileState) -> None:
    """Brand names from RxNorm branded clinical drugs ("Baclofen 10 MG Oral Tablet [Lioresal]")."""
    n = 0
    for ing, brand in getattr(st, "_rx_brands", []):
        did = st.find_drug(ing)
        if did and st.add_drug_name(did, brand, "brand", "rxnorm"):
            n += 1
    st.counts["rxnorm brand names"] = n


def import_unii_names(st: CompileState, src: Path) -> None:
    """Official, common and brand names of each drug's UNII (codes and systematic names skipped)."""
    path = need(src / "fda_unii_names" / "unii_names_subset_official_substances.tsv.gz", "unii")
    by_unii = {d["unii"]: did for did, d in st.drugs.items() if d["unii"]}
    for unii, did in getattr(st, "extra_uniis", []):
        by_unii.setdefault(unii, did)
    n = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for row in read_tsv(path, text=fh.read()):
            did = by_unii.get(row["UNII"])
            if did is None or row["TYPE"] not in ("of", "cn", "bn"):
                continue
            name = _UNII_SUFFIX.sub("", row["Name"]).strip()
            if not name or re.search(r"[\[\](){},;:]", name):
                continue
            if st.add_drug_name(did, name, "brand" if row["TYPE"] == "bn" else "synonym", "unii"):
                n += 1
    st.counts["unii names kept"] = n


def import_drug_ner(st: CompileState, src: Path) -> None:
    """Variants of the drug NER dictionary, linked by DrugBank id (else by exact name)."""
    folder = src / "drug_ner_dictionary"
    canon: dict[str, str] = {}
    for row in read_tsv(need(folder / "drugs.tsv", "drug_ner"), quoting=csv.QUOTE_NONE):
        did = st.drug_by_xref.get(("drugbank", row["drugbank_id"])) if row["drugbank_id"] else None
        if did is None:
            did = st.find_drug(row["name"])
            if did and row["drugbank_id"] and not st.drugs[did]["drugbank"]:
                st.drugs[did]["drugbank"] = row["drugbank_id"]
                st.drug_by_xref.setdefault(("drugbank", row["drugbank_id"]), did)
        if did:
            canon[row["canonical_key"]] = did
    n = 0
    for row in read_tsv(need(folder / "synonyms.tsv", "drug_ner"), quoting=csv.QUOTE_NONE):
        did = canon.get(row["canonical_key"])
        if did and st.add_drug_name(did, row["variant"], "brand" if row["is_brand"] == "True" else "synonym",
                                    "drug_ner"):
            n += 1
    st.counts["drug_ner variants kept"] = n


_SALT_WORDS = re.compile(
    r"\s+(hydrochloride|hcl|hydrobromide|sodium|potassium|calcium|magnesium|sulfate|sulphate|"
    r"maleate|mesylate|besylate|tartrate|bitartrate|succinate|fumarate|citrate|acetate|phosphate|"
    r"dihydrate|monohydrate|trihydrate|hemihydrate|anhydrous|bromide|chloride|nitrate|lactate|"
    r"gluconate|disodium|dipropionate|propionate|valerate|hyclate|monohydrochloride|dihydrochloride|"
    r"xinafoate|pamoate|tosylate|malate|oxalate|benzoate|stearate|palmitate|furoate|decanoate|"
    r"enanthate|cypionate|hydrobromide|mesilate|besilate|estolate|ethylsuccinate|axetil|medoxomil|"
    r"trometamol|tromethamine|meglumine|lysine|arginine)\b", re.I)


def ingredient_to_drug(st: CompileState, ingredient: str) -> str | None:
    """Resolve a regulator's ingredient string ("BACLOFEN", "METOPROLOL SUCCINATE") to a drug."""
    s = normalise_name(ingredient)
    did = st.find_drug(s)
    while did is None:
        t = _SALT_WORDS.sub("", s, count=1)
        if t == s:
            break
        s = t
        did = st.find_drug(s)
    return did


def import_drugcentral_classes(st: CompileState, src: Path) -> None:
    """Pharmacologic classes (FDA EPC/MoA/PE, MeSH PA, ChEBI) of each drug."""
    dc_to_drug = getattr(st, "_dc_to_drug", {})
    for row in read_tsv(need(src / "drugcentral_2016" / "pharm_class.tsv", "drugcentral")):
        did = dc_to_drug.get(row["DRUG_ID"])
        if did is None:
            continue
        st.drug_classes.append({"drug_id": did, "class_type": row["TYPE"], "class_id": row["CLASS_SOURCE_ID"],
                                "class_name": row["CLASS"], "class_source": row["SOURCE"],
                                "source": "drugcentral"})
    st.counts["drug class rows"] = len(st.drug_classes)
