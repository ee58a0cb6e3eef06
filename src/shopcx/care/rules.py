"""Pure care and campaign rules: uplift against the random control group, quiet hours, frequency caps, birthdays.

Uplift (DESIGN.md section 4): (conversion or revenue per person in the treated group) − (the same in the random
control group), with a 95% interval; incremental revenue = uplift × treated persons.
- Conversion: difference of two independent proportions with Newcombe's hybrid score interval (Newcombe 1998,
  Statistics in Medicine 17:873–890, method 10; see `shopcx.core.stats`).
- Revenue per person: difference of means with a seeded, group-stratified percentile bootstrap (Efron & Tibshirani
  1993, An Introduction to the Bootstrap, ch. 8 and 13), or BCa (ch. 14) on request: revenue per person is mostly
  zeros with a long tail, where a t interval's normal approximation is poor.
Money comes in as integer minor units. Means, uplift, incremental revenue and ROI are exact Fractions (of a minor
unit); bootstrap bounds are floats, in fields whose names end in `_minor`.

Birthdays: a solar birthday on 29 February is celebrated on 28 February in other years. A lunar birthday
(Chinese calendar, via `lunardate`, years 1900–2099) on day 30 falls on day 29 in a year whose month has only 29
days (the last day of that month, as the loyalty birthday gift does). A person born in a leap month (闰月) is
celebrated in the ordinary month of the same number, which every year has (the common custom, and all that the
customer record stores); `leap=True` moves it to the leap month in the years that have one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from lunardate import LunarDate

from ..core import stats
from ..core.errors import InvalidInput
from ..loyalty.rules import on_day_in_year

LUNAR_YEARS = (1900, 2099)


@dataclass(frozen=True, slots=True)
class ConversionUplift:
    """Conversion per person in treatment and control, and treated − control with its interval (0–1 scale)."""

    treated: int
    treated_converted: int
    control: int
    control_converted: int
    treated_rate: float
    control_rate: float
    uplift: stats.Interval
    verdict: str


@dataclass(frozen=True, slots=True)
class RevenueUplift:
    """Revenue per person in minor units: exact means (Fractions), bootstrap bounds (floats), per person and total."""

    treated: int
    control: int
    treated_mean_minor: Fraction
    control_mean_minor: Fraction
    uplift_minor: Fraction
    uplift_low_minor: float
    uplift_high_minor: float
    incremental_minor: Fraction
    incremental_low_minor: float
    incremental_high_minor: float
    significant: bool
    verdict: str


@dataclass(frozen=True, slots=True)
class CampaignUplift:
    """A campaign's report: conversion and revenue uplift, its cost, and ROI = (incremental revenue − cost) / cost."""

    conversion: ConversionUplift
    revenue: RevenueUplift
    cost_minor: int
    roi: Fraction | None
    roi_low: float | None
    roi_high: float | None
    verdict: str


@dataclass(frozen=True, slots=True)
class QuietHours:
    """No message from `start` until `end` in the shop's local time; a window that wraps past midnight is allowed."""

    start: time = time(21, 0)
    end: time = time(9, 0)


@dataclass(frozen=True, slots=True)
class FrequencyCaps:
    """At most this many messages to one person in any rolling 24 hours, 7 days and 30 days (None = no cap)."""

    # Conservative defaults for buyers who opted in to marketing; each shop tunes its own.
    per_day: int | None = 1
    per_week: int | None = 3
    per_month: int | None = 8


def verdict(interval: stats.Interval) -> str:
    """The plain-words reading of an uplift interval."""
    percent = f"{100 * interval.level:g}%"
    if interval.significant:
        direction = "more" if interval.low > 0 else "less"
        return f"significant at {percent}: the interval excludes 0 (the treated group {direction} than control)"
    return f"not significant at {percent}: the interval includes 0"


def conversion_uplift(treated_converted: int, treated: int, control_converted: int, control: int, *,
                      level: float = 0.95, method: str = "newcombe") -> ConversionUplift:
    """Conversion rate of treatment minus control, with Newcombe's interval (or Wald, for comparison)."""
    interval = stats.proportion_difference(treated_converted, treated, control_converted, control, level, method)
    return ConversionUplift(treated, treated_converted, control, control_converted, treated_converted / treated,
                            control_converted / control, interval, "conversion: " + verdict(interval))


