"""`shopcx loyalty ...`: set up a shop's program, change and backtest its rules, award points for stored orders,
run the daily work, and read the liability and one member. Exit codes: 0 done, 2 bad input (the message names
the option or field), 1 the work failed."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..core import clock, db
from ..core.errors import command_errors
from ..core.money import format_minor
from ..staff.service import Actor

loyalty_app = typer.Typer(no_args_is_help=True, help="Loyalty program: rules, points, tiers, liability.")
err = Console(stderr=True)
CLI_ACTOR = Actor(label="cli", role="owner")
ShopOption = typer.Option(..., "--shop", help="The shop's code.")
JsonOption = typer.Option(False, "--json", help="Print one JSON object.")


def register(app: typer.Typer) -> None:
    """Add `shopcx loyalty` to the command line."""
    app.add_typer(loyalty_app, name="loyalty", help="Loyalty program: rules, points, tiers, liability.")


def _out() -> Console:
    return Console(soft_wrap=True)


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, default=str))


def _errors():
    """Business errors end the command with their one-line message (core.errors.command_errors)."""
    return command_errors(err)


def _start() -> None:
    from ..core.db import get_engine as engine

    engine()


def _read_config(path: Path) -> dict:
    if not path.is_file():
        err.print(f"[red]error:[/red] --config: {path} does not exist or is not a file", soft_wrap=True)
        raise typer.Exit(2)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        err.print(f"[red]error:[/red] --config: {path.name} is not UTF-8 JSON{where}", soft_wrap=True)
        raise typer.Exit(2) from None
    if not isinstance(data, dict):
        err.print(f"[red]error:[/red] --config: {path.name} must hold one JSON object (the rule set)", soft_wrap=True)
        raise typer.Exit(2)
    return data


def _active(session, shop_code: str):
    from ..core.errors import NotFound
    from ..shops import service as shops
    from .service.program.versions import active

    shop = shops.get_shop(session, shop_code)
    program = active(session, shop.id)
    if program is None:
        raise NotFound("no_program", f"--shop: {shop_code} has no published loyalty program; run "
                       f"`shopcx loyalty init --shop {shop_code}`")
    return program


def _bar() -> Progress:
    return Progress(TextColumn("[bold]{task.description:<14}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=False)


# --- program ------------------------------------------------------------------------------------------------------

@loyalty_app.command()
def init(shop: str = ShopOption, config: Path | None = typer.Option(None, "--config", help="A rule set as JSON; "
                                                                     "default: 普通/银卡/金卡/钻石, 1 point per yuan."),
         name: str | None = typer.Option(None, "--name", help="The program's name; default '<shop> 会员'.")):
    """Create the shop's loyalty program with its rules published."""
    from ..shops import service as shops
    from .service.program.versions import create_program

    document = _read_config(config) if config else None
    _start()
    with _errors(), db.session_scope(write=True) as session:
        program = create_program(session, shops.get_shop(session, shop), actor=CLI_ACTOR, name=name,
                                 config=document)
        line = f"program {program.name!r} created for {shop}, rules version {program.published_version} published"
    err.print(f"[green]{line}[/green]", soft_wrap=True)


@loyalty_app.command()
def show(shop: str = ShopOption, as_json: bool = JsonOption):
    """The program, its versions and the published tiers."""
    from ..shops import service as shops
    from .service.program import versions as programs

    _start()
    with _errors(), db.session_scope() as session:
        program = programs.require_program(session, shops.get_shop(session, shop).id)
        versions = [{"version": v.version, "status": v.status, "note": v.note, "created_at": v.created_at,
                     "created_by": v.created_by, "published_at": v.published_at} for v in
                    programs.versions(session, program)]
        config = programs.config_of(session, program) if program.published_version else None
        data = {"shop": shop, "name": program.name, "currency": program.currency, "is_active": program.is_active,
                "published_version": program.published_version, "versions": versions,
                "config": config.model_dump(mode="json") if config else None}
    if as_json:
        _print_json(data)
        return
    out = _out()
    out.print(f"[bold]{data['name']}[/bold] ({shop}, {data['currency']}), published version "
              f"{data['published_version']}")
    for v in versions:
        out.print(f"  v{v['version']:<3} {v['status']:<10} {v['created_by'] or '':<12} {v['note'] or ''}")
    if config:
        table = Table("tier", "name", "spend from", "orders from", "discount", "points ×", "free shipping")
        for t in config.tiers:
            table.add_row(t.code, t.name_zh, format_minor(t.min_spend_amount, data["currency"]), str(t.min_orders),
                          f"{t.discount_percent}%", f"{t.points_multiplier / 1000:g}", "yes" if t.free_shipping
                          else "")
        out.print(table)


