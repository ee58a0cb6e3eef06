"""Pure sending rules, tested without a database: the idempotency key, quiet hours in the shop's timezone, rolling
frequency caps across everything sent, the retry backoff and consent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

# Retry waits after a temporary failure (a 4xx SMTP answer, a provider's 5xx or timeout, a dropped connection):
# 1 min, 5 min, 15 min, 1 h, 4 h, then every 12 h until MAX_ATTEMPTS, after which the message has failed.
BACKOFF_MINUTES = (1, 5, 15, 60, 240, 720)
MAX_ATTEMPTS = 8
CAP_WINDOWS = (("day", timedelta(days=1)), ("week", timedelta(days=7)), ("month", timedelta(days=30)))


def message_key(purpose: str, recipient: int | str, occasion: str) -> str:
    """The idempotency key of a message: one message per purpose, person and occasion ("survey:42:inv-7")."""
    return f"{purpose}:{recipient}:{occasion}"[:200]


def parse_clock(text: str, field: str) -> time:
    """'21:00' -> time(21, 0); ValueError naming the field for anything else."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError):
        raise ValueError(f"{field}: '{text}' is not a time like 21:00") from None


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    """Whether a local clock time lies in the quiet window [start, end), which may run over midnight."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_release(now: datetime, tz: str, start: time, end: time) -> datetime | None:
    """When a message held by quiet hours may go (the window's end, in UTC); None when `now` is not quiet.

    Example: Asia/Shanghai, 21:00–09:00, now 2026-12-06 14:30 UTC = 22:30 local -> 2026-12-07 01:00 UTC (09:00).
    """
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    if not in_quiet_hours(local.time(), start, end):
        return None
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(now.tzinfo)


@dataclass(frozen=True)
class Caps:
    """At most `day` messages in any 24 hours, `week` in any 7 days, `month` in any 30 days (0: no limit)."""

    day: int
    week: int
    month: int

    def limit(self, name: str) -> int:
        return getattr(self, name)


def cap_release(now: datetime, sent: Sequence[datetime], caps: Caps) -> datetime | None:
    """When one more message may go to a person who was sent messages at `sent` times (rolling windows); None when
    it may go now. With caps day=2 and sends at 08:00 and 10:00, at 12:00 the next may go at 08:00 next day."""
    release = None
    for name, window in CAP_WINDOWS:
        cap = caps.limit(name)
        if cap <= 0:
            continue
        inside = sorted(t for t in sent if t > now - window)
        if len(inside) >= cap:
            at = inside[len(inside) - cap] + window  # when enough of them have left the window
            release = at if release is None or at > release else release
    return release


def backoff(attempts: int) -> timedelta | None:
    """The wait before attempt number attempts+1 after a temporary failure; None when it is time to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return timedelta(minutes=BACKOFF_MINUTES[min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1])


# Messages the person asked for a moment ago (a one-time code to verify their own request): consent to marketing
# does not govern them, quiet hours and frequency caps would only make the code expire, and an unsubscribe footer
# or tracked links have no place in them. Erasure, a missing address and suppression still stop them.
ASKED_FOR = frozenset({"verification"})


# What a buyer can mute on the preference page, and the message purposes each topic covers. A purpose outside
# every topic (a ticket reply, a parcel apology, a staff test) is about the buyer's own order or request: only
# the channel's consent stops it, never a topic.
TOPICS = {"care": ("care_moment",), "offers": ("care_campaign",), "surveys": ("survey", "survey_reminder")}


def topic_of(purpose: str | None) -> str | None:
    """The topic a message purpose belongs to, or None when no topic covers it."""
    return next((topic for topic, purposes in TOPICS.items() if purpose in purposes), None)


def topic_allows(purpose: str | None, muted: Sequence[str]) -> bool:
    """Whether a buyer who muted these topics still wants a message of this purpose."""
    topic = topic_of(purpose)
    return topic is None or topic not in muted


def consent_allows(granted: bool | None, *, require_opt_in: bool) -> bool:
    """A withdrawn consent always stops a message; with opt-in required, so does a missing one (PIPL)."""
    if granted is None:
        return not require_opt_in
    return granted
