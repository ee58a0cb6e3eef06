"""Loyalty hangs off the order events (earning, reversal, tiers) and the review events (review points), and runs
its calendar work every 15 minutes, so expiry and birthdays happen right after midnight in each shop's timezone."""

from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy.orm import Session

from ..core import clock, db, jobs
from ..core.errors import ShopCXError
from ..core.events import OutboxEvent
from ..orders.models import Order
from .service.members.accounts import enrol
from .service.points.reviews import award_review_points
from .service.program.versions import active

log = logging.getLogger("shopcx.loyalty")
ORDER_TOPICS = ("order_paid", "order_shipped", "order_delivered", "order_completed", "order_cancelled",
                "order_refunded")


def _on_order(session: Session, event: OutboxEvent) -> None:
    from .service.points.earning import sync_order

    order = session.get(Order, event.aggregate_id) if event.aggregate_id else None
    if order is None:
        return
    if order.customer_id is None:  # a guest's void order still gives its coupon use back
        from .service.spending.coupons import release_for_order

        release_for_order(session, order)
        return
    sync_order(session, order)


for _topic in ORDER_TOPICS:
    jobs.on_event(_topic)(_on_order)


@jobs.on_event("orders_imported")
def _on_import(session: Session, event: OutboxEvent) -> None:
    # An import's history is one event; its orders are reconciled after this transaction, in batches that commit
    # one by one, and then the shop's calendar work makes available what is past its return window.
    shop_id = event.payload.get("shop_id")
    if shop_id:
        jobs.defer(lambda: (sync_shop(shop_id), run_calendar(shop_id=shop_id)))


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


def sync_shop(shop_id: int, *, batch: int = 500, progress=None, history_batch: int = 2_000) -> int:
    """Reconcile every paid sale of a shop with the ledger (idempotent); returns the members' orders seen.

    Customers who are not members yet get their history replayed in bulk, dated when it happened
    (service/points/history.py); the orders of existing members go through sync_order one by one."""
    from sqlalchemy import func, or_, select

    from .models import LoyaltyAccount, TierActivity
    from .service.points import history
    from .service.points.earning import sync_orders
    from .service.program.versions import active

    with db.session_scope() as session:
        program = active(session, shop_id)
        if program is None:
            return 0
        counts = history.newcomers(session, program)
        newcomers = list(counts)
        members = select(LoyaltyAccount.customer_id).where(LoyaltyAccount.program_id == program.program.id)
        # A member's order whose payment is counted and that has no refund is settled: sync_order would find
        # nothing to do (a second `loyalty sync` of a whole history must not walk it order by order again).
        settled = select(TierActivity.order_id).where(TierActivity.orders == 1, TierActivity.order_id.is_not(None))
        theirs = (Order.shop_id == shop_id, Order.kind == "sale", Order.customer_id.in_(members),
                  Order.paid_at.is_not(None))
        ids = list(session.scalars(select(Order.id).where(
            *theirs,
            or_(Order.id.not_in(settled), Order.refunded_amount > 0, Order.status.in_(("refunded", "cancelled"))))
            .order_by(Order.paid_at, Order.id)))
        already = session.scalar(select(func.count(Order.id)).where(*theirs)) - len(ids)
        replayed = sum(counts.values())
    total = replayed + len(ids)
    done, written = already, {}
    for start in range(0, len(newcomers), history_batch):
        with db.session_scope(write=True) as session:
            program = active(session, shop_id)
            done += history.replay_batched(session, program, newcomers[start:start + history_batch],
                                           today=clock.today_in(program.shop.timezone))
            db.carry_bulk_writes(session, written, last=start + history_batch >= len(newcomers))
        if progress:
            progress(done - already, total)
    for start in range(0, len(ids), batch):
        with db.session_scope(write=True) as session:
            done += sync_orders(session, ids[start:start + batch])
        if progress:
            progress(min(replayed + start + batch, total), total)
    return done


def run_calendar(*, shop_id: int | None = None, force_review: bool = False) -> list[tuple[str, object]]:
    """Each active program's daily work for its shop-local today (activation, expiry, birthdays, reviews)."""
    from sqlalchemy import select

    from .models import LoyaltyProgram
    from .service.daily import run_daily
    from .service.program.versions import active

    results = []
    with db.session_scope() as session:
        stmt = select(LoyaltyProgram.shop_id).where(LoyaltyProgram.is_active)
        if shop_id is not None:
            stmt = stmt.where(LoyaltyProgram.shop_id == shop_id)
        shop_ids = list(session.scalars(stmt))
    for one in shop_ids:
        try:
            with db.session_scope(write=True) as session:
                program = active(session, one)
                if program is None:
                    continue
                today = clock.today_in(program.shop.timezone)
                results.append((program.shop.code, run_daily(session, program, today, force_review=force_review)))
        except Exception:  # one shop's failure must not stop the others; the next run retries (keys make it safe)
            log.exception("loyalty calendar work for shop %s failed", one)
    return results


def register_periodic() -> None:
    """Register the calendar work on the queue; core.jobs.register_periodic calls this."""
    huey = jobs.queue()
    huey.periodic_task(crontab(minute="*/15"), name="loyalty_calendar")(run_calendar)
