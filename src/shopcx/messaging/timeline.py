"""Messaging's entries on a customer's timeline: each message sent, and the customer's response to it (clicked,
unsubscribed)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.face import TimelineEntry
from .models import Message


def entries(session: Session, customer_id: int, limit: int) -> list[TimelineEntry]:
    """The customer's latest messages with their status and what the customer did."""
    out = []
    for m in session.scalars(select(Message).where(Message.customer_id == customer_id)
                             .order_by(Message.queued_at.desc()).limit(limit)):
        response = "unsubscribed" if m.unsubscribed_at else "clicked" if m.clicked_at else None
        out.append(TimelineEntry(m.sent_at or m.queued_at, "message", "timeline.message",
                                 {"channel": m.channel, "purpose": m.purpose, "status": m.status},
                                 href=None, response=response, detail=m.subject or None,
                                 words={"channel": "messaging.channel.", "purpose": "messaging.purpose.",
                                        "status": "messaging.status."}))
    return out
