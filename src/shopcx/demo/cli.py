"""`shopcx demo`: generate the demo shop into the chosen database and print how to sign in."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from .service import DemoResult


def _report(out: Console, result: DemoResult) -> None:
    from rich.table import Table

    from ..core.money import format_minor
    from ..core.settings import get_settings

    s = result.summary
    if result.deleted:
        out.print(f"deleted the previous demo data: {result.deleted}")
    out.print(f"[bold]Demo shop '{result.shop_code}'[/bold]  seed {s['seed']}, {s['from']} … {s['until']} "
              f"(exclusive; pass --until {s['until']} to reproduce it exactly)")
    out.print(f"  {s['customers']:,} customers ({s['buyers']:,} buyers) · {s['orders']:,} orders · "
              f"repeat rate {s['repeat_rate_pct']}% · late {s['late_pct']}% · damaged {s['damaged_pct']}% · "
              f"{s['refunds']:,} refunds ({s['refunded_orders_pct']}% of paid orders) · net "
              f"{format_minor(s['net_revenue_minor'], s['currency'])} · {s['reviews']:,} reviews "
              f"(好评率 {s['good_rate_pct']}%)")
    settings = get_settings()
    out.print(f"\nSign in at http://{settings.host}:{settings.port}/ once `shopcx serve` says the server is "
              "ready:")
    table = Table(show_header=True, header_style="bold", box=None)
    for column in ("role", "username", "password"):
        table.add_column(column)
    for role, username, password in result.staff:
        table.add_row(role, username, password or "(unchanged; --reset gives a new one)")
    out.print(table)
    if any(p for _, _, p in result.staff):
        out.print("The passwords are shown only this once.")


def _new_owner_password(shop_code: str) -> None:
    """Give the kept demo's owner a new generated password, so every `make demo` prints a working login."""
    from ..core import db
    from ..core.security import generate_password
    from ..core.settings import get_settings
    from ..staff import service as staff
    from ..staff.models import StaffUser
    from .writer import demo_usernames

    username = demo_usernames(shop_code)["owner"]
    password = generate_password()
    with db.session_scope() as session:
        user = session.query(StaffUser).filter_by(username=username).one_or_none()
        if user is None:
            return
        staff.set_password(session, user, password, actor=staff.SYSTEM)
    settings = get_settings()
    Console(soft_wrap=True).print(f"Sign in at http://{settings.host}:{settings.port}/ (once the server is ready) "
                                  f"as [bold]{username}[/bold] with the new password [bold]{password}[/bold] "
                                  "(shown only this once).")


def _bar(err: Console):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=False)


def _award_points(err: Console, shop_code: str) -> None:
    """Replay the history into the loyalty ledger now (points and tiers dated when they happened), then hand the
    remaining events to their handlers, rather than after the server starts."""
    from sqlalchemy import func, select

    from ..core import db, jobs
    from ..loyalty.jobs import sync_shop
    from ..loyalty.models import LoyaltyAccount
    from ..shops import service as shops

    with db.session_scope() as session:
        shop_id = shops.get_shop(session, shop_code).id
    with _bar(err) as bar:
        task = bar.add_task("loyalty", total=None)
        sync_shop(shop_id, progress=lambda done, total: bar.update(task, completed=done, total=total))
    with err.status("handling the demo's events (loyalty calendar, reviews) …"):
        jobs.dispatch_outbox()
    with db.session_scope() as session:
        members, points = session.execute(select(func.count(LoyaltyAccount.id),
                                                 func.coalesce(func.sum(LoyaltyAccount.balance), 0))
                                          .where(LoyaltyAccount.shop_id == shop_id)).one()
    Console(soft_wrap=True).print(f"loyalty: {members:,} members hold {int(points):,} points")