@loyalty_app.command()
def draft(shop: str = ShopOption, config: Path = typer.Option(..., "--config", help="The rule set as JSON."),
          note: str | None = typer.Option(None, "--note", help="What changed, for the version history.")):
    """Store a rule set as the open draft (checked completely; errors name the field)."""
    from ..shops import service as shops
    from .service.program import versions as programs

    document = _read_config(config)
    _start()
    with _errors(), db.session_scope(write=True) as session:
        program = programs.require_program(session, shops.get_shop(session, shop).id)
        version = programs.save_draft(session, program, document, actor=CLI_ACTOR, note=note).version
    err.print(f"[green]draft version {version} saved[/green]; try `shopcx loyalty backtest --shop {shop}` before "
              f"`publish --version {version}`", soft_wrap=True)


@loyalty_app.command("backtest")
def run_backtest(shop: str = ShopOption,
                 config: Path | None = typer.Option(None, "--config", help="A rule set as JSON (not stored)."),
                 version: int | None = typer.Option(None, "--version", help="A stored version; default the draft."),
                 as_json: bool = JsonOption):
    """What a rule set would do to tiers and points liability over the stored history; writes nothing."""
    from .config import parse_config
    from .service.program import backtest
    from .service.program import versions as programs

    if config and version:
        err.print("[red]error:[/red] give --config or --version, not both")
        raise typer.Exit(2)
    document = _read_config(config) if config else None
    _start()
    with _errors(), db.session_scope() as session:
        program = _active(session, shop)
        if document is not None:
            candidate = parse_config(document)
        else:
            if version is None:
                found = [v.version for v in programs.versions(session, program.program) if v.status == "draft"]
                if not found:
                    err.print("[red]error:[/red] --version: there is no draft; save one with `draft` or name a "
                              "version", soft_wrap=True)
                    raise typer.Exit(2)
                version = found[0]
            candidate = programs.config_of(session, program.program, version)
        with err.status("backtesting over the stored history…"):
            result = backtest.run(session, program, candidate, today=clock.today_in(program.shop.timezone),
                                  candidate_version=version)
    if as_json:
        _print_json(result)
        return
    _print_backtest(result)


def _print_backtest(r: dict) -> None:
    out, cur = _out(), r["currency"]
    target = f"version {r['candidate_version']}" if r["candidate_version"] else "the given rules"
    out.print(f"[bold]Backtest of {target} against version {r['published_version']}[/bold], as of {r['as_of']}, "
              f"{r['members']:,} members")
    tiers = r["tiers"]
    table = Table("published \\ candidate", *[t["code"] for t in tiers["candidate"]], title="tier at a review today")
    for row, t in zip(tiers["matrix"], tiers["published"], strict=True):
        table.add_row(f"{t['code']} ({t['members']:,})", *[f"{n:,}" for n in row])
    out.print(table)
    out.print(f"up {tiers['up']:,}, down {tiers['down']:,}, unchanged {tiers['same']:,}")
    points = Table("points", "published", "candidate", "change", title="points kept (net of refunds)")
    for key in ("order", "first_order", "join", "birthday", "total"):
        p = r["points"][key]
        points.add_row(key, f"{p['published']:,}", f"{p['candidate']:,}", f"{p['delta']:+,}")
    out.print(points)
    li = r["liability"]
    out.print(f"liability: {format_minor(li['current_amount'], cur)} → {format_minor(li['candidate_amount'], cur)} "
              f"({'+' if li['delta_amount'] >= 0 else '−'}{format_minor(abs(li['delta_amount']), cur)})")


@loyalty_app.command()
def publish(shop: str = ShopOption, version: int = typer.Option(..., "--version", help="The draft to publish.")):
    """Make a draft version the rules in force (the previous one is retired, kept for history)."""
    from ..shops import service as shops
    from .service.program import versions as programs

    _start()
    with _errors(), db.session_scope(write=True) as session:
        program = programs.require_program(session, shops.get_shop(session, shop).id)
        programs.publish_version(session, program, version, actor=CLI_ACTOR)
    err.print(f"[green]version {version} published for {shop}[/green]")


