"""All order queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, lazyload

from ..core.search import contains
from .models import Order, OrderLine, Product, Refund, Shipment
from .rules import PAID_STATUSES


def by_external_id(session: Session, shop_id: int, source: str, external_id: str, *,
                   lean: bool = False) -> Order | None:
    """The shop's order by the platform's number; `lean` loads its lines, refunds and history only when read (a
    lookup that needs the order's id or shipments saves three queries)."""
    stmt = select(Order).where(Order.shop_id == shop_id, Order.source == source, Order.external_id == external_id)
    if lean:
        stmt = stmt.options(lazyload(Order.lines), lazyload(Order.refunds), lazyload(Order.history))
    return session.scalar(stmt)


def lock_order(session: Session, order: Order) -> None:
    """Lock the order's row until commit (PostgreSQL) and re-read what a refund is checked against."""
    # Without it two refunds at once both see the old refunded amount: both pass the "not more than paid"
    # check and the later flush overwrites the earlier sum.
    session.flush()
    session.refresh(order, ["status", "paid_amount", "refunded_amount", "refunds"], with_for_update=True)


def products_by_sku(session: Session, shop_id: int, skus: set[str]) -> dict[str, Product]:
    if not skus:
        return {}
    stmt = select(Product).where(Product.shop_id == shop_id, Product.sku.in_(skus))
    return {p.sku: p for p in session.scalars(stmt)}


@dataclass
class OrderFilter:
    query: str | None = None
    shop_id: int | None = None
    customer_id: int | None = None
    status: str | None = None
    kind: str | None = None
    placed_from: datetime | None = None
    placed_to: datetime | None = None


def _filtered(stmt, flt: OrderFilter):
    if flt.query:
        stmt = stmt.where(or_(Order.external_id == flt.query.strip(),
                              contains(Order.buyer_name, flt.query.strip())))
    if flt.shop_id:
        stmt = stmt.where(Order.shop_id == flt.shop_id)
    if flt.customer_id:
        stmt = stmt.where(Order.customer_id == flt.customer_id)
    if flt.status:
        stmt = stmt.where(Order.status == flt.status)
    if flt.kind:
        stmt = stmt.where(Order.kind == flt.kind)
    if flt.placed_from:
        stmt = stmt.where(Order.placed_at >= flt.placed_from)
    if flt.placed_to:
        stmt = stmt.where(Order.placed_at < flt.placed_to)
    return stmt


def search(session: Session, flt: OrderFilter, *, offset: int, limit: int) -> tuple[list[Order], int]:
    """One page of orders, newest first, and the total count."""
    total = session.scalar(_filtered(select(func.count(Order.id)), flt)) or 0
    stmt = _filtered(select(Order), flt).order_by(Order.placed_at.desc(), Order.id.desc()).offset(offset).limit(limit)
    return list(session.scalars(stmt)), total


def totals(session: Session, shop_id: int | None = None) -> dict:
    """Counts and money per currency over what is stored (the `stats` command)."""
    def scoped(stmt, column=Order.shop_id):
        return stmt.where(column == shop_id) if shop_id else stmt

    orders_by_kind = dict(session.execute(scoped(select(Order.kind, func.count(Order.id)).group_by(Order.kind))).all())
    lines = dict(session.execute(scoped(
        select(Order.currency, func.count(OrderLine.id))
        .join(Order, Order.id == OrderLine.order_id).group_by(Order.currency))).all())
    paid = dict(session.execute(scoped(
        select(Order.currency, func.coalesce(func.sum(Order.paid_amount), 0))
        .where(Order.status.in_(PAID_STATUSES)).group_by(Order.currency))).all())
    # Only refunds of orders whose payment counts are taken off it: a paid order later cancelled counts
    # neither its payment nor its refunds.
    refunds = session.execute(scoped(
        select(Refund.currency, func.count(Refund.id),
               func.coalesce(func.sum(case((Order.status.in_(PAID_STATUSES), Refund.amount), else_=0)), 0))
        .join(Order, Order.id == Refund.order_id).group_by(Refund.currency))).all()
    guest_lines = session.scalar(scoped(select(func.count(OrderLine.id)).join(Order, Order.id == OrderLine.order_id)
                                        .where(Order.customer_id.is_(None)))) or 0
    customers_with_orders = session.scalar(scoped(select(func.count(func.distinct(Order.customer_id))))) or 0
    return {"orders_by_kind": orders_by_kind, "lines": lines, "paid": paid, "refunds": refunds,
            "guest_lines": guest_lines, "customers_with_orders": customers_with_orders}


def buyer_counts(session: Session, shop_id: int) -> tuple[int, int]:
    """(customers with at least one order in the shop, those with two or more), counted in the database."""
    per = (select(func.count(Order.id).label("n")).where(Order.shop_id == shop_id, Order.customer_id.is_not(None))
           .group_by(Order.customer_id).subquery())
    buyers, repeat = session.execute(select(func.count(), func.coalesce(func.sum(case((per.c.n >= 2, 1), else_=0)),
                                                                          0)).select_from(per)).one()
    return int(buyers), int(repeat)


def last_order_times(session: Session, shop_id: int, customer_ids: list[int]) -> dict[int, datetime]:
    """customer id -> the moment of their latest order in the shop (customers without one are left out)."""
    out: dict[int, datetime] = {}
    for start in range(0, len(customer_ids), 1000):
        out |= dict(session.execute(select(Order.customer_id, func.max(Order.placed_at))
                                    .where(Order.shop_id == shop_id,
                                           Order.customer_id.in_(customer_ids[start:start + 1000]))
                                    .group_by(Order.customer_id)).all())
    return out


def order_facts(session: Session, order_ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
    """order id -> (its first line's name, its latest shipment's carrier), read as plain rows (no order objects
    with their lines, refunds and history: a report reads thousands)."""
    out: dict[int, tuple[str | None, str | None]] = {}
    for start in range(0, len(order_ids), 1000):
        chunk = order_ids[start:start + 1000]
        first = (select(OrderLine.order_id, func.min(OrderLine.line_no).label("line_no"))
                 .where(OrderLine.order_id.in_(chunk)).group_by(OrderLine.order_id).subquery())
        names = dict(session.execute(select(OrderLine.order_id, OrderLine.name).join(
            first, (first.c.order_id == OrderLine.order_id) & (first.c.line_no == OrderLine.line_no))).all())
        latest = (select(func.max(Shipment.id)).where(Shipment.order_id.in_(chunk))
                  .group_by(Shipment.order_id).scalar_subquery())
        carriers = dict(session.execute(select(Shipment.order_id, Shipment.carrier).where(Shipment.id.in_(latest)))
                        .all())
        found = session.scalars(select(Order.id).where(Order.id.in_(chunk)))
        out |= {oid: (names.get(oid), carriers.get(oid)) for oid in found}
    return out


def search_products(session: Session, shop_id: int, *, query: str | None = None, category: str | None = None,
                    active: bool | None = None, offset: int, limit: int) -> tuple[list[Product], int]:
    """One page of a shop's products by SKU, and the total count."""
    stmt = select(Product).where(Product.shop_id == shop_id)
    if query and query.strip():
        stmt = stmt.where(or_(contains(Product.sku, query.strip()), contains(Product.name, query.strip())))
    if category:
        stmt = stmt.where(Product.category == category)
    if active is not None:
        stmt = stmt.where(Product.is_active.is_(active))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Product.sku, Product.id).offset(offset).limit(limit))
    return list(rows), total


def orders_per_month(session: Session, *, since: datetime, tz_name: str) -> list[tuple[str, str, int, int]]:
    """(month 'YYYY-MM' in tz_name, currency, sale orders, Σ paid) for sale orders placed since `since`."""
    if session.get_bind().dialect.name == "postgresql":
        month = func.to_char(func.timezone(tz_name, Order.placed_at), "YYYY-MM")
    else:
        # SQLite stores naive UTC; shift by the zone's current offset (exact for zones without DST).
        from zoneinfo import ZoneInfo

        from ..core import clock

        offset = clock.now().astimezone(ZoneInfo(tz_name)).utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset else 0
        month = func.strftime("%Y-%m", Order.placed_at, f"{minutes:+d} minutes")
    stmt = (select(month, Order.currency, func.count(Order.id), func.coalesce(func.sum(Order.paid_amount), 0))
            .where(Order.kind == "sale", Order.placed_at >= since)
            .group_by(month, Order.currency).order_by(month))
    return [(m, currency, count, int(paid)) for m, currency, count, paid in session.execute(stmt)]
