"""Tests of the curated reference *data* (corpora/reference/*.yaml), not of the loader code.

They assert medical facts the verifier relies on, provenance rules from CONTRIBUTING.md, and
that identifiers agree with the shared open sources when those are available.
"""
from __future__ import annotations

import csv
import gzip
import re
from collections import Counter

import pytest

from pipeline.config import data_dir
from pipeline.reference import load_reference
from pipeline.reference.store import curated_files

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def ref():
    # The curated YAML only (no compiled open-source layer): these tests are about our files.
    try:
        return load_reference(use_cache=False, compiled=None)
    except TypeError:  # loader without a compiled layer
        return load_reference(use_cache=False)


def _drug(ref, name):
    d = ref.drug_by_name(name)
    assert d is not None, f"{name} missing from the reference"
    return d


def _cond(ref, name):
    c = ref.condition_by_name(name)
    assert c is not None, f"{name} missing from the reference"
    return c


def _statuses(ref, drug, condition, regulator="FDA"):
    return {a.status for a in ref.approvals_for(_drug(ref, drug).id, _cond(ref, condition).id)
            if a.regulator == regulator}


# ---------------------------------------------------------------------------------- seed facts

def test_baclofen_not_fda_approved_for_fibromyalgia(ref):
    assert _statuses(ref, "baclofen", "fibromyalgia") == {"not_approved"}


def test_baclofen_approved_for_spasticity_due_to_ms_and_sci(ref):
    assert _statuses(ref, "baclofen", "spasticity due to multiple sclerosis") == {"approved"}
    assert "approved" in _statuses(ref, "baclofen", "spasticity due to spinal cord injury")
    # The composite conditions sit under both the symptom and the disease.
    anc = ref.condition_ancestors(_cond(ref, "spasticity due to multiple sclerosis").id)
    assert _cond(ref, "spasticity").id in anc and _cond(ref, "multiple sclerosis").id in anc


def test_intrathecal_baclofen_is_a_form_of_baclofen_with_boxed_warning(ref):
    itb = ref.drug_by_name("ITB")
    assert itb is not None and itb.kind == "form" and itb.route == "intrathecal"
    assert itb.parent == _drug(ref, "baclofen").id
    assert ref.drug_by_name("Gablofen").id == itb.id
    labels = ref.label_for(itb.id, route="intrathecal")
    assert any(lf.boxed_warning and "abrupt discontinuation" in lf.boxed_warning.lower() for lf in labels)


def test_baclofen_oral_max_dose_is_80_mg(ref):
    labels = ref.label_for(_drug(ref, "baclofen").id, route="oral")
    assert [(lf.max_daily_dose, lf.max_daily_dose_unit) for lf in labels] == [(80, "mg")]
    assert "seizures" in labels[0].withdrawal.lower()


def test_baclofen_fibromyalgia_evidence_is_not_benefit(ref):
    rows = ref.evidence_for(_drug(ref, "baclofen").id, _cond(ref, "fibromyalgia").id)
    assert rows and all(e.direction in ("no_trials", "insufficient") for e in rows)
    assert all(e.grade in ("none", "very_low") for e in rows)


def test_fibromyalgia_approvals_match_fda_labels(ref):
    for drug in ("duloxetine", "milnacipran", "pregabalin"):
        assert _statuses(ref, drug, "fibromyalgia") == {"approved"}, drug
    for drug in ("gabapentin", "amitriptyline", "cyclobenzaprine", "tizanidine"):
        assert _statuses(ref, drug, "fibromyalgia") == {"not_approved"}, drug
    # Neither duloxetine nor pregabalin has a fibromyalgia indication in the EU.
    assert _statuses(ref, "pregabalin", "fibromyalgia", regulator="EMA") == {"not_approved"}


def test_brand_and_synonym_lookup(ref):
    assert ref.drug_by_name("Cymbalta").id == _drug(ref, "duloxetine").id
    assert ref.drug_by_name("paracetamol").id == _drug(ref, "acetaminophen").id
    assert ref.drug_by_name("Lioresal").id == _drug(ref, "baclofen").id
    assert ref.condition_by_name("FMS").id == _cond(ref, "fibromyalgia").id
    # Abbreviations are case-sensitive and FM is deliberately not one.
    assert ref.condition_by_name("MS").id == _cond(ref, "multiple sclerosis").id
    assert not [e for e in ref.lookup_name("ms") if e.kind == "condition"]
    assert all(getattr(e, "ambiguous", False) for e in ref.lookup_name("FM"))
    for _name, text in curated_files():
        assert not re.search(r"abbreviations:[^\n]*\bFM\b", text), _name


