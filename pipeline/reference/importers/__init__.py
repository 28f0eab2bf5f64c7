"""Importers of the open reference sources (one module per family of sources)."""
