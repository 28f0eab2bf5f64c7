"""Editor review: a web app over a database of audit runs (``overclaim audit --db``, ``overclaim serve``).

Modules: :mod:`.db` (models, migrations), :mod:`.store` (the audit sink, decisions with optimistic
concurrency), :mod:`.auth` (argon2 passwords), :mod:`.overlay` (reference corrections),
:mod:`.export` (CSV, ClaimReview JSON-LD), :mod:`.app` (FastAPI), :mod:`.cli` (commands).
"""
