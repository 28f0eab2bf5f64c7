"""Loading layers: compiled open sources < curated files < editor overlays (YAML or CSV)."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ReferenceDataError
from pipeline.reference import load_reference
from pipeline.reference.build import write_sqlite
from pipeline.reference.importers.common import NameFilter
from pipeline.reference.importers.state import CompileState


@pytest.fixture()
def tiny_compiled(tmp_path) -> Path:
    """A compiled reference of our own: baclofen with a compiled-only brand, a compiled-only drug,
    an ambiguous abbreviation and a LabeledIn-style approval."""
    st = CompileState(NameFilter.default())
    for did, name in (("rxcui:1292", "baclofen"), ("rxcui:9999991", "examplamide")):
        st.drugs[did] = {"id": did, "name": name, "kind": "drug", "rxcui": did[6:], "drugbank": None, "unii": None,
                         "mesh": None, "umls": None, "drugcentral_id": None, "source": "drugcentral"}
        st.add_drug_name(did, name, "name", "drugcentral")
    st.add_drug_name("rxcui:1292", "Kemstro", "brand", "rxnorm")
    st.add_drug_name("rxcui:9999991", "Examplix", "brand", "drugsatfda")
    st.conditions["doid:2377"] = {"id": "doid:2377", "name": "multiple sclerosis", "doid": "DOID:2377",
                                  "mesh": "D009103", "mesh_unverified": None, "mesh_tree": None, "umls": None,
                                  "icd10": None, "parents": [], "source": "disease_ontology"}
    st.add_condition_name("doid:2377", "multiple sclerosis", "name", "disease_ontology")
    st.add_condition_name("doid:2377", "MS", "abbreviation", "lay_terms")
    st.condition_names[("doid:2377", "MS")]["ambiguous"] = 1
    st.approvals.append({"drug_id": "rxcui:9999991", "condition_id": "doid:2377", "regulator": "FDA",
                         "status": "approved", "indication_text": "Multiple Sclerosis", "year": None,
                         "application": None, "product": None, "route": None, "note": "test row",
                         "source": "labeledin"})
    out = tmp_path / "tiny.sqlite"
    write_sqlite(st, out, tmp_path)
    return out


def test_curated_only_when_no_compiled_file():
    ref = load_reference(compiled=None, use_cache=False)
    assert ref.compiled_path is None
    assert ref.drug_by_name("Lioresal").id == "rxcui:1292"


def test_compiled_layer_under_curated(tiny_compiled):
    ref = load_reference(compiled=tiny_compiled, use_cache=False)
    assert ref.compiled_path == str(tiny_compiled)
    # Compiled-only entries are reachable, with their source as origin.
    ex = ref.drug_by_name("Examplix")
    assert ex.id == "rxcui:9999991" and ex.origin == "drugcentral"
    a = ref.approvals_for("rxcui:9999991")[0]
    assert a.origin == "labeledin" and a.source.licence and a.source.version and a.date_checked
    # Same id in curated and compiled: merged, curated fields win, compiled names kept.
    bac = ref.drugs["rxcui:1292"]
    assert bac.origin == "curated" and "Kemstro" in bac.brands
    assert ref.drug_by_name("kemstro").id == "rxcui:1292"
    # Ambiguity flag travels to the NameEntry the linker reads.
    ms = [e for e in ref.lookup_name("MS") if e.kind == "condition"]
    assert ms and all(e.ambiguous for e in ms)


def test_yaml_overlay_wins_and_is_shown(tmp_path, tiny_compiled):
    base = load_reference(compiled=tiny_compiled, use_cache=False)
    bac = base.drugs["rxcui:1292"]
    fm = base.condition_by_name("fibromyalgia")
    curated = [a for a in base.approvals_for(bac.id, fm.id) if a.origin == "curated" and a.regulator == "FDA"]
    assert curated, "curated core has baclofen/fibromyalgia FDA"
    target = curated[0]
    ov = tmp_path / "fix.yaml"
    ov.write_text(
        "approvals:\n"
        f"  - id: '{target.id}'\n"
        "    drug: baclofen\n    condition: fibromyalgia\n    regulator: FDA\n    status: not_approved\n"
        f"    route: {target.route or 'oral'}\n"
        "    source: {kind: label, title: Editor re-check of the label, citation_status: unverified}\n"
        "    date_checked: 2026-11-22\n"
        "drugs:\n  - id: rxcui:9999991\n    name: examplamide\n    synonyms: [examplamide tablets]\n")
    ref = load_reference([ov], compiled=tiny_compiled, use_cache=False)
    rows = [a for a in ref.approvals_for(bac.id, fm.id) if a.id == target.id]
    assert len(rows) == 1 and rows[0].origin == f"overlay:{ov}" and rows[0].date_checked == "2026-11-22"
    assert ("approvals", target.id, "curated", f"overlay:{ov}") in ref.overrides
    assert ref.drugs["rxcui:9999991"].origin == f"overlay:{ov}"
    assert str(ov) in ref.files


def test_csv_overlay(tmp_path):
    ov = tmp_path / "brands.csv"
    ov.write_text("table,id,name,brands,drug,condition,regulator,status,source,date_checked\n"
                  "drugs,rxcui:1292,baclofen,Baclotestum|Lyvispah,,,,,,\n"
                  "approvals,,,,baclofen,fibromyalgia,EMA,not_approved,EPAR search by an editor,2026-11-22\n")
    ref = load_reference([ov], compiled=None, use_cache=False)
    assert ref.drug_by_name("Lyvispah").id == "rxcui:1292"
    [e] = [e for e in ref.lookup_name("Baclotestum") if e.kind == "drug"]
    assert e.source == f"overlay:{ov}"
    ema = [a for a in ref.approvals if a.regulator == "EMA" and a.origin == f"overlay:{ov}"]
    assert ema and ema[0].source.citation_status == "unverified" and ema[0].source.title == "EPAR search by an editor"


def test_overlay_errors_name_file_and_row(tmp_path):
    ov = tmp_path / "bad.csv"
    ov.write_text("table,drug,condition\napprovals,baclofen,fibromyalgia\nwidgets,x,y\n")
    with pytest.raises(ReferenceDataError, match=r"bad.csv row 3"):
        load_reference([ov], compiled=None, use_cache=False)
    ov2 = tmp_path / "nocol.csv"
    ov2.write_text("drug,condition\nbaclofen,fibromyalgia\n")
    with pytest.raises(ReferenceDataError, match="nocol.csv: a CSV overlay needs a 'table' column"):
        load_reference([ov2], compiled=None, use_cache=False)


def test_missing_compiled_file_is_a_clear_error(tmp_path):
    with pytest.raises(ReferenceDataError, match="compiled reference not found"):
        load_reference(compiled=tmp_path / "nope.sqlite", use_cache=False)


def test_cli_validate_reports_errors(tmp_path):
    from typer.testing import CliRunner
    from pipeline.cli.reference import reference_app
    bad = tmp_path / "bad.csv"
    bad.write_text("table,drug\nwidgets,x\n")
    r = CliRunner().invoke(reference_app, ["validate", str(bad), "--no-consistency"])
    assert r.exit_code == 5 and "bad.csv row 2" in r.output
    ok = tmp_path / "ok.csv"
    ok.write_text("table,id,name,brands\ndrugs,rxcui:1292,baclofen,Ozobax\n")
    r = CliRunner().invoke(reference_app, ["validate", str(ok), "--no-consistency"])
    assert r.exit_code == 0, r.output


def test_curated_entry_naming_a_compiled_only_concept_waits_for_the_compiled_layer():
    """Without the compiled layer, a curated evidence entry about a herb only the compiled layer
    defines is skipped and listed (the curated core still loads); with it, an unknown name is an error."""
    import pytest as _pytest

    from pipeline.errors import ReferenceDataError
    from pipeline.reference.store import Reference, _load_docs

    doc = {"sources": {"s": {"kind": "review", "title": "t", "citation_status": "unverified"}},
           "evidence": [{"drug": "no-such-herb", "condition": "no-such-condition", "direction": "insufficient",
                         "grade": "low", "summary": "x", "source": "s", "date_checked": "2026-12-03"}]}
    ref = Reference()
    _load_docs([("x.yaml", doc)], ref, strict=False)
    assert not ref.evidence and len(ref.needs_compiled) == 1 and "no-such-herb" in ref.needs_compiled[0]
    with _pytest.raises(ReferenceDataError, match="no-such-herb"):
        _load_docs([("x.yaml", doc)], Reference(), strict=True)


def test_stats_count_supplement_evidence_pairs_not_supplements():
    """Regression: the per-type evidence figures counted distinct interventions, not pairs."""
    from pipeline.cli.reference import coverage_stats
    from pipeline.reference.store import Reference, _load_docs

    doc = {"sources": {"s": {"kind": "review", "title": "t", "citation_status": "unverified"}},
           "drugs": [{"id": "oc:test-herb", "name": "test herb", "kind": "herb"}],
           "conditions": [{"id": "oc:cond-a", "name": "condition a"}, {"id": "oc:cond-b", "name": "condition b"}],
           "evidence": [{"drug": "test herb", "condition": c, "direction": "insufficient", "grade": "low",
                         "summary": "x", "source": "s", "date_checked": "2026-12-03"}
                        for c in ("condition a", "condition b")]}
    ref = Reference()
    _load_docs([("x.yaml", doc)], ref)
    ref.finish()
    st = coverage_stats(ref)
    assert st["evidence_pairs"] == 2 and st["evidence_pairs_supplement_herb"] == 2 and st["evidence_pairs_non_drug"] == 2
