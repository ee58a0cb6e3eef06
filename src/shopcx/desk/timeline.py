"""The desk's entries on a customer's timeline: tickets opened, the buyer's messages, replies and staff notes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.face import TimelineEntry
from .models import Ticket, TicketMessage

_KIND = {"buyer": "ticket", "reply": "ticket", "note": "note"}


def entries(session: Session, customer_id: int, limit: int) -> list[TimelineEntry]:
    """The customer's latest tickets and their messages (who wrote each; the buyer's words as the response)."""
    tickets = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.customer_id == customer_id)
                                                 .order_by(Ticket.created_at.desc()).limit(limit))}
    out = [TimelineEntry(t.created_at, "ticket", "timeline.ticket",
                         {"subject": t.subject, "status": t.status, "channel": t.channel},
                         who=t.created_by, href=f"/desk/tickets/{t.id}",
                         words={"status": "desk.status.", "channel": "desk.channel."}) for t in tickets.values()]
    if tickets:
        rows = session.scalars(select(TicketMessage).where(TicketMessage.ticket_id.in_(tickets))
                               .order_by(TicketMessage.created_at.desc()).limit(limit))
        for m in rows:
            buyer = m.kind == "buyer"
            out.append(TimelineEntry(m.created_at, _KIND.get(m.kind, "ticket"), f"timeline.ticket_{m.kind}",
                                     {"subject": tickets[m.ticket_id].subject}, who=None if buyer else m.author,
                                     href=f"/desk/tickets/{m.ticket_id}", response=m.body if buyer else None,
                                     detail=None if buyer else m.body))
    return out