def revenue_uplift(treated_revenue_minor: Sequence[int], control_revenue_minor: Sequence[int], *,
                   resamples: int = 2000, seed: int = 0, level: float = 0.95,
                   method: str = "percentile") -> RevenueUplift:
    """Revenue per person (everyone in the group, zeros included) of treatment minus control, bootstrap interval.

    method "percentile" (default) or "bca" (bias-corrected and accelerated, a little closer to 95% on long tails).
    """
    treated = check_minor(treated_revenue_minor, "treated_revenue_minor")
    control = check_minor(control_revenue_minor, "control_revenue_minor")
    interval = stats.bootstrap_mean_difference(treated, control, resamples=resamples, seed=seed, level=level,
                                               method=method)
    treated_mean = Fraction(int(treated.sum()), len(treated))
    control_mean = Fraction(int(control.sum()), len(control))
    uplift = treated_mean - control_mean
    n = len(treated)
    return RevenueUplift(n, len(control), treated_mean, control_mean, uplift, interval.low, interval.high,
                         uplift * n, interval.low * n, interval.high * n, interval.significant,
                         "revenue per person: " + verdict(interval))


def campaign_uplift(treated_revenue_minor: Sequence[int], control_revenue_minor: Sequence[int], *,
                    treated_converted: int | None = None, control_converted: int | None = None, cost_minor: int = 0,
                    resamples: int = 2000, seed: int = 0, level: float = 0.95,
                    bootstrap: str = "percentile") -> CampaignUplift:
    """The full report of a campaign from each person's revenue in the window, the conversions and the cost.

    A person converted when their revenue is positive unless the counts are given (e.g. an order paid with a free
    gift). The cost is fixed (coupons redeemed, points, messages), so ROI's interval is the incremental revenue
    interval mapped through (x − cost) / cost. ROI is on revenue, not margin.
    """
    treated = check_minor(treated_revenue_minor, "treated_revenue_minor")
    control = check_minor(control_revenue_minor, "control_revenue_minor")
    if not isinstance(cost_minor, int | np.integer) or isinstance(cost_minor, bool) or cost_minor < 0:
        raise InvalidInput("invalid_amount", f"cost_minor: '{cost_minor}' must be whole minor units ≥ 0",
                           field="cost_minor")
    conversion = conversion_uplift(int((treated > 0).sum()) if treated_converted is None else treated_converted,
                                   len(treated),
                                   int((control > 0).sum()) if control_converted is None else control_converted,
                                   len(control), level=level)
    revenue = revenue_uplift(treated, control, resamples=resamples, seed=seed, level=level, method=bootstrap)
    cost = int(cost_minor)
    roi = roi_low = roi_high = None
    if cost > 0:
        roi = (revenue.incremental_minor - cost) / cost
        roi_low = (revenue.incremental_low_minor - cost) / cost
        roi_high = (revenue.incremental_high_minor - cost) / cost
    summary = f"{conversion.verdict}; {revenue.verdict}"
    return CampaignUplift(conversion, revenue, cost, roi, roi_low, roi_high, summary)


def check_minor(values: Sequence[int], field: str) -> np.ndarray:
    """Amounts in whole minor units as an int64 array, or InvalidInput naming the field and the first bad amount."""
    x = np.asarray(values)
    if x.ndim != 1 or len(x) == 0:
        raise InvalidInput("no_people", f"{field}: expected one amount per person, got none", field=field)
    if x.dtype.kind not in "iu" or x.dtype.kind == "b":
        for position, value in enumerate(values):
            if not isinstance(value, int | np.integer) or isinstance(value, bool):
                raise InvalidInput("not_minor_units", f"{field}: amount {position + 1} ({value!r}) is not whole "
                                   "minor units (an int)", field=field)
    return x.astype(np.int64)


def is_quiet(moment: datetime, tz: str | ZoneInfo, quiet: QuietHours = QuietHours()) -> bool:
    """True when moment falls inside the quiet hours in the shop's timezone."""
    local = _aware(moment).astimezone(_zone(tz)).time().replace(tzinfo=None)
    if quiet.start == quiet.end:
        return False
    if quiet.start < quiet.end:
        return quiet.start <= local < quiet.end
    return local >= quiet.start or local < quiet.end


def next_allowed_send(moment: datetime, tz: str | ZoneInfo, quiet: QuietHours = QuietHours()) -> datetime:
    """moment itself (in UTC) outside quiet hours, else the end of the quiet hours in the shop's timezone, in UTC.

    The end is read on the local wall clock, so it follows daylight-saving changes; an end inside a spring-forward
    gap resolves past the gap (PEP 495, fold=0), never earlier than asked.
    """
    moment = _aware(moment)
    if not is_quiet(moment, tz, quiet):
        return moment.astimezone(timezone.utc)
    zone = _zone(tz)
    local = moment.astimezone(zone)
    day = local.date()
    if quiet.start > quiet.end and local.time().replace(tzinfo=None) >= quiet.start:
        day += timedelta(days=1)  # evening part of a window that wraps: it ends tomorrow morning
    release = datetime.combine(day, quiet.end, tzinfo=zone).astimezone(timezone.utc)
    return max(release, moment.astimezone(timezone.utc))


