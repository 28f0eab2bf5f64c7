"""``python -m pipeline.cli``: the ``overclaim`` command."""
from .main import main

main()
