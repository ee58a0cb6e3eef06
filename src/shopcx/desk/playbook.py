"""The agent's playbook, pure: standard answers' variables, graded compensation authority (分级授权), promise
keeping, the SLA escalation ladder and who is on shift to take a ticket. No database; tested on hand-worked cases
in tests/desk/test_rules_playbook.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..core.calendar import parse_hours

# ---- standard answers ---------------------------------------------------------------------------------------------

VARIABLES = ("buyer_name", "order_no", "tracking_no", "carrier", "promised_date", "tier", "points", "ticket_no",
             "shop_name", "agent_name")
_VARIABLE = re.compile(r"\{([a-z_]+)\}")


def variables_in(template: str) -> list[str]:
    """The {names} a template uses, in order of first use."""
    return list(dict.fromkeys(_VARIABLE.findall(template or "")))


def unknown_variables(template: str) -> list[str]:
    """Names in braces that are no variable of the desk (a typo such as {oder_no})."""
    return [name for name in variables_in(template) if name not in VARIABLES]


def fill(template: str, values: Mapping[str, object]) -> tuple[str, list[str]]:
    """The template with each {variable} replaced by its value; variables without a value stay as written and are
    listed (the agent fills them in before sending)."""
    missing: list[str] = []

    def one(match: re.Match) -> str:
        name = match.group(1)
        value = values.get(name)
        if value is None or value == "":
            if name not in missing:
                missing.append(name)
            return match.group(0)
        return str(value)

    return _VARIABLE.sub(one, template or ""), missing


# ---- graded authority ---------------------------------------------------------------------------------------------

KINDS = ("refund", "coupon", "points", "reship", "gift")
POINTS_KINDS = ("points",)  # counted in points; every other kind in the shop currency's minor units


@dataclass(frozen=True)
class Limit:
    """What one role may grant of one kind without approval."""

    per_ticket: int
    per_day: int


@dataclass(frozen=True)
class Verdict:
    """The answer to a compensation asked for: "grant" at once, "request" approval, or "refuse" (above every
    role's limit); `approvers` are the roles whose per-ticket limit covers it."""

    outcome: str
    approvers: tuple[str, ...] = ()


def judge(value: int, *, role: str | None, limits: Mapping[str, Limit], ticket_total: int, day_total: int) -> Verdict:
    """Within the role's limits (this ticket's granted total plus `value` ≤ per ticket, and the person's granted
    total today plus `value` ≤ per day) it is granted; else it goes to a role whose per-ticket limit covers the
    ticket's total; when no role's does, it is refused."""
    if value <= 0:
        raise ValueError("value must be positive")
    after_ticket = ticket_total + value
    approvers = tuple(sorted(r for r, limit in limits.items() if limit.per_ticket >= after_ticket))
    own = limits.get(role) if role is not None else None
    if own is not None and after_ticket <= own.per_ticket and day_total + value <= own.per_day:
        return Verdict("grant", approvers)
    if not approvers:
        return Verdict("refuse")
    return Verdict("request", approvers)


def may_approve(*, approver_role: str | None, approver_id: int | None, approver_label: str, requester_id: int | None,
                requester_label: str, limits: Mapping[str, Limit], ticket_total: int, value: int) -> str | None:
    """None when this person may approve the request, else why not: "four_eyes" (their own request),
    "over_approval_limit" (their role's per-ticket limit does not cover the ticket's total with it)."""
    if (approver_id is not None and approver_id == requester_id) or approver_label == requester_label:
        return "four_eyes"
    limit = limits.get(approver_role) if approver_role else None
    if limit is None or limit.per_ticket < ticket_total + value:
        return "over_approval_limit"
    return None


# ---- promises -----------------------------------------------------------------------------------------------------

REMIND_BEFORE = timedelta(hours=4)


def keeping_rate(kept: int, broken: int) -> float | None:
    """Kept ÷ (kept + broken): promises still open are not counted; None when none is decided yet."""
    decided = kept + broken
    return None if decided == 0 else kept / decided


def promise_step(due_at: datetime, now: datetime, *, reminded: bool, status: str = "open") -> str | None:
    """What the periodic job does with an open promise now: "remind" once within REMIND_BEFORE of the due time,
    "break" once the due time has passed (the promise is broken and escalates), else None."""
    if status != "open":
        return None
    if now >= due_at:
        return "break"
    if not reminded and now >= due_at - REMIND_BEFORE:
        return "remind"
    return None


# ---- the SLA escalation ladder ------------------------------------------------------------------------------------

# (step, share of the target used, who hears of it): a warning to the owner at 75%, the breach to the owner at 100%,
# then up the ladder — the team lead at 125%, the manager at 150% of the target.
LADDER = (("warning", 0.75, "owner"), ("breach", 1.0, "owner"), ("lead", 1.25, "lead"), ("manager", 1.5, "manager"))


def steps_due(fraction: float, done: Sequence[str]) -> list[tuple[str, str]]:
    """The ladder's steps reached at this share of the target and not yet taken: [(step, audience)]."""
    return [(step, who) for step, share, who in LADDER if fraction >= share and step not in done]


PRIORITY_ORDER = ("low", "normal", "high", "urgent")


def raised_priority(priority: str, priority_service: bool) -> str:
    """A member whose tier has the "priority service" benefit gets the next priority up (urgent stays urgent)."""
    if not priority_service or priority not in PRIORITY_ORDER:
        return priority
    return PRIORITY_ORDER[min(PRIORITY_ORDER.index(priority) + 1, len(PRIORITY_ORDER) - 1)]


# ---- assignment ---------------------------------------------------------------------------------------------------

METHODS = ("round_robin", "least_loaded")


@dataclass(frozen=True)
class Candidate:
    """An agent who might take the ticket."""

    user_id: int
    shift: tuple[str, ...]  # seven "HH:MM-HH:MM" (Monday first), or () when no shift is set (always available)
    skills: tuple[str, ...]  # categories; () = handles any category
    load: int  # open tickets they own


def on_shift(shift: Sequence[str], at: datetime, tz_name: str) -> bool:
    """Is `at` inside the agent's shift on that local weekday? An agent without a shift is always on."""
    if not shift:
        return True
    local = at.astimezone(ZoneInfo(tz_name))
    minute = local.hour * 60 + local.minute
    hours = parse_hours(shift[local.weekday()] if len(shift) == 7 else "", option="shift")
    return any(start <= minute < end for start, end in hours)


def choose(candidates: Sequence[Candidate], *, category: str | None, at: datetime, tz_name: str, method: str,
           last_user_id: int | None) -> int | None:
    """The agent to take a ticket: among those on shift, those with the category's skill first (else anyone on
    shift); round_robin takes the next id after the last one given a ticket, least_loaded the fewest open tickets
    (ties to the lower id). None when nobody is on shift."""
    present = [c for c in candidates if on_shift(c.shift, at, tz_name)]
    skilled = [c for c in present if category and category in c.skills]
    pool = sorted(skilled or present, key=lambda c: c.user_id)
    if not pool:
        return None
    if method == "least_loaded":
        return min(pool, key=lambda c: (c.load, c.user_id)).user_id
    return next((c.user_id for c in pool if last_user_id is None or c.user_id > last_user_id), pool[0].user_id)


# ---- outgoing webhooks --------------------------------------------------------------------------------------------

WEBHOOK_BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360, 720)  # after the 1st … 7th failed try; the 8th is the last


def webhook_retry_in(attempts: int) -> timedelta | None:
    """The wait before the next try of a delivery that has failed `attempts` times (temporarily: a 5xx, 408, 429, a
    timeout, a refused connection); None once it has had its last try (8 tries over about 21 hours)."""
    if attempts < 1 or attempts > len(WEBHOOK_BACKOFF_MINUTES):
        return None
    return timedelta(minutes=WEBHOOK_BACKOFF_MINUTES[attempts - 1])


def webhook_outcome(status_code: int) -> str:
    """delivered for a 2xx answer; retry for 408, 429 and 5xx (the receiver may recover); failed for any other."""
    if 200 <= status_code < 300:
        return "delivered"
    return "retry" if status_code in (408, 429) or status_code >= 500 else "failed"
