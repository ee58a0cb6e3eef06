"""Who a care moment or a callback rule may concern on a day: candidates read from customers, orders, shipments,
loyalty and the desk. The service confirms each candidate with the pure date rules (care/models)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import and_, exists, extract, func, or_, select
from sqlalchemy.orm import Session

from ...customers.models import Customer, CustomerAnniversary, CustomerConsent, CustomerIdentity
from ...desk.models import Ticket
from ...loyalty.models import LoyaltyAccount, PointsLot, TierChange
from ...orders.models import Order, Shipment
from . import CONSENT_FOR


def _in_shop(shop_id: int):
    return exists().where(CustomerIdentity.customer_id == Customer.id, CustomerIdentity.shop_id == shop_id)


def _live(shop_id: int) -> list:
    return [Customer.erased_at.is_(None), _in_shop(shop_id)]


def birthday_candidates(session: Session, shop_id: int, target: date, lunar: Sequence[tuple[int, int]]) -> list:
    """(id, birthday_on, lunar month, lunar day, leap) of customers whose solar birthday falls on target's month and
    day (and 29 February on 28 February), or whose lunar birthday is one of `lunar` (month, day) pairs."""
    solar = and_(extract("month", Customer.birthday_on) == target.month,
                 extract("day", Customer.birthday_on) == target.day)
    conditions = [solar]
    if target.month == 2 and target.day == 28:
        conditions.append(and_(extract("month", Customer.birthday_on) == 2,
                               extract("day", Customer.birthday_on) == 29))
    for month, day in lunar:
        conditions.append(and_(Customer.birthday_on.is_(None), Customer.birthday_lunar_month == month,
                               Customer.birthday_lunar_day == day))
    stmt = (select(Customer.id, Customer.birthday_on, Customer.birthday_lunar_month, Customer.birthday_lunar_day,
                   Customer.birthday_is_leap_month).where(*_live(shop_id), or_(*conditions)).order_by(Customer.id))
    return list(session.execute(stmt))


def anniversary_candidates(session: Session, shop_id: int, target: date) -> list:
    """(customer id, anniversary id, kind, date) of anniversaries on target's month and day."""
    stmt = (select(CustomerAnniversary.customer_id, CustomerAnniversary.id, CustomerAnniversary.kind,
                   CustomerAnniversary.on)
            .join(Customer, Customer.id == CustomerAnniversary.customer_id)
            .where(*_live(shop_id), extract("month", CustomerAnniversary.on) == target.month,
                   extract("day", CustomerAnniversary.on) == target.day)
            .order_by(CustomerAnniversary.customer_id))
    return list(session.execute(stmt))


def first_orders_near(session: Session, shop_id: int, target: date) -> list[tuple[int, datetime]]:
    """(customer id, first paid sale) for customers whose first sale in the shop was within a day of target's month
    and day in UTC (the service keeps those whose local date matches)."""
    first = func.min(Order.paid_at)
    days = [(target.month, target.day)]
    for shift in (-1, 1):
        near = date.fromordinal(target.toordinal() + shift)
        days.append((near.month, near.day))
    stmt = (select(Order.customer_id, first).where(Order.shop_id == shop_id, Order.kind == "sale",
                                                   Order.paid_at.is_not(None), Order.customer_id.is_not(None))
            .group_by(Order.customer_id)
            .having(or_(*(and_(extract("month", first) == m, extract("day", first) == d) for m, d in days))))
    return [(cid, at if isinstance(at, datetime) else datetime.fromisoformat(str(at))) for cid, at in
            session.execute(stmt)]


