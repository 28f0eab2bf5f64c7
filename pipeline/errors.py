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


class ReferenceValidationError(ReferenceDataError):
    """Reference files or overlays break the schema; ``errors`` holds every problem, one line each
    (naming the file, the entry or row, and the field)."""

    code = "E203"

    def __init__(self, errors: list[str], *, hint: str | None = None) -> None:
        super().__init__("\n".join(errors), hint=hint or "schema in corpora/reference/README.md")
        self.errors = list(errors)

    def __str__(self) -> str:
        n = len(self.errors)
        return f"invalid reference data, {n} problem{'s' if n != 1 else ''}:\n" + "\n".join(
            f"  {e}" for e in self.errors)


class DataDirError(OverclaimError):
    """The shared data directory could not be found."""

    code = "E301"


class OutputError(OverclaimError):
    """The output folder cannot be written."""

    code = "E401"


class ModelError(OverclaimError):
    """A trained model is missing or fails its integrity check."""

    code = "E501"


# Exit statuses of the command line, and which error ends a command with which (the one place
# they are mapped): 2 usage, 3 unreadable inputs, 4 output or database, 5 invalid reference.
EXIT_USAGE = 2
EXIT_UNREADABLE = 3
EXIT_OUTPUT = 4
EXIT_REFERENCE = 5
_EXIT_OF = ((ReferenceError_, EXIT_REFERENCE), (OutputError, EXIT_OUTPUT), (InputError, EXIT_UNREADABLE),
            (OverclaimError, EXIT_OUTPUT))


def exit_status(error: BaseException) -> int:
    """The exit status a command ends with on ``error`` (usage errors for anything else).

    Example:
        >>> exit_status(ReferenceValidationError(["a.yaml entry 1 (drugs): name: missing"])), exit_status(ValueError())
        (5, 2)
    """
    for cls, status in _EXIT_OF:
        if isinstance(error, cls):
            return status
    return EXIT_USAGE
