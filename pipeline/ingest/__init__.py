"""Ingest stage: files, folders, rows and standard input become :class:`~pipeline.types.Article` records.

Modules:
    ``reader``  readers for text, Markdown, HTML, JSONL and CSV, folder discovery and input errors.
"""
