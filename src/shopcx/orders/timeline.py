"""The orders' entries on a customer's timeline: orders placed, deliveries (late or damaged) and refunds."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.face import TimelineEntry
from .models import Order, Refund, Shipment


def entries(session: Session, customer_id: int, limit: int) -> list[TimelineEntry]:
    """The customer's latest orders with their deliveries and refunds."""
    orders = list(session.scalars(select(Order).where(Order.customer_id == customer_id)
                                  .order_by(Order.placed_at.desc()).limit(limit)))
    ids = {o.id: o for o in orders}
    out = [TimelineEntry(o.placed_at, "order", "timeline.order",
                         {"number": o.external_id, "amount": o.paid_amount, "currency": o.currency,
                          "status": o.status}, who=None, href=f"/orders/{o.id}", words={"status": "status."})
           for o in orders]
    if not ids:
        return out
    for s in session.scalars(select(Shipment).where(Shipment.order_id.in_(ids), Shipment.delivered_at.is_not(None))):
        late = bool(s.promised_at and s.delivered_at > s.promised_at)
        out.append(TimelineEntry(s.delivered_at, "delivery", "timeline.delivery",
                                 {"number": ids[s.order_id].external_id, "carrier": s.carrier or "",
                                  "late": late, "damaged": s.damaged}, href=f"/orders/{s.order_id}"))
    for r in session.scalars(select(Refund).where(Refund.order_id.in_(ids))):
        out.append(TimelineEntry(r.requested_at, "refund", "timeline.refund",
                                 {"number": ids[r.order_id].external_id, "amount": r.amount, "currency": r.currency},
                                 href=f"/orders/{r.order_id}", response=r.reason))
    return out
