"""``overclaim serve`` and ``overclaim editors``: the editor review app's commands.

Registered on the main CLI by :func:`register`; heavy imports (FastAPI, SQLAlchemy) happen inside
the commands so ``overclaim --help`` stays fast.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import EXIT_ENVIRONMENT, OverclaimError, exit_status

DB_HELP = "Review database: an SQLite file path or an SQLAlchemy URL (postgresql://user@host/db)."

editors_app = typer.Typer(help="Manage editor accounts of the review app.", no_args_is_help=True,
                          add_completion=False, rich_markup_mode=None)


def _fail(msg: str, code: int = 2) -> None:
    for line in str(msg).splitlines() or [""]:
        typer.echo(f"overclaim: {line}", err=True)
    raise typer.Exit(code)


def _fail_on(e: Exception) -> None:
    """Report an error and exit with its status (:func:`pipeline.errors.exit_status`)."""
    _fail(str(e), exit_status(e))


def _open(db: str):
    from ..review.store import ReviewDB

    try:
        return ReviewDB(db)
    except OverclaimError as e:
        _fail_on(e)


def serve_cmd(
    db: str = typer.Option("overclaim-review.sqlite3", "--db", help=DB_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    overlay: Optional[Path] = typer.Option(None, "--overlay",
                                           help="Editor overlay YAML that reference corrections are written to."),
    base_overlay: List[Path] = typer.Option([], "--base-overlay",
                                            help="Other overlays your audits use (loaded under --overlay)."),
    secure_cookies: bool = typer.Option(False, "--secure-cookies", help="Mark the session cookie Secure (HTTPS)."),
    public_url: Optional[str] = typer.Option(None, "--public-url", envvar="OVERCLAIM_PUBLIC_URL",
                                             help="Public base URL of published ClaimReviews (their url is "
                                                  "<public-url>/claims/<id>, or {claim_id} in it is replaced); "
                                                  "without it the export leaves url out. Never taken from the "
                                                  "request."),
    proxy: Optional[str] = typer.Option(None, "--proxy", help="Address of a trusted reverse proxy: its "
                                        "X-Forwarded-For gives the client address that sign-in throttling counts."),
) -> None:
    """Start the editor review web app (refuses to start when an overlay is invalid: exit 5).

    Examples:

      overclaim audit corpora/samples --db reviews.sqlite3 --out out/

      overclaim editors add ana --db reviews.sqlite3

      overclaim serve --db reviews.sqlite3 --port 8000 --overlay reference-fixes.yaml

      overclaim serve --db postgresql://overclaim@127.0.0.1/overclaim --host 127.0.0.1

      overclaim serve --db reviews.sqlite3 --public-url https://factcheck.example.org --proxy 127.0.0.1
    """
    try:
        import uvicorn

        from ..review.app import create_app
    except ImportError as e:
        _fail(f"the review app needs the 'review' extra: pip install 'overclaim[review]' ({e.name} missing)",
              EXIT_ENVIRONMENT)
    try:
        app = create_app(db, overlay=overlay, base_overlays=tuple(str(p) for p in base_overlay),
                         secure_cookies=secure_cookies, public_url=public_url)
    except (OverclaimError, ValueError) as e:
        _fail_on(e)
    if host not in ("127.0.0.1", "localhost", "::1") and not secure_cookies:
        typer.echo("overclaim: warning: listening beyond this machine without --secure-cookies; "
                   "put the app behind HTTPS", err=True)
    from ..review.db import safe_url, db_url

    typer.echo(f"Overclaim review on http://{host}:{port}/ (database {safe_url(db_url(db))})", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=bool(proxy),
                forwarded_allow_ips=proxy or None)


@editors_app.command("add")
def editors_add(
    name: str = typer.Argument(..., help="Username (2-64 letters, digits, _ . @ -)."),
    db: str = typer.Option("overclaim-review.sqlite3", "--db", help=DB_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    update: bool = typer.Option(False, "--update", help="Reset the password of an existing editor."),
) -> None:
    """Create an editor account (password asked twice, or read from standard input). With
    --update the password is reset and every session of the editor ends.

    Examples:

      overclaim editors add ana --db reviews.sqlite3

      printf '%s\\n' "$PASSWORD" | overclaim editors add ana --db reviews.sqlite3 --password-stdin
    """
    from ..review.auth import add_editor

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    rdb = _open(db)
    try:
        with rdb.Session.begin() as s:
            add_editor(s, name, password, update=update)
    except ValueError as e:
        _fail(str(e))
    finally:
        rdb.dispose()
    typer.echo(f"editor {name} {'updated' if update else 'added'}")


@editors_app.command("list")
def editors_list(db: str = typer.Option("overclaim-review.sqlite3", "--db", help=DB_HELP)) -> None:
    """List editor accounts.

    Example:

      overclaim editors list --db reviews.sqlite3
    """
    from sqlalchemy import select

    from ..review.db import Editor

    rdb = _open(db)
    with rdb.Session() as s:
        for ed in s.execute(select(Editor).order_by(Editor.username)).scalars():
            state = "removed" if ed.removed_at else "active" if ed.active else "disabled"
            typer.echo(f"{ed.username}\t{state}\t{ed.created_at:%Y-%m-%d}")
    rdb.dispose()


def _change(db: str, fn, name: str):
    rdb = _open(db)
    try:
        with rdb.Session.begin() as s:
            return fn(s, name)
    except ValueError as e:
        _fail(str(e))
    finally:
        rdb.dispose()


@editors_app.command("disable")
def editors_disable(name: str = typer.Argument(..., help="Username."),
                    db: str = typer.Option("overclaim-review.sqlite3", "--db", help=DB_HELP)) -> None:
    """Disable an account: it cannot sign in, and every session it has ends at once.

    Example:

      overclaim editors disable ana --db reviews.sqlite3
    """
    from ..review.auth import set_active

    _change(db, lambda s, n: set_active(s, n, False), name)
    typer.echo(f"editor {name} disabled (signed out everywhere)")


@editors_app.command("enable")
def editors_enable(name: str = typer.Argument(..., help="Username."),
                   db: str = typer.Option("overclaim-review.sqlite3", "--db", help=DB_HELP)) -> None:
    """Enable a disabled account again (same password).

    Example:

      overclaim editors enable ana --db reviews.sqlite3
    """
    from ..review.auth import set_active

    _change(db, lambda s, n: set_active(s, n, True), name)
    typer.echo(f"editor {name} enabled")


@editors_app.command("remove")
def editors_remove(name: str = typer.Argument(..., help="Username."),
                   db: str = typer.Option("overclaim-review.sqlite3", "--db", help=DB_HELP),
                   yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")) -> None:
    """Remove an account: it can no longer sign in and its sessions end. An editor whose name is on
    decisions is kept as "removed" (no password) so the history still says who decided.

    Examples:

      overclaim editors remove carol --db reviews.sqlite3

      overclaim editors remove carol --db reviews.sqlite3 --yes
    """
    from ..review.auth import remove_editor

    if not yes:
        typer.confirm(f"Remove editor {name}?", abort=True)
    how = _change(db, remove_editor, name)
    typer.echo(f"editor {name} removed" + (" (kept as removed: decisions name it)" if how == "kept" else ""))


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``editors`` to the main ``overclaim`` app."""
    app.command("serve")(serve_cmd)
    app.add_typer(editors_app, name="editors")
