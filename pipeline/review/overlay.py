"""Editors' corrections of reference entries, written to an overlay YAML file.

The overlay uses the curated reference format (``corpora/reference/README.md``). A corrected
entry keeps the id of the entry it corrects, so ``load_reference(overlays=[path])`` -- and
``overclaim audit --overlay PATH`` -- replace the wrong entry with the correction. The correction's
source is an inline, unverified ``review`` source naming the editor, the date and the reason.

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "editor-overlay.yaml"
    >>> e = write_correction(p, "approval:rxcui:1292:doid:631:FDA:oral", {"status": "approved"},
    ...                      reason="demo", editor="ana")
    >>> e["status"], e["source"]["citation_status"]
    ('approved', 'unverified')
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import yaml

from ..errors import OverclaimError
from ..reference import load_reference
from ..reference.model import APPROVAL_STATUSES, DIRECTIONS, GRADES
from ..reference.validate import kind_of, parse_yaml, read_text_file

_LOCK = threading.Lock()

# Fields an editor may correct, per table, with how to parse them.
CORRECTABLE: dict[str, dict[str, str]] = {
    "approvals": {"status": "choice:approval", "year": "int", "indication_text": "text"},
    "evidence": {"direction": "choice:direction", "grade": "choice:grade", "n_rcts": "int", "summary": "text"},
    "labels": {"max_daily_dose": "float", "max_daily_dose_unit": "text", "usual_start_dose": "text",
               "boxed_warning": "text", "withdrawal": "text", "pregnancy": "text"},
}
_KEEP = {
    "approvals": ("id", "drug", "condition", "regulator", "status", "route", "form", "year", "indication_text"),
    "evidence": ("id", "drug", "condition", "outcome", "direction", "grade", "n_rcts", "summary", "route"),
    "labels": ("id", "drug", "route", "max_daily_dose", "max_daily_dose_unit", "usual_start_dose", "boxed_warning",
               "withdrawal", "pregnancy", "interactions", "half_life", "mechanism", "adverse_effects"),
}
TABLE_OF_KIND = {"approval": "approvals", "evidence": "evidence", "label": "labels"}


def choices() -> dict[str, tuple[str, ...]]:
    return {"approval": tuple(APPROVAL_STATUSES), "direction": tuple(DIRECTIONS), "grade": tuple(GRADES)}


def table_of(entry_id: str) -> str:
    """``approvals``, ``evidence`` or ``labels`` from an entry id such as ``evidence:rxcui:1292:...``."""
    kind = entry_id.split(":", 1)[0]
    if kind not in TABLE_OF_KIND:
        raise ValueError(f"{entry_id}: only approval, evidence and label entries can be corrected")
    return TABLE_OF_KIND[kind]


def find_entry(ref, entry_id: str):
    """The approval, evidence or label entry with this id in a loaded reference (None if absent)."""
    table = table_of(entry_id)
    rows = ref.approvals if table == "approvals" else ref.evidence if table == "evidence" else \
        [x for rows in ref.labels.values() for x in rows]
    return next((r for r in rows if r.id == entry_id), None)


def parse_correction(entry_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Validate the corrected fields given for an entry (empty values are left out).

    Raises:
        ValueError: an unknown field, a value outside the schema's choices, a bad number, or nothing given.
    """
    table = table_of(entry_id)
    allowed = CORRECTABLE[table]
    ch = choices()
    out: dict[str, Any] = {}
    for k, v in fields.items():
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        if k not in allowed:
            raise ValueError(f"{k} cannot be corrected on {table} entries (fields: {', '.join(allowed)})")
        how = allowed[k]
        v = v.strip() if isinstance(v, str) else v
        if how.startswith("choice:"):
            opts = ch[how.split(":", 1)[1]]
            if v not in opts:
                raise ValueError(f"{k} must be one of {', '.join(opts)}")
        elif how == "int":
            try:
                v = int(v)
            except (TypeError, ValueError):
                raise ValueError(f"{k} must be a whole number") from None
            if v < 0:
                raise ValueError(f"{k} must not be negative")
        elif how == "float":
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise ValueError(f"{k} must be a number") from None
        out[k] = v
    if not out:
        raise ValueError("give the corrected value of at least one field")
    return out


