"""Loyalty's part of a buyer's data rights: export the member accounts, points ledger and tier changes; erase
only mentions of the buyer in notes (every ledger line and its points stay, so balances still add up)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.privacy import Erasure
from ..core.rows import row_dict
from .models import LoyaltyAccount, PointsEntry, TierChange


def _accounts(session: Session, customer_id: int) -> list[LoyaltyAccount]:
    return list(session.scalars(select(LoyaltyAccount).where(LoyaltyAccount.customer_id == customer_id)))


def erase(session: Session, erasure: Erasure) -> None:
    ids = [a.id for a in _accounts(session, erasure.customer_id)]
    if not ids:
        return
    for e in session.scalars(select(PointsEntry).where(PointsEntry.account_id.in_(ids), PointsEntry.note.is_not(None))):
        e.note = erasure.scrub(e.note)
    for c in session.scalars(select(TierChange).where(TierChange.account_id.in_(ids), TierChange.note.is_not(None))):
        c.note = erasure.scrub(c.note)
    session.flush()


def export(session: Session, customer_id: int) -> dict[str, list[dict]]:
    accounts = _accounts(session, customer_id)
    ids = [a.id for a in accounts]
    out = {"loyalty_account": [row_dict(a) for a in accounts]}
    for name, model in (("points_entry", PointsEntry), ("tier_change", TierChange)):
        out[name] = [row_dict(r) for r in session.scalars(select(model).where(model.account_id.in_(ids))
                                                          .order_by(model.id))] if ids else []
    return out
