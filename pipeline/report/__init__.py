"""Report stage: records, JSON Schema, writers (JSONL, CSV, HTML) and terminal summary."""
from .records import SCHEMA_VERSION, article_record, claim_record, error_record, load_schema, validate_record
from .writer import AuditWriter, check_writable

__all__ = ["SCHEMA_VERSION", "article_record", "claim_record", "error_record", "load_schema", "validate_record",
           "AuditWriter", "check_writable"]
