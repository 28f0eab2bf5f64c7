"""Build the compiled reference from ../shared/reference_sources once per session and check
real facts in it. Skipped when the shared data directory is absent."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from pipeline.config import data_dir

SHARED = data_dir(required=False)
SOURCES = SHARED / "reference_sources" if SHARED else None
pytestmark = pytest.mark.skipif(SOURCES is None or not SOURCES.is_dir(),
                                reason="shared reference sources not available")


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    from pipeline.reference.build import build_reference
    out = tmp_path_factory.mktemp("ref") / "reference.sqlite"
    report = build_reference(SOURCES, out)
    return report, out


@pytest.fixture(scope="session")
def db(built):
    con = sqlite3.connect(built[1])
    yield con
    con.close()


@pytest.fixture(scope="session")
def ref(built):
    from pipeline.reference import load_reference
    return load_reference(compiled=built[1], use_cache=False)


def test_coverage_meets_targets(built):
    report, _ = built
    assert report.counts["drugs"] >= 5000
    assert report.counts["conditions"] >= 3000
    assert report.counts["drug_names"] > 3 * report.counts["drugs"] / 2


def test_every_row_has_source_version_and_licence(db):
    for table in ("drugs", "drug_names", "conditions", "condition_names", "approvals", "indications",
                  "fda_products", "label_facts", "trials"):
        missing = db.execute(f"SELECT COUNT(*) FROM {table} WHERE source IS NULL OR source_version IS NULL "
                             f"OR licence IS NULL").fetchone()[0]
        assert missing == 0, table
    # No non-commercial source is compiled.
    nc = {r[0] for r in db.execute("SELECT name FROM sources WHERE commercial_use = 0")}
    assert nc
    for table in ("approvals", "indications", "drug_names"):
        used = {r[0] for r in db.execute(f"SELECT DISTINCT source FROM {table}")}
        assert not used & nc


def test_brand_resolves_to_ingredient_rxcui(ref):
    assert ref.drug_by_name("Lioresal").id == "rxcui:1292"
    assert ref.drug_by_name("Cymbalta").id == "rxcui:72625"   # brand of a salt form, folded
    assert ref.drug_by_name("duloxetine hydrochloride").id == "rxcui:72625"


def test_drug_xrefs_from_drugcentral_not_noisy_dictionary(db):
    row = db.execute("SELECT drugbank, unii, mesh FROM drugs WHERE id = 'rxcui:1292'").fetchone()
    # The drug NER dictionary says D058786 (GABA-B agonists); DrugCentral's D001418 is baclofen.
    assert row == ("DB00181", "H789N3FKE8", "D001418")


def test_ambiguous_abbreviations_are_marked(db, ref):
    for abbr in ("MS", "RA", "AD"):
        rows = db.execute("SELECT ambiguous FROM condition_names WHERE key = ?", (abbr,)).fetchall()
        assert rows and all(r[0] == 1 for r in rows), abbr
    ms = [e for e in ref.lookup_name("MS") if e.kind == "condition"]
    assert ms and all(e.ambiguous for e in ms)
    # A lower-case "ms" in running text is not the abbreviation.
    assert not [e for e in ref.lookup_name("ms") if e.id == "doid:2377" and e.case_sensitive]


def test_noisy_names_filtered(db):
    baclofen = {r[0] for r in db.execute("SELECT key FROM drug_names WHERE drug_id = 'rxcui:1292'")}
    assert {"lioresal", "kemstro", "gablofen", "baclofen"} <= baclofen
    assert not baclofen & {"genpharm", "clofen", "pcp-gaba", "awd, baclofen"}
    for junk in ("will", "can", "solution", "tablet", "10", "the"):
        assert db.execute("SELECT COUNT(*) FROM drug_names WHERE key = ?", (junk,)).fetchone()[0] == 0, junk
    reasons = dict(db.execute("SELECT name, reason FROM rejected_names WHERE concept_id = 'rxcui:1292'"))
    assert "genpharm" in reasons


def test_mesh_ids_of_conditions_come_from_the_ontology(db):
    # The MeSH dictionary gives fibromyalgia D015673 (chronic fatigue syndrome); DO says D005356.
    assert db.execute("SELECT mesh FROM conditions WHERE id = 'doid:631'").fetchone()[0] == "D005356"
    assert db.execute("SELECT mesh FROM conditions WHERE id = 'doid:2377'").fetchone()[0] == "D009103"
    # Symptom-type heading missing from DO: kept, but its dictionary id is not trusted as an id.
    row = db.execute("SELECT mesh, mesh_unverified FROM conditions WHERE id = 'meshterm:hiccup'").fetchone()
    assert row[0] is None and row[1]
    assert db.execute("SELECT COUNT(*) FROM conditions WHERE mesh = 'D015673' AND id = 'doid:631'").fetchone()[0] == 0


def test_drugcentral_indication_of_pregabalin(db):
    rows = db.execute("SELECT condition_id, relation, text FROM indications WHERE drug_id = 'rxcui:187832' "
                      "AND source = 'drugcentral'").fetchall()
    assert ("doid:631", "indication", "Fibromyalgia") in rows


def test_labeledin_and_ema_approvals(db, ref):
    fda = {r[0] for r in db.execute("SELECT condition_id FROM approvals WHERE drug_id = 'rxcui:187832' "
                                   "AND regulator = 'FDA' AND status = 'approved'")}
    assert "doid:631" in fda
    ema = db.execute("SELECT COUNT(*) FROM approvals WHERE drug_id = 'rxcui:187832' AND regulator = 'EMA'").fetchone()[0]
    assert ema >= 1
    # Loaded into the Reference with provenance.
    rows = [a for a in ref.approvals_for("rxcui:187832", "doid:631") if a.origin == "labeledin"]
    assert rows and rows[0].regulator == "FDA" and rows[0].source.version and rows[0].source.licence


def test_drugsatfda_products(db):
    row = db.execute("SELECT approval_date, marketing_status FROM fda_products WHERE drug_id = 'rxcui:1292' "
                     "AND application = 'NDA 017851' LIMIT 1").fetchone()
    assert row == ("1977-11-22", "Discontinued")


def test_curated_wins_and_merges(ref):
    # Curated spasticity (mesh:D009128) absorbed the compiled MeSH heading with the wrong id.
    assert ref.condition_by_name("muscle spasticity").id == "mesh:D009128"
    assert ref.aliases.get("meshterm:muscle-spasticity") == "mesh:D009128"
    assert ref.drugs["rxcui:1292"].origin == "curated"
    assert "Kemstro" in ref.drugs["rxcui:1292"].brands


def test_build_report_json(built):
    d = built[0].to_dict()
    json.dumps(d)
    assert d["by_source"]["drugs"]["drugcentral"] > 2000


def test_consistency_report_lists_disagreements(ref):
    from pipeline.reference.consistency import check_consistency, format_report
    rep = check_consistency(ref)
    assert rep["checked"] > 0
    assert rep["agree"] + len({(d["drug_id"], d["condition_id"], d["curated_source"]) for d in rep["disagreements"]}) >= 1
    text = format_report(rep)
    assert f"disagreements {len(rep['disagreements'])}" in text
    for d in rep["disagreements"]:
        assert d["problem"] and d["drug_id"].startswith("rxcui:")


def test_new_sources_are_compiled(built, db, ref):
    """Issue 16 sources: repoDB trials, NCI statements and drug pages, EMA herbs, DDSAE signals."""
    from pipeline.cli.reference import coverage_stats
    report, _ = built
    for table in ("evidence", "herbal_assessments", "ae_signals"):
        assert report.counts[table] > 0, table
    assert db.execute("SELECT COUNT(*) FROM trials WHERE source='repodb' AND nct_id LIKE 'NCT%'").fetchone()[0] > 1000
    # Stopped trials are evidence of no benefit only when they stopped for futility.
    reasons = {r[0] for r in db.execute("SELECT t.stop_reason FROM evidence e JOIN trials t ON "
                                        "e.url LIKE '%' || t.nct_id WHERE e.source='repodb'")}
    assert reasons == {"futility"}
    laetrile = [e for e in ref.evidence_for(ref.drug_by_name("vitamin b17").id, ref.condition_by_name("cancer").id)
                if e.origin == "nci_cancer_gov"]
    assert laetrile and laetrile[0].direction == "no_benefit"
    assert laetrile[0].source.title == "NCI cancer.gov summary on Laetrile/Amygdalin, updated 2022-06-14"
    assert not laetrile[0].source.pmid and laetrile[0].source.citation_status == "verified"
    assert all(" associate " in w and "cause" not in w.split("not evidence")[0]
               for (w,) in db.execute("SELECT wording FROM ae_signals"))
    st = coverage_stats(ref)
    assert st["non_drug_interventions"] >= 1500
    assert set(st["interventions_by_type"]) >= {"herb", "supplement", "vitamin_mineral", "diet", "complementary",
                                                "device", "procedure", "behaviour", "food"}


def test_products_map_to_their_active_ingredients(ref):
    from pipeline.reference.interventions import ingredients_of
    turmeric = ref.drug_by_name("turmeric")
    assert ref.drug_by_name("curcumin").id in ingredients_of(ref, turmeric.id)
    assert ref.drugs[turmeric.id].kind in ("herb", "supplement")
