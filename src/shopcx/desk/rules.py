"""SLA clocks, pure: working minutes, deadlines and a ticket's SLA state (DESIGN.md §4, "Working time (SLA)").

Working time = minutes inside the shop's working hours on working days (`core.calendar.WorkCalendar`), excluding
paused intervals; a deadline is the instant at which the required number of working minutes has elapsed.
Instants are aware datetimes in and aware UTC datetimes out; inside, integer microseconds since the epoch, so the
arithmetic is exact, and one step per pause over the calendar's working-time index (never per minute or per day).

A pause is (start, end) with end None while it is still open (waiting on the buyer). Overlapping pauses are merged;
the parts before the clock started are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Iterable, NamedTuple, Sequence
from zoneinfo import ZoneInfo

from shopcx.core.calendar import EPOCH, WorkCalendar, WorkingTime
from shopcx.core.errors import InvalidInput

ONE_US = timedelta(microseconds=1)
MINUTE_US = 60_000_000
OPEN = 1 << 62  # the end of a pause that has not ended
WARN_AT = 0.75
STATUSES = ("ok", "warning", "breached")
# When a ticket's policy changes while it is open (priority raised, tier changed):
#   "whole" (default, what Zendesk-like desks do): the new target applies to the whole ticket, measured from its
#            start with the working time already elapsed counted — Zendesk re-applies the policy on the update and
#            measures the new target from when the metric started; SaaSJet's "linked goals" document the same:
#            created 10:00 with 3 h, changed at 11:00 to 2 h → due 12:00. A stricter target may already be passed.
#   "from_change": each target applies to its own stretch; the share of the old target used carries over
#            (1 h of 3 h used, then 2 h: 2/3 × 2 h = 80 min left → due 12:20). Never breaches retroactively.
WHOLE, FROM_CHANGE = "whole", "from_change"
POLICY_CHANGE_MODES = (WHOLE, FROM_CHANGE)

Pause = tuple[datetime, datetime | None]


class PolicyChange(NamedTuple):
    """From `at` on, the ticket's target is `minutes` working minutes."""

    at: datetime
    minutes: float


@dataclass(frozen=True)
class SlaState:
    """One SLA clock of a ticket at a given moment."""

    elapsed_minutes: float  # working minutes counted so far (pauses excluded)
    target_minutes: float  # the target in force
    remaining_minutes: float  # working minutes left under the target in force; negative = overdue by
    fraction: float  # share of the target used: ≥ 0.75 warning, ≥ 1 breached
    status: str  # one of STATUSES
    due_at: datetime | None  # None while an open pause holds the clock before the target is reached
    paused: bool  # the clock is held by a pause at that moment
    stopped: bool  # the clock was stopped (answered / resolved); the figures are as of the stop


def _us(value: datetime, name: str) -> int:
    try:
        return (value - EPOCH) // ONE_US
    except TypeError:
        raise InvalidInput("naive_datetime", f"{name}: '{value}' has no timezone; pass an aware (UTC) time",
                           field=name) from None


