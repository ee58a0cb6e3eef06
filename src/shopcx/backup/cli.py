"""`shopcx backup` and `shopcx restore`: the whole database to one checked file, and back."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..core.db import get_engine
from ..core.errors import ShopCXError
from . import service

err = Console(stderr=True, soft_wrap=True)


def _summary(manifest: service.Manifest) -> str:
    stats = manifest.fingerprint.get("stats") or {}
    tables = manifest.fingerprint.get("tables", {})
    return (f"{manifest.backend} backup of {manifest.created_at:%Y-%m-%d %H:%M} UTC: {stats.get('customers', 0):,} "
            f"customers, {stats.get('orders', 0):,} orders, {sum(tables.values()):,} rows in {len(tables)} tables")


def _confirm_with(yes: bool):
    def confirm(state: service.TargetState, manifest: service.Manifest) -> bool:
        newer = state.latest_change is not None and state.latest_change > manifest.created_at
        err.print(f"[yellow]The database holds {state.customers:,} customers and {state.orders:,} orders "
                  f"({state.rows:,} rows)" + (f", last changed {state.latest_change:%Y-%m-%d %H:%M} UTC: newer than "
                                              "the backup" if newer else "") + ".[/yellow]")
        err.print("Restoring replaces all of it (a safety backup is written first).")
        return yes or typer.confirm("Replace it with the backup?", default=False, err=True)

    return confirm


def register(app: typer.Typer) -> None:
    """Add `shopcx backup` and `shopcx restore` to the command line."""

    @app.command()
    def backup(to: Path | None = typer.Option(None, "--to", help="File to write; default "
                                              "SHOPCX_DATA_DIR/backups/shopcx-<UTC time>.shopcx-backup")):
        """Back up the whole database (consistent while the web app runs) to one file with a checked manifest."""
        destination = to or service.default_destination()
        try:
            with Progress(TextColumn("backup"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                          TimeElapsedColumn(), console=err, transient=True) as bar:
                task = bar.add_task("copy", total=None)
                manifest = service.create_backup(get_engine(), destination,
                                                 progress=lambda done, total: bar.update(task, completed=done,
                                                                                         total=total))
        except ShopCXError as exc:
            err.print(f"[red]error:[/red] {exc.message}", soft_wrap=True)
            raise typer.Exit(1) from None
        err.print(f"[green]backup written[/green] {destination} ({destination.stat().st_size:,} bytes)")
        err.print(_summary(manifest))
        if manifest.has_secret:
            err.print("[yellow]It contains this installation's secret key: keep it as safe as the database.[/yellow]")

    @app.command()
    def restore(path: Path = typer.Argument(..., help="A file written by `shopcx backup`"),
                yes: bool = typer.Option(False, "--yes", help="Replace a database that holds data without asking")):
        """Replace the database with a backup: checked first, a safety backup of what is there, verified after."""
        try:
            result = service.restore_backup(get_engine(), path, confirm=_confirm_with(yes))
        except ShopCXError as exc:
            err.print(f"[red]error:[/red] {exc.message}", soft_wrap=True)
            raise typer.Exit(1) from None
        err.print(f"[green]restored[/green] {_summary(result.manifest)}; the restored copy matches the backup's "
                  "row counts, stats and ledger sums")
        if result.safety_copy:
            err.print(f"what was there before is kept in {result.safety_copy}")
        if result.upgraded_from:
            err.print(f"the schema was brought up to date from revision {result.upgraded_from}")
        if result.secret == "kept":
            err.print("[yellow]This installation has its own secret key, different from the backup's: member and "
                      "survey links issued before the backup no longer verify.[/yellow]")
