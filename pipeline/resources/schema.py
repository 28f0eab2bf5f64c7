"""The top-level schema of every resource file in ``pipeline/resources/``, checked when the file is
loaded: a missing or unknown section (a typo) is an error naming the file and the section, not a
``KeyError`` later. Files with deeper structure check the rest themselves (``frames.yaml`` in
:mod:`pipeline.frames.lexicon`, ``verdict_policy.yaml`` and ``category_rules.yaml`` in
:mod:`pipeline.frames.policy`, ``realgold_schema.yaml`` in :mod:`pipeline.eval.realgold`).
``tests/test_resources.py`` checks that every section is read by the code.

Example:
    >>> sorted(load_resource("linker_stoplist.yaml"))
    ['never_link', 'version']
    >>> check("linker_stoplist.yaml", {"version": 1, "never_lnk": []})
    Traceback (most recent call last):
    ...
    pipeline.resources.schema.ResourceSchemaError: linker_stoplist.yaml: missing section(s) ['never_link']; unknown section(s) ['never_lnk']
"""
from __future__ import annotations

import copy
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

# libyaml's C loader when PyYAML was built with it (safe, and several times faster), else the pure one.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# file -> its top-level sections ("version" where the file is versioned).
TOP_KEYS: dict[str, tuple[str, ...]] = {
    "boilerplate.yaml": ("version", "affiliate", "disclaimer", "image_description", "navigation"),
    "category_rules.yaml": ("version", "rules"),
    "claim_rules.yaml": ("version", "approval", "condition_anaphora", "dosage", "drug_anaphora", "efficacy",
                         "evidence", "mechanism", "outcomes", "safety", "usage", "usage_not_efficacy"),
    "cues.yaml": ("version", "cues", "terminators"),
    "ema_herbal_areas.yaml": ("version", "areas"),
    "frames.yaml": ("version", "evidence_basis", "population", "speech_act", "strength", "subject"),
    "intervention_types.yaml": ("version", "dietary_supplement_kinds", "exclude", "plant_parts", "plant_words",
                                "rules", "types"),
    "linker_stoplist.yaml": ("version", "never_link"),
    "ml_cues.yaml": ("version", "advice", "booster", "causal", "correlational", "hedge", "modal", "negation",
                     "study"),
    "nci_cam_statements.yaml": ("version", "grades", "lower", "summaries"),
    "normalize.yaml": ("version", "homoglyphs", "nfkc", "remove"),
    "realgold_schema.yaml": ("enums", "optional_frame_fields", "required_frame_fields"),
    "reference_filters.yaml": ("all_common_words_zipf", "ambiguous_abbreviations", "blocked_names",
                               "common_word_zipf", "drop_patterns", "max_length", "max_words",
                               "mesh_condition_tree_prefixes", "min_abbreviation_length",
                               "min_length", "stop_names"),
    "reference_lay_terms.yaml": ("conditions",),
    "reference_sources.yaml": ("sources",),
    "repodb_stop_reasons.yaml": ("version", "reasons"),
    "scorecard.yaml": ("version", "benefit_claim", "criteria", "treatment"),
    "verdict_policy.yaml": ("version", "article_voice", "background_study_cues", "correlational_designs",
                            "curable_conditions", "lab_designs", "lab_voice", "min_reference_flag_severity",
                            "reason_by_type", "reference_unweighed_speech_acts", "unflagged_speech_acts"),
}


# Files whose sections are read by iterating over them (each section is a kind of the same thing,
# named in the output), not by name.
ITERATED = frozenset({"boilerplate.yaml"})


class ResourceSchemaError(ValueError):
    """A resource file does not have the sections :data:`TOP_KEYS` lists."""


def check(name: str, data: Any) -> dict:
    """``data`` if it has exactly the sections of ``name``; else :class:`ResourceSchemaError`."""
    if name not in TOP_KEYS:
        raise ResourceSchemaError(f"{name}: no schema (add it to pipeline/resources/schema.py TOP_KEYS)")
    if not isinstance(data, dict):
        raise ResourceSchemaError(f"{name}: expected a mapping of sections, got {type(data).__name__}")
    want = set(TOP_KEYS[name])
    missing, unknown = sorted(want - set(data)), sorted(set(data) - want)
    if missing or unknown:
        parts = ([f"missing section(s) {missing}"] if missing else []) + \
                ([f"unknown section(s) {unknown}"] if unknown else [])
        raise ResourceSchemaError(f"{name}: " + "; ".join(parts))
    if "version" in want and data["version"] != 1:
        raise ResourceSchemaError(f"{name}: version must be 1, got {data['version']!r}")
    return data


def read_text(name: str) -> str:
    """The text of one resource file."""
    return resources.files("pipeline.resources").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def _load(name: str) -> dict:
    return check(name, yaml.load(read_text(name), Loader=LOADER))


def load_resource(name: str) -> dict:
    """Read one resource file and check its sections (parsed once per process; each caller gets its
    own copy)."""
    return copy.deepcopy(_load(name))
