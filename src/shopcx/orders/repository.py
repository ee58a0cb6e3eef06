"""All order queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .models import Order, OrderLine, Product, Refund


def by_external_id(session: Session, shop_id: int, source: str, external_id: str) -> Order | None:
    stmt = select(Order).where(Order.shop_id == shop_id, Order.source == source, Order.external_id == external_id)
    return session.scalar(stmt)


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
                              func.lower(Order.buyer_name).like(f"%{flt.query.strip().lower()}%")))
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
    lines = session.execute(scoped(
        select(Order.currency, func.count(OrderLine.id), func.coalesce(func.sum(OrderLine.total_amount), 0))
        .join(Order, Order.id == OrderLine.order_id).group_by(Order.currency))).all()
    refunds = session.execute(scoped(
        select(Refund.currency, func.count(Refund.id), func.coalesce(func.sum(Refund.amount), 0))
        .join(Order, Order.id == Refund.order_id).group_by(Refund.currency))).all()
    guest_lines = session.scalar(scoped(select(func.count(OrderLine.id)).join(Order, Order.id == OrderLine.order_id)
                                        .where(Order.customer_id.is_(None)))) or 0
    customers_with_orders = session.scalar(scoped(select(func.count(func.distinct(Order.customer_id))))) or 0
    return {"orders_by_kind": orders_by_kind, "lines": lines, "refunds": refunds, "guest_lines": guest_lines,
            "customers_with_orders": customers_with_orders}
