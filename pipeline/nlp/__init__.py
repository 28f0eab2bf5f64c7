"""Language processing: a blank English spaCy pipeline with scispacy's tokenizer and
abbreviation detector, and Overclaim's own components.

Components, in order:
    ``overclaim_sentences`` (sentence splitter for web text), ``overclaim_abbreviations``
    (scispacy's abbreviation detector with a faster candidate search), ``overclaim_linker`` (drug/condition mentions linked to the reference),
    ``overclaim_cues`` (hedges, boosters, negation and their scope).

Nothing is loaded at import time; :func:`get_nlp` builds the pipeline once per process.

Example:
    >>> from pipeline.nlp import get_nlp
    >>> doc = get_nlp()("Baclofen is not approved for fibromyalgia syndrome (FMS).")
    >>> [(e.text, e.label_, e.kb_id_) for e in doc.ents]
    [('Baclofen', 'DRUG', 'rxcui:1292'), ('fibromyalgia syndrome', 'CONDITION', 'doid:631'), ('FMS', 'CONDITION', 'doid:631')]
"""
from __future__ import annotations

import threading
import warnings

import spacy
from spacy.language import Language

from . import abbreviations as _abbreviations  # noqa: F401  (registers the factory)
from . import cues as _cues  # noqa: F401
from . import linker as _linker  # noqa: F401
from . import sentences as _sentences  # noqa: F401
from .extensions import register_extensions
from ..config import cache_dir
from ..reference import load_reference

_LOCK = threading.Lock()
_NLP: dict[int, Language] = {}


def build_nlp(reference=None, *, abbreviations: bool = True) -> Language:
    """Build the Overclaim spaCy pipeline.

    Args:
        reference: a :class:`pipeline.reference.Reference` for the linker's vocabulary
            (default: :func:`pipeline.reference.load_reference`).
        abbreviations: include scispacy's abbreviation detector.

    Returns:
        A ``spacy.Language``.
    """
    from scispacy.custom_tokenizer import combined_rule_tokenizer


    register_extensions()
    # scispacy's abbreviation detector has an empty global matcher (W036 on every doc) and its
    # tokenizer regex triggers a FutureWarning in re: both harmless, both noise for users.
    warnings.filterwarnings("ignore", message=r".*\[W036\].*'matcher'")
    nlp = spacy.blank("en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        nlp.tokenizer = combined_rule_tokenizer(nlp)
    nlp.add_pipe("overclaim_sentences")
    if abbreviations:
        nlp.add_pipe("overclaim_abbreviations")
    linker = nlp.add_pipe("overclaim_linker")
    ref = reference if reference is not None else load_reference()
    # A large (compiled) vocabulary is cached on disk, keyed by a hash of its contents.
    big = len(ref.names) > 20000
    linker.set_reference_cached(ref, _linker_cache() if big else None)
    nlp.add_pipe("overclaim_cues")
    return nlp


def _linker_cache():
    try:
        return cache_dir()
    except OSError:
        return None


def get_nlp(reference=None) -> Language:
    """The process-wide pipeline for ``reference`` (built on first use)."""
    ref = reference if reference is not None else load_reference()
    key = id(ref)
    with _LOCK:
        nlp = _NLP.get(key)
        if nlp is None:
            nlp = build_nlp(ref)
            _NLP[key] = nlp
    return nlp
