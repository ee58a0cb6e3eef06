"""The one source of time. Tests travel with `frozen_at`; everything is stored in UTC."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

_frozen: datetime | None = None


def now() -> datetime:
    """The current time as an aware UTC datetime."""
    return _frozen if _frozen is not None else datetime.now(timezone.utc)


def today_in(tz_name: str) -> date:
    """Today's date in a shop's timezone."""
    return now().astimezone(ZoneInfo(tz_name)).date()


def to_utc(value: datetime, tz_name: str) -> datetime:
    """A naive local time in tz_name (or an aware time) as aware UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz_name))
    return value.astimezone(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """Values read back from SQLite are naive UTC; make them aware."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


@contextlib.contextmanager
def frozen_at(moment: datetime):
    """Freeze `now()` at moment (aware) inside the block."""
    global _frozen
    previous, _frozen = _frozen, moment.astimezone(timezone.utc)
    try:
        yield
    finally:
        _frozen = previous