def first_analysis(shop_code: str, progress=None, *, again: bool = True) -> object | None:
    """A customer-value snapshot of the new demo (with again=False: only when there is none yet), so the 客户价值
    pages start filled: over all shops (what the pages show), or the demo shop alone when currencies differ."""
    from ..core import db
    from ..core.errors import ShopCXError
    from ..insights import service as insights
    from ..insights.service.analysis import run_analysis

    if not again:
        with db.session_scope() as session:
            if insights.latest_run(session) is not None:
                return None
    try:
        return run_analysis(progress=progress)
    except ShopCXError:  # mixed currencies across shops
        return run_analysis(shop_code=shop_code, progress=progress)


def _analyse(err: Console, shop_code: str, *, again: bool = True) -> None:
    from ..insights.service.analysis import STEPS

    with _bar(err) as bar:
        task = bar.add_task("analysis", total=len(STEPS))
        run = first_analysis(shop_code, lambda step, done, total: bar.update(task, completed=done, total=total),
                             again=again)
    if run is None:
        return
    if run.status == "done":
        Console(soft_wrap=True).print(f"customer value: {run.customers:,} customers scored as of {run.as_of_on}")
    else:
        err.print(f"[yellow]the first customer-value analysis failed ({run.error}); run `shopcx analyze`[/yellow]")


def register(app: typer.Typer) -> None:
    """Add `shopcx demo` to the command line."""

    @app.command()
    def demo(seed: int = typer.Option(7, help="Random seed; the same seed and --until give the same shop."),
             customers: int = typer.Option(3000, help="How many customers (10–200,000)."),
             years: int = typer.Option(2, help="Years of history before --until (1–10)."),
             shop: str = typer.Option("demo", help="Code of the shop to fill (created if missing)."),
             until: str | None = typer.Option(None, help="YYYY-MM-DD; the history ends at the midnight that "
                                              "starts this day. Default: today in the shop's timezone."),
             reset: bool = typer.Option(False, "--reset", help="Delete this shop's demo data first and give "
                                        "the sample staff new passwords."),
             skip_existing: bool = typer.Option(False, "--skip-existing", help="If the shop already has "
                                                "orders, keep them and exit with success (make demo).")):
        """Generate a demo shop (customers, orders, shipments, refunds, reviews) and sample staff for each role."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
        from sqlalchemy.exc import IntegrityError

        from ..core import db
        from ..core.db import get_engine as engine
        from ..core.errors import ShopCXError
        from ..core.migrate import upgrade
        from .service import build_demo

        err = Console(stderr=True)
        if reset and skip_existing:
            err.print("[red]--reset and --skip-existing contradict each other; choose one.[/red]")
            raise typer.Exit(2)
        upgrade(engine())
        columns = (TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())
        try:
            with Progress(*columns, console=err, transient=False) as bar:
                tasks = {what: bar.add_task(what, total=None, visible=False)
                         for what in ("generate", "customers", "orders", "reviews")}

                def tick(what: str, n: int, total: int) -> None:
                    bar.update(tasks[what], total=total, advance=n, visible=True)

                with db.session_scope() as session:
                    result = build_demo(session, seed=seed, customers=customers, years=years, shop_code=shop,
                                        until=until, reset=reset, progress=tick)
        except ShopCXError as exc:
            if skip_existing and exc.code == "demo_exists":
                err.print(f"[yellow]keeping the existing demo shop '{shop}' (`shopcx demo --reset` generates "
                          "it again).[/yellow]")
                _analyse(err, shop, again=False)
                _new_owner_password(shop)
                return
            err.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(2) from None
        except IntegrityError as exc:  # e.g. --reset while tickets or points refer to demo rows
            err.print(f"[red]the database refused the demo data ({exc.orig}). After --reset this means other "
                      "records (tickets, points …) still refer to the old demo shop.[/red]")
            raise typer.Exit(2) from None
        _award_points(err, result.shop_code)
        _analyse(err, result.shop_code)
        _report(Console(soft_wrap=True), result)
