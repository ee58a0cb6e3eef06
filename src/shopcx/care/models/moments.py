"""Care moments: their kinds, default settings, occasion keys and the pure date checks of who is due.

An occasion key names one occasion for one person ("birthday:2026", "first_order:2027", "holiday:mid_autumn:2026"):
the queue keeps (moment, customer, key) unique, so a daily job that runs twice, or again after a crash, never
queues the same person twice for the same occasion and year (issue 16).
"""

from __future__ import annotations

from datetime import date, timedelta

from lunardate import LunarDate

from ...core.errors import InvalidInput
from ..rules import next_lunar_birthday, next_solar_birthday

KINDS = ("birthday", "anniversary", "first_order", "holiday", "thank_you", "win_back", "post_delivery",
         "points_expiry", "tier_upgrade", "keep_tier")
HOLIDAYS = ("spring_festival", "mid_autumn", "mothers_day", "shop_anniversary", "double11_early")

# Tunable per shop; each key is checked by check_settings.
DEFAULTS: dict[str, dict] = {
    "birthday": {"days_before": 3, "coupon_amount": 0, "coupon_days": 30},
    "anniversary": {"days_before": 0},
    "first_order": {"days_before": 0},
    "holiday": {"days_before": 3, "holidays": ["spring_festival", "mid_autumn"], "shop_anniversary": "",
                "top_tiers_only": False},
    "thank_you": {"top": 50, "coupon_amount": 0, "coupon_days": 30},
    "win_back": {"p_alive_below": 0.3, "top": 200, "coupon_amount": 0, "coupon_days": 30},
    "post_delivery": {"days_after": 3},
    "points_expiry": {"days_before": 14, "min_points": 100},
    "tier_upgrade": {"days_after": 1},
    "keep_tier": {"days_before": 30},
}


def check_settings(kind: str, settings: dict | None) -> dict:
    """The kind's defaults overlaid with the given settings, each checked; InvalidInput names a bad one."""
    if kind not in KINDS:
        raise InvalidInput("invalid_choice", f"kind: '{kind}' is not one of {', '.join(KINDS)}", field="kind",
                           values={"value": kind, "choices": ", ".join(KINDS)})
    merged = dict(DEFAULTS[kind])
    for key, value in (settings or {}).items():
        if key not in merged:
            raise InvalidInput("unknown_field", f"{kind}: unknown setting '{key}'", field=key)
        default = merged[key]
        try:
            if isinstance(default, bool):
                value = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "on", "yes")
            elif isinstance(default, int):
                value = int(value)
                if value < 0 or value > 100_000_000:
                    raise ValueError
            elif isinstance(default, float):
                value = float(value)
                if not 0 <= value <= 1:
                    raise ValueError
            elif isinstance(default, list):
                value = [v for v in ([value] if isinstance(value, str) else list(value)) if v]
                bad = [v for v in value if v not in HOLIDAYS]
                if bad:
                    raise ValueError
            elif key == "shop_anniversary" and value:
                date.fromisoformat(f"2000-{value}" if len(str(value)) == 5 else str(value))
        except (TypeError, ValueError):
            raise InvalidInput("invalid_setting", f"{kind}.{key}: '{value}' is not a valid value", field=key,
                               values={"value": str(value)}) from None
        merged[key] = value
    return merged


def occasion_key(kind: str, year: int, extra: str = "") -> str:
    """The occasion a message is for: kind, the extra (holiday, order) and the year."""
    return f"{kind}:{extra}:{year}" if extra else f"{kind}:{year}"


def birthday_due(today: date, days_before: int, *, solar: date | None, lunar_month: int | None,
                 lunar_day: int | None, leap: bool = False) -> tuple[date, int] | None:
    """(the birthday, the year it counts for) when it is exactly `days_before` days after today, else None.

    A solar birthday counts for its solar year; a lunar one for its lunar year (a 腊月 birthday can fall twice in
    one solar year, or not at all). The solar date wins when both are recorded, as the loyalty gift does.
    """
    target = today + timedelta(days=days_before)
    if solar is not None:
        return (target, target.year) if next_solar_birthday(solar, today) == target else None
    if lunar_month and lunar_day:
        if next_lunar_birthday(lunar_month, lunar_day, today, leap=leap) == target:
            return target, LunarDate.from_solar_date(target.year, target.month, target.day).year
    return None


def anniversary_due(today: date, days_before: int, on: date) -> tuple[date, int] | None:
    """(the anniversary, its year) when it is `days_before` days away and at least one year has passed."""
    target = today + timedelta(days=days_before)
    if next_solar_birthday(on, today) == target and target.year > on.year:
        return target, target.year
    return None


def holiday_on(holiday: str, year: int, shop_anniversary: str = "") -> date | None:
    """The solar date of a holiday in a year: 春节 (lunar 1-1), 中秋 (lunar 8-15), Mother's Day (second Sunday of
    May), the shop's anniversary (MM-DD), 双11 early access (1 November, ten days ahead of 11.11)."""
    if holiday == "spring_festival":
        return LunarDate(year, 1, 1).to_solar_date()
    if holiday == "mid_autumn":
        return LunarDate(year, 8, 15).to_solar_date()
    if holiday == "mothers_day":
        first = date(year, 5, 1)
        return first + timedelta(days=(6 - first.weekday()) % 7 + 7)
    if holiday == "double11_early":
        return date(year, 11, 1)
    if holiday == "shop_anniversary" and shop_anniversary:
        month, day = (int(x) for x in shop_anniversary[-5:].split("-"))
        return date(year, month, day)
    return None


def holidays_due(today: date, days_before: int, holidays: list[str], shop_anniversary: str = "") -> list[str]:
    """The holidays whose date is exactly `days_before` days after today."""
    target = today + timedelta(days=days_before)
    return [h for h in holidays if holiday_on(h, target.year, shop_anniversary) == target]
