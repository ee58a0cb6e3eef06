"""Referrals: a code per member; the referrer is rewarded when the referee's first order is past its return window."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..orders.models import Order
from .models import LoyaltyAccount
from .program import ActiveProgram


def order_activated(session: Session, program: ActiveProgram, account: LoyaltyAccount, order: Order) -> int:
    """Called when an order's points become available; rewards a pending referral. Returns rewards given."""
    return 0