def _dt(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def _minutes_us(minutes: float, name: str = "minutes") -> int:
    try:
        if minutes >= 0:  # False for NaN
            return int(round(minutes * MINUTE_US))
    except TypeError:
        pass
    raise InvalidInput("invalid_minutes", f"{name}: '{minutes}' must be zero or more working minutes", field=name)


def _merged(pauses: Iterable[Pause], start: int) -> list[tuple[int, int]]:
    """Pauses as sorted, merged (start, end) microsecond pairs clipped to begin at `start`; OPEN for no end."""
    spans = []
    try:
        # Inlined conversions: this runs for every deadline of every ticket with pauses.
        for begin, end in pauses:
            ps = (begin - EPOCH) // ONE_US
            pe = OPEN if end is None else (end - EPOCH) // ONE_US
            if pe < ps:
                raise InvalidInput("invalid_pause", f"pause: ends ({end.isoformat()}) before it starts "
                                   f"({begin.isoformat()})", field="pause")
            if pe > start:
                spans.append((ps if ps > start else start, pe))
    except TypeError:
        raise InvalidInput("naive_datetime", "pause: a pause time has no timezone; pass aware (UTC) times",
                           field="pause") from None
    if len(spans) < 2:
        return spans
    spans.sort()  # pauses may come in any order and overlap (two agents, a status set twice)
    merged = [spans[0]]
    for ps, pe in spans[1:]:
        last_start, last_end = merged[-1]
        if ps <= last_end:
            if pe > last_end:
                merged[-1] = (last_start, pe)
        else:
            merged.append((ps, pe))
    return merged


def _deadline_us(index: WorkingTime, start: int, need: int, pauses: list[tuple[int, int]]) -> int | None:
    worked = index.worked(start)
    for ps, pe in pauses:
        before = index.worked(ps) - worked
        if before >= need:
            break
        if pe >= OPEN:
            return None
        need -= before
        worked = index.worked(pe)
    return index.instant(worked + need)


def _worked_us(index: WorkingTime, start: int, end: int, pauses: list[tuple[int, int]]) -> int:
    total = index.worked(end) - index.worked(start)
    for ps, pe in pauses:
        if ps >= end:
            break
        total -= index.worked(pe if pe < end else end) - index.worked(ps if ps > start else start)
    return total


def working_minutes_between(calendar: WorkCalendar, start: datetime, end: datetime,
                            pauses: Sequence[Pause] = ()) -> float:
    """Working minutes from start to end in the shop's working hours, paused intervals excluded."""
    s, e = _us(start, "start"), _us(end, "end")
    if e < s:
        raise InvalidInput("invalid_interval", f"end: {end.isoformat()} is before start {start.isoformat()}",
                           field="end")
    index = calendar.working_time(s, e)
    return _worked_us(index, s, e, _merged(pauses, s) if pauses else []) / MINUTE_US


def deadline(calendar: WorkCalendar, start: datetime, minutes: float,
             pauses: Sequence[Pause] = ()) -> datetime | None:
    """The UTC instant at which `minutes` working minutes have elapsed since start, pauses excluded.

    None when a pause still open holds the clock before the target is reached (the deadline is not known yet);
    a target reached before an open pause began keeps its deadline."""
    try:
        s = (start - EPOCH) // ONE_US
    except TypeError:
        s = _us(start, "start")
    # Whole minutes are the common case; anything else goes through the checks.
    need = minutes * MINUTE_US if type(minutes) is int and minutes > 0 else _minutes_us(minutes)
    if need == 0:
        return start.astimezone(timezone.utc)
    index = calendar.working_time(s)
    if not pauses:
        return EPOCH + timedelta(microseconds=index.instant(index.worked(s) + need))
    due = _deadline_us(index, s, need, _merged(pauses, s))
    return None if due is None else EPOCH + timedelta(microseconds=due)


def sla_state(calendar: WorkCalendar, start: datetime, minutes: float, now: datetime, *,
              pauses: Sequence[Pause] = (), changes: Sequence[PolicyChange] = (), mode: str = WHOLE,
              stopped_at: datetime | None = None, warn_at: float = WARN_AT) -> SlaState:
    """The SLA clock at `now` (or at stopped_at if earlier) for a target of `minutes`, changed by `changes`."""
    if mode not in POLICY_CHANGE_MODES:
        raise InvalidInput("invalid_mode", f"mode: '{mode}' is not one of {', '.join(POLICY_CHANGE_MODES)}",
                           field="mode")
    s, n = _us(start, "start"), _us(now, "now")
    end = n if stopped_at is None else min(n, _us(stopped_at, "stopped_at"))
    end = max(end, s)
    merged = _merged(pauses, s) if pauses else []
    index = calendar.working_time(s, end)
    # The targets in force, from each change on; a change dated before the start sets the target from the start,
    # and changes after the moment looked at have not happened yet.
    steps = [(s, _minutes_us(minutes))]
    for change in sorted(changes, key=lambda c: _us(c.at, "changes.at")):
        at = max(_us(change.at, "changes.at"), s)
        if at > end:
            break
        target = _minutes_us(change.minutes, "changes.minutes")
        steps[-1:] = [(at, target)] if at == steps[-1][0] else [steps[-1], (at, target)]
    if any(target == 0 for _, target in steps):
        raise InvalidInput("invalid_minutes", "minutes: an SLA target must be more than 0 minutes", field="minutes")
    elapsed = _worked_us(index, s, end, merged)
    target = steps[-1][1]
    if mode == WHOLE:
        used = Fraction(elapsed, target)
        due = _deadline_us(index, s, target, merged)
    else:
        used, due, searching = Fraction(0), None, True
        for k, (at, step_target) in enumerate(steps):
            until = steps[k + 1][0] if k + 1 < len(steps) else end
            stretch = _worked_us(index, at, until, merged)
            need = round((1 - used) * step_target)
            # The target is reached in this stretch, or (last stretch) at some point after it.
            if searching and (stretch >= need or k == len(steps) - 1):
                due, searching = _deadline_us(index, at, need, merged), False
            used += Fraction(stretch, step_target)
    fraction = float(used)
    status = "breached" if used >= 1 else "warning" if fraction >= warn_at else "ok"
    held = stopped_at is None and any(ps <= n < pe for ps, pe in merged)
    return SlaState(elapsed_minutes=elapsed / MINUTE_US, target_minutes=target / MINUTE_US,
                    remaining_minutes=float((1 - used) * target) / MINUTE_US, fraction=fraction, status=status,
                    due_at=None if due is None else _dt(due), paused=held, stopped=stopped_at is not None)


# ---- input from the CLI (`shopcx desk deadline … --start --pause --hours`) ---------------------------------------


def parse_instant(text: str, tz_name: str, *, option: str = "--start") -> datetime:
    """An ISO time as aware UTC; without an offset it is the shop's local time. Errors name the option."""
    try:
        value = datetime.fromisoformat((text or "").strip())
    except ValueError:
        raise InvalidInput("invalid_time", f"{option}: '{text}' is not an ISO time (e.g. 2026-02-14T19:00 or "
                           "2026-02-14T11:00Z)", field=option) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz_name))
    return value.astimezone(timezone.utc)


