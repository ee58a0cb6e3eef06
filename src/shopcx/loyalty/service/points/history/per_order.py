"""The per-order path: the live use cases (`sync_order`, the daily activation, expiry and tier review) with the
clock set to each moment of the history. The definition the batched path is compared with."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .....core import clock
from .....orders.models import Order
from ....models import (
    LoyaltyAccount,
)
from ...program.versions import ActiveProgram
from .moments import is_void, midnight, qualifying_orders, refund_moment

# --- the per-order path: the live use cases with the clock at each moment -----------------------------------------

def replay_per_order(session: Session, program: ActiveProgram, customer_ids: list[int], *, today: date) -> int:
    """Replay the customers' history through sync_order and the daily work, day by day; returns orders replayed."""
    from ...daily import DailyResult, activate_due, expire_due, review_tiers
    from ...members import tiers
    from ..earning import sync_order

    if not customer_ids:
        return 0
    tz = ZoneInfo(program.shop.timezone)
    orders = list(session.scalars(select(Order).where(*qualifying_orders(program), Order.customer_id.in_(customer_ids))
                                  .order_by(Order.paid_at, Order.id)))
    moments: list[tuple[datetime, int, int, Order]] = []
    for order in orders:
        moments.append((clock.as_utc(order.paid_at), 0, order.id, order))
        if order.refunds or is_void(order.status, order.paid_amount, order.refunded_amount):
            when = refund_moment(clock.as_utc(order.paid_at), [(clock.as_utc(r.requested_at),
                                                                clock.as_utc(r.completed_at)) for r in order.refunds])
            moments.append((when, 1, order.id, order))
    moments.sort(key=lambda m: m[:3])
    accounts: list[int] = []
    day = moments[0][0].astimezone(tz).date() if moments else today
    position = 0
    with tiers.quiet():
        while day <= today:
            if accounts:
                with clock.frozen_at(midnight(day, tz)):
                    result = DailyResult()
                    activate_due(session, program, day, result, account_ids=accounts)
                    expire_due(session, program, day, result, account_ids=accounts)
                    review_tiers(session, program, day, result, account_ids=accounts)
            end = midnight(day + timedelta(days=1), tz)
            while position < len(moments) and moments[position][0] < end:
                when, phase, _, order = moments[position]
                with clock.frozen_at(when):
                    sync_order(session, order, program, include_refunds=bool(phase))
                position += 1
                if not phase:
                    account_id = session.scalar(select(LoyaltyAccount.id).where(
                        LoyaltyAccount.program_id == program.program.id,
                        LoyaltyAccount.customer_id == order.customer_id))
                    if account_id not in accounts:
                        accounts.append(account_id)
            day += timedelta(days=1)
    session.flush()
    return len(orders)
