"""openFDA label and ClinicalTrials.gov v2 importers, on the real schema and records in
../shared/reference_sources plus small records of our own written in that schema."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from pipeline.config import data_dir
from pipeline.errors import InputError
from pipeline.reference.importers import ctgov, openfda

SHARED = data_dir(required=False)
SRC = SHARED / "reference_sources" if SHARED else None
needs_shared = pytest.mark.skipif(SRC is None or not SRC.is_dir(), reason="shared reference sources not available")

# Our own prescription label record, written in the openFDA schema (wording ours, not a copy).
OWN_RX_LABEL = {
    "id": "00000000-0000-0000-0000-000000000001", "set_id": "00000000-0000-0000-0000-0000000000aa",
    "version": "1", "effective_time": "20240115",
    "indications_and_usage": ["1 INDICATIONS AND USAGE Baclofen tablets are indicated for the relief of "
                              "spasticity resulting from multiple sclerosis."],
    "dosage_and_administration": ["2 DOSAGE AND ADMINISTRATION Start with 5 mg three times a day. "
                                  "The total daily dose should not exceed 80 mg daily (20 mg four times a day)."],
    "boxed_warning": ["WARNING: ABRUPT DISCONTINUATION Abrupt discontinuation can cause hallucinations and seizures."],
    "pregnancy": ["8.1 Pregnancy There are no adequate data on use in pregnant women."],
    "mechanism_of_action": ["12.1 Mechanism of Action The precise mechanism is not fully known."],
    "openfda": {"brand_name": ["EXAMPLE BACLOFEN"], "generic_name": ["BACLOFEN"], "substance_name": ["BACLOFEN"],
                "unii": ["H789N3FKE8"], "product_type": ["HUMAN PRESCRIPTION DRUG"], "route": ["ORAL"],
                "application_number": ["ANDA000000"]},
}


@needs_shared
def test_own_label_record_is_valid_against_the_openfda_schema():
    schema = json.loads((SRC / "openfda_label_schema" / "druglabel_schema.json").read_text())
    jsonschema.validate(OWN_RX_LABEL, schema)
    for rec in json.loads((SRC / "openfda_label_schema" / "sample_label_records_real.json").read_text()):
        jsonschema.validate(rec, schema)


def test_parse_label_extracts_sections():
    p = openfda.parse_label(OWN_RX_LABEL)
    assert p["indications"].startswith("Baclofen tablets are indicated")  # heading stripped
    assert (p["max_daily_dose"], p["max_daily_dose_unit"]) == (80.0, "mg")
    assert "hallucinations" in p["boxed_warning"]
    assert p["pregnancy"].startswith("8.1 Pregnancy") or "pregnant" in p["pregnancy"]
    assert p["unii"] == ["H789N3FKE8"] and p["product_type"] == "HUMAN PRESCRIPTION DRUG"


def test_import_labels_gives_label_facts_and_approvals(tmp_path):
    f = tmp_path / "labels.json"
    f.write_text(json.dumps({"meta": {"results": {"total": 1}}, "results": [OWN_RX_LABEL]}))
    names = {"multiple sclerosis": "doid:2377", "spasticity": "mesh:D009128"}
    facts, approvals, skipped = openfda.import_labels(
        [f], resolve_drug=lambda p: "rxcui:1292" if "H789N3FKE8" in p["unii"] else None, condition_names=names)
    assert skipped == 0 and facts[0]["drug_id"] == "rxcui:1292" and facts[0]["max_daily_dose"] == 80.0
    assert {a["condition_id"] for a in approvals} == {"doid:2377", "mesh:D009128"}
    assert all(a["regulator"] == "FDA" and a["status"] == "approved" for a in approvals)


@needs_shared
def test_real_otc_label_records_give_facts_but_no_approvals(tmp_path):
    path = SRC / "openfda_label_schema" / "sample_label_records_real.json"
    recs = list(openfda.iter_label_records(path))
    betadine = [r for r in recs if (r.get("openfda") or {}).get("brand_name") == ["Betadine"]][0]
    p = openfda.parse_label(betadine)
    assert p["substances"] == ["POVIDONE-IODINE"] and p["product_type"] == "HUMAN OTC DRUG"
    facts, approvals, _ = openfda.import_labels(
        [path], resolve_drug=lambda p: "rxcui:8611" if p["substances"] == ["POVIDONE-IODINE"] else None,
        condition_names={"infection": "doid:0050117"})
    assert len(facts) == 1 and approvals == []  # OTC monograph text is not an approval


def test_bad_label_file_names_the_file(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="broken.json"):
        list(openfda.iter_label_records(bad))


def test_mesh_ids_are_normalised():
    assert ctgov.normalise_mesh_id("D000001943") == "D001943"
    assert ctgov.normalise_mesh_id("C000500026") == "C500026"
    assert ctgov.normalise_mesh_id("D001943") == "D001943"
    assert ctgov.normalise_mesh_id("D000070639") == "D000070639"  # genuinely nine-digit new-style id


@needs_shared
def test_parse_real_ctgov_study():
    study = json.loads((SRC / "ctgov_v2" / "NCT02513394.json").read_text())
    rec = ctgov.parse_study(study)
    t = rec["trial"]
    assert t["nct_id"] == "NCT02513394" and t["phases"] == "PHASE3" and t["has_results"] == 1
    assert t["allocation"] == "RANDOMIZED" and t["enrollment"] == 5796
    assert {"Breast Cancer"} <= {c["name"] for c in rec["conditions"]}
    assert ("D001943", "Breast Neoplasms") in {(c["mesh_id"], c["name"]) for c in rec["conditions"]}
    assert "Palbociclib" in {i["name"] for i in rec["interventions"]}
    results = json.loads(t["results"])
    assert any(r["p_value"] == "0.65" and r["param_type"] == "Hazard Ratio (HR)" for r in results)


@needs_shared
def test_trimmed_study_and_page_of_studies(tmp_path):
    study = json.loads((SRC / "ctgov_v2" / "NCT02513394.json").read_text())
    small = copy.deepcopy(study)
    small["protocolSection"].pop("contactsLocationsModule", None)
    small.pop("resultsSection", None)
    small["hasResults"] = False
    f = tmp_path / "page.json"
    f.write_text(json.dumps({"studies": [small]}))
    recs = [ctgov.parse_study(s) for s in ctgov.iter_studies(f)]
    assert recs[0]["trial"]["has_results"] == 0 and recs[0]["trial"]["results"] is None
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"nope": 1}]))
    with pytest.raises(InputError, match="bad.json row 1"):
        list(ctgov.iter_studies(bad))
