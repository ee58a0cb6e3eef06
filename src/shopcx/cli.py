"""The `shopcx` command line."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console

from . import domains
from .core import db
from .core.settings import get_settings

app = typer.Typer(help="ShopCX: customer satisfaction and loyalty for online shops.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
console = Console(stderr=True)


# Commands that make the schema themselves (or need no database); every other one needs `shopcx init` first.
MAKES_SCHEMA = {"init", "demo", "restore"}
# Groups that check the schema themselves, since some of their commands read only files (`surveys model`,
# `reviews train --input`, `reviews classify`).
CHECKS_SCHEMA_ITSELF = {"surveys", "reviews"}


@app.callback()
def main(ctx: typer.Context,
         database_url: str | None = typer.Option(None, "--database-url", envvar="SHOPCX_DATABASE_URL",
                                                 help="SQLAlchemy URL; default SQLite in SHOPCX_DATA_DIR.")):
    """Point every command at one database."""
    if database_url:
        get_settings().database_url = database_url
    domains.install()
    asks_help = any(arg in ("--help", "-h") for arg in (*sys.argv[1:], *ctx.args))  # help needs no database
    if ctx.invoked_subcommand and ctx.invoked_subcommand not in MAKES_SCHEMA and not asks_help \
            and not ctx.resilient_parsing \
            and ctx.invoked_subcommand not in CHECKS_SCHEMA_ITSELF:
        require_schema()


def require_schema() -> None:
    """One line, not a traceback, when the database cannot be used yet."""
    from sqlalchemy.exc import SQLAlchemyError

    from .core.migrate import schema_problem

    try:
        engine = db.get_engine()
        problem = schema_problem(engine)
    except SQLAlchemyError as exc:
        console.print(f"[red]error:[/red] cannot open the database: {str(exc.orig or exc).splitlines()[0]}",
                      soft_wrap=True)
        raise typer.Exit(1) from None
    if problem:
        url = engine.url.render_as_string(hide_password=True)
        console.print(f"[red]error:[/red] the database {url} {problem}; run `shopcx init` first", soft_wrap=True)
        raise typer.Exit(1)


@app.command()
def init():
    """Create or upgrade the database schema (Alembic) and the default shop."""
    from .core.migrate import upgrade
    from .shops import service as shops

    upgrade(db.get_engine())
    settings = get_settings()
    with db.session_scope() as session:
        if not shops.list_shops(session):
            shops.create_shop(session, code="main", name="Main shop", timezone=settings.default_timezone,
                              currency=settings.default_currency)
    console.print(f"[green]database ready[/green] {db.get_engine().url.render_as_string(hide_password=True)}")


@app.command()
def stats(as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
          shop: str | None = typer.Option(None, help="Only this shop's code.")):
    """Counts and net revenue of what is stored."""
    from .orders import service as orders

    db.get_engine()
    with db.session_scope() as session:
        figures = orders.stats(session, shop_code=shop)
    if as_json:
        print(json.dumps(figures, ensure_ascii=False, default=str))
    else:
        for key, value in figures.items():
            console.print(f"{key:>24}  {value}")


for _face in domains.FACES:
    _face.register_cli(app)
