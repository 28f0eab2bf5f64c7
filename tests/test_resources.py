"""Every resource file in pipeline/resources has a schema checked at load, and every section of it is
read by the code (pipeline/resources/schema.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.resources.schema import ITERATED, TOP_KEYS, ResourceSchemaError, check, load_resource

PKG = Path(__file__).resolve().parent.parent / "pipeline"
RES = PKG / "resources"


def test_every_resource_file_has_a_schema_and_follows_it():
    assert set(TOP_KEYS) == {p.name for p in RES.glob("*.yaml")}
    for name in TOP_KEYS:
        load_resource(name)  # raises ResourceSchemaError naming the file and the section


def test_a_misspelt_or_missing_section_is_an_error_naming_file_and_section():
    good = load_resource("boilerplate.yaml")
    bad = dict(good, navigaton=good.pop("navigation"))
    with pytest.raises(ResourceSchemaError, match=r"boilerplate.yaml: missing section\(s\) \['navigation'\]; "
                                                  r"unknown section\(s\) \['navigaton'\]"):
        check("boilerplate.yaml", bad)


def _code_outside_resources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in PKG.rglob("*.py")
                     if p.parent != RES)


def test_every_section_is_read_by_the_code():
    """A section's name appears as a string in the code that reads it (a section nothing reads is
    a defect: delete it or read it)."""
    code = _code_outside_resources()
    unread = [f"{name}: {key}" for name, keys in TOP_KEYS.items() if name not in ITERATED for key in keys
              if key != "version" and not re.search(rf"""["']{re.escape(key)}["']""", code)]
    assert not unread, unread


def _records(data):
    """The mappings of a resource file that are records: the mappings in a list, and the values
    of a mapping whose values (two or more) are all mappings. Their keys are field names."""
    if isinstance(data, list):
        for e in data:
            if isinstance(e, dict):
                yield e
            yield from _records(e)
    elif isinstance(data, dict):
        vals = list(data.values())
        if len(vals) > 1 and all(isinstance(v, dict) for v in vals):
            yield from vals
        for v in vals:
            yield from _records(v)


def test_every_record_field_is_read_by_the_code():
    """A field of a record (a rule, a criterion, a source entry, ...) appears as a string in the
    code that reads it: a field nothing reads is a defect, as a section is."""
    code = _code_outside_resources()
    unread = sorted({f"{name}: {key}" for name in TOP_KEYS if name not in ITERATED
                     for rec in _records(load_resource(name)) for key in rec
                     if isinstance(key, str) and not re.search(rf"""["']{re.escape(key)}["']""", code)})
    assert not unread, unread


def test_the_record_field_check_sees_fields_of_lists_and_of_mappings_of_mappings():
    data = {"rules": [{"name": "a", "typo_field": 1}], "cues": {"x": {"strength": 1}, "y": {"strength": 2}}}
    assert sorted({k for r in _records(data) for k in r}) == ["name", "strength", "typo_field"]
