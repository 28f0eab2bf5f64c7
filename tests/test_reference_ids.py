"""Regression: a malformed id in a curated file once merged ~30 unrelated drugs into one entry
("ketamine" linked to magnesium). Ids are now checked on load."""
from __future__ import annotations

import pytest

from pipeline.errors import ReferenceDataError
from pipeline.reference import load_reference
from pipeline.reference.store import Reference, _load_docs


def test_malformed_drug_id_is_rejected_with_file_and_entry():
    with pytest.raises(ReferenceDataError) as e:
        _load_docs([("overlay.yaml", {"drugs": [{"id": "RX", "name": "ketamine"}]})], Reference())
    assert "overlay.yaml entry 1" in str(e.value) and "'RX'" in str(e.value)


def test_malformed_condition_id_is_rejected():
    with pytest.raises(ReferenceDataError):
        _load_docs([("o.yaml", {"conditions": [{"id": "DOID 631", "name": "fibromyalgia"}]})], Reference())


def test_every_curated_name_links_to_an_entry_of_that_name_or_its_synonyms():
    ref = load_reference(compiled=None, use_cache=False)
    for d in ref.drugs.values():
        hit = ref.drug_by_name(d.name)
        assert hit is not None and hit.id == d.id, (d.name, d.id, hit and hit.id)
