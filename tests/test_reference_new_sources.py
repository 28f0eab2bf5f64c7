"""Importers of repoDB, NCI cancer.gov, the EMA herbal table and DDSAE, and the typing of
interventions beyond drugs -- on tiny real extracts in tests/fixtures/reference_sources (see
its README for attribution), so they run without the data directory."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ReferenceDataError
from pipeline.reference import interventions as iv
from pipeline.reference.importers import ddsae, ema_herbal, nci, repodb
from pipeline.reference.importers.common import NameFilter
from pipeline.reference.importers.curated_names import CuratedNames, curated_name_index
from pipeline.reference.importers.state import CompileState

FIX = Path(__file__).parent / "fixtures" / "reference_sources"


def _drug(st: CompileState, did: str, name: str, **xrefs) -> None:
    st.drugs[did] = {"id": did, "name": name, "kind": "drug", "rxcui": None, "drugbank": xrefs.get("drugbank"),
                     "unii": None, "mesh": None, "umls": None, "drugcentral_id": None, "source": "rxnorm"}
    st.add_drug_name(did, name, "name", "rxnorm")
    if xrefs.get("drugbank"):
        st.drug_by_xref[("drugbank", xrefs["drugbank"])] = did


def _condition(st: CompileState, cid: str, name: str, umls: str | None = None) -> None:
    st.conditions[cid] = {"id": cid, "name": name, "doid": None, "mesh": None, "mesh_unverified": None,
                          "mesh_tree": None, "umls": umls, "icd10": None, "parents": [], "source": "disease_ontology"}
    st.add_condition_name(cid, name, "name", "disease_ontology")
    if umls:
        st.cond_by_xref[("umls", umls)] = cid


@pytest.fixture
def st() -> CompileState:
    s = CompileState(NameFilter.default())
    _drug(s, "rxcui:4492", "fluorouracil", drugbank="DB00544")
    _drug(s, "rxcui:6902", "methylprednisolone", drugbank="DB00959")
    _drug(s, "rxcui:1114883", "turmeric")
    _drug(s, "rxcui:253206", "valerian")
    _drug(s, "rxcui:337525", "bevacizumab")
    _condition(s, "doid:4607", "biliary tract cancer")
    _condition(s, "doid:162", "cancer")
    _condition(s, "doid:4362", "cervical cancer")
    _condition(s, "doid:3068", "glioblastoma")
    return s


# -- repoDB ----------------------------------------------------------------------------------
def test_repodb_rows_carry_nct_phase_and_why_stopped():
    rows = list(repodb.read_repodb(FIX / "repodb_2017" / "shiny.RData"))
    stopped = {r["drug_name"]: r for r in rows if r["status"] != "Approved"}
    assert stopped["Fluorouracil"]["nct_id"].startswith("NCT") and stopped["Fluorouracil"]["phase"] == "Phase 3"
    assert "D-Cycloserine" in stopped["Glycine"]["why_stopped"]
    assert [r["status"] for r in rows].count("Approved") == 1


def test_stopped_trial_is_evidence_only_when_it_stopped_for_futility(st):
    repodb.import_repodb(st, FIX)
    trials = {t["nct_id"]: t for t in st.trials}
    reasons = {t["stop_reason"] for t in trials.values()}
    assert {"futility", "safety", "accrual_or_business"} <= reasons
    assert all(t["source"] == "repodb" and t["nct_id"].startswith("NCT") for t in trials.values())
    # Only the futility stop (fluorouracil, biliary tract cancer) says "no benefit" -- and says it is one trial.
    assert [(e["drug_id"], e["condition_id"], e["direction"]) for e in st.evidence] == \
        [("rxcui:4492", "doid:4607", "no_benefit")]
    ev = st.evidence[0]
    assert ev["grade"] == "low" and "one stopped trial" in ev["summary"] and ev["citation_status"] == "unverified"
    assert trials[ev["url"].rsplit("/", 1)[1]]["stop_reason"] == "futility"


def test_stop_reasons_never_read_accrual_as_futility():
    assert repodb.stop_reason("Original P.I. left the institution") == "accrual_or_business"
    assert repodb.stop_reason("Study terminated due to poor enrollment") == "accrual_or_business"
    assert repodb.stop_reason("did not meet primary efficacy endpoint at interim") == "futility"
    assert repodb.stop_reason("Pairing D-Cycloserine with Clozapine was found to worsen negative side effects") == "safety"


# -- NCI -------------------------------------------------------------------------------------
def test_nci_statement_is_cited_with_the_summary_update_date(st):
    table = {"grades": {"3": "very_low", "none": "none"}, "lower": {"very_low": "very_low"},
             "summaries": {"laetrile": {
                 "interventions": [{"name": "laetrile", "kind": "supplement", "synonyms": ["vitamin b17"]}],
                 "statements": [{"condition": "cancer", "direction": "no_benefit", "design": "3",
                                 "anchor": "no anticancer activity in human clinical trials", "summary": "s"},
                                {"condition": "cancer", "direction": "benefit", "design": "3",
                                 "anchor": "laetrile cures every cancer", "summary": "not on the page"}]}}}
    nci.import_cam_summaries(st, FIX, CuratedNames(), table=table)
    assert len(st.evidence) == 1  # the statement whose anchor is not on the page is dropped...
    assert any("anchor not found" in w for w in st.warnings)  # ...with a warning
    ev = st.evidence[0]
    assert ev["citation"] == "NCI cancer.gov summary on Laetrile/Amygdalin, updated 2022-06-14"
    assert ev["url"] == "https://www.cancer.gov/about-cancer/treatment/cam/hp/laetrile-pdq"
    assert ev["citation_status"] == "verified" and ev["grade"] == "very_low" and "pmid" not in ev
    did = ev["drug_id"]
    assert st.drugs[did]["kind"] == "supplement" and st.find_drug("vitamin B17") == did


def test_shipped_nci_statements_are_valid_and_grade_from_design_level():
    table = nci.load_statements()
    assert len(table["summaries"]) == 23  # the 24th (dietary interactions) judges no pair
    s = {"design": "1i", "consistent": False}
    assert nci.grade_for(s, table) == "low" and nci.grade_for({"design": "none"}, table) == "none"


def test_nci_drug_page_gives_fda_approvals_and_brands(st):
    nci.import_drug_pages(st, FIX, CuratedNames())
    conds = {a["condition_id"] for a in st.approvals if a["drug_id"] == "rxcui:337525"}
    assert {"doid:4362", "doid:3068"} <= conds
    assert all(a["regulator"] == "FDA" and a["status"] == "approved" and "crawl 2025-12-30" in a["note"]
               for a in st.approvals)
    assert st.find_drug("Avastin") == "rxcui:337525"


# -- EMA herbal ------------------------------------------------------------------------------
def test_ema_herbs_get_latin_names_outcomes_and_traditional_use_grade(st):
    curated = CuratedNames(conditions={"insomnia": "mesh:D007319", "constipation": "mesh:D003248"})
    ema_herbal.import_ema_herbal(st, FIX, curated)
    assert st.find_drug("Valerianae radix") == "rxcui:253206" and st.find_drug("valeriana officinalis") == "rxcui:253206"
    assert st.drugs["rxcui:253206"]["kind"] == "herb"
    outcomes = {a["latin_name"]: a["outcome"] for a in st.herbal_assessments}
    assert outcomes["Sambuci fructus"] == "Public statement"
    assert len([a for a in st.herbal_assessments if a["latin_name"] == "Sennae folium"]) == 1  # de-duplicated
    ev = {(e["drug_id"], e["condition_id"]): e for e in st.evidence}
    valerian = ev[("rxcui:253206", "mesh:D007319")]
    assert valerian["direction"] == "insufficient" and valerian["grade"] == "very_low"
    assert "not proof" in valerian["summary"] and valerian["citation"].endswith("data of 2026-06-12")
    # A public statement (no monograph) gives no evidence row.
    elder = st.find_drug("sambuci fructus")
    assert elder and not any(e["drug_id"] == elder for e in st.evidence)


# -- DDSAE -----------------------------------------------------------------------------------
def test_ddsae_signals_are_worded_as_signals_never_causes(st):
    ddsae.import_ddsae(st, FIX)
    assert st.ae_signals
    for s in st.ae_signals:
        assert s["wording"].startswith("FDA adverse-event reports") and " associate " in s["wording"]
        assert "not evidence that it causes" in s["wording"]
    turmeric = [s for s in st.ae_signals if s["drug_id"] == "rxcui:1114883"]
    assert turmeric and turmeric[0]["event"] == "MULTI-ORGAN FAILURE"
    garcinia = st.find_drug("garcinia")
    assert garcinia and st.drugs[garcinia]["kind"] in iv.intervention_types()
    # The HTML-fragment "ingredient" is kept as a signal of its product string, not made an entry.
    html = [s for s in st.ae_signals if s["subject"].startswith("HYDROXAGEN")]
    assert html and html[0]["drug_id"] is None


# -- intervention typing ---------------------------------------------------------------------
@pytest.mark.parametrize("name,kind", [
    ("curcuma longa root", "herb"), ("hypericum perforatum flower extract", "herb"), ("tea tree oil", "herb"),
    ("cholecalciferol", "vitamin_mineral"), ("zinc", "vitamin_mineral"), ("lactobacillus acidophilus", "supplement"),
    ("coenzyme q10", "supplement"), ("baclofen", None), ("zinc oxide", None), ("homo sapiens", None),
    ("timothy grass pollen allergenic extract", None), ("acetylcysteine", None), ("castor oil", None)])
def test_substance_typing(name, kind):
    assert iv.classify_substance(name) == kind


def test_types_file_is_checked():
    with pytest.raises(ReferenceDataError, match="kind 'pill'"):
        iv.parse_types({"types": {"herb": "x"}, "rules": [{"kind": "pill", "pattern": "x", "why": "y"}]})
    with pytest.raises(ReferenceDataError, match="why"):
        iv.parse_types({"types": {"herb": "x"}, "rules": [{"kind": "herb", "pattern": "x"}]})
    with pytest.raises(ReferenceDataError, match="bad pattern"):
        iv.parse_types({"types": {"herb": "x"}, "rules": [{"kind": "herb", "pattern": "(", "why": "y"}]})


def test_curated_interventions_are_typed_and_validated():
    from pipeline.reference import load_reference
    from pipeline.reference.validate import check_doc

    ref = load_reference(compiled=None)
    kinds = {n: iv.intervention_type(ref, ref.drug_by_name(n).id) for n in
             ("acupuncture", "mediterranean diet", "intermittent fasting", "yoga", "meditation", "massage",
              "chiropractic", "exercise", "walking", "homeopathy", "tens unit", "colonic irrigation")}
    assert kinds == {"acupuncture": "complementary", "mediterranean diet": "diet", "intermittent fasting": "diet",
                     "yoga": "behaviour", "meditation": "behaviour", "massage": "complementary",
                     "chiropractic": "complementary", "exercise": "behaviour", "walking": "behaviour",
                     "homeopathy": "complementary", "tens unit": "device", "colonic irrigation": "procedure"}
    assert iv.intervention_type(ref, ref.drug_by_name("baclofen").id) is None
    assert check_doc("x.yaml", {"drugs": [{"id": "oc:x", "name": "x", "kind": "potion"}]})[0].endswith(
        "got 'potion'")
    assert curated_name_index().drug("keto diet") == "oc:ketogenic-diet"
