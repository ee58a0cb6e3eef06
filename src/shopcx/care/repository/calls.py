"""Queries of VIP managers, call tasks and parcels."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ...customers.models import Customer
from ...loyalty.models import LoyaltyAccount
from ...orders.models import Order, Shipment
from ..tables import CallTask, ParcelScan, VipManager


def manager_of(session: Session, shop_id: int, customer_id: int) -> VipManager | None:
    """The customer's VIP manager in the shop."""
    return session.scalar(select(VipManager).where(VipManager.shop_id == shop_id,
                                                   VipManager.customer_id == customer_id))


def managers(session: Session, shop_id: int, customer_ids: list[int]) -> dict[int, int]:
    """customer id → VIP manager's user id."""
    if not customer_ids:
        return {}
    rows = session.execute(select(VipManager.customer_id, VipManager.user_id)
                           .where(VipManager.shop_id == shop_id, VipManager.customer_id.in_(customer_ids[:900])))
    return dict(rows.all())


def tiers_of(session: Session, customer_id: int) -> dict[int, str]:
    """shop id → the customer's loyalty tier there."""
    rows = session.execute(select(LoyaltyAccount.shop_id, LoyaltyAccount.tier_code)
                           .where(LoyaltyAccount.customer_id == customer_id))
    return dict(rows.all())


def managed_shops(session: Session, customer_id: int) -> dict[int, int]:
    """shop id → the customer's VIP manager's user id there."""
    rows = session.execute(select(VipManager.shop_id, VipManager.user_id).where(VipManager.customer_id == customer_id))
    return dict(rows.all())


def task_by_key(session: Session, shop_id: int, key: str) -> CallTask | None:
    """A call task by its idempotency key."""
    return session.scalar(select(CallTask).where(CallTask.shop_id == shop_id, CallTask.key == key))


def tasks(session: Session, shop_id: int | None, *, due_by: date | None, assignee_id: int | None, status: str | None,
          offset: int, limit: int, unassigned: bool = False,
          customer_id: int | None = None) -> tuple[list[tuple[CallTask, str | None]], int]:
    """One page of call tasks with the customer's name, earliest due first, and how many match; `assignee_id`
    keeps one agent's, `unassigned` those nobody owns."""
    where = []
    if shop_id:
        where.append(CallTask.shop_id == shop_id)
    if due_by:
        where.append(CallTask.due_on <= due_by)
    if assignee_id:
        where.append(CallTask.assignee_id == assignee_id)
    if unassigned:
        where.append(CallTask.assignee_id.is_(None))
    if customer_id:
        where.append(CallTask.customer_id == customer_id)
    if status:
        where.append(CallTask.status == status)
    total = session.scalar(select(func.count()).select_from(CallTask).where(*where)) or 0
    rows = session.execute(select(CallTask, Customer.name).join(Customer, Customer.id == CallTask.customer_id)
                           .where(*where).order_by(CallTask.due_on, CallTask.id).offset(offset).limit(limit))
    return [(task, name) for task, name in rows], total


def done_by_assignee(session: Session, shop_id: int, since: datetime) -> dict[int, int]:
    """assignee → call tasks done (closed by a reached call or a refusal) since `since`."""
    stmt = (select(CallTask.assignee_id, func.count(CallTask.id))
            .where(CallTask.shop_id == shop_id, CallTask.status == "done", CallTask.updated_at >= since,
                   CallTask.assignee_id.is_not(None))
            .group_by(CallTask.assignee_id))
    return dict(session.execute(stmt).all())


def recent_orders(session: Session, shop_id: int, customer_id: int, limit: int = 5) -> list[Order]:
    """The customer's latest orders in the shop."""
    return list(session.scalars(select(Order).where(Order.shop_id == shop_id, Order.customer_id == customer_id)
                                .order_by(Order.placed_at.desc()).limit(limit)))


def open_parcels(session: Session, shop_id: int, *, shipped_before: datetime, shipped_since: datetime | None = None,
                 order_statuses: tuple[str, ...] | None = None) -> list[tuple[Shipment, Order]]:
    """Shipped, undelivered parcels of the shop (with their order), shipped before the given time; only those
    shipped since `shipped_since` and whose order is in one of `order_statuses` when given."""
    query = (select(Shipment, Order).join(Order, Order.id == Shipment.order_id)
             .where(Order.shop_id == shop_id, Shipment.shipped_at.is_not(None),
                    Shipment.shipped_at < shipped_before, Shipment.delivered_at.is_(None)))
    if shipped_since is not None:
        query = query.where(Shipment.shipped_at >= shipped_since)
    if order_statuses is not None:
        query = query.where(Order.status.in_(order_statuses))
    rows = session.execute(query.order_by(Shipment.promised_at, Shipment.id))
    return [(s, o) for s, o in rows]


def late_delivered(session: Session, shop_id: int, since: datetime) -> list[tuple[Shipment, Order]]:
    """Parcels delivered since `since` after their promise, or damaged."""
    rows = session.execute(select(Shipment, Order).join(Order, Order.id == Shipment.order_id)
                           .where(Order.shop_id == shop_id, Shipment.delivered_at >= since,
                                  or_(Shipment.delivered_at > Shipment.promised_at, Shipment.damaged.is_(True)))
                           .order_by(Shipment.delivered_at.desc()))
    return [(s, o) for s, o in rows]


def scans_of(session: Session, shipment_ids: list[int]) -> dict[int, list[ParcelScan]]:
    """Scans per shipment, oldest first."""
    out: dict[int, list[ParcelScan]] = {}
    for start in range(0, len(shipment_ids), 900):
        for scan in session.scalars(select(ParcelScan).where(ParcelScan.shipment_id.in_(
                shipment_ids[start:start + 900])).order_by(ParcelScan.at)):
            out.setdefault(scan.shipment_id, []).append(scan)
    return out


def shipments_of(session: Session, order_id: int) -> list[Shipment]:
    """An order's parcels, in the order they were recorded."""
    return list(session.scalars(select(Shipment).where(Shipment.order_id == order_id).order_by(Shipment.id)))
