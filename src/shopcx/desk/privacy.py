"""The desk's part of a buyer's data rights: export their tickets with the thread and history; erase the buyer's
own words and every mention of their name, phone or e-mail in subjects, replies, notes and root causes, and in the
bodies the outgoing webhooks keep."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.privacy import ERASED, Erasure
from ..core.rows import row_dict
from .models import Ticket, TicketEvent, TicketMessage
from .webhooks.tables import DeskWebhookDelivery


def _tickets(session: Session, customer_id: int) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.customer_id == customer_id).order_by(Ticket.id)))


def open_tickets(session: Session, customer_id: int) -> list[Ticket]:
    """The customer's tickets not yet resolved or closed (an erasure asks first)."""
    return [t for t in _tickets(session, customer_id) if t.status not in ("resolved", "closed")]


def erase(session: Session, erasure: Erasure) -> None:
    tickets = _tickets(session, erasure.customer_id)
    for t in tickets:
        t.subject, t.root_cause = erasure.scrub(t.subject), erasure.scrub(t.root_cause)
    ids = [t.id for t in tickets]
    if ids:
        for m in session.scalars(select(TicketMessage).where(TicketMessage.ticket_id.in_(ids))):
            m.body = ERASED if m.kind == "buyer" else erasure.scrub(m.body)
        for e in session.scalars(select(TicketEvent).where(TicketEvent.ticket_id.in_(ids))):
            e.before, e.after = erasure.scrub(e.before), erasure.scrub(e.after)
    # what the outgoing webhooks keep (and may still send) of the buyer's tickets and promises
    for d in session.scalars(select(DeskWebhookDelivery).where(DeskWebhookDelivery.customer_id == erasure.customer_id)):
        d.body = json.dumps(erasure.scrub_json(json.loads(d.body)), ensure_ascii=False)
    session.flush()


def export(session: Session, customer_id: int) -> dict[str, list[dict]]:
    tickets = _tickets(session, customer_id)
    ids = [t.id for t in tickets]
    messages = session.scalars(select(TicketMessage).where(TicketMessage.ticket_id.in_(ids),
                                                           TicketMessage.kind != "note")) if ids else []
    return {"ticket": [row_dict(t) for t in tickets], "ticket_message": [row_dict(m) for m in messages]}


def blockers(session: Session, customer_id: int) -> list[str]:
    """What an erasure must ask about first: the customer's open tickets."""
    return [f"ticket #{t.id} {t.subject}" for t in open_tickets(session, customer_id)]
