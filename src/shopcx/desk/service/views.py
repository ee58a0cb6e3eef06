"""What the desk's lists show: tickets filtered by shop, status, priority, owner and overdue, with their clocks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ...core import clock
from .. import rules
from ..models import Ticket, TicketPause, TicketSla
from . import sla
from .calendar import shop_calendar

OPEN_STATUSES = ("new", "open", "waiting_buyer", "waiting_us", "reopened")


@dataclass(frozen=True)
class TicketFilter:
    shop_id: int | None = None
    status: str | None = None  # a status, "active" (not resolved or closed), or None for all
    priority: str | None = None
    owner_id: int | None = None
    unassigned: bool = False
    overdue: bool = False
    breaching_soon: bool = False  # a running clock is past its warning share but not yet due




def search(session: Session, where: TicketFilter, *, offset: int = 0, limit: int = 50,
           now: datetime | None = None) -> tuple[list[Ticket], int]:
    """Tickets matching the filter, the most urgent first (earliest running due time, then newest), and the total."""
    now = now or clock.now()
    conditions = []
    if where.shop_id is not None:
        conditions.append(Ticket.shop_id == where.shop_id)
    if where.status == "active":
        conditions.append(Ticket.status.in_(OPEN_STATUSES))
    elif where.status:
        conditions.append(Ticket.status == where.status)
    if where.priority:
        conditions.append(Ticket.priority == where.priority)
    if where.unassigned:
        conditions.append(Ticket.owner_id.is_(None))
    elif where.owner_id is not None:
        conditions.append(Ticket.owner_id == where.owner_id)
    if where.overdue:
        conditions.append(Ticket.next_due_at < now)  # a running clock is past its due time
    if where.breaching_soon:
        conditions.extend((Ticket.next_warn_at <= now, Ticket.next_due_at >= now))
    clause = and_(*conditions) if conditions else True
    total = session.scalar(select(func.count(Ticket.id)).where(clause)) or 0
    rows = session.scalars(select(Ticket).where(clause)
                           .order_by(Ticket.next_due_at.asc().nulls_last(), Ticket.id.desc())
                           .offset(offset).limit(limit))
    return list(rows), total


def badges(session: Session, tickets: list[Ticket], now: datetime | None = None) -> dict[int, dict]:
    """Per ticket, its most pressing running clock: metric, status (ok / warning / breached), due time, paused.
    Two queries for the whole page (clocks, pauses) and one calendar per shop."""
    now = now or clock.now()
    ids = [ticket.id for ticket in tickets]
    running: dict[int, list[TicketSla]] = defaultdict(list)
    held: dict[int, list] = defaultdict(list)
    if ids:
        for row in session.scalars(select(TicketSla).where(TicketSla.ticket_id.in_(ids),
                                                           TicketSla.stopped_at.is_(None))):
            running[row.ticket_id].append(row)
        for pause in session.scalars(select(TicketPause).where(TicketPause.ticket_id.in_(ids))
                                     .order_by(TicketPause.id)):
            held[pause.ticket_id].append((pause.started_at, pause.ended_at))
    out, calendars = {}, {}
    for ticket in tickets:
        if not running[ticket.id]:
            out[ticket.id] = None
            continue
        if ticket.shop_id not in calendars:  # one calendar per shop on the page, not one per row
            calendars[ticket.shop_id] = shop_calendar(session, sla.ticket_shop(session, ticket))
        states = {row.metric: rules.sla_state(calendars[ticket.shop_id], row.started_at, row.target_minutes, now,
                                              pauses=held[ticket.id]) for row in running[ticket.id]}
        metric, state = max(states.items(), key=lambda item: item[1].fraction)
        out[ticket.id] = {"metric": metric, "status": state.status, "due_at": state.due_at, "paused": state.paused}
    return out
