"""The ``overclaim`` command line: thin Typer wrappers over the importable functions.

Modules:
    ``main``       the app, ``audit``, ``check``, ``regression``; registers the others;
    ``run``        ``bench``;
    ``ml``         ``train``, ``strength``, ``eval``;
    ``reference``  ``reference build|stats|fetch|...``;
    ``review``     ``serve``, ``review-db``, ``export``.

Exit statuses come from one table, :data:`pipeline.errors.EXIT_STATUS`. The entry point is
:func:`pipeline.cli.main.main` (``python -m pipeline.cli`` runs it too).
"""
