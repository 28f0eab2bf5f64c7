"""Language processing: a blank English spaCy pipeline with scispacy's tokenizer and
abbreviation detector, and Overclaim's own components.

Components, in order:
    ``overclaim_sentences`` (sentence splitter for web text), ``overclaim_abbreviations``
    (scispacy's abbreviation detector with a faster candidate search), ``overclaim_linker`` (drug/condition mentions linked to the reference),
    ``overclaim_cues`` (hedges, boosters, negation and their scope).

The pipeline is built from its config, ``pipeline/resources/nlp.cfg`` (spaCy's config format), and
each component then loads its data in ``initialize()``. Nothing is loaded at import time;
:func:`get_nlp` builds the pipeline once per process.

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
from thinc.api import Config

from . import abbreviations as _abbreviations  # noqa: F401  (registers the factory)
from . import cues as _cues  # noqa: F401
from . import linker as _linker  # noqa: F401
from . import sentences as _sentences  # noqa: F401
from .extensions import register_extensions
from ..config import cache_dir
from ..reference import load_reference
from ..resources.schema import read_text

CONFIG = "nlp.cfg"

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
    register_extensions()
    # scispacy's abbreviation detector has an empty global matcher (W036 on every doc): harmless
    # noise for users.
    warnings.filterwarnings("ignore", message=r".*\[W036\].*'matcher'")
    config = Config().from_str(read_text(CONFIG))
    if not abbreviations:
        config["nlp"]["pipeline"] = [p for p in config["nlp"]["pipeline"] if p != "overclaim_abbreviations"]
        del config["components"]["overclaim_abbreviations"]
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    ref = reference if reference is not None else load_reference()
    # A large (compiled) vocabulary is cached on disk, keyed by a hash of its contents.
    settings = {"overclaim_linker": {"reference": ref, "cache_dir": _linker_cache() if len(ref.names) > 20000 else None}}
    for name, proc in nlp.pipeline:
        if hasattr(proc, "initialize"):
            proc.initialize(nlp=nlp, **settings.get(name, {}))
    return nlp


@spacy.registry.tokenizers("overclaim.scispacy_tokenizer.v1")
def scispacy_tokenizer():
    """scispaCy's rule tokenizer for biomedical text (``combined_rule_tokenizer``), as a config
    entry of ``nlp.cfg``."""
    from scispacy.custom_tokenizer import combined_rule_tokenizer

    def make(nlp: Language):
        # scispaCy reads the language's default tokenizer (its token_match), not yet set here
        nlp.tokenizer = spacy.registry.tokenizers.get("spacy.Tokenizer.v1")()(nlp)
        with warnings.catch_warnings():  # its regex triggers a harmless FutureWarning in re
            warnings.simplefilter("ignore", FutureWarning)
            return combined_rule_tokenizer(nlp)

    return make


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
