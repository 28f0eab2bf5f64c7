"""``overclaim serve`` and ``overclaim editors``: the editor review app's commands.

Registered on the main CLI by :func:`register`; heavy imports (FastAPI, SQLAlchemy) happen inside
the commands so ``overclaim --help`` stays fast.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

DB_HELP = "Review database: an SQLite file path or an SQLAlchemy URL (postgresql://user@host/db)."

editors_app = typer.Typer(help="Manage editor accounts of the review app.", no_args_is_help=True,
                          add_completion=False, rich_markup_mode=None)


def _fail(msg: str, code: int = 2) -> None:
    typer.echo(f"overclaim: {msg}", err=True)
    raise typer.Exit(code)


def serve_cmd(
    db: str = typer.Option("overclaim-review.sqlite3", "--db", help=DB_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    overlay: Optional[Path] = typer.Option(None, "--overlay",
                                           help="Editor overlay YAML that reference corrections are written to."),
    base_overlay: List[Path] = typer.Option([], "--base-overlay",
                                            help="Other overlays your audits use (loaded under --overlay)."),
    secure_cookies: bool = typer.Option(False, "--secure-cookies", help="Mark the session cookie Secure (HTTPS)."),
) -> None:
    """Start the editor review web app.

    Examples:

      overclaim audit corpora/samples --db reviews.sqlite3 --out out/

      overclaim editors add ana --db reviews.sqlite3

      overclaim serve --db reviews.sqlite3 --port 8000 --overlay reference-fixes.yaml

      overclaim serve --db postgresql://overclaim@127.0.0.1/overclaim --host 127.0.0.1
    """
    from ..errors import OverclaimError

    try:
        import uvicorn

        from .app import create_app
    except ImportError as e:
        _fail(f"the review app needs the 'review' extra: pip install 'overclaim[review]' ({e.name} missing)")
    try:
        app = create_app(db, overlay=overlay, base_overlays=tuple(str(p) for p in base_overlay),
                         secure_cookies=secure_cookies)
    except OverclaimError as e:
        _fail(str(e))
    if host not in ("127.0.0.1", "localhost", "::1") and not secure_cookies:
        typer.echo("overclaim: warning: listening beyond this machine without --secure-cookies; "
                   "put the app behind HTTPS", err=True)
    from .db import safe_url, db_url

    typer.echo(f"Overclaim review on http://{host}:{port}/ (database {safe_url(db_url(db))})", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


@editors_app.command("add")
def editors_add(
    name: str = typer.Argument(..., help="Username (2-64 letters, digits, _ . @ -)."),
    db: str = typer.Option("overclaim-review.sqlite3", "--db", help=DB_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    update: bool = typer.Option(False, "--update", help="Reset the password of an existing editor."),
) -> None:
    """Create an editor account (password asked twice, or read from standard input).

    Examples:

      overclaim editors add ana --db reviews.sqlite3

      printf '%s\\n' "$PASSWORD" | overclaim editors add ana --db reviews.sqlite3 --password-stdin
    """
    from ..errors import OverclaimError
    from .auth import add_editor
    from .store import ReviewDB

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        rdb = ReviewDB(db)
    except OverclaimError as e:
        _fail(str(e))
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

    from ..errors import OverclaimError
    from .db import Editor
    from .store import ReviewDB

    try:
        rdb = ReviewDB(db)
    except OverclaimError as e:
        _fail(str(e))
    with rdb.Session() as s:
        for ed in s.execute(select(Editor).order_by(Editor.username)).scalars():
            typer.echo(f"{ed.username}\t{'active' if ed.active else 'disabled'}\t{ed.created_at:%Y-%m-%d}")
    rdb.dispose()


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``editors`` to the main ``overclaim`` app."""
    app.command("serve")(serve_cmd)
    app.add_typer(editors_app, name="editors")
