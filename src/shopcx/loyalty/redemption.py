"""Spending points: rewards from the catalogue, points as payment on an order, and giving them back on refund."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..orders.models import Order
from .models import LoyaltyAccount
from .program import ActiveProgram


def restore_for_order(session: Session, program: ActiveProgram, account: LoyaltyAccount, order: Order) -> int:
    """Give back, once, the points spent as payment on an order that was refunded; returns points restored."""
    return 0
