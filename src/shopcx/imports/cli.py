"""`shopcx import orders|customers FILE`: run an import job with a progress bar, a summary and a reject report."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..core import db
from ..core.errors import ShopCXError
from ..core.settings import get_settings
from . import service
from .formats import ORDER_FORMATS, bundle

app = typer.Typer(no_args_is_help=True)
err = Console(stderr=True)
out = Console()


def _bad_argument(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", soft_wrap=True)
    return typer.Exit(2)


def _one_file(files: list[Path]) -> tuple[Path, str]:
    """The file to import and its name: several files (a 千牛 订单报表 and 宝贝报表) are packed into one zip."""
    for file in files:
        if not file.is_file():
            raise _bad_argument(f"file: {file} does not exist or is not a file")
    if len(files) == 1:
        return files[0], files[0].name
    folder = get_settings().data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    packed = bundle.pack(files, folder / f"{uuid.uuid4().hex[:12]}-cli.zip")
    return packed, " + ".join(file.name for file in files)


def _run(kind: str, files: list[Path], fmt: str, shop: str | None, dry_run: bool, rejects: Path | None) -> None:
    from ..core.db import get_engine as engine

    file, filename = _one_file(files)
    engine()
    # An earlier import killed with this terminal (or the machine) shows as interrupted, not running.
    service.mark_interrupted()
    try:
        with db.session_scope() as session:
            job_id = service.create_job(session, kind=kind, format=fmt, filename=filename, shop_code=shop,
                                        actor_label="cli", dry_run=dry_run).id
    except ShopCXError as exc:
        raise _bad_argument(exc.message) from None
    started = time.perf_counter()
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("lines"),
                  TimeElapsedColumn(), console=err, transient=False) as bar:
        task = bar.add_task(f"reading {filename}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, description=f"importing {filename}", completed=done, total=total or None)

        job = service.run_job(job_id, file, progress)
    seconds = time.perf_counter() - started
    if job.status != "done":
        err.print(f"[red]import failed:[/red] {job.error}", soft_wrap=True)
        raise typer.Exit(1)
    _summary(job, seconds, kind)
    _write_rejects(job, rejects)


def _summary(job, seconds: float, kind: str) -> None:
    title = f"import job {job.id}: {job.filename}"
    if job.dry_run:
        title += " (dry run: nothing stored; the figures are what it would store)"
    table = Table(title=title, show_header=True)
    names = ("would store", "unchanged", "would reject", "orders it would create", "customers it would create") \
        if job.dry_run else ("stored", "unchanged", "rejected", "orders created", "customers created")
    for column in (*names, "seconds", "lines/s"):
        table.add_column(column, justify="right")
    rate = job.processed_rows / seconds if seconds > 0 else 0
    table.add_row(f"{job.stored_rows:,}", f"{job.unchanged_rows:,}", f"{job.rejected_rows:,}",
                  f"{job.orders_created:,}" if kind == "orders" else "-", f"{job.customers_created:,}",
                  f"{seconds:.1f}", f"{rate:,.0f}")
    out.print(table)


def _write_rejects(job, path: Path | None) -> None:
    if path is None and job.rejected_rows == 0:
        err.print("no rejected lines")
        return
    if path is None:
        path = get_settings().data_dir / "imports" / f"import-{job.id}-rejects.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with db.session_scope() as session, open(path, "w", encoding="utf-8-sig", newline="") as handle:
        # UTF-8 with BOM so Excel shows Chinese reasons and raw lines correctly.
        for line in service.reject_report_csv(session, job.id):
            handle.write(line)
    err.print(f"{job.rejected_rows:,} rejected lines with their reasons: {path}", soft_wrap=True)


@app.command("orders")
def orders(files: list[Path] = typer.Argument(..., help="CSV, gzip CSV, XLSX or zip export; a 千牛 export's "
                                             "订单报表 and 宝贝报表 as two paths", show_default=False),
           format: str = typer.Option(..., "--format", "-f", help=f"One of {', '.join(ORDER_FORMATS)}"),
           shop: str | None = typer.Option(None, help="Shop code (default: the format's own shop)"),
           dry_run: bool = typer.Option(False, "--dry-run", help="Check the file and count; store nothing"),
           rejects: Path | None = typer.Option(None, help="Where to write the reject report CSV")):
    """Import an orders export; every line is stored, unchanged or rejected with its reason."""
    if format.strip().lower() not in ORDER_FORMATS:
        raise _bad_argument(f"--format: '{format}' is not one of {', '.join(ORDER_FORMATS)}")
    _run("orders", files, format, shop, dry_run, rejects)


@app.command("customers")
def customers(file: Path = typer.Argument(..., help="CSV, gzip CSV or XLSX customers file", show_default=False),
              shop: str | None = typer.Option(None, help="Shop code the identities belong to"),
              dry_run: bool = typer.Option(False, "--dry-run", help="Check the file and count; store nothing"),
              rejects: Path | None = typer.Option(None, help="Where to write the reject report CSV")):
    """Import customers (contacts, birthdays, tags, consent) from the generic customers file."""
    _run("customers", [file], "customers", shop, dry_run, rejects)


def register(root: typer.Typer) -> None:
    """Add `shopcx import …` to the command line."""
    root.add_typer(app, name="import", help="Import orders or customers from a file.")
