"""`shopcx reviews ...` commands."""

from __future__ import annotations

import typer

reviews_app = typer.Typer(no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `shopcx reviews` to the command line."""
    app.add_typer(reviews_app, name="reviews", help="reviews commands.")