def test_class_membership_drives_evidence_fallback(ref):
    nsaids = _drug(ref, "NSAIDs")
    assert nsaids.kind == "class"
    for member in ("ibuprofen", "naproxen"):
        assert nsaids.id in _drug(ref, member).classes
    for member in ("tramadol", "oxycodone", "morphine"):
        assert _drug(ref, "opioids").id in _drug(ref, member).classes
    # ibuprofen has no own fibromyalgia row: the class row answers.
    rows = ref.evidence_for(_drug(ref, "ibuprofen").id, _cond(ref, "fibromyalgia").id)
    assert rows and rows[0].drug == nsaids.id and rows[0].direction == "no_benefit"


def test_no_supplement_has_an_fda_approved_disease_claim(ref):
    """Dietary supplements cannot be FDA-approved for a disease; kind: supplement encodes that."""
    supplements = {d.id for d in ref.drugs.values() if d.kind == "supplement"}
    assert {"melatonin", "st john's wort", "turmeric", "glucosamine", "fish oil"} <= {
        ref.drugs[i].name for i in supplements}
    wrong = [(a.drug, a.condition) for a in ref.approvals
             if a.drug in supplements and a.regulator == "FDA" and a.status == "approved"]
    assert not wrong, wrong


def test_contested_covid_drugs(ref):
    for drug in ("ivermectin", "hydroxychloroquine"):
        assert _statuses(ref, drug, "covid-19") == {"not_approved"}, drug
        rows = ref.evidence_for(_drug(ref, drug).id, _cond(ref, "COVID-19").id)
        assert rows and {e.direction for e in rows} == {"no_benefit"}, drug
    # Epidiolex is the approved CBD product; CBD for anxiety is not approved.
    assert _statuses(ref, "Epidiolex", "Dravet syndrome") == {"approved"}
    assert _statuses(ref, "CBD", "anxiety") == {"not_approved"}


def test_metformin_for_ageing_has_no_trial_support(ref):
    rows = ref.evidence_for(_drug(ref, "metformin").id, _cond(ref, "anti-aging").id)
    assert rows and rows[0].direction == "no_trials" and rows[0].n_rcts == 0
    assert _statuses(ref, "metformin", "type 2 diabetes") == {"approved"}


def test_coverage_of_curated_evidence_and_labels(ref):
    """Issue 3 coverage: 300 evidence pairs over 120 drugs/supplements, label facts for 150 drugs."""
    pairs = {(e.drug, e.condition) for e in ref.evidence}
    drugs = {e.drug for e in ref.evidence if ref.drugs[e.drug].kind != "class"}
    assert len(pairs) >= 300 and len(drugs) >= 120
    assert len([d for d in ref.labels if ref.drugs[d].kind != "class"]) >= 150


# ---------------------------------------------------------------------------------- provenance

def _facts(ref):
    for a in ref.approvals:
        yield "approval", a
    for e in ref.evidence:
        yield "evidence", e
    for rows in ref.labels.values():
        for lf in rows:
            yield "label", lf


def test_every_fact_has_source_and_date_checked(ref):
    n = 0
    for kind, f in _facts(ref):
        n += 1
        assert f.source is not None and f.source.title and f.source.kind, (kind, f.id)
        assert DATE.match(f.date_checked), (kind, f.id, f.date_checked)
        assert f.source.citation_status in ("verified", "unverified")
    assert n > 50


def test_no_identifiers_on_unverified_sources(ref):
    """A PMID/DOI/URL may only be given once checked: unverified sources must not carry one."""
    sources = list(ref.sources.values()) + [f.source for _, f in _facts(ref)]
    for s in sources:
        if s.citation_status == "unverified":
            assert not (s.pmid or s.doi or s.url), s.title


def test_application_numbers_are_well_formed(ref):
    for s in list(ref.sources.values()) + [f.source for _, f in _facts(ref)]:
        if s.application:
            assert re.fullmatch(r"(NDA|ANDA|BLA) \d{6}", s.application), s.application


def test_fact_tables_use_known_vocabulary(ref):
    kinds = {"label", "regulator", "guideline", "systematic_review", "review", "database", "trial_registry"}
    for _, f in _facts(ref):
        assert f.source.kind in kinds, f.source.kind
    for e in ref.evidence:
        assert e.n_rcts is None or e.n_rcts >= 0
        # "no_trials" means none: it cannot come with trials counted or a non-"none" grade.
        if e.direction == "no_trials":
            assert e.n_rcts in (None, 0) and e.grade == "none", e.id
    for rows in ref.labels.values():
        for lf in rows:
            if lf.max_daily_dose is not None:
                assert lf.max_daily_dose > 0 and lf.max_daily_dose_unit, lf.id


def test_fact_ids_are_unique(ref):
    ids = Counter(a.id for a in ref.approvals)
    ids.update(e.id for e in ref.evidence)
    ids.update(lf.id for rows in ref.labels.values() for lf in rows)
    dupes = [i for i, n in ids.items() if n > 1]
    assert not dupes, dupes