def parse_pause(text: str, tz_name: str, *, option: str = "--pause") -> Pause:
    """'START/END' (ISO times; END empty while the pause is open) as a UTC pause. Errors name the option."""
    begin, slash, end = (text or "").strip().partition("/")
    if not slash or not begin.strip():
        raise InvalidInput("invalid_pause", f"{option}: '{text}' is not START/END (ISO times, END empty while "
                           "still paused)", field=option)
    start = parse_instant(begin, tz_name, option=option)
    stop = parse_instant(end, tz_name, option=option) if end.strip() else None
    if stop is not None and stop < start:
        raise InvalidInput("invalid_pause", f"{option}: '{text}' ends before it starts", field=option)
    return start, stop


def parse_pauses(texts: Iterable[str], tz_name: str, *, option: str = "--pause") -> tuple[Pause, ...]:
    """Every --pause value parsed (see parse_pause)."""
    return tuple(parse_pause(text, tz_name, option=option) for text in texts or ())


def deadline_answer(calendar: WorkCalendar, start: datetime, minutes: float,
                    pauses: Sequence[Pause] = ()) -> dict:
    """What `shopcx desk deadline` prints: the due time in the shop's timezone and the unconfirmed days it used."""
    due = deadline(calendar, start, minutes, pauses)
    tz = calendar.tz
    last = due or max([start, *(p[1] or p[0] for p in pauses)])
    unconfirmed = calendar.unconfirmed_days(calendar.local_date(start), calendar.local_date(last))
    return {"start": start.astimezone(tz).isoformat(), "minutes": minutes, "timezone": calendar.timezone,
            "due_at": None if due is None else due.astimezone(tz).isoformat(),
            "due_at_utc": None if due is None else due.isoformat(),
            "waiting_on_open_pause": due is None,
            "unconfirmed_days": [day.isoformat() for day in unconfirmed]}
