"""How values look on a page: local times, money from minor units, masked contacts, delivery badges."""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..core import clock
from ..core.i18n import lunar_date_label
from ..core.money import format_minor
from ..core.security import mask_email, mask_phone, mask_text  # noqa: F401  (mask_text: re-exported)
from ..core.settings import get_settings


def _zone(tz: str | None) -> ZoneInfo:
    return ZoneInfo(tz or get_settings().default_timezone)


def local_datetime(value: datetime | None, tz: str | None = None) -> str:
    """An instant as 'YYYY-MM-DD HH:MM' in the shop's timezone."""
    if value is None:
        return "—"
    return clock.as_utc(value).astimezone(_zone(tz)).strftime("%Y-%m-%d %H:%M")


def local_date(value: datetime | date | None, tz: str | None = None) -> str:
    """A date, or an instant's date in the shop's timezone."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = clock.as_utc(value).astimezone(_zone(tz)).date()
    return value.isoformat()


def finite(value) -> float | None:
    """value as a finite float, or None (None, NaN, infinity, text that is not a number)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def percent(value, digits: int = 1) -> str:
    """A share (0.425) as '42.5%'; '—' when unknown."""
    number = finite(value)
    return "—" if number is None else f"{100 * number:.{digits}f}%"


def money(amount: int | None, currency: str | None) -> str:
    """Minor units as '¥1,234.50'."""
    if amount is None:
        return "—"
    return format_minor(int(amount), currency or get_settings().default_currency)


def number(value: int | None) -> str:
    """An integer with thousands separators."""
    return "—" if value is None else f"{value:,}"


def shown_phone(phone: str | None, reveal: bool) -> str:
    """The phone in full for roles with 'pii', masked for the others."""
    return (phone if reveal else mask_phone(phone)) or "—"


def shown_email(email: str | None, reveal: bool) -> str:
    """The email in full for roles with 'pii', masked for the others."""
    return (email if reveal else mask_email(email)) or "—"


def birthday_label(customer, locale: str) -> str | None:
    """The solar birthday (YYYY-MM-DD) and/or the lunar one as people say it (农历八月十五)."""
    parts = []
    if customer.birthday_on:
        parts.append(customer.birthday_on.isoformat())
    if customer.birthday_lunar_month:
        parts.append(lunar_date_label(customer.birthday_lunar_month, customer.birthday_lunar_day or 1,
                                      bool(customer.birthday_is_leap_month), locale))
    return " · ".join(parts) or None


def shipment_badges(shipment, now: datetime | None = None) -> list[str]:
    """A shipment's badges: late, overdue (promise passed, not delivered), on_time, in_transit, damaged."""
    now = now or clock.now()
    promised, delivered = clock.as_utc(shipment.promised_at), clock.as_utc(shipment.delivered_at)
    badges = []
    if delivered is not None:
        badges.append("late" if promised is not None and delivered > promised else "on_time")
    elif promised is not None and now > promised:
        badges.append("overdue")
    elif shipment.shipped_at is not None:
        badges.append("in_transit")
    if shipment.damaged:
        badges.append("damaged")
    return badges


def delay_days(shipment) -> int | None:
    """Whole days a delivery came after its promise (None when on time or unknown)."""
    promised, delivered = clock.as_utc(shipment.promised_at), clock.as_utc(shipment.delivered_at)
    if promised is None or delivered is None or delivered <= promised:
        return None
    return max(1, round((delivered - promised).total_seconds() / 86400))
