"""The shop's business calendar for SLA clocks: its timezone and country, the desk's weekly hours and the
manager's holiday table, as a `core.calendar.WorkCalendar`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import clock
from ...core.calendar import WorkCalendar, format_hours, parse_hours
from ...core.errors import InvalidInput
from ...staff.service import Actor, audit
from ..models import DeskHoliday, DeskSettings

DEFAULT_WEEKLY = ("09:00-18:00",) * 5 + ("", "")


def settings_of(session: Session, shop_id: int, *, lock: bool = False) -> DeskSettings:
    """The shop's desk settings row (created with the defaults on first use); `lock` holds it until the
    transaction ends (PostgreSQL), so two tickets made at once do not both go to the same next agent."""
    query = select(DeskSettings).where(DeskSettings.shop_id == shop_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        row = DeskSettings(shop_id=shop_id, weekly_hours=list(DEFAULT_WEEKLY), confirmed_years=[])
        session.add(row)
        session.flush()
    return row


def shop_calendar(session: Session, shop) -> WorkCalendar:
    """The calendar the shop's SLA clocks run on: weekly hours (Mon–Fri 09:00–18:00 unless set), the country's
    holidays and 调休 (CN), and the manager's holiday table on top."""
    row = session.scalar(select(DeskSettings).where(DeskSettings.shop_id == shop.id))
    weekly = tuple(parse_hours(h, option=f"weekly_hours[{i}]") for i, h in
                   enumerate(row.weekly_hours if row and len(row.weekly_hours or ()) == 7 else DEFAULT_WEEKLY))
    overrides = {h.day: parse_hours(h.hours, option=f"holiday[{h.day.isoformat()}]") for h in
                 session.scalars(select(DeskHoliday).where(DeskHoliday.shop_id == shop.id))}
    key = (shop.timezone or "Asia/Shanghai", weekly, shop.country, tuple(sorted(overrides.items())),
           frozenset(row.confirmed_years if row else ()))
    found = _CALENDARS.get(key)
    if found is None:  # built once per distinct calendar: its working-time index is then reused by every ticket
        found = WorkCalendar(timezone=key[0], weekly=weekly, country=shop.country, overrides=overrides,
                             confirmed_years=key[4])
        if len(_CALENDARS) >= 64:
            _CALENDARS.clear()
        _CALENDARS[key] = found
    return found


_CALENDARS: dict[tuple, WorkCalendar] = {}


def set_weekly_hours(session: Session, shop, weekly: list[str], *, actor: Actor) -> DeskSettings:
    """The desk's hours for each weekday, Monday first ("" = off); errors name the weekday's field."""
    actor.require("desk:settings")
    if len(weekly) != 7:
        raise InvalidInput("invalid_hours", "weekly_hours: seven days of hours, Monday first", field="weekly_hours")
    parsed = [parse_hours(h, option=f"weekly_hours[{i}]") for i, h in enumerate(weekly)]
    cleaned = [format_hours(hours) if hours else "" for hours in parsed]
    row = settings_of(session, shop.id)
    before = list(row.weekly_hours)
    row.weekly_hours, row.updated_at = cleaned, clock.now()
    audit(session, actor, "desk.hours", "shop", shop.id, {"before": before, "after": cleaned})
    return row


def set_holiday(session: Session, shop, day: date, hours: str, *, actor: Actor, note: str | None = None) -> DeskHoliday:
    """Enter one day in the manager's table: '' or 'off' is a day off, 'HH:MM-HH:MM' a worked day (调休)."""
    actor.require("desk:settings")
    parsed = parse_hours(hours, option="hours")
    row = session.scalar(select(DeskHoliday).where(DeskHoliday.shop_id == shop.id, DeskHoliday.day == day))
    if row is None:
        row = DeskHoliday(shop_id=shop.id, day=day)
        session.add(row)
    row.hours, row.note = format_hours(parsed) if parsed else "", (note or "").strip()[:120] or None
    row.updated_by, row.updated_at = actor.label, clock.now()
    session.flush()
    audit(session, actor, "desk.holiday", "shop", shop.id, {"day": day.isoformat(), "hours": row.hours})
    return row


def remove_holiday(session: Session, shop, day: date, *, actor: Actor) -> bool:
    """Take a day out of the manager's table (the library's answer or the weekly hours apply again)."""
    actor.require("desk:settings")
    row = session.scalar(select(DeskHoliday).where(DeskHoliday.shop_id == shop.id, DeskHoliday.day == day))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    audit(session, actor, "desk.holiday_removed", "shop", shop.id, {"day": day.isoformat()})
    return True


def holidays(session: Session, shop_id: int) -> list[DeskHoliday]:
    """The manager's table, by day."""
    return list(session.scalars(select(DeskHoliday).where(DeskHoliday.shop_id == shop_id).order_by(DeskHoliday.day)))


def confirm_year(session: Session, shop, year: int, *, actor: Actor) -> DeskSettings:
    """The manager says every holiday and 调休 day of `year` is entered: its days are no longer unconfirmed."""
    actor.require("desk:settings")
    row = settings_of(session, shop.id)
    row.confirmed_years = sorted({*row.confirmed_years, int(year)})
    row.updated_at = clock.now()
    audit(session, actor, "desk.year_confirmed", "shop", shop.id, {"year": int(year)})
    return row
