"""`shopcx user …`: staff accounts and API tokens from the command line."""

from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console

from ..core import db
from ..core.errors import ShopCXError
from ..core.security import generate_password
from . import service
from .rules import ROLES, SCOPES

app = typer.Typer(no_args_is_help=True)
console = Console()


@app.command("create")
def create(username: str = typer.Argument(..., help="Sign-in name"),
           role: str = typer.Option("owner", help=f"One of {', '.join(ROLES)}"),
           password: Optional[str] = typer.Option(None, help="Leave out to generate one (printed once)."),
           display_name: Optional[str] = typer.Option(None, "--name"),
           email: Optional[str] = typer.Option(None),
           locale: str = typer.Option("zh", help="zh or en")):
    """Add a staff member."""
    from ..core.db import get_engine as engine

    engine()
    generated = password is None
    password = password or generate_password()
    try:
        with db.session_scope() as session:
            service.create_user(session, username=username, password=password, role=role,
                                display_name=display_name, email=email, locale=locale)
    except ShopCXError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    console.print(f"created {role} [bold]{username}[/bold]" + (f" with password [bold]{password}[/bold]"
                                                               if generated else ""))


@app.command("list")
def list_users():
    """List staff members."""
    from ..core.db import get_engine as engine

    engine()
    with db.session_scope() as session:
        for user in service.list_users(session):
            console.print(f"{user.id:>4}  {user.username:<20} {user.role:<11} {'active' if user.is_active else '-'}")


@app.command("token")
def token(name: str = typer.Argument(..., help="What the token is for"),
          scope: list[str] = typer.Option(..., "--scope", help=f"Repeat; any of {', '.join(SCOPES)}"),
          days: Optional[int] = typer.Option(None, help="Expires after this many days")):
    """Issue an API token (printed once)."""
    from ..core.db import get_engine as engine

    engine()
    try:
        with db.session_scope() as session:
            raw, _ = service.create_token(session, name=name, scopes=scope, actor=service.SYSTEM,
                                          expires_in_days=days)
    except ShopCXError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    print(raw)


def register(root: typer.Typer) -> None:
    """Add `shopcx user …` to the command line."""
    root.add_typer(app, name="user", help="Staff accounts and API tokens.")
