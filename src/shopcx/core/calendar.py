"""The shop's business calendar: which local hours of which days are working time (DESIGN.md §4, "Working time (SLA)").

A day's working hours come, first match wins, from: the manager's table (an override: off, or working with hours);
for shops in China (country "CN") `chinese-calendar` (a public holiday is off, a 调休 make-up day works the normal
workday hours); the weekly schedule. chinese-calendar only knows the years it was released for (1.11.0: 2004–2026,
NotImplementedError for 2027); for the others the desk keeps computing with the weekly schedule plus the manager's
table and reports those days as unconfirmed, until the manager marks the year as entered (`confirmed_years`).

`WorkCalendar.working_time()` gives the index the SLA rules compute on: each working interval as integer
microseconds since the Unix epoch (UTC, so DST days have their real length) with the working time accumulated
before it, so a deadline is two bisections instead of a walk over days or minutes.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from itertools import accumulate
from typing import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

from .errors import InvalidInput

Interval = tuple[int, int]  # [start, end) in minutes after local midnight, 0 <= start < end <= 1440
Hours = tuple[Interval, ...]  # sorted, non-overlapping; () is a day off

US = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
DAY_SOURCES = ("override", "holiday", "makeup", "weekly")
# How far ahead a deadline may search before the calendar is declared to have no working time at all.
MAX_SEARCH_YEARS = 50


def parse_hours(text: str, *, option: str = "--hours") -> Hours:
    """'09:00-18:00' or '09:00-12:00,13:30-18:00' as Hours; '' or 'off' is a day off; errors name the option."""
    text = (text or "").strip()
    if text.lower() in ("", "off", "-"):
        return ()
    hours = []
    for part in text.split(","):
        bounds = part.strip().split("-")
        if len(bounds) != 2:
            raise InvalidInput("invalid_hours", f"{option}: '{part.strip()}' is not HH:MM-HH:MM", field=option)
        hours.append((_minute(bounds[0], option), _minute(bounds[1], option)))
    return check_hours(tuple(hours), option=option)


def _minute(text: str, option: str) -> int:
    hh, sep, mm = text.strip().partition(":")
    if not (sep and hh.isdigit() and mm.isdigit() and len(mm) == 2 and len(hh) in (1, 2)):
        raise InvalidInput("invalid_hours", f"{option}: '{text.strip()}' is not a time HH:MM", field=option)
    value = int(hh) * 60 + int(mm)
    if int(mm) > 59 or value > 1440:
        raise InvalidInput("invalid_hours", f"{option}: '{text.strip()}' is not a time between 00:00 and 24:00",
                           field=option)
    return value


def check_hours(hours: Hours, *, option: str = "hours") -> Hours:
    """Hours validated: each interval non-empty inside 00:00–24:00, in order, not overlapping."""
    previous_end = 0
    for start, end in hours:
        if not 0 <= start < end <= 1440:
            raise InvalidInput("invalid_hours", f"{option}: {format_hours(((start, end),))} is empty or outside "
                               "00:00–24:00", field=option)
        if start < previous_end:
            raise InvalidInput("invalid_hours", f"{option}: intervals must be in order and must not overlap "
                               f"({format_hours(hours)})", field=option)
        previous_end = end
    return tuple((int(s), int(e)) for s, e in hours)


def format_hours(hours: Hours) -> str:
    """Hours as '09:00-12:00,13:30-18:00' ('off' for a day off)."""
    if not hours:
        return "off"
    return ",".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in hours)


@lru_cache(maxsize=None)
def _cn_day(day: date) -> tuple[bool, str | None] | None:
    """chinese-calendar's (is_holiday, holiday name) for day, or None when the library does not know its year."""
    try:
        return chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None


@lru_cache(maxsize=None)
def _cn_year_known(year: int) -> bool:
    return 1 <= year <= 9999 and _cn_day(date(year, 7, 1)) is not None


@lru_cache(maxsize=1)
def cn_last_known_year() -> int | None:
    """The last year chinese-calendar knows (2026 for 1.11.0)."""
    known = [year for year in range(1990, 2201) if _cn_year_known(year)]
    return max(known) if known else None