def delivered_between(session: Session, shop_id: int, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """(customer id, order id) of the shop's orders with a parcel delivered in [start, end)."""
    stmt = (select(Order.customer_id, Order.id).join(Shipment, Shipment.order_id == Order.id)
            .where(Order.shop_id == shop_id, Order.customer_id.is_not(None), Shipment.delivered_at >= start,
                   Shipment.delivered_at < end).distinct().order_by(Order.id))
    return [(cid, oid) for cid, oid in session.execute(stmt)]


def expiring_on(session: Session, shop_id: int, day: date, min_points: int) -> list[tuple[int, int]]:
    """(customer id, points) of members with at least min_points expiring on `day`."""
    stmt = (select(LoyaltyAccount.customer_id, func.sum(PointsLot.remaining))
            .join(PointsLot, PointsLot.account_id == LoyaltyAccount.id)
            .where(LoyaltyAccount.shop_id == shop_id, PointsLot.expires_on == day, PointsLot.remaining > 0)
            .group_by(LoyaltyAccount.customer_id).having(func.sum(PointsLot.remaining) >= max(min_points, 1)))
    return [(cid, int(points)) for cid, points in session.execute(stmt)]


def tier_changes_between(session: Session, shop_id: int, start: datetime, end: datetime) -> list[tuple]:
    """(customer id, from tier, to tier, at) of the shop's tier changes in [start, end)."""
    stmt = (select(LoyaltyAccount.customer_id, TierChange.from_tier, TierChange.to_tier, TierChange.at)
            .join(LoyaltyAccount, LoyaltyAccount.id == TierChange.account_id)
            .where(LoyaltyAccount.shop_id == shop_id, TierChange.at >= start, TierChange.at < end)
            .order_by(TierChange.at))
    return list(session.execute(stmt))


def members_in_tiers(session: Session, shop_id: int, tiers: Sequence[str]) -> list[tuple[int, int, str]]:
    """(customer id, account id, tier) of the shop's members in these tiers."""
    if not tiers:
        return []
    stmt = (select(LoyaltyAccount.customer_id, LoyaltyAccount.id, LoyaltyAccount.tier_code)
            .join(Customer, Customer.id == LoyaltyAccount.customer_id)
            .where(LoyaltyAccount.shop_id == shop_id, LoyaltyAccount.tier_code.in_(list(tiers)),
                   Customer.erased_at.is_(None)).order_by(LoyaltyAccount.customer_id))
    return [tuple(row) for row in session.execute(stmt)]


def consenting(session: Session, ids: Sequence[int], channel: str) -> set[int]:
    """Those of these customers (not erased) who granted consent on the channel ("agent" needs none)."""
    out: set[int] = set()
    for start in range(0, len(ids), 900):
        chunk = list(ids[start:start + 900])
        stmt = select(Customer.id).where(Customer.id.in_(chunk), Customer.erased_at.is_(None))
        if channel != "agent":
            stmt = stmt.where(exists().where(CustomerConsent.customer_id == Customer.id,
                                             CustomerConsent.channel == CONSENT_FOR[channel],
                                             CustomerConsent.granted.is_(True)))
        out |= set(session.scalars(stmt))
    return out


def large_orders_between(session: Session, shop_id: int, start: datetime, end: datetime,
                         min_amount: int) -> list[tuple[int, int, int]]:
    """(customer id, order id, paid) of sales paid in [start, end) of at least min_amount."""
    stmt = (select(Order.customer_id, Order.id, Order.paid_amount)
            .where(Order.shop_id == shop_id, Order.kind == "sale", Order.customer_id.is_not(None),
                   Order.paid_at >= start, Order.paid_at < end, Order.paid_amount >= min_amount)
            .order_by(Order.paid_at))
    return [tuple(row) for row in session.execute(stmt)]


def resolved_tickets_between(session: Session, shop_id: int, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """(customer id, ticket id) of the shop's tickets resolved in [start, end)."""
    stmt = (select(Ticket.customer_id, Ticket.id)
            .where(Ticket.shop_id == shop_id, Ticket.customer_id.is_not(None), Ticket.resolved_at >= start,
                   Ticket.resolved_at < end).order_by(Ticket.id))
    return [tuple(row) for row in session.execute(stmt)]
