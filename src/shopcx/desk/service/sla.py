"""SLA policies and a ticket's SLA clocks: targets per priority and channel, due times computed with `desk.rules`
on the shop's calendar, paused while the ticket waits on the buyer (or stays resolved until it is reopened)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import InvalidInput
from ...staff.service import Actor, audit
from .. import rules
from ..models import SlaPolicy, Ticket, TicketPause, TicketSla
from .calendar import shop_calendar

PRIORITIES = ("low", "normal", "high", "urgent")
CHANNELS = ("phone", "chat", "form", "email", "api", "webhook", "review", "survey")
METRICS = ("first_response", "next_response", "resolution")
# Working minutes when the shop has set no policy: first response, next response, resolution.
DEFAULT_TARGETS = {"urgent": (30, 60, 480), "high": (60, 120, 1080), "normal": (240, 480, 2160),
                   "low": (480, 960, 4320)}


def _minutes(value, field: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = 0
    if number <= 0 or number > 525_600:
        raise InvalidInput("invalid_minutes", f"{field}: '{value}' must be a whole number of working minutes "
                           "above 0", field=field)
    return number


def check_choice(value: str | None, choices: tuple[str, ...], field: str, *, optional: bool = False) -> str | None:
    """The value if it is one of the choices; errors name the field and list the choices."""
    value = (value or "").strip() or None
    if value is None and optional:
        return None
    if value not in choices:
        raise InvalidInput("invalid_choice", f"{field}: '{value or ''}' is not one of {', '.join(choices)}",
                           field=field, values={"choices": ", ".join(choices)})
    return value


def targets_for(session: Session, shop_id: int, priority: str, channel: str | None) -> tuple[int, int, int]:
    """(first response, next response, resolution) working minutes: the channel's policy, else the priority's
    policy for any channel, else the defaults."""
    rows = session.scalars(select(SlaPolicy).where(SlaPolicy.shop_id == shop_id, SlaPolicy.priority == priority))
    by_channel = {row.channel: row for row in rows}
    row = by_channel.get(channel) or by_channel.get(None)
    if row is None:
        return DEFAULT_TARGETS[priority]
    return row.first_response_minutes, row.next_response_minutes, row.resolution_minutes


def ticket_targets(session: Session, ticket: Ticket, member=None) -> tuple[int, int, int]:
    """A ticket's targets: the policy for its buyer's loyalty tier and priority first, then `targets_for`
    (`member`: the buyer's `members.Membership` when the caller has read it already)."""
    from .members import tier_targets

    return (tier_targets(session, ticket, member)
            or targets_for(session, ticket.shop_id, ticket.priority, ticket.channel))


def policy_minutes(first_response, next_response, resolution) -> tuple[int, int, int]:
    """A policy's three targets, each checked; errors name the field."""
    return (_minutes(first_response, "first_response_minutes"), _minutes(next_response, "next_response_minutes"),
            _minutes(resolution, "resolution_minutes"))


def open_of_priority(session: Session, shop_id: int, priority: str):
    """The shop's tickets of this priority not yet resolved (a policy change recomputes their due times)."""
    return session.scalars(select(Ticket).where(Ticket.shop_id == shop_id, Ticket.priority == priority,
                                                Ticket.status.notin_(("resolved", "closed"))))


def policies(session: Session, shop_id: int) -> list[SlaPolicy]:
    return list(session.scalars(select(SlaPolicy).where(SlaPolicy.shop_id == shop_id)
                                .order_by(SlaPolicy.priority, SlaPolicy.channel)))


def save_policy(session: Session, shop, *, priority: str, channel: str | None, first_response, next_response,
                resolution, actor: Actor, now: datetime | None = None) -> SlaPolicy:
    """Set the targets of one priority (and channel); open tickets it governs get their due times recomputed."""
    actor.require("desk:settings")
    priority = check_choice(priority, PRIORITIES, "priority")
    channel = check_choice(channel, CHANNELS, "channel", optional=True)
    values = policy_minutes(first_response, next_response, resolution)
    row = session.scalar(select(SlaPolicy).where(SlaPolicy.shop_id == shop.id, SlaPolicy.priority == priority,
                                                 SlaPolicy.channel.is_(None) if channel is None
                                                 else SlaPolicy.channel == channel))
    if row is None:
        row = SlaPolicy(shop_id=shop.id, priority=priority, channel=channel)
        session.add(row)
    row.first_response_minutes, row.next_response_minutes, row.resolution_minutes = values
    row.updated_at = clock.now()
    session.flush()
    audit(session, actor, "desk.sla_policy", "shop", shop.id,
          {"priority": priority, "channel": channel, "minutes": list(values)})
    for ticket in open_of_priority(session, shop.id, priority):
        if channel is None or ticket.channel == channel:
            retarget(session, ticket, now=now)
    return row


# ---- a ticket's clocks --------------------------------------------------------------------------------------------


def clocks(session: Session, ticket: Ticket) -> dict[str, TicketSla]:
    return {row.metric: row for row in session.scalars(select(TicketSla).where(TicketSla.ticket_id == ticket.id))}


def pauses(session: Session, ticket: Ticket) -> list[tuple[datetime, datetime | None]]:
    return [(p.started_at, p.ended_at) for p in
            session.scalars(select(TicketPause).where(TicketPause.ticket_id == ticket.id).order_by(TicketPause.id))]


def start_clock(session: Session, ticket: Ticket, metric: str, at: datetime) -> TicketSla:
    """Start (or restart) one clock from `at` with the ticket's current target."""
    return start_clocks(session, ticket, (metric,), at)[metric]


def start_clocks(session: Session, ticket: Ticket, metrics: tuple[str, ...], at: datetime, *,
                 member=None, fresh: bool = False) -> dict[str, TicketSla]:
    """Start (or restart) clocks from `at` together: the targets, clocks, calendar and pauses are read once and
    each due time is computed before its row is written (`fresh`: a ticket just made, with no clocks or pauses)."""
    targets = dict(zip(METRICS, ticket_targets(session, ticket, member), strict=True))
    rows = {} if fresh else clocks(session, ticket)
    # read before the rows change, so no query flushes a row whose due time is not computed yet
    calendar = shop_calendar(session, ticket_shop(session, ticket))
    held = [] if fresh else pauses(session, ticket)
    for metric in metrics:
        row = rows.get(metric)
        if row is None:
            row = rows[metric] = TicketSla(ticket_id=ticket.id, metric=metric)
            session.add(row)
        row.started_at, row.target_minutes, row.stopped_at, row.breached = at, targets[metric], None, False
    _due_times(rows, calendar, held)
    _next_due(ticket, rows)
    session.flush()
    return rows


def stop_clock(session: Session, ticket: Ticket, metric: str, at: datetime) -> TicketSla | None:
    """Stop a running clock at `at`, recording whether it was met."""
    row = clocks(session, ticket).get(metric)
    if row is None or row.stopped_at is not None:
        return row
    state = rules.sla_state(shop_calendar(session, ticket_shop(session, ticket)), row.started_at,
                            row.target_minutes, at, pauses=pauses(session, ticket), stopped_at=at)
    row.stopped_at, row.breached = at, state.status == "breached"
    _keep_next_due(session, ticket)
    return row


def resume_clock(session: Session, ticket: Ticket, metric: str) -> None:
    """Let a stopped clock run on (a reopened ticket's resolution clock; the pause covers the gap)."""
    row = clocks(session, ticket).get(metric)
    if row is not None:
        row.stopped_at, row.breached = None, False
        refresh(session, ticket)


def retarget(session: Session, ticket: Ticket, now: datetime | None = None) -> None:
    """The ticket's priority or its policy changed: running clocks take the new target for the whole ticket
    (rules.WHOLE: measured from the clock's start, working time already elapsed counted)."""
    targets = dict(zip(METRICS, ticket_targets(session, ticket),
                       strict=True))
    for metric, row in clocks(session, ticket).items():
        if row.stopped_at is None:
            row.target_minutes = targets[metric]
    refresh(session, ticket)


def fill_warn_times(session: Session, *, limit: int = 2000) -> int:
    """Tickets whose clocks run but have no warning time yet (opened before migration 0027) get their clocks
    recomputed, so the inbox's "breaching soon" view covers them; the periodic job calls this until none is left."""
    found = list(session.scalars(select(Ticket).where(Ticket.next_due_at.is_not(None), Ticket.next_warn_at.is_(None))
                                 .order_by(Ticket.id).limit(limit)))
    for ticket in found:
        refresh(session, ticket)
    return len(found)


def refresh(session: Session, ticket: Ticket) -> None:
    """Recompute the due time of every running clock (after a pause began or ended, or a target changed)."""
    _recompute(session, ticket, clocks(session, ticket))
    session.flush()


def _recompute(session: Session, ticket: Ticket, rows: dict[str, TicketSla]) -> None:
    if any(row.stopped_at is None for row in rows.values()):
        _due_times(rows, shop_calendar(session, ticket_shop(session, ticket)), pauses(session, ticket))
    _next_due(ticket, rows)


def _due_times(rows: dict[str, TicketSla], calendar, held) -> None:
    for row in rows.values():
        if row.stopped_at is None:
            row.due_at = rules.deadline(calendar, row.started_at, row.target_minutes, held)
            row.warn_at = rules.deadline(calendar, row.started_at, row.target_minutes * rules.WARN_AT, held)


def _keep_next_due(session: Session, ticket: Ticket) -> None:
    _next_due(ticket, clocks(session, ticket))


def _next_due(ticket: Ticket, rows: dict[str, TicketSla]) -> None:
    due = [row.due_at for row in rows.values() if row.stopped_at is None and row.due_at]
    ticket.next_due_at = min(due) if due else None
    # a clock held by an open pause (no due time) is not "breaching soon", even if its warning time has passed
    warn = [row.warn_at for row in rows.values() if row.stopped_at is None and row.due_at and row.warn_at]
    ticket.next_warn_at = min(warn) if warn else None


def states(session: Session, ticket: Ticket, now: datetime | None = None, *,
           calendar=None) -> dict[str, rules.SlaState]:
    """Each clock's state at `now`: elapsed and remaining working minutes, ok / warning / breached, due time
    (`calendar`: the shop's, when the caller already has it)."""
    now = now or clock.now()
    calendar = calendar or shop_calendar(session, ticket_shop(session, ticket))
    held = pauses(session, ticket)
    return {metric: rules.sla_state(calendar, row.started_at, row.target_minutes, now, pauses=held,
                                    stopped_at=row.stopped_at)
            for metric, row in clocks(session, ticket).items()}


def ticket_shop(session: Session, ticket: Ticket):
    from ...shops import service as shops

    return shops.get_shop_by_id(session, ticket.shop_id)
