"""Points for a review with text: once per order, when the text has at least `review_min_chars` characters that
are not spaces; available at once. The outbox handler turns `review_received` events into these points.

Platform default reviews (系统默认好评, written when the buyer wrote nothing) never earn, whatever their text.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from ..core import clock, jobs
from ..core.errors import InvalidInput, ShopCXError
from ..core.events import OutboxEvent
from ..orders.models import Order
from . import ledger
from .accounts import enrol, expiry_for
from .models import LoyaltyAccount, PointsEntry
from .program import ActiveProgram, active

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


def _review_text(session: Session, review_id) -> tuple[str | None, int | None]:
    try:
        from ..reviews.models import Review
    except ImportError:  # the reviews domain is optional for loyalty
        return None, None
    review = session.get(Review, review_id) if review_id is not None else None
    if review is None:
        return None, None
    return review.text, review.order_id


@jobs.on_event("review_received")
def on_review_received(session: Session, event: OutboxEvent) -> None:
    """review_received → review points for the buyer (default reviews and reviews without text earn nothing)."""
    payload = event.payload or {}
    if payload.get("is_default") or not payload.get("customer_id") or not payload.get("shop_id"):
        return
    program = active(session, payload["shop_id"])
    if program is None or program.config.earning.review_points <= 0:
        return
    review_id = payload.get("review_id") or event.aggregate_id
    text, order_id = None, payload.get("order_id")
    if payload.get("has_text"):
        text, stored_order = _review_text(session, review_id)
        order_id = order_id or stored_order
    length = payload.get("text_length") if text is None else None
    if order_id is None or (text is None and not length):
        return
    account = enrol(session, program, payload["customer_id"])
    try:
        award_review_points(session, program, account, order_id=order_id, review_id=review_id, text=text,
                            length=length)
    except ShopCXError as exc:  # a bad event must not be retried forever
        log.warning("review %s: no review points (%s)", review_id, exc.message)
