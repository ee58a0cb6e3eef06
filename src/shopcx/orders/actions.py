"""Changes staff or an API token make to one order: the service mechanism plus the audit entry. Flush only."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..staff.service import Actor, audit
from . import service
from .models import Order, Refund, Shipment
from .schemas import RefundIn, ShipmentIn


def change_status(session: Session, order: Order, target: str, *, actor: Actor,
                  reason: str | None = None) -> bool:
    """Move order to target through `service.transition` and audit it; the current status again is a no-op."""
    if target == order.status:
        return False
    previous = order.status
    service.transition(session, order, target, actor=actor, reason=reason)
    audit(session, actor, "order.status", "order", order.id,
          {"from": previous, "to": target, "reason": reason})
    return True


def add_shipment(session: Session, order: Order, data: ShipmentIn, *,
                 actor: Actor) -> tuple[Shipment, bool, bool]:
    """Add or update a shipment (matched by tracking number); returns (shipment, created, changed)."""
    before = {shipment.id for shipment in order.shipments}
    changed = service.record_shipment(session, order, data)
    added = [shipment for shipment in order.shipments if shipment.id not in before]
    if added:
        shipment = added[0]
    else:
        same_tracking = (s for s in order.shipments if data.tracking_no and s.tracking_no == data.tracking_no)
        shipment = next(same_tracking, order.shipments[0])
    if changed:
        audit(session, actor, "order.shipment_add" if added else "order.shipment_update", "order", order.id,
              {"shipment_id": shipment.id, **data.model_dump(mode="json", exclude_unset=True)})
    return shipment, bool(added), changed


def add_refund(session: Session, order: Order, data: RefundIn, *, actor: Actor) -> tuple[Refund, bool]:
    """Record a refund once per external id and audit it; returns (refund, created)."""
    refund = service.record_refund(session, order, data, actor=actor)
    if refund is None:
        return next(r for r in order.refunds if r.external_id == data.external_id), False
    audit(session, actor, "order.refund", "order", order.id,
          {"refund_id": refund.id, "external_id": data.external_id, "amount": data.amount,
           "reason": data.reason})
    return refund, True
