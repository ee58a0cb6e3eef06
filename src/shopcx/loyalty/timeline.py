"""The loyalty entries on a customer's timeline: points earned, spent, expired and adjusted (with who and why) and
tier changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.face import TimelineEntry
from .models import LoyaltyAccount, PointsEntry, TierChange


def entries(session: Session, customer_id: int, limit: int) -> list[TimelineEntry]:
    """The latest ledger lines and tier changes of the customer's member accounts."""
    accounts = list(session.scalars(select(LoyaltyAccount.id).where(LoyaltyAccount.customer_id == customer_id)))
    if not accounts:
        return []
    lines = session.scalars(select(PointsEntry).where(PointsEntry.account_id.in_(accounts))
                            .order_by(PointsEntry.id.desc()).limit(limit))
    out = [TimelineEntry(e.created_at, "points", "timeline.points",
                         {"kind": e.kind, "points": e.points or e.pending_points, "reason": e.reason},
                         who=e.actor, href=f"/loyalty/members/{e.account_id}", response=e.note) for e in lines]
    changes = session.scalars(select(TierChange).where(TierChange.account_id.in_(accounts))
                              .order_by(TierChange.at.desc()).limit(limit))
    out += [TimelineEntry(c.at, "tier", "timeline.tier", {"from": c.from_tier or "—", "to": c.to_tier or "—",
                                                           "reason": c.reason},
                          who=c.actor, href=f"/loyalty/members/{c.account_id}", response=c.note) for c in changes]
    return out