# --- points and tiers ---------------------------------------------------------------------------------------------

@loyalty_app.command()
def sync(shop: str = ShopOption, as_json: bool = JsonOption):
    """Award points and tier activity for the shop's stored orders (safe to repeat: nothing is counted twice)."""
    from .jobs import sync_shop

    _start()
    with _errors(), db.session_scope() as session:
        shop_id = _active(session, shop).shop.id
    with _bar() as bar, _errors():
        task = bar.add_task("orders", total=None)
        done = sync_shop(shop_id, progress=lambda n, total: bar.update(task, completed=n, total=total))
    if as_json:
        _print_json({"shop": shop, "orders": done})
    else:
        err.print(f"[green]{done:,} members' orders reconciled[/green]")


@loyalty_app.command()
def daily(shop: str | None = typer.Option(None, "--shop", help="Only this shop; default every active program."),
          force_review: bool = typer.Option(False, "--force-review", help="Review every member's tier now."),
          as_json: bool = JsonOption):
    """Today's calendar work in each shop's timezone: activation, expiry, birthdays, referrals, tier reviews."""
    from .jobs import run_calendar
    from .service.daily import run_daily
    from .service.members.referrals import reward_due

    _start()
    results = []
    with _errors():
        if shop is None:
            with err.status("running the daily work of every program…"):
                results = [(code, asdict(result)) for code, result in run_calendar(force_review=force_review)]
        else:
            with db.session_scope(write=True) as session:
                program = _active(session, shop)
                today = clock.today_in(program.shop.timezone)
                result = run_daily(session, program, today, force_review=force_review)
                result.referrals += reward_due(session, program, today)  # see the report: belongs in run_daily
                results = [(shop, asdict(result))]
    if as_json:
        _print_json({code: result for code, result in results})
        return
    table = Table("shop", "activated", "points", "expired lots", "points", "birthdays", "referrals", "reviewed",
                  "tier changes")
    for code, r in results:
        table.add_row(code, f"{r['activated']:,}", f"{r['activated_points']:,}", f"{r['expired_lots']:,}",
                      f"{r['expired_points']:,}", f"{r['birthdays']:,}", f"{r['referrals']:,}", f"{r['reviewed']:,}",
                      f"{r['tier_changes']:,}")
    _out().print(table)


@loyalty_app.command("recompute-tiers")
def recompute_tiers(shop: str = ShopOption, batch: int = typer.Option(500, "--batch", min=1, max=10_000)):
    """Review every member's tier now (downgrades below the keep threshold, upgrades, floors), in batches."""
    from sqlalchemy import select

    from .models import LoyaltyAccount
    from .service.members import tiers

    _start()
    with _errors(), db.session_scope() as session:
        program = _active(session, shop)
        ids = list(session.scalars(select(LoyaltyAccount.id).where(LoyaltyAccount.program_id == program.program.id)
                                   .order_by(LoyaltyAccount.id)))
    changed = 0
    with _bar() as bar, _errors():
        task = bar.add_task("members", total=len(ids))
        for start in range(0, len(ids), batch):
            with db.session_scope(write=True) as session:
                program = _active(session, shop)
                today = clock.today_in(program.shop.timezone)
                for account in session.scalars(select(LoyaltyAccount).where(
                        LoyaltyAccount.id.in_(ids[start:start + batch])).order_by(LoyaltyAccount.id)):
                    changed += tiers.review(session, program, account, today)
            bar.update(task, completed=min(start + batch, len(ids)))
    err.print(f"[green]{len(ids):,} members reviewed, {changed:,} changed tier[/green]")


@loyalty_app.command()
def expire(shop: str = ShopOption, as_json: bool = JsonOption):
    """Expire the lots whose expiry day has begun in the shop's timezone (safe to repeat)."""
    from .service.daily import DailyResult, expire_due

    _start()
    result = DailyResult()
    with _errors(), db.session_scope(write=True) as session:
        program = _active(session, shop)
        today = clock.today_in(program.shop.timezone)
        expire_due(session, program, today, result)
    if as_json:
        _print_json({"as_of": today.isoformat(), "expired_lots": result.expired_lots,
                     "expired_points": result.expired_points})
    else:
        err.print(f"[green]{result.expired_lots:,} lots expired ({result.expired_points:,} points) as of "
                  f"{today}[/green]")


