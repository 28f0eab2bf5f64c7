"""Exception classes users can catch, each with a stable error code.

Every error says what went wrong and what to do about it. Catch
:class:`OverclaimError` to handle all of them.

Example:
    >>> from pipeline.errors import InputError
    >>> try:
    ...     raise InputError("empty file", path="a.txt")
    ... except InputError as e:
    ...     print(e.code, e)
    E101 a.txt: empty file
"""
from __future__ import annotations


class OverclaimError(Exception):
    """Base class of all Overclaim errors."""

    code = "E000"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message + (f" ({self.hint})" if self.hint else "")


class InputError(OverclaimError):
    """An article or input file could not be read (names the file and row)."""

    code = "E101"

    def __init__(self, message: str, *, path: str | None = None, row: int | None = None,
                 hint: str | None = None) -> None:
        where = path or "<input>"
        if row is not None:
            where += f" row {row}"
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.row = row
        self.reason = message


class ReferenceError_(OverclaimError):
    """The curated or compiled reference is invalid (names file and entry)."""

    code = "E201"


class ReferenceDataError(ReferenceError_):
    """A reference file has a bad entry."""

    code = "E202"


class DataDirError(OverclaimError):
    """The shared data directory could not be found."""

    code = "E301"


class OutputError(OverclaimError):
    """The output folder cannot be written."""

    code = "E401"


class ModelError(OverclaimError):
    """A trained model is missing or fails its integrity check."""

    code = "E501"
