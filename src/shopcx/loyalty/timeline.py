"""The loyalty entries on a customer's timeline: points earned, spent, expired and adjusted (with who and why) and
tier changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.face import TimelineEntry
from .models import LoyaltyAccount, PointsEntry, TierChange
from .service.program import versions


def entries(session: Session, customer_id: int, limit: int) -> list[TimelineEntry]:
    """The latest ledger lines and tier changes of the customer's member accounts (tiers by their names in the
    shop's current rules; a tier since removed from them keeps its code)."""
    accounts = dict(session.execute(select(LoyaltyAccount.id, LoyaltyAccount.shop_id)
                                    .where(LoyaltyAccount.customer_id == customer_id)).all())
    if not accounts:
        return []
    lines = session.scalars(select(PointsEntry).where(PointsEntry.account_id.in_(accounts))
                            .order_by(PointsEntry.id.desc()).limit(limit))
    out = [TimelineEntry(e.created_at, "points", "timeline.points",
                         {"kind": e.kind, "points": e.points or e.pending_points, "reason": e.reason},
                         who=e.actor, href=f"/loyalty/members/{e.account_id}", response=e.note,
                         words={"kind": "loyalty.kind.", "reason": "loyalty.reason."}) for e in lines]
    programs = {shop_id: versions.active(session, shop_id) for shop_id in set(accounts.values())}
    changes = session.scalars(select(TierChange).where(TierChange.account_id.in_(accounts))
                              .order_by(TierChange.at.desc()).limit(limit))
    for c in changes:
        program = programs[accounts[c.account_id]]
        words: dict = {"reason": "loyalty.tier_reason."}
        for end, code in (("from", c.from_tier), ("to", c.to_tier)):
            tier = program.config.tier(code) if program is not None else None
            if tier is not None:
                words[end] = {"zh": tier.name_zh, "en": tier.name_en}
        out.append(TimelineEntry(c.at, "tier", "timeline.tier", {"from": c.from_tier or "—", "to": c.to_tier or "—",
                                                                 "reason": c.reason},
                                 who=c.actor, href=f"/loyalty/members/{c.account_id}", response=c.note,
                                 words=words))
    return out