def test_ids_have_expected_prefixes(ref):
    for d in ref.drugs.values():
        assert re.fullmatch(r"rxcui:\d+|oc:[a-z0-9-]+", d.id), d.id
        if d.kind in ("class", "form"):
            assert d.id.startswith("oc:"), d.id
        if d.kind == "form":
            assert d.parent in ref.drugs
    for c in ref.conditions.values():
        assert re.fullmatch(r"doid:\d+|mesh:[CD]\d+|oc:[a-z0-9-]+", c.id), c.id
        for p in c.parents:
            assert p in ref.conditions, (c.id, p)


# ---------------------------------------------------------------------------------- open sources

@pytest.fixture(scope="module")
def sources_dir():
    d = data_dir(required=False)
    if d is None or not (d / "reference_sources").is_dir():
        pytest.skip("shared data directory (../shared) not available")
    return d / "reference_sources"


def test_every_rxcui_is_an_rxnorm_concept_with_that_name(ref, sources_dir):
    names: dict[str, str] = {}
    with gzip.open(sources_dir / "rxnorm_maps" / "RXNORM_bioportal.csv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            names[row["Class ID"].rsplit("/", 1)[-1]] = row["Preferred Label"].lower()
    with open(sources_dir / "rxnorm_maps" / "rxnorm-as-ingredient.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            names.setdefault(row["ingredient_rxcui"], row["ingredient_name"].lower())
    # The RxNorm name of the concept must be the entry's name or one of its synonyms.
    wrong = [(d.id, d.name, names.get(d.id[6:])) for d in ref.drugs.values()
             if d.id.startswith("rxcui:")
             and names.get(d.id[6:]) not in {n.lower() for n in [d.name, *d.synonyms]}]
    assert not wrong, wrong


def test_drug_xrefs_agree_with_drugcentral_or_rxnorm(ref, sources_dir):
    by_rx: dict[str, set[str]] = {}
    ids: dict[str, dict[str, set[str]]] = {}
    with open(sources_dir / "drugcentral_2016" / "identifiers.tsv", encoding="utf-8") as f:
        r = csv.reader(f, delimiter="\t")
        next(r)
        for drug_id, _name, id_type, ident in r:
            ids.setdefault(drug_id, {}).setdefault(id_type.strip('"'), set()).add(ident.strip('"'))
            if id_type.strip('"') == "RXNORM":
                by_rx.setdefault(ident.strip('"'), set()).add(drug_id)
    rx_unii: dict[str, set[str]] = {}
    with open(sources_dir / "rxnorm_maps" / "rxcui-unii-map.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            rx_unii.setdefault(row["rxnorm_id"], set()).add(row["fdasrs_id"])
    checked = 0
    for d in ref.drugs.values():
        unverified = d.xrefs.get("unverified", "")
        for key, id_type in (("drugbank", ("DRUGBANK_ID",)), ("unii", ("UNII",)),
                             ("mesh", ("MESH_DESCRIPTOR_UI", "MESH_SUPPLEMENTAL_RECORD_UI"))):
            if key not in d.xrefs or key in unverified:
                continue
            allowed = {v for dc in by_rx.get(d.id[6:], ()) for t in id_type for v in ids[dc].get(t, ())}
            if key == "unii":  # RxNorm's own RXCUI -> UNII map is an equally good witness
                allowed |= rx_unii.get(d.id[6:], set())
            assert d.xrefs[key] in allowed, (d.id, d.name, key, d.xrefs[key], sorted(allowed))
            checked += 1
    assert checked > 30


def test_doid_ids_exist_and_xrefs_agree(ref, sources_dir):
    labels, xrefs = {}, {}
    with open(sources_dir / "disease_ontology" / "HumanDO.tsv", encoding="utf-8") as f:
        r = csv.reader(f, delimiter="\t")
        next(r)
        for row in r:
            labels[row[0].lower()] = row[1]
    with open(sources_dir / "disease_ontology" / "allXREFinDO.tsv", encoding="utf-8") as f:
        r = csv.reader(f, delimiter="\t")
        next(r)
        for row in r:
            xrefs.setdefault(row[0].lower(), set()).add(row[2])
    for c in ref.conditions.values():
        if not c.id.startswith("doid:"):
            continue
        assert c.id in labels, (c.id, c.name)
        unverified = c.xrefs.get("unverified", "")
        for key, prefix in (("mesh", "MESH:"), ("icd10", "ICD10CM:"), ("umls", "UMLS_CUI:")):
            if key in c.xrefs and key not in unverified:
                assert prefix + c.xrefs[key] in xrefs.get(c.id, set()), (c.id, key, c.xrefs[key])
