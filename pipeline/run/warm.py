"""Prepare the cache a fast start reads: the reference snapshot, the linker vocabulary and the
numpy exports of the claim models (each is otherwise made by the first command that needs it).

Example:
    >>> from pipeline.run.warm import warm_cache
    >>> sorted(warm_cache(compiled=None))
    ['linker_names', 'models', 'reference']
"""
from __future__ import annotations

from ..ml.fast import load_fast_model
from ..nlp import get_nlp
from ..nlp.linker import vocab_summary
from ..reference import load_reference
from ..reference.store import _DEFAULT_COMPILED

_SCORING_MODELS = ("checkworthy", "strength")


def warm_cache(*, compiled=_DEFAULT_COMPILED) -> dict:
    """Load the reference, the pipeline and the scoring models once, writing what is missing.

    Args:
        compiled: the compiled reference to use (default the cache's; ``None``: curated only).

    Returns:
        ``{"reference": its content key, "linker_names": names in the vocabulary, "models": [names]}``.
    """
    ref = load_reference(compiled=compiled)
    nlp = get_nlp(ref)
    models = [type(load_fast_model(m)).__name__ + ":" + m for m in _SCORING_MODELS]
    return {"reference": ref.content_key, "linker_names": vocab_summary(nlp.get_pipe("overclaim_linker"))["names"],
            "models": models}
