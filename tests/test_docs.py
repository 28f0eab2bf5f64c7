"""The examples in the package's docstrings run and give what they show."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import pipeline

SKIP = {"pipeline.review.migrations.env",  # Alembic's env script only runs inside Alembic
        "pipeline.cli.__main__"}  # runs the command line when imported


def _modules():
    for info in pkgutil.walk_packages(pipeline.__path__, "pipeline."):
        if info.name not in SKIP and ".migrations.versions." not in info.name:
            yield info.name


@pytest.mark.parametrize("name", sorted(_modules()))
def test_docstring_examples(name):
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert res.failed == 0, f"{name}: {res.failed} of {res.attempted} docstring examples failed"
