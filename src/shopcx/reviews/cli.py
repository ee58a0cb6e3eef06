"""`shopcx reviews ...` commands: import a review file, show a shop's DSR and its forecast, analyse texts."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ..core.spreadsheet import csv_row

reviews_app = typer.Typer(no_args_is_help=True)
err = Console(stderr=True)
SHOWN_REJECTS = 20
NEEDS_NO_DATABASE = {"train", "classify"}  # a file in, a model file out (train --shop checks the schema itself)


@reviews_app.callback()
def _group(ctx: typer.Context) -> None:
    """The root command leaves the schema check to this group (see shopcx.cli.CHECKS_SCHEMA_ITSELF)."""
    if ctx.invoked_subcommand not in NEEDS_NO_DATABASE and not ctx.resilient_parsing:
        from ..cli import require_schema

        require_schema()


def register(app: typer.Typer) -> None:
    """Add `shopcx reviews` to the command line."""
    app.add_typer(reviews_app, name="reviews", help="Reviews and shop ratings: import, DSR, text analysis.")


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", soft_wrap=True, markup=True, highlight=False)
    return typer.Exit(code)


def _shop_for(session, code: str | None, platform: str):
    """The shop named, or the only shop on the platform."""
    from ..core.errors import InvalidInput
    from ..shops import service as shops

    if code:
        return shops.get_shop(session, code)
    candidates = [s for s in shops.list_shops(session) if s.platform == platform]
    if len(candidates) != 1:
        raise InvalidInput("shop_required", f"--shop: {len(candidates)} shops are on {platform}; name one with "
                           "--shop CODE", field="shop")
    return candidates[0]


@reviews_app.command("import")
def import_file(file: Path = typer.Argument(..., help="CSV, gzip CSV or XLSX review export", show_default=False),
                platform: str = typer.Option(..., "--platform", "-p", help="taobao, tmall, jd, pinduoduo, ..."),
                shop: str | None = typer.Option(None, "--shop", help="Shop code (default: the only shop on the "
                                                "platform)"),
                dry_run: bool = typer.Option(False, "--dry-run", help="Check and count; store nothing"),
                rejects: Path | None = typer.Option(None, "--rejects", help="Write rejected lines to this CSV"),
                as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object")):
    """Import reviews; every line is created, updated, unchanged or rejected with its line number and reason."""
    from ..core import db
    from ..core.db import get_engine as engine
    from ..core.errors import ShopCXError
    from ..staff.service import Actor
    from .service.importer import import_reviews

    if not file.is_file():
        raise _fail(f"file: {file} does not exist or is not a file")
    engine()
    try:
        with db.session_scope(write=True) as session:
            target = _shop_for(session, shop, platform.strip().lower())
            report = import_reviews(session, file, shop=target, platform=platform, actor=Actor(label="cli"),
                                    dry_run=dry_run)
    except ShopCXError as exc:
        raise _fail(exc.message) from None
    if rejects is not None:
        rejects.parent.mkdir(parents=True, exist_ok=True)
        with open(rejects, "w", encoding="utf-8-sig", newline="") as handle:  # BOM: Excel shows the Chinese
            writer = csv.writer(handle)
            writer.writerow(["line", "column", "reason"])
            writer.writerows(csv_row(reject) for reject in report.rejects)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    out = Console()
    title = f"{report.file} → shop {report.shop} ({report.platform})" + (" — dry run, nothing stored"
                                                                          if report.dry_run else "")
    table = Table(title=title)
    for column in ("lines", "created", "updated", "unchanged", "revised", "cases opened", "rejected"):
        table.add_column(column, justify="right")
    table.add_row(*(f"{n:,}" for n in (report.lines, report.created, report.updated, report.unchanged,
                                       report.revised, report.cases_opened, report.rejected)))
    out.print(table)
    for _, _, reason in report.rejects[:SHOWN_REJECTS]:
        err.print(reason, soft_wrap=True, markup=False, highlight=False)
    if report.rejected > SHOWN_REJECTS:
        err.print(f"… and {report.rejected - SHOWN_REJECTS:,} more" + ("" if rejects else " (use --rejects FILE)"))


@reviews_app.command("dsr")
def dsr(shop: str = typer.Option(..., "--shop", help="Shop code"),
        as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD; default today in the shop's timezone"),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object")):
    """The shop's DSR over 180 days against its benchmarks, and the 30-day forecast."""
    from ..core import db
    from ..core.db import get_engine as engine
    from ..core.errors import ShopCXError
    from ..shops import service as shops
    from . import service

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise _fail(f"--as-of: '{as_of}' is not a date (YYYY-MM-DD)") from None
    engine()
    try:
        with db.session_scope() as session:
            target = shops.get_shop(session, shop)
            summary = service.dsr_summary(session, target, as_of=day)
            outlook = service.dsr_forecast(session, target, as_of=day)
    except ShopCXError as exc:
        raise _fail(exc.message) from None
    if as_json:
        print(json.dumps({"summary": summary, "forecast": outlook}, ensure_ascii=False))
        return

    def num(value, digits=3):
        return "—" if value is None else f"{value:.{digits}f}"

    table = Table(title=f"DSR of {shop}, 180 days to {summary['as_of']} (forecast {outlook['horizon_days']} days)")
    for column in ("dimension", "ratings", "DSR", "benchmark", "gap %", "leaving", "DSR after", "5★ to +0.1"):
        table.add_column(column, justify="right")
    for s, f in zip(summary["dimensions"], outlook["dimensions"], strict=True):
        table.add_row(s["dimension"], f"{s['count']:,}", num(s["mean"]), num(s["benchmark"], 2),
                      num(s["gap_pct"], 2), f"{f['leaving_count']:,}", num(f["mean_after"]),
                      "—" if f["fives_to_gain"] is None else f"{f['fives_to_gain']:,}")
    Console().print(table)


@reviews_app.command("analyze")
def analyze(limit: int = typer.Option(10_000, help="At most this many reviews (not with --again)"),
            again: bool = typer.Option(False, "--again", help="Analyse every stored review with text again with "
                                       "the current analyser (after training a model)"),
            shop: str | None = typer.Option(None, "--shop", help="With --again: only this shop's reviews")):
    """Analyse the text of reviews stored without analysis (polarity, drivers, hidden dissatisfaction)."""
    from ..core.db import get_engine as engine
    from .jobs import analyze_pending

    if shop and not again:
        raise _fail("--shop: only with --again (reviews never analysed are analysed for every shop)")
    engine()
    if again:
        _analyze_again(shop)
        return
    err.print(f"analysed {analyze_pending(limit):,} reviews")


def _analyze_again(shop_code: str | None) -> None:
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..core import db
    from ..core.errors import ShopCXError
    from ..shops import service as shops
    from .jobs import reanalyze
    from .text import default_model_path

    shop_id = None
    if shop_code:
        try:
            with db.session_scope() as session:
                shop_id = shops.get_shop(session, shop_code).id
        except ShopCXError as exc:
            raise _fail(exc.message) from None
    path = default_model_path()
    using = f"model {path}" if path.is_file() else "the untrained default (SnowNLP + lexicon)"
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("analyse again", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        done = reanalyze(shop_id, on_progress=progress)
    err.print(f"analysed {done:,} reviews again with {using} in {time.perf_counter() - started:.1f} s",
              soft_wrap=True, highlight=False)


from .text.cli import register as _register_text  # noqa: E402

_register_text(reviews_app)
