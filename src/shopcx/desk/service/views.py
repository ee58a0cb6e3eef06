"""What the desk's lists show: tickets filtered by shop, status, priority, owner and overdue, with their clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ...core import clock
from ..models import Ticket
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
    clause = and_(*conditions) if conditions else True
    total = session.scalar(select(func.count(Ticket.id)).where(clause)) or 0
    rows = session.scalars(select(Ticket).where(clause)
                           .order_by(Ticket.next_due_at.asc().nulls_last(), Ticket.id.desc())
                           .offset(offset).limit(limit))
    return list(rows), total


def badges(session: Session, tickets: list[Ticket], now: datetime | None = None) -> dict[int, dict]:
    """Per ticket, its most pressing running clock: metric, status (ok / warning / breached), due time, paused."""
    now = now or clock.now()
    out, calendars = {}, {}
    for ticket in tickets:
        if ticket.shop_id not in calendars:  # one calendar per shop on the page, not one per row
            calendars[ticket.shop_id] = shop_calendar(session, sla.ticket_shop(session, ticket))
        states = {m: s for m, s in sla.states(session, ticket, now, calendar=calendars[ticket.shop_id]).items()
                  if not s.stopped}
        if not states:
            out[ticket.id] = None
            continue
        metric, state = max(states.items(), key=lambda item: item[1].fraction)
        out[ticket.id] = {"metric": metric, "status": state.status, "due_at": state.due_at, "paused": state.paused}
    return out
