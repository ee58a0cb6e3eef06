"""`shopcx desk …`: the complaint desk from the command line. `deadline` answers, for staff and scripts, when N
working minutes from a start are over under the shop's calendar (the same engine as the tickets' SLA clocks).
Exit codes: 0 done, 2 bad input (the message names the option), 1 the work failed."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from ..core import db
from ..core.errors import InvalidInput, NotFound, command_errors

desk_app = typer.Typer(no_args_is_help=True, help="Complaint desk: tickets, SLA deadlines on the shop's calendar.")
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add `shopcx desk` to the command line."""
    app.add_typer(desk_app, name="desk", help="Complaint desk: tickets, SLA deadlines on the shop's calendar.")


def _errors():
    """Business errors end the command with their one-line message (core.errors.command_errors)."""
    return command_errors(err)


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


def _shop_named(session, code: str):
    from ..shops import service as shops

    if not shops.shop_exists(session, code):
        raise NotFound("shop_not_found", f"--shop: no shop with code '{code}'", field="--shop")
    return shops.get_shop(session, code)


def _day(text: str):
    from datetime import date

    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise InvalidInput("invalid_date", f"--day: '{text}' is not a date (YYYY-MM-DD)", field="--day") from None


@desk_app.command()
def holiday(shop: str = typer.Option(..., "--shop", help="The shop's code."),
            day: str = typer.Option(..., "--day", help="The local date, YYYY-MM-DD."),
            hours: str = typer.Option("off", "--hours", help="'off', or HH:MM-HH:MM[,…] for a worked day (调休)."),
            note: str | None = typer.Option(None, "--note", help="Why (shown in the settings)."),
            remove: bool = typer.Option(False, "--remove", help="Take the day out of the table.")):
    """Enter (or remove) one day in the manager's holiday table; SLA clocks use it over the library's calendar."""
    from ..staff.service import Actor
    from .service import remove_holiday, set_holiday

    actor = Actor(label="cli", role="owner")
    with _errors():
        when = _day(day)
        with db.session_scope(write=True) as session:
            found = _shop_named(session, shop)
            if remove:
                removed = remove_holiday(session, found, when, actor=actor)
                line = f"{when} removed from {shop}'s holiday table" if removed else f"{when} was not in the table"
            else:
                row = set_holiday(session, found, when, hours, note=note, actor=actor)
                line = f"{when} in {shop}'s holiday table: {row.hours or 'off'}"
    err.print(line, soft_wrap=True, highlight=False)


@desk_app.command()
def holidays(shop: str = typer.Option(..., "--shop", help="The shop's code."),
             as_json: bool = typer.Option(False, "--json", help="Print one JSON object as the last line.")):
    """The manager's holiday table and the years whose calendar is not confirmed yet."""
    from ..core import clock
    from .service import holidays as table
    from .service import shop_calendar

    with _errors(), db.session_scope() as session:
        found = _shop_named(session, shop)
        rows = [{"day": h.day.isoformat(), "hours": h.hours or "off", "note": h.note} for h in table(session, found.id)]
        unconfirmed = list(shop_calendar(session, found).unconfirmed_years(clock.today_in(found.timezone)))
    if as_json:
        print(json.dumps({"shop": shop, "days": rows, "unconfirmed_years": unconfirmed}, ensure_ascii=False))
        return
    for row in rows:
        print(f"{row['day']}  {row['hours']:<24} {row['note'] or ''}")
    if unconfirmed:
        err.print(f"warning: the holidays of {', '.join(map(str, unconfirmed))} are not confirmed yet",
                  soft_wrap=True, highlight=False)


@desk_app.command("mail-in")
def mail_in(shop: str = typer.Option(..., "--shop", help="The shop mail is filed for (unless the address is "
                                     "anything+CODE@…)."),
            host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
            port: int = typer.Option(8025, "--port", help="SMTP port to listen on.")):
    """Run the local inbound SMTP endpoint: each mail becomes a ticket or a reply on the ticket it answers."""
    import time

    from .channels.smtp import controller

    with _errors(), db.session_scope() as session:
        _shop_named(session, shop)
    server = controller(host, port, shop)
    server.start()
    err.print(f"desk mail-in: listening on {host}:{port} for shop {shop} (Ctrl-C to stop)", highlight=False)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
