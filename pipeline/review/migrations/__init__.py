"""Alembic migrations of the review database (run by :func:`pipeline.review.db.migrate`)."""
