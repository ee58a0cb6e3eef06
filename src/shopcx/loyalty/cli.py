"""`shopcx loyalty ...` commands."""

from __future__ import annotations

import typer

loyalty_app = typer.Typer(no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `shopcx loyalty` to the command line."""
    app.add_typer(loyalty_app, name="loyalty", help="loyalty commands.")
