"""`shopcx desk …`: the complaint desk from the command line. `deadline` answers, for staff and scripts, when N
working minutes from a start are over under the shop's calendar (the same engine as the tickets' SLA clocks).
Exit codes: 0 done, 2 bad input (the message names the option), 1 the work failed."""

from __future__ import annotations

import contextlib
import json

import typer
from rich.console import Console

from ..core import db
from ..core.errors import InvalidInput, NotFound, ShopCXError

desk_app = typer.Typer(no_args_is_help=True, help="Complaint desk: tickets, SLA deadlines on the shop's calendar.")
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add `shopcx desk` to the command line."""
    app.add_typer(desk_app, name="desk", help="Complaint desk: tickets, SLA deadlines on the shop's calendar.")


@contextlib.contextmanager
def _errors():
    """Business errors end the command with their one-line message: 2 for bad input or a refusal, 1 otherwise."""
    try:
        yield
    except ShopCXError as exc:
        err.print(f"[red]error:[/red] {exc.message}", soft_wrap=True, markup=True, highlight=False)
        raise typer.Exit(2 if exc.status < 500 else 1) from None


def parse_minutes(text: str) -> float:
    """--minutes: a number of working minutes, zero or more (whole minutes print without a decimal point)."""
    try:
        value = float((text or "").strip())
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise InvalidInput("invalid_minutes", f"--minutes: '{text}' is not a number of working minutes (0 or more)",
                           field="--minutes")
    return int(value) if value.is_integer() else value


@desk_app.command()
def deadline(shop: str = typer.Option(..., "--shop", help="The shop's code."),
             start: str = typer.Option(..., "--start", help="ISO time; without an offset, the shop's local time."),
             minutes: str = typer.Option(..., "--minutes", help="Working minutes until the deadline."),
             pause: list[str] = typer.Option([], "--pause", help="START/END: the clock stops in between (END empty: "
                                             "still paused). Repeatable."),
             hours: str | None = typer.Option(None, "--hours", help="HH:MM-HH:MM[,HH:MM-HH:MM]: daily working hours "
                                              "for this computation instead of the shop's."),
             as_json: bool = typer.Option(False, "--json", help="Print one JSON object as the last line.")):
    """The due time (ISO, in the shop's timezone) of N working minutes from START under the shop's calendar."""
    from ..shops import service as shops
    from .rules import deadline_answer, parse_instant, parse_pauses
    from .service import shop_calendar

    with _errors():
        need = parse_minutes(minutes)
        with db.session_scope() as session:
            if not shops.shop_exists(session, shop):
                raise NotFound("shop_not_found", f"--shop: no shop with code '{shop}'", field="--shop")
            calendar = shop_calendar(session, shops.get_shop(session, shop))
        if hours is not None:
            calendar = calendar.with_hours(hours)
        begin = parse_instant(start, calendar.timezone, option="--start")
        pauses = parse_pauses(pause, calendar.timezone, option="--pause")
        answer = {"shop": shop, **deadline_answer(calendar, begin, need, pauses)}
    for day in answer["unconfirmed_days"][:1]:
        count = len(answer["unconfirmed_days"])
        err.print(f"warning: {count} day(s) from {day} on are not in the official holiday calendar yet; "
                  "computed with the weekly hours and the manager's table", soft_wrap=True, highlight=False)
    if as_json:
        print(json.dumps(answer, ensure_ascii=False))
    elif answer["due_at"] is None:
        print("waiting: an open pause holds the clock; no due time until it ends")
    else:
        print(answer["due_at"])
