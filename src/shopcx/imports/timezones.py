"""The timezone a file's own timestamps show, for a shop an import creates.

A file whose times carry offsets (Shopify's `2024-03-01 10:15:30 +0200`, ISO 8601 `…-07:00`) says where the shop
is. One offset throughout gives that fixed offset (an `Etc/GMT±N` zone; IANA writes their signs inverted), since a
file that never changes offset says nothing about daylight saving. Several offsets (summer and winter time) give the
IANA zone that has exactly these offsets at these instants, preferring the zones shops commonly use. A file
without offsets says nothing: the format's own zone (Asia/Shanghai for Chinese platforms) or the settings' default.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

# Tried first, in this order, when several zones fit (the rest are tried alphabetically).
PREFERRED = ("America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York", "America/Halifax",
             "America/Sao_Paulo", "Europe/London", "Europe/Lisbon", "Europe/Berlin", "Europe/Paris", "Europe/Madrid",
             "Europe/Athens", "Europe/Kyiv", "Europe/Istanbul", "Asia/Jerusalem", "Asia/Tehran", "Australia/Sydney",
             "Australia/Adelaide", "Pacific/Auckland", "America/Mexico_City", "America/Santiago", "Asia/Kolkata",
             "Asia/Kathmandu", "Asia/Yangon", "America/St_Johns")


def zone_for(offsets: dict[timedelta, list[datetime]]) -> str | None:
    """The zone these (offset → UTC instants) show, or None when they show nothing usable."""
    if not offsets:
        return None
    if len(offsets) == 1:
        offset = next(iter(offsets))
        hours, rest = divmod(int(offset.total_seconds()), 3600)
        if rest == 0 and -12 <= hours <= 14:
            return "UTC" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"
    samples = [(instant, offset) for offset, instants in offsets.items() for instant in instants]
    for name in (*PREFERRED, *_others()):
        zone = ZoneInfo(name)
        if all(instant.astimezone(zone).utcoffset() == offset for instant, offset in samples):
            return name
    return None


@lru_cache(maxsize=1)
def _others() -> tuple[str, ...]:
    return tuple(sorted(name for name in available_timezones()
                        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/"))
                        and name not in PREFERRED))
