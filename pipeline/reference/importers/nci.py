"""NCI cancer.gov pages (crawl of 2025-12-30; US Government work, credit NCI).

* **Integrative/alternative therapy summaries** (``pdq_cam_hp/``): the curated statements of
  ``pipeline/resources/nci_cam_statements.yaml`` become ``evidence`` rows, each checked against
  its page (the anchor phrase must be there) and cited as "NCI cancer.gov summary on <therapy>,
  updated <date>" with the page's own update date and URL (``citation_status: verified``: the page
  is what was read; no PubMed id is carried over). The therapies become intervention entries.
* **Cancer drug pages** (``drugs/``): "X is approved to treat: **<cancer>** ..." becomes FDA
  ``approvals`` (a plain-language summary of the label, current to the crawl), and the pages'
  US brand names become brand names.

We never call our output "PDQ" (NCI's trademark condition).

Example:
    >>> strip_links("a [cancer](/Common/PopUps/popDefinition.aspx?id=1) b [x](https://y)")
    'a cancer b x'
    >>> update_date("## Latest Updates to This Summary (06/14/2022)")
    '2022-06-14'
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any


from ...errors import ReferenceDataError
from ..model import DIRECTIONS, GRADES
from ..model import normalise_name
from .common import need, slug
from .curated_names import CuratedNames
from .state import CompileState
from ...resources.schema import load_resource

CRAWL_DATE = "2025-12-30"
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_UPDATED = re.compile(r"## Latest Updates to This Summary \((\d\d)/(\d\d)/(\d{4})\)")
_TITLE = re.compile(r"^title:\s*(.+?)\s*$", re.M)
_URL = re.compile(r"^url:\s*(\S+)\s*$", re.M)
_BOLD = re.compile(r"\*\*([^*]+?)\*\*")


def strip_links(text: str) -> str:
    """Markdown links replaced by their text (cancer.gov glossary pop-ups and others)."""
    return _LINK.sub(r"\1", text)


def update_date(text: str) -> str | None:
    """The summary's "Latest Updates to This Summary (MM/DD/YYYY)" date as YYYY-MM-DD."""
    m = _UPDATED.search(text)
    return f"{m.group(3)}-{m.group(1)}-{m.group(2)}" if m else None


def _folded(text: str) -> str:
    return " ".join(strip_links(text).split())


@lru_cache(maxsize=1)
def load_statements() -> dict[str, Any]:
    """The curated statement table, checked (directions, design levels, grades)."""
    doc = load_resource("nci_cam_statements.yaml")
    where = "pipeline/resources/nci_cam_statements.yaml"
    grades, lower = doc.get("grades") or {}, doc.get("lower") or {}
    if not set(grades.values()) <= set(GRADES) or not set(lower.values()) <= set(GRADES):
        raise ReferenceDataError(f"{where}: grades must be among {GRADES}")
    for slug_, s in (doc.get("summaries") or {}).items():
        names = {normalise_name(i["name"]) for i in s.get("interventions") or []}
        for j, st in enumerate(s.get("statements") or []):
            at = f"{where}: {slug_} statement {j + 1}"
            if st.get("direction") not in DIRECTIONS:
                raise ReferenceDataError(f"{at}: direction must be one of {DIRECTIONS}")
            if str(st.get("design")) not in grades:
                raise ReferenceDataError(f"{at}: design must be one of {sorted(grades)}")
            if not st.get("anchor") or not st.get("summary") or not st.get("condition"):
                raise ReferenceDataError(f"{at}: needs condition, anchor and summary")
            if st.get("intervention") and normalise_name(st["intervention"]) not in names:
                raise ReferenceDataError(f"{at}: intervention {st['intervention']!r} is not listed for the summary")
    return doc


def grade_for(statement: dict, table: dict[str, Any]) -> str:
    """Our grade from NCI's study-design level (lowered one step for inconsistent findings)."""
    g = table["grades"][str(statement["design"])]
    return table["lower"][g] if statement.get("consistent") is False else g


def _therapy_title(title: str) -> str:
    t = re.sub(r"\s*\(PDQ®?\).*$|\s*-\s*(Complementary and Alternative Medicine|CAM).*$|\s*-\s*NCI$", "", title)
    return t.strip()


def _intervention(st: CompileState, item: dict, source: str, prefix: str, curated: CuratedNames) -> str:
    """The drug id of an intervention named by a source: a curated entry, an existing compiled
    entry (kind set when it is a plain ``drug``), else a new ``oc:<prefix>-<slug>`` entry."""
    cur = curated.drug(item["name"])
    if cur is not None and cur not in st.drugs:
        return cur  # a curated-only entry (oc:acupuncture): its names and kind are curated
    did = cur or st.find_drug(item["name"])
    if did is None:
        did = f"oc:{prefix}-{slug(item['name'])}"
        if did not in st.drugs:
            st.drugs[did] = {"id": did, "name": normalise_name(item["name"]), "kind": item["kind"], "rxcui": None,
                             "drugbank": None, "unii": None, "mesh": None, "umls": None, "drugcentral_id": None,
                             "ingredients": None, "source": source}
            st.add_drug_name(did, item["name"], "name", source)
    d = st.drugs[did]
    if d["kind"] == "drug":
        d["kind"] = item["kind"]
    for s in item.get("synonyms") or []:
        st.add_drug_name(did, s, "synonym", source)
    if item.get("ingredients"):
        d["ingredients"] = "|".join(normalise_name(x) for x in item["ingredients"])
    return did


def _condition(st: CompileState, curated: CuratedNames, name: str) -> str | None:
    return curated.condition(name) or st.find_condition(name)


