"""Who is replayed and when: the qualifying orders, the newcomers, and the moments the rules act on (the
shop-local midnight of a day, review days, the moment a refund takes points back)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .....orders.models import Order
from .....orders.rules import PAID_STATUSES
from .... import rules
from ....models import (
    LoyaltyAccount,
    Referral,
)
from ...program.versions import ActiveProgram

ACTOR = "system"
VOID_STATUSES = ("refunded", "cancelled")


# --- who and when -------------------------------------------------------------------------------------------------

def qualifying_orders(program: ActiveProgram):
    """The orders sync_order reconciles: paid sales (or cancelled after payment) in the program's currency."""
    return (Order.shop_id == program.shop.id, Order.kind == "sale", Order.customer_id.is_not(None),
            Order.paid_at.is_not(None), Order.status.in_(sorted(PAID_STATUSES | {"cancelled"})),
            Order.currency == program.program.currency)


def newcomers(session: Session, program: ActiveProgram) -> dict[int, int]:
    """Customers with qualifying orders who are not members yet (and were not referred), with their order counts:
    their history is replayed."""
    member = select(LoyaltyAccount.customer_id).where(LoyaltyAccount.program_id == program.program.id)
    referred = select(Referral.referee_customer_id).where(Referral.program_id == program.program.id)
    return dict(session.execute(select(Order.customer_id, func.count(Order.id)).where(*qualifying_orders(program))
                                .where(Order.customer_id.not_in(member), Order.customer_id.not_in(referred))
                                .group_by(Order.customer_id).order_by(Order.customer_id)).all())


def refund_moment(paid_at: datetime, refunds: list[tuple[datetime, datetime | None]]) -> datetime:
    """When an order's refunds are taken back: its last refund's completion (else request), never before payment."""
    moments = [completed or requested for requested, completed in refunds]
    return max([paid_at, *moments])


@lru_cache(maxsize=65_536)
def midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(ZoneInfo("UTC"))


def review_day(config, day: date) -> bool:
    every = config.qualification.review_every_months
    return day.day == 1 and (day.month - 1) % every == 0


def next_review(config, after: date) -> date:
    """The first review day after `after`."""
    every = config.qualification.review_every_months
    month = rules.add_months(after.replace(day=1), 1)
    while (month.month - 1) % every:
        month = rules.add_months(month, 1)
    return month


def is_void(status: str, paid: int, refunded: int) -> bool:
    return status in VOID_STATUSES or (0 < paid <= refunded)


@dataclass
class ReplayOrder:
    """A qualifying order as the batched path holds it: its lines, refunds and delivery, and what it earned."""

    id: int
    customer_id: int
    external_id: str
    status: str
    paid_amount: int
    shipping_amount: int
    goods_amount: int
    refunded_amount: int
    paid_at: datetime
    completed_at: datetime | None
    lines: list[tuple[int, int, int, str | None, int | None]] = field(default_factory=list)  # id, no, total, sku, pid
    refunds: list[tuple[int, datetime, datetime | None]] = field(default_factory=list)  # amount, requested, completed
    refund_lines: list[list[tuple[int, int]]] = field(default_factory=list)  # per refund: (order_line_id, amount)
    delivered_at: datetime | None = None
    bases: dict[int, int] = field(default_factory=dict)  # the line bases its payment earned on
    earns: list[dict] = field(default_factory=list)  # its earn entries (order points, first-order bonus)

    @property
    def void(self) -> bool:
        return is_void(self.status, self.paid_amount, self.refunded_amount)
