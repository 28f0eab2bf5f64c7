"""Fact importers: LabeledIn and EMA EPAR approvals, DrugCentral and PharmacotherapyDB
indications, Drugs@FDA applications and products.

Only regulator-backed rows become approvals: LabeledIn (indications stated in FDA labels) and
EMA EPAR (centrally authorised medicines). DrugCentral's indications (First Databank / OMOP,
which mix label and compendium uses -- e.g. pregabalin for generalised anxiety disorder, an EU
but not an FDA indication) and PharmacotherapyDB's physician-curated catalog are kept as
``indications`` with their relation, never as FDA approvals.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from pathlib import Path

from ...errors import ReferenceDataError
from ..model import normalise_name
from .common import need, read_tsv
from .drugs import ingredient_to_drug
from .state import CompileState


def _condition_for(st: CompileState, *, doid: str = "", umls: str = "", name: str = "") -> str | None:
    if doid:
        cid = "doid:" + doid.split(":", 1)[-1]
        if cid in st.conditions:
            return cid
    if umls and ("umls", umls) in st.cond_by_xref:
        return st.cond_by_xref[("umls", umls)]
    if name:
        return st.find_condition(name)
    return None


def import_labeledin(st: CompileState, src: Path) -> None:
    """FDA-label indications (ingredient RxCUI x UMLS disease) -> approved, regulator FDA."""
    n = miss = 0
    for row in read_tsv(need(src / "labeledin" / "labeledin_indications_rxnorm_umls.tsv", "labeledin")):
        did = f"rxcui:{row['rxnorm_id']}"
        did = getattr(st, "salt_alias", {}).get(did, did)
        if did not in st.drugs:
            did = st.find_drug(row["rxnorm_name"]) or ""
        cid = _condition_for(st, umls=row["disease_cui"], name=row["disease_mesh_name"])
        if not did or not cid:
            miss += 1
            continue
        st.approvals.append({"drug_id": did, "condition_id": cid, "regulator": "FDA", "status": "approved",
                             "indication_text": row["disease_mesh_name"], "year": None, "application": None,
                             "product": None, "route": None,
                             "note": f"stated in {row['n_labels']} FDA label(s) (DailyMed 2012); "
                                     f"{'expert' if row['expert'] == '1' else 'crowd'}-annotated",
                             "source": "labeledin"})
        n += 1
    st.counts["labeledin approvals"] = n
    st.counts["labeledin rows unmapped"] = miss


def import_drugcentral_indications(st: CompileState, src: Path) -> None:
    dc_to_drug = getattr(st, "_dc_to_drug", {})
    n = miss = 0
    for row in read_tsv(need(src / "drugcentral_2016" / "drug_indication.tsv", "drugcentral")):
        did = dc_to_drug.get(row["DRUG_ID"])
        cid = _condition_for(st, doid=row["DOID"], umls=row["UMLS_CUI"], name=row["INDICATION_FDB"])
        if not did or not cid:
            miss += 1
            continue
        st.indications.append({"drug_id": did, "condition_id": cid, "relation": "indication",
                               "text": row["INDICATION_FDB"], "source": "drugcentral"})
        n += 1
    st.counts["drugcentral indications"] = n
    st.counts["drugcentral indications unmapped"] = miss


def import_pharmacotherapydb(st: CompileState, src: Path) -> None:
    """The physician-curated catalog only (CC0). The candidate file's MEDI/PREDICT rows are
    CC BY-NC-SA and are not read at all."""
    n = 0
    rel = {"DM": "disease_modifying", "SYM": "symptomatic", "NOT": "not_indicated"}
    for row in read_tsv(need(src / "pharmacotherapydb" / "catalog_indications.tsv", "pharmacotherapydb")):
        did = st.drug_by_xref.get(("drugbank", row["drugbank_id"])) or st.find_drug(row["drug"])
        cid = _condition_for(st, doid=row["doid_id"], name=row["disease"])
        if not did or not cid:
            continue
        st.indications.append({"drug_id": did, "condition_id": cid, "relation": rel.get(row["category"], row["category"]),
                               "text": f"{row['drug']} - {row['disease']} ({row['category']}, "
                                       f"{row['n_curators']} curator(s))",
                               "source": "pharmacotherapydb"})
        n += 1
    st.counts["pharmacotherapydb catalog rows"] = n


def _read_zip_tsv(zf: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    text = zf.read(name).decode("latin-1")
    rows = []
    lines = text.splitlines()
    header = lines[0].split("\t")
    for line in lines[1:]:
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) > len(header):  # a few Products.txt lines carry an extra tab
            parts = parts[:len(header) - 1] + [" ".join(parts[len(header) - 1:])]
        rows.append({h: (parts[i].strip() if i < len(parts) else "") for i, h in enumerate(header)})
    return rows


def import_drugsatfda(st: CompileState, src: Path) -> None:
    """Applications, products, first approval dates and marketing status; brand names."""
    folder = src / "drugsatfda_2019"
    zips = sorted(folder.glob("*.zip"))
    if not zips:
        raise ReferenceDataError(f"{folder}: no Drugs@FDA zip", hint="run `overclaim reference fetch`")
    with zipfile.ZipFile(zips[-1]) as zf:
        apps = {r["ApplNo"]: r for r in _read_zip_tsv(zf, "Applications.txt")}
        status_names = {r["MarketingStatusID"]: r["MarketingStatusDescription"]
                        for r in _read_zip_tsv(zf, "MarketingStatus_Lookup.txt")}
        mstatus = {(r["ApplNo"], r["ProductNo"]): status_names.get(r["MarketingStatusID"], r["MarketingStatusID"])
                   for r in _read_zip_tsv(zf, "MarketingStatus.txt")}
        orig: dict[str, str] = {}
        for r in _read_zip_tsv(zf, "Submissions.txt"):
            if r["SubmissionType"] == "ORIG" and r["SubmissionStatus"] == "AP":
                d = r["SubmissionStatusDate"][:10]
                if d and (r["ApplNo"] not in orig or d < orig[r["ApplNo"]]):
                    orig[r["ApplNo"]] = d
        products = _read_zip_tsv(zf, "Products.txt")
    n = brands = 0
    ing_cache: dict[str, str | None] = {}
    for p in products:
        ing = p["ActiveIngredient"]
        if ";" in ing:  # combination products: not attributed to one ingredient
            continue
        if ing not in ing_cache:
            ing_cache[ing] = ingredient_to_drug(st, ing)
        did = ing_cache[ing]
        if did is None:
            continue
        app = apps.get(p["ApplNo"], {})
        form_route = p["Form"].split(";")
        st.fda_products.append({
            "drug_id": did, "application": f"{app.get('ApplType', '')} {p['ApplNo']}".strip(),
            "appl_type": app.get("ApplType"), "sponsor": app.get("SponsorName"), "product_no": p["ProductNo"],
            "brand": p["DrugName"], "active_ingredient": ing, "form": form_route[0],
            "route": form_route[1] if len(form_route) > 1 else None, "strength": p["Strength"],
            "approval_date": orig.get(p["ApplNo"]),
            "marketing_status": mstatus.get((p["ApplNo"], p["ProductNo"])), "source": "drugsatfda"})
        n += 1
        if app.get("ApplType") in ("NDA", "BLA") and normalise_name(p["DrugName"]) != normalise_name(ing):
            if ingredient_to_drug(st, p["DrugName"]) is None and st.add_drug_name(did, p["DrugName"].title(), "brand", "drugsatfda"):
                brands += 1
    st.counts["drugsatfda single-ingredient products"] = n
    st.counts["drugsatfda brand names"] = brands


_EMA_STATUS = {"Authorised": "approved", "Withdrawn": "withdrawn", "Revoked": "withdrawn",
               "Lapsed": "withdrawn", "Expired": "withdrawn", "Suspended": "withdrawn",
               "Refused": "not_approved"}


def _read_ema(folder: Path) -> list[dict[str, str]]:
    tsvs = sorted(folder.glob("epar_human_*.tsv"))
    if tsvs:
        return list(read_tsv(tsvs[-1]))
    xlsx = sorted(folder.glob("*.xlsx"))
    if not xlsx:
        raise ReferenceDataError(f"{folder}: no EPAR table (.tsv or .xlsx)", hint="run `overclaim reference fetch`")
    try:
        import pandas as pd
        df = pd.read_excel(xlsx[-1], header=8, dtype=str).fillna("")
    except ImportError as e:  # pragma: no cover
        raise ReferenceDataError(f"{xlsx[-1]}: reading .xlsx needs openpyxl", hint="pip install openpyxl") from e
    df = df[df["Category"] == "Human"]
    return [{k: " ".join(str(v).split()) for k, v in r.items()} for r in df.to_dict("records")]


def import_ema(st: CompileState, src: Path) -> None:
    """EU centrally authorised medicines: single-substance rows -> EMA approvals per therapeutic
    area (MeSH heading names); medicine names -> brands."""
    n = miss = brands = 0
    for row in _read_ema(src / "ema_epar"):
        status = _EMA_STATUS.get(row.get("Medicine status", ""))
        inn = row.get("International non-proprietary name (INN) / common name", "")
        if status is None or not inn or ";" in inn:
            continue
        did = ingredient_to_drug(st, inn)
        if did is None:
            miss += 1
            continue
        med = row.get("Name of medicine", "")
        if status == "approved" and med and normalise_name(med) != normalise_name(inn) and ingredient_to_drug(st, med) is None:
            brands += st.add_drug_name(did, med, "brand", "ema_epar")
        date = row.get("Marketing authorisation date", "")
        year = int(date[-4:]) if re.match(r"\d\d/\d\d/\d{4}$", date) else None
        for area in [a.strip() for a in row.get("Therapeutic area (MeSH)", "").split(";") if a.strip()]:
            cid = st.find_condition(area)
            if cid is None:
                continue
            st.approvals.append({"drug_id": did, "condition_id": cid, "regulator": "EMA", "status": status,
                                 "indication_text": (row.get("Therapeutic indication") or "")[:2000] or None,
                                 "year": year, "application": row.get("EMA product number") or None,
                                 "product": med or None, "route": None,
                                 "note": f"EPAR status {row.get('Medicine status')}; therapeutic area {area}",
                                 "source": "ema_epar"})
            n += 1
    st.counts["ema approvals"] = n
    st.counts["ema brand names"] = brands
    st.counts["ema rows with unknown substance"] = miss
