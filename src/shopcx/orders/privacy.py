"""The orders' part of a buyer's data rights: export their orders, lines, shipments and refunds; erase the
buyer's name, address and notes from them (amounts, lines and dates stay, so revenue and ledgers still add up)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.privacy import Erasure
from ..core.rows import row_dict
from .models import Order, OrderLine, OrderStatusChange, Refund, Shipment


def _orders(session: Session, customer_id: int) -> list[Order]:
    return list(session.scalars(select(Order).where(Order.customer_id == customer_id).order_by(Order.id)))


def erase(session: Session, erasure: Erasure) -> None:
    orders = _orders(session, erasure.customer_id)
    ids = [o.id for o in orders]
    for o in orders:
        o.buyer_name = o.ship_province = o.ship_city = o.buyer_note = None
    if ids:
        for s in session.scalars(select(Shipment).where(Shipment.order_id.in_(ids))):
            s.tracking_no, s.note = None, erasure.scrub(s.note)
        for r in session.scalars(select(Refund).where(Refund.order_id.in_(ids))):
            r.reason = erasure.scrub(r.reason)
        for change in session.scalars(select(OrderStatusChange).where(OrderStatusChange.order_id.in_(ids))):
            change.reason = erasure.scrub(change.reason)
    session.flush()


def export(session: Session, customer_id: int) -> dict[str, list[dict]]:
    orders = _orders(session, customer_id)
    ids = [o.id for o in orders]
    out = {"order": [row_dict(o) for o in orders]}
    for name, model in (("order_line", OrderLine), ("shipment", Shipment), ("refund", Refund)):
        out[name] = [row_dict(r) for r in session.scalars(select(model).where(model.order_id.in_(ids)))] \
            if ids else []
    return out