@dataclass(frozen=True)
class DayInfo:
    """One local day: its working hours, where they come from, and whether an authority confirmed them."""

    day: date
    hours: Hours
    source: str  # one of DAY_SOURCES
    confirmed: bool
    name: str | None = None  # the holiday's name from chinese-calendar ("Spring Festival")

    @property
    def working(self) -> bool:
        return bool(self.hours)


NINE_TO_SIX: Hours = ((9 * 60, 18 * 60),)


@dataclass(frozen=True)
class WorkCalendar:
    """A shop's working time: timezone, weekly schedule (Monday first), country rules and the manager's table."""

    timezone: str = "Asia/Shanghai"
    weekly: tuple[Hours, ...] = (NINE_TO_SIX,) * 5 + ((), ())
    country: str | None = "CN"
    # The manager's table, date -> Hours (() = off); a dict is accepted and kept as a sorted tuple.
    overrides: tuple[tuple[date, Hours], ...] | Mapping[date, Hours] = ()
    # Hours of a 调休 make-up day; None = the first working weekday's hours in the weekly schedule.
    makeup_hours: Hours | None = None
    # Years whose holidays and make-up days the manager has entered in full (no longer unconfirmed).
    confirmed_years: frozenset[int] = frozenset()
    _state: dict = field(default=None, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self):
        try:
            tz = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise InvalidInput("invalid_timezone", f"timezone: '{self.timezone}' is not an IANA timezone",
                               field="timezone") from None
        if len(self.weekly) != 7:
            raise InvalidInput("invalid_hours", "weekly: seven days of hours, Monday first", field="weekly")
        weekly = tuple(check_hours(tuple(h), option=f"weekly[{i}]") for i, h in enumerate(self.weekly))
        items = self.overrides.items() if isinstance(self.overrides, Mapping) else self.overrides
        overrides = tuple(sorted((day, check_hours(tuple(h), option=f"overrides[{day.isoformat()}]"))
                                 for day, h in dict(items).items()))
        makeup = None if self.makeup_hours is None else check_hours(tuple(self.makeup_hours), option="makeup_hours")
        country = (self.country or "").upper() or None
        set_ = object.__setattr__
        set_(self, "weekly", weekly)
        set_(self, "overrides", overrides)
        set_(self, "makeup_hours", makeup)
        set_(self, "country", country)
        set_(self, "confirmed_years", frozenset(self.confirmed_years))
        # Memos, not state: they only cache what the fields above determine.
        set_(self, "_state", {"tz": tz, "table": dict(overrides), "days": {}, "years": {}, "index": None,
                              "lock": threading.Lock()})

    @classmethod
    def standard(cls, hours: str | Hours = "09:00-18:00", *, timezone: str = "Asia/Shanghai",
                 country: str | None = "CN", working_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4),
                 overrides: Mapping[date, Hours] | None = None, confirmed_years=()) -> WorkCalendar:
        """The same hours on each working weekday (0 = Monday), the other weekdays off."""
        hours = parse_hours(hours, option="hours") if isinstance(hours, str) else hours
        weekly = tuple(hours if weekday in working_weekdays else () for weekday in range(7))
        return cls(timezone=timezone, weekly=weekly, country=country, overrides=overrides or (),
                   confirmed_years=frozenset(confirmed_years))

    def with_hours(self, hours: str | Hours) -> WorkCalendar:
        """The same calendar with other daily hours on every working weekday and make-up day (the CLI's --hours).

        Off weekdays stay off, and the manager's dated overrides keep their own hours: they are about one day."""
        hours = parse_hours(hours) if isinstance(hours, str) else check_hours(hours)
        return replace(self, weekly=tuple(hours if day else () for day in self.weekly), makeup_hours=hours)

    def with_overrides(self, overrides: Mapping[date, Hours]) -> WorkCalendar:
        """The same calendar with these dated entries added to (or replacing those in) the manager's table."""
        return replace(self, overrides={**dict(self.overrides), **overrides})

    @property
    def tz(self) -> ZoneInfo:
        return self._state["tz"]

    def local_date(self, instant: datetime) -> date:
        """The shop's local date at an aware instant."""
        return instant.astimezone(self.tz).date()

    # ---- days ---------------------------------------------------------------------------------------------------

    def describe(self, day: date) -> DayInfo:
        """The day's hours, their source and whether they are confirmed."""
        table = self._state["table"]
        if day in table:
            return DayInfo(day, table[day], "override", True)
        if self.country == "CN":
            detail = _cn_day(day)
            if detail is None:
                return DayInfo(day, self.weekly[day.weekday()], "weekly", day.year in self.confirmed_years)
            is_holiday, name = detail
            if name is not None:
                # chinese-calendar names both kinds of day: a named holiday is off, a named workday is 调休.
                if is_holiday:
                    return DayInfo(day, (), "holiday", True, name)
                return DayInfo(day, self._makeup(), "makeup", True, name)
        return DayInfo(day, self.weekly[day.weekday()], "weekly", True)

    def hours_on(self, day: date) -> Hours:
        """The day's working hours (cached: the chinese-calendar lookup is slow)."""
        days = self._state["days"]
        hours = days.get(day)
        if hours is None:
            hours = days[day] = self.describe(day).hours
        return hours

    def is_working_day(self, day: date) -> bool:
        """Whether the day has any working hours."""
        return bool(self.hours_on(day))

    def _makeup(self) -> Hours:
        if self.makeup_hours is not None:
            return self.makeup_hours
        # A 调休 Saturday stands in for a weekday, so it keeps a weekday's normal hours.
        return next((hours for hours in self.weekly if hours), ())

    # ---- what is not confirmed ----------------------------------------------------------------------------------

    def unconfirmed_days(self, start: date, end: date) -> list[date]:
        """Days from start to end (both included) computed from the weekly schedule without an authority."""
        days, day = [], start
        while day <= end:
            if not self.describe(day).confirmed:
                days.append(day)
            day += timedelta(days=1)
        return days

    def known_until(self) -> date | None:
        """The last day up to which the holiday calendar is confirmed; None when there is none to miss (non-CN)."""
        if self.country != "CN":
            return None
        year = cn_last_known_year()
        if year is None:
            return None if not self.confirmed_years else date(min(self.confirmed_years) - 1, 12, 31)
        while year + 1 in self.confirmed_years:
            year += 1
        return date(year, 12, 31)

    def unconfirmed_years(self, today: date) -> tuple[int, ...]:
        """This year and next if their public holidays are unknown to the library and not entered by the manager."""
        if self.country != "CN":
            return ()
        return tuple(year for year in (today.year, today.year + 1)
                     if not _cn_year_known(year) and year not in self.confirmed_years)

    def warning(self, today: date, locale: str = "zh") -> str | None:
        """The message to show when this or next year's calendar is unknown (None when both are known)."""
        years = self.unconfirmed_years(today)
        if not years:
            return None
        from .i18n import t

        return t("calendar.unconfirmed_years", locale, years="、".join(map(str, years)) if locale == "zh"
                 else ", ".join(map(str, years)))

    # ---- the working-time index ---------------------------------------------------------------------------------

    def working_time(self, *instants_us: int) -> WorkingTime:
        """The index, covering at least the given instants (microseconds since the epoch)."""
        index = self._state["index"]
        if index is not None:
            lo, hi = index.lo, index.hi
            for t in instants_us:
                if not lo <= t <= hi:
                    break
            else:
                return index
        years = [datetime.fromtimestamp(t // US, timezone.utc).year for t in instants_us]
        # One year of margin each side: a UTC instant near 1 January can fall in the neighbouring local year.
        return self._cover(min(years, default=2000) - 1, max(years, default=2000) + 1)

    def _year(self, year: int) -> tuple[list[int], list[int]]:
        """The year's working intervals in UTC microseconds, sorted and non-overlapping."""
        years = self._state["years"]
        if year not in years:
            tz, starts, ends = self.tz, [], []
            day = date(year, 1, 1)
            while day.year == year:
                for start, end in self.hours_on(day):
                    lo, hi = _local_us(day, start, tz), _local_us(day, end, tz)
                    if starts and lo < ends[-1]:  # a wall time repeated or skipped by a DST change
                        lo = ends[-1]
                    if hi > lo:
                        starts.append(lo)
                        ends.append(hi)
                day += timedelta(days=1)
            years[year] = (starts, ends)
        return years[year]

    def _cover(self, first: int, last: int) -> WorkingTime:
        first, last = max(first, 1), min(last, 9998)
        with self._state["lock"]:
            index = self._state["index"]
            if index is not None:
                if index.first <= first and last <= index.last:
                    return index
                first, last = min(first, index.first), max(last, index.last)
                base_year, base = index.base_year, index.base
            else:
                base_year, base = first, 0
            # Accumulated working time is counted from the start of base_year, whatever range is built later,
            # so numbers taken from an older, smaller index stay valid in a newer one.
            spans = {year: self._year(year) for year in range(first, last + 1)}
            offset = base - sum(_total(*spans[year]) for year in range(first, base_year))
            starts = [t for year in range(first, last + 1) for t in spans[year][0]]
            ends = [t for year in range(first, last + 1) for t in spans[year][1]]
            cum_end = list(accumulate((e - s for s, e in zip(starts, ends, strict=True)), initial=offset))
            index = WorkingTime(self, first, last, base_year, base, starts, ends, cum_end[:-1], cum_end[1:],
                                offset, _local_us(date(first, 1, 1), 0, self.tz),
                                _local_us(date(last + 1, 1, 1), 0, self.tz))
            self._state["index"] = index
            return index


def _local_us(day: date, minute: int, tz: ZoneInfo) -> int:
    """Local wall time `minute` after midnight of day, as UTC microseconds (24:00 = next midnight)."""
    if minute == 1440:
        day, minute = day + timedelta(days=1), 0
    local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)
    return round(local.timestamp()) * US


def _total(starts: list[int], ends: list[int]) -> int:
    return sum(ends) - sum(starts)


class WorkingTime:
    """An immutable index of working intervals over whole local years [first, last], in microseconds since epoch.

    worked(t) is the working time accumulated up to t, counted from a fixed origin per calendar, so differences of
    worked() are working time between instants and instant(w) inverts it."""

    __slots__ = ("calendar", "first", "last", "base_year", "base", "starts", "ends", "cum", "cum_end", "origin",
                 "lo", "hi")

    def __init__(self, calendar, first, last, base_year, base, starts, ends, cum, cum_end, origin, lo, hi):
        self.calendar, self.first, self.last, self.base_year, self.base = calendar, first, last, base_year, base
        self.starts, self.ends, self.cum, self.cum_end = starts, ends, cum, cum_end
        self.origin, self.lo, self.hi = origin, lo, hi  # origin: worked() at lo

    def worked(self, t: int) -> int:
        """Working microseconds accumulated up to instant t (from this calendar's fixed origin)."""
        if not self.lo <= t <= self.hi:
            return self.calendar.working_time(t).worked(t)
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return self.origin
        end = self.ends[i]
        return self.cum[i] + ((t if t < end else end) - self.starts[i])

    def instant(self, w: int) -> int:
        """The earliest instant at which worked() reaches w (an interval's end when w falls exactly on it)."""
        cum_end = self.cum_end
        if not cum_end or w > cum_end[-1]:
            return self._beyond(w)
        i = bisect_left(cum_end, w)
        return self.starts[i] + (w - self.cum[i])

    def _beyond(self, w: int) -> int:
        index = self
        for _ in range(MAX_SEARCH_YEARS):
            index = self.calendar._cover(index.first, index.last + 1)
            if index.cum_end and w <= index.cum_end[-1]:
                return index.instant(w)
        raise InvalidInput("no_working_time", f"calendar: no working time within {MAX_SEARCH_YEARS} years; "
                           "check the weekly hours", field="hours")