def allowed(now: datetime, past_sends: Sequence[datetime], caps: FrequencyCaps = FrequencyCaps()) -> bool:
    """True when one more message at `now` stays within every cap over the rolling windows ending at now."""
    return next_allowed(now, past_sends, caps) == _aware(now)


def next_allowed(now: datetime, past_sends: Sequence[datetime],
                 caps: FrequencyCaps = FrequencyCaps()) -> datetime | None:
    """The first instant ≥ now at which one more message fits every cap; None when a cap is 0.

    Windows are rolling (the last 24 hours, 7 and 30 days), not calendar days, so two messages cannot land a minute
    apart either side of midnight. Sends later than now (already scheduled) count as well.
    """
    now = _aware(now)
    sends = sorted(_aware(s) for s in past_sends)
    release = now
    for cap, window, field in ((caps.per_day, timedelta(days=1), "per_day"),
                               (caps.per_week, timedelta(days=7), "per_week"),
                               (caps.per_month, timedelta(days=30), "per_month")):
        if cap is None:
            continue
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 0:
            raise InvalidInput("invalid_cap", f"{field}: '{cap}' must be a whole number ≥ 0", field=field)
        if cap == 0:
            return None
        inside = [s for s in sends if s > now - window]
        if len(inside) >= cap:
            # The oldest sends must age out until cap − 1 remain; moving later only drops sends from the windows.
            release = max(release, inside[len(inside) - cap] + window)
    return release


def next_solar_birthday(born_on: date, today: date) -> date:
    """The next birthday on or after today; 29 February on 28 February in years without it."""
    this_year = on_day_in_year(born_on.month, born_on.day, today.year)
    return this_year if this_year >= today else on_day_in_year(born_on.month, born_on.day, today.year + 1)


def lunar_birthday_in(lunar_year: int, month: int, day: int, *, leap: bool = False) -> date:
    """The solar date of a lunar month/day birthday in one lunar year (day 30 → 29 in a short month)."""
    _check_lunar(month, day)
    if not LUNAR_YEARS[0] <= lunar_year <= LUNAR_YEARS[1]:
        raise InvalidInput("out_of_range", f"lunar year {lunar_year} is outside {LUNAR_YEARS[0]}–{LUNAR_YEARS[1]}",
                           field="birthday_lunar_month")
    in_leap = leap and LunarDate.leap_month_for_year(lunar_year) == month
    for candidate in (day, 29) if day == 30 else (day,):
        try:
            return LunarDate(lunar_year, month, candidate, in_leap).to_solar_date()
        except ValueError:
            continue  # a 29-day month has no day 30; its last day stands in
    raise InvalidInput("invalid_lunar_date", f"lunar {lunar_year}-{month}-{day} does not exist",
                       field="birthday_lunar_day")


def next_lunar_birthday(month: int, day: int, today: date, *, leap: bool = False) -> date:
    """The next solar date on or after today of a lunar birthday (Chinese calendar month 1–12, day 1–30)."""
    _check_lunar(month, day)
    try:
        current = LunarDate.from_solar_date(today.year, today.month, today.day).year
    except ValueError:
        current = None
    if current is None or not LUNAR_YEARS[0] <= today.year <= LUNAR_YEARS[1]:
        raise InvalidInput("out_of_range", f"today: {today} is outside the lunar calendar's years "
                           f"{LUNAR_YEARS[0]}–{LUNAR_YEARS[1]}", field="today")
    # Lunar year `current` began on or before today, so last lunar year's birthday is always past.
    this_year = lunar_birthday_in(current, month, day, leap=leap)
    return this_year if this_year >= today else lunar_birthday_in(current + 1, month, day, leap=leap)


def _check_lunar(month: int, day: int) -> None:
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise InvalidInput("invalid_lunar_date", f"birthday_lunar_month: '{month}' is not a month 1–12",
                           field="birthday_lunar_month")
    if not isinstance(day, int) or not 1 <= day <= 30:
        raise InvalidInput("invalid_lunar_date", f"birthday_lunar_day: '{day}' is not a day 1–30",
                           field="birthday_lunar_day")


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("invalid_timezone", f"timezone: '{tz}' is not an IANA timezone", field="timezone") from None


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput("naive_time", f"time {moment.isoformat()} has no timezone; pass an aware datetime",
                           field="moment")
    return moment
