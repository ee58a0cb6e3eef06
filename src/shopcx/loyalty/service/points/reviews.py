"""Points for a review with text: once per order, when the text has at least `review_min_chars` characters that
are not spaces; available at once. The outbox handler in `loyalty/jobs.py` turns `review_received` events
into these points.

Platform default reviews (系统默认好评, written when the buyer wrote nothing) never earn, whatever their text.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from ....core import clock
from ....core.errors import InvalidInput
from ....orders.models import Order
from ...models import LoyaltyAccount, PointsEntry
from ..members.accounts import expiry_for
from ..program.versions import ActiveProgram
from . import ledger

log = logging.getLogger("shopcx.loyalty")


def text_length(text: str | None) -> int:
    """Characters that are not whitespace (what the minimum counts: padding with spaces does not help)."""
    return len("".join((text or "").split()))


def award_review_points(session: Session, program: ActiveProgram, account: LoyaltyAccount, *, order_id: int,
                        review_id: int | str | None, text: str | None = None,
                        length: int | None = None) -> PointsEntry | None:
    """Credit the review points for one of the member's orders (once per order); None when nothing is due."""
    points = program.config.earning.review_points
    counted = text_length(text) if text is not None else (length or 0)
    if points <= 0 or counted < program.config.earning.review_min_chars:
        return None
    order = session.get(Order, order_id)
    if order is None or order.shop_id != program.shop.id or order.customer_id != account.customer_id \
            or order.kind != "sale" or order.paid_at is None:
        raise InvalidInput("review_points_order_mismatch", f"order_id: {order_id} is not a paid order of this member",
                           field="order_id")
    key = f"review:{order_id}"
    if ledger.entry_by_key(session, key) is not None:
        return None
    ledger.lock_account(session, account)
    today = clock.today_in(program.shop.timezone)
    entry = ledger.credit(session, account, points, key=key, kind="earn", reason="review",
                          expires_on=expiry_for(program, today), order_id=order_id, source_type="review",
                          source_id=None if review_id is None else str(review_id), rule_version=program.version,
                          earned_on=today, detail={"chars": counted})
    if entry is not None and account.shortfall:
        ledger.settle_shortfall(session, account, key=f"settle:{entry.id}")
    return entry