def import_cam_summaries(st: CompileState, src: Path, curated: CuratedNames,
                         table: dict[str, Any] | None = None) -> None:
    """Curated statements of the CAM summaries -> evidence rows (anchors checked on the page).

    ``table``: the statement table (default :func:`load_statements`)."""
    folder = src / "nci_cancer_gov_cam_drugs_2025" / "pdq_cam_hp"
    table = table or load_statements()
    n = 0
    for key, summ in table["summaries"].items():
        path = need(folder / f"about-cancer-treatment-cam-hp-{key}-pdq.md", "nci_cancer_gov")
        raw = path.read_text(encoding="utf-8")
        text, updated = _folded(raw), update_date(raw)
        title = _therapy_title(_TITLE.search(raw).group(1)) if _TITLE.search(raw) else key
        url = _URL.search(raw).group(1) if _URL.search(raw) else None
        ids = {normalise_name(i["name"]): _intervention(st, i, "nci_cancer_gov", "nci", curated) for i in summ["interventions"]}
        first = next(iter(ids.values()))
        for j, s in enumerate(summ.get("statements") or []):
            if " ".join(s["anchor"].split()) not in text:
                st.warnings.append(f"nci {key} statement {j + 1}: anchor not found on the page; statement skipped")
                continue
            cid = _condition(st, curated, s["condition"])
            if cid is None:
                st.warnings.append(f"nci {key} statement {j + 1}: no condition named {s['condition']!r}")
                continue
            did = ids[normalise_name(s["intervention"])] if s.get("intervention") else first
            st.evidence.append({
                "drug_id": did, "condition_id": cid, "outcome": s.get("outcome"), "direction": s["direction"],
                "grade": grade_for(s, table), "n_rcts": None, "summary": s["summary"],
                "citation": f"NCI cancer.gov summary on {title}, updated {updated or 'date not given'}",
                "url": url, "citation_status": "verified", "date_checked": CRAWL_DATE, "source": "nci_cancer_gov"})
            n += 1
    st.counts["nci evidence statements"] = n


def _use_in_cancer(text: str) -> tuple[list[str], str]:
    """The bold cancer names of a drug page's "Use in Cancer" section, and the section text."""
    m = re.search(r"## Use in Cancer\s*(.*?)(\n## |\Z)", text, re.S)
    if not m:
        return [], ""
    section = m.group(1)
    return [b.strip(" ,.") for b in _BOLD.findall(section)], section


def _brands(text: str) -> list[str]:
    m = re.search(r"US Brand Name\(s\)\s*\n(.*?)\n\s*\n\s*FDA Approved", text, re.S)
    return [b.strip() for b in m.group(1).splitlines() if b.strip()] if m else []


def parse_drug_page(raw: str) -> dict[str, Any] | None:
    """Name, US brands, FDA status and approved cancers of one cancer.gov drug page (``None`` for
    pages that are not single-drug summaries, e.g. regimens and lists)."""
    text = strip_links(raw)
    fda = re.search(r"FDA Approved\s*\n\s*\n?\s*(Yes|No)", text)
    title = _TITLE.search(raw)
    if not fda or not title:
        return None
    cancers, section = _use_in_cancer(text)
    return {"name": re.sub(r"\s*-\s*NCI$", "", title.group(1)).strip(), "approved": fda.group(1) == "Yes",
            "brands": _brands(text), "cancers": cancers, "url": (_URL.search(raw) or [None, None])[1],
            "no_longer_available": "No longer available in the U.S." in text, "section": " ".join(section.split())}


def _cancer_condition(st: CompileState, curated: CuratedNames, name: str) -> str | None:
    n = normalise_name(name)
    for cand in (n, re.sub(r"\s*\(.*?\)", "", n), n if "cancer" in n or "oma" in n else f"{n} cancer"):
        cid = _condition(st, curated, cand)
        if cid:
            return cid
    return None


def import_drug_pages(st: CompileState, src: Path, curated: CuratedNames) -> None:
    """US-approved cancer uses of the cancer.gov drug pages -> FDA approvals; brands -> names."""
    folder = src / "nci_cancer_gov_cam_drugs_2025" / "drugs"
    n = miss = pages = 0
    for path in sorted(folder.glob("about-cancer-treatment-drugs-*.md")):
        p = parse_drug_page(path.read_text(encoding="utf-8"))
        if p is None or not p["approved"]:
            continue
        did = st.find_drug(p["name"]) or st.find_drug(re.sub(r"\s+(hydrochloride|mesylate|acetate|citrate|"
                                                               r"maleate|tosylate|sulfate|sodium)$", "",
                                                               p["name"].lower()))
        if did is None:
            miss += 1
            continue
        pages += 1
        for b in p["brands"]:
            st.add_drug_name(did, b, "brand", "nci_cancer_gov")
        for cancer in dict.fromkeys(p["cancers"]):
            cid = _cancer_condition(st, curated, cancer)
            if cid is None:
                continue
            st.approvals.append({"drug_id": did, "condition_id": cid, "regulator": "FDA", "status": "approved",
                                 "indication_text": f"{p['name']} is approved to treat {cancer} (NCI summary of the label)",
                                 "year": None, "application": None, "product": ", ".join(p["brands"][:5]) or None,
                                 "route": None,
                                 "note": f"NCI cancer.gov drug page {p['url']}, crawl {CRAWL_DATE}"
                                         + ("; no longer available in the U.S." if p["no_longer_available"] else ""),
                                 "source": "nci_cancer_gov"})
            n += 1
    st.counts["nci drug pages linked"] = pages
    st.counts["nci drug pages with an unknown drug"] = miss
    st.counts["nci approvals"] = n