# --- reading ------------------------------------------------------------------------------------------------------

@loyalty_app.command()
def liability(shop: str = ShopOption, as_json: bool = JsonOption):
    """Outstanding points valued in money, what expires next month, breakage and the tier mix."""
    from .service.reports import liability as report

    _start()
    with _errors(), db.session_scope() as session:
        program = _active(session, shop)
        r = report(session, program, today=clock.today_in(program.shop.timezone))
    if as_json:
        _print_json(r)
        return
    cur = r["currency"]
    table = Table("", "points", "value", title=f"points liability of {shop} as of {r['as_of']}")
    table.add_row("available", f"{r['outstanding']['points']:,}", format_minor(r["outstanding"]["value_amount"], cur))
    table.add_row("pending", f"{r['pending']['points']:,}", format_minor(r["pending"]["value_amount"], cur))
    table.add_row("total", f"{r['total']['points']:,}", format_minor(r["total"]["value_amount"], cur))
    nxt = r["expiring_next_month"]
    table.add_row(f"expiring {nxt['from_on']}…{nxt['until_on']}", f"{nxt['points']:,}",
                  format_minor(nxt["value_amount"], cur))
    out = _out()
    out.print(table)
    b = r["breakage"]
    rate = "—" if b["per_mille"] is None else f"{b['per_mille'] / 10:.1f}%"
    out.print(f"breakage so far: {rate} ({b['expired_points']:,} expired, {b['redeemed_points']:,} redeemed)")
    out.print("tiers: " + ", ".join(f"{t['code']} {t['members']:,}" for t in r["tiers"]))


@loyalty_app.command()
def member(shop: str = ShopOption, customer: int = typer.Option(..., "--customer", help="The customer id."),
           entries: int = typer.Option(10, "--entries", min=0, max=200, help="How many ledger lines to show."),
           as_json: bool = JsonOption):
    """One member: tier and progress, balances, points expiring soon and the last ledger entries."""
    from .repository import member_history
    from .service.members.accounts import find_account
    from .service.reports import member_card

    _start()
    with _errors(), db.session_scope() as session:
        program = _active(session, shop)
        account = find_account(session, program.program.id, customer)
        if account is None:
            err.print(f"[red]error:[/red] --customer: customer {customer} is not a member of {shop}'s program")
            raise typer.Exit(2)
        card = member_card(session, program, account, today=clock.today_in(program.shop.timezone))
        rows, _ = member_history(session, account.id, page_size=max(1, entries)) if entries else ([], 0)
        card["entries"] = [{"at": e.created_at.isoformat(), "kind": e.kind, "reason": e.reason, "points": e.points,
                            "pending": e.pending_points, "note": e.note} for e in rows]
    if as_json:
        _print_json(card)
        return
    _print_member(card)


def _print_member(c: dict) -> None:
    out, p = _out(), c["progress"]
    out.print(f"[bold]{c['name'] or c['customer_id']}[/bold] — {c['tier']['name_zh']} ({c['tier']['code']}), "
              f"code {c['referral_code']}")
    out.print(f"balance {c['balance']:,} (worth {format_minor(c['balance_value_amount'], c['currency'])}), "
              f"pending {c['pending']:,}, expiring in {c['expiring_within_days']} days {c['expiring_points']:,}")
    out.print(f"window since {p['window_start_on']}: spend {format_minor(p['spend_amount'], c['currency'])}, "
              f"{p['orders']} orders; next review {p['next_review_on']}")
    if p["next_tier"]:
        n = p["next_tier"]
        out.print(f"to {n['code']}: {format_minor(n['spend_to_next_amount'], c['currency'])} more or "
                  f"{n['orders_to_next']} more orders")
    out.print(f"to keep {c['tier']['code']}: {format_minor(p['spend_to_keep_amount'], c['currency'])} or "
              f"{p['orders_to_keep']} orders")
    if c["entries"]:
        table = Table("at", "kind", "reason", "points", "pending", "note")
        for e in c["entries"]:
            table.add_row(e["at"][:16], e["kind"], e["reason"], f"{e['points']:+,}", f"{e['pending']:+,}",
                          e["note"] or "")
        out.print(table)