def _load(path: Path, table: str) -> dict:
    """The overlay document to append to (ValueError naming the problem when it is malformed)."""
    if not path.exists():
        return {}
    text, problem = read_text_file(path)
    doc, problem = (None, problem) if problem else parse_yaml(str(path), text)
    if problem:
        raise ValueError(problem)
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: an overlay must be a mapping of tables, got {kind_of(doc)}")
    if not isinstance(doc.get(table) or [], list):
        raise ValueError(f"{path}: {table}: must be a list of entries, got {kind_of(doc[table])}")
    return doc


def _reference(overlays: list[str]):
    """The reference with these overlays (ValueError when they do not load)."""
    try:
        return load_reference(overlays, use_cache=False)
    except OverclaimError as e:
        raise ValueError(f"the overlays do not load, so nothing was written; fix them first: {e}") from None


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_correction(path: str | Path, entry_id: str, fields: dict[str, Any], *, reason: str, editor: str,
                     claim_id: str | None = None, base_overlays: tuple[str, ...] = ()) -> dict:
    """Append a corrected copy of reference entry ``entry_id`` to the overlay file ``path``.

    The entry is looked up in the reference as it stands with this overlay (so a second correction
    builds on the first); the file is rewritten atomically and re-loaded to check it; on any error
    the previous file is kept.

    Args:
        path: the overlay YAML file (created if missing).
        entry_id: an approval, evidence or label entry id (from a claim's evidence).
        fields: corrected values (see :data:`CORRECTABLE`).
        reason: what is wrong, in the editor's words (kept in the source note).
        editor: the editor's username.
        claim_id: the claim under review when the error was found.
        base_overlays: other overlays the audit uses, loaded before this one.

    Returns:
        The overlay entry written.

    Raises:
        ValueError: unknown entry, bad field values, a malformed overlay, or one that would no
            longer load (never anything else: the app answers 400 with the message).
    """
    path = Path(path)
    table = table_of(entry_id)
    corr = parse_correction(entry_id, fields)
    with _LOCK:
        overlays = [*base_overlays, str(path)] if path.exists() else list(base_overlays)
        ref = _reference(overlays)
        old = find_entry(ref, entry_id)
        if old is None:
            raise ValueError(f"{entry_id}: no such entry in the reference")
        d = old.to_dict()
        entry = {k: d.get(k) for k in _KEEP[table] if d.get(k) not in (None, [], "")}
        entry.update(corr)
        today = dt.date.today().isoformat()
        was = old.source.short() if getattr(old, "source", None) else "?"
        note = (f"Marked wrong by editor {editor} on {today}"
                + (f" while reviewing claim {claim_id}" if claim_id else "")
                + f". Corrects {entry_id} (was: {', '.join(f'{k}={d.get(k)!r}' for k in corr)}; source: {was}).")
        entry["source"] = {"kind": "review", "title": f"Editor correction: {reason.strip()[:300]}",
                           "issuer": "Overclaim editors", "citation_status": "unverified", "note": note}
        entry["date_checked"] = today
        doc = _load(path, table)
        before = path.read_text("utf-8") if path.exists() else None
        doc[table] = [*(doc.get(table) or []), entry]
        text = ("# Editor overlay of the Overclaim reference (format: corpora/reference/README.md).\n"
                "# Written by `overclaim serve`; later entries with the same id win.\n"
                + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100))
        _write_checked(path, text, before, [*base_overlays, str(path)], entry_id)
        return entry


def _write_checked(path: Path, text: str, before: str | None, overlays: list[str], entry_id: str) -> None:
    """Write the overlay and load it back; on any problem put the previous file back."""
    try:
        _atomic_write(path, text)
    except OSError as e:
        raise ValueError(f"{path}: correction not saved, the overlay cannot be written: {e.strerror or e}") from None
    try:
        if find_entry(_reference(overlays), entry_id) is None:
            raise ValueError("the corrected entry did not load")
    except ValueError as e:
        if before is None:
            path.unlink(missing_ok=True)
        else:
            _atomic_write(path, before)
        raise ValueError(f"{path}: correction not saved, the overlay would not load: {e}") from None
