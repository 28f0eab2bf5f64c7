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

import textwrap


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


class UsageError(OverclaimError):
    """Options or arguments that do not fit together (what the option parser cannot check)."""

    code = "E002"


class DatabaseError(OverclaimError):
    """The review database cannot be opened or its schema upgraded."""

    code = "E402"


class WorkerError(OverclaimError):
    """The worker processes could not start (e.g. the reference is invalid)."""

    code = "E601"


class EngineError(OverclaimError):
    """An optional part a command needs is missing or cannot be reached: the Dask scheduler, an
    extra such as ``overclaim[dask]``."""

    code = "E602"


# -- Exit statuses: the one place errors are mapped to them -------------------------------------

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_USAGE = 2
EXIT_UNREADABLE = 3
EXIT_OUTPUT = 4
EXIT_REFERENCE = 5
EXIT_ENVIRONMENT = 6
EXIT_INTERRUPTED = 130

# What each status means, as ``overclaim --help`` and the README list them.
EXIT_MEANING = {
    EXIT_OK: "the command ran (flags are results, not failures)",
    EXIT_FOUND: "the command ran and found what it checks for: `regression --compare` differences; "
                "`reference consistency --strict` disagreements, `reference lookup` no match, "
                "`reference fetch` failed downloads",
    EXIT_USAGE: "usage error: bad option, argument or combination (UsageError, and errors that are not "
                "Overclaim's own)",
    EXIT_UNREADABLE: "an input could not be read (InputError; with `audit`, the rest was audited)",
    EXIT_OUTPUT: "the output folder or the review database cannot be written or opened (OutputError, "
                 "DatabaseError)",
    EXIT_REFERENCE: "the reference, an overlay or a curated file is invalid (ReferenceError_ and its "
                    "subclasses)",
    EXIT_ENVIRONMENT: "something the command needs is missing or unreachable: the shared data folder "
                      "(DataDirError), a trained model (ModelError), worker processes (WorkerError), "
                      "the Dask scheduler or an optional extra (EngineError)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); `audit --resume` continues the run",
}

# Every error class and the status a command ends with on it. A new error class goes here too:
# tests/test_exit_codes.py fails on a class without an entry.
EXIT_STATUS: dict[type, int] = {
    OverclaimError: EXIT_OUTPUT,  # never raised itself: every error raised has its own class
    UsageError: EXIT_USAGE,
    InputError: EXIT_UNREADABLE,
    OutputError: EXIT_OUTPUT,
    DatabaseError: EXIT_OUTPUT,
    ReferenceError_: EXIT_REFERENCE,
    ReferenceDataError: EXIT_REFERENCE,
    ReferenceValidationError: EXIT_REFERENCE,
    DataDirError: EXIT_ENVIRONMENT,
    ModelError: EXIT_ENVIRONMENT,
    WorkerError: EXIT_ENVIRONMENT,
    EngineError: EXIT_ENVIRONMENT,
}


def exit_status(error: BaseException) -> int:
    """The exit status a command ends with on ``error``: its class's entry in :data:`EXIT_STATUS`
    (the nearest one for a subclass defined elsewhere), 130 for Ctrl-C, and the usage status for
    anything else.

    Example:
        >>> exit_status(ReferenceValidationError(["a.yaml entry 1 (drugs): name: missing"])), exit_status(ValueError())
        (5, 2)
        >>> exit_status(InputError("empty file", path="a.txt")), exit_status(DataDirError("not found"))
        (3, 6)
    """
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    for cls in type(error).__mro__:
        if cls in EXIT_STATUS:
            return EXIT_STATUS[cls]
    return EXIT_USAGE


def exit_status_help(width: int = 78) -> str:
    """The exit statuses and their meanings, wrapped to ``width`` (for ``--help`` texts)."""
    return "\n".join(textwrap.fill(meaning, width, initial_indent=f"  {code:>3}  ", subsequent_indent=" " * 7)
                     for code, meaning in EXIT_MEANING.items())
