"""SLA warnings and the escalation ladder, run by the periodic job: at 75% of a clock's target the owner is warned,
at 100% the breach is recorded on the clock and the owner told, then the team lead (125%) and the managers (150%).
Each step is one `sla_escalation` row (unique per ticket, clock and step), so a step is never sent twice; each is
also a ticket event and an in-app notice (the messaging domain is not in main yet)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import clock
from ...staff.service import SYSTEM
from .. import playbook
from ..models import Ticket, TicketSla
from ..records import SlaEscalation
from . import notices, sla
from .calendar import shop_calendar
from .staffing import leads_of
from .tickets import _event, hook

HOOKED = {"warning": "ticket.sla_warning", "breach": "ticket.sla_breached"}  # the steps subscribers can follow


def _audience(session: Session, ticket: Ticket, who: str) -> list[int]:
    if who == "owner":
        return [ticket.owner_id] if ticket.owner_id else []
    if who == "lead":
        return leads_of(session, ticket.owner_id)
    return [u.id for u in notices.active_staff(session) if u.role == "manager"]


def steps_taken(session: Session, ticket_id: int) -> list[SlaEscalation]:
    return list(session.scalars(select(SlaEscalation).where(SlaEscalation.ticket_id == ticket_id)
                                .order_by(SlaEscalation.id)))


def escalate_ticket(session: Session, ticket: Ticket, now: datetime, calendar=None) -> list[tuple[str, str]]:
    """Take the ladder's steps this ticket's running clocks have reached; returns [(metric, step)] taken."""
    states = sla.states(session, ticket, now, calendar=calendar)
    done: dict[str, list[str]] = {}
    for row in steps_taken(session, ticket.id):
        done.setdefault(row.metric, []).append(row.step)
    rows = sla.clocks(session, ticket)
    taken = []
    for metric, state in states.items():
        if state.stopped or state.target_minutes <= 0:
            continue
        for step, who in playbook.steps_due(state.fraction, done.get(metric, [])):
            users = _audience(session, ticket, who)
            session.add(SlaEscalation(ticket_id=ticket.id, metric=metric, step=step, at=now,
                                      notified_user_id=users[0] if users else None))
            for user_id in users:
                notices.to_user(session, ticket, user_id, f"sla_{step}", {"metric": metric}, now=now)
            _event(session, ticket, "sla", metric, step, SYSTEM, now)
            if step in HOOKED:
                hook(session, ticket.shop_id, HOOKED[step], ticket_id=ticket.id, metric=metric)
            if step == "breach":
                rows[metric].breached = True
            taken.append((metric, step))
    session.flush()
    return taken


def run(session: Session, now: datetime | None = None) -> int:
    """The periodic job over every ticket with a running clock; returns the number of steps taken."""
    now = now or clock.now()
    running = select(TicketSla.ticket_id).where(TicketSla.stopped_at.is_(None), TicketSla.due_at.is_not(None))
    tickets = session.scalars(select(Ticket).where(Ticket.id.in_(running),
                                                   Ticket.status.notin_(("resolved", "closed"))).order_by(Ticket.id))
    calendars: dict[int, object] = {}
    count = 0
    for ticket in tickets:
        if ticket.shop_id not in calendars:
            calendars[ticket.shop_id] = shop_calendar(session, sla.ticket_shop(session, ticket))
        count += len(escalate_ticket(session, ticket, now, calendars[ticket.shop_id]))
    return count
