"""The customer's own entries on their timeline: when they were first recorded and their consent changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.face import TimelineEntry
from .models import Customer, CustomerConsent


def entries(session: Session, customer_id: int, limit: int) -> list[TimelineEntry]:
    """First recorded, and each channel's latest consent given or withdrawn (and from where)."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return []
    out = [TimelineEntry(customer.created_at, "consent", "timeline.created", {}, href=None)]
    for c in session.scalars(select(CustomerConsent).where(CustomerConsent.customer_id == customer_id).limit(limit)):
        out.append(TimelineEntry(c.changed_at, "consent", "timeline.consent",
                                 {"channel": c.channel, "granted": c.granted, "source": c.source or ""},
                                 words={"channel": "channel.", "source": "source."}))
    return out
