"""What a refund takes back: per line, the points that line earned, with the multipliers of the day they were
earned (rules.reversal_due); all of them once the order is void. Taken from pending points while the return
window is open, else from the balance, never below zero (the shortfall is recorded and settled from later points).
`earning.sync_order` calls this whenever the order has refunds; points paid with are given back by
`spending.redemption.restore_for_order`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ....orders.models import Order
from ... import rules
from ...models import LoyaltyAccount, PointsEntry, PointsLot
from ..program.versions import ActiveProgram
from . import ledger

if TYPE_CHECKING:
    from .earning import SyncResult


def refunded_by_line(order: Order, bases: dict[int, int]) -> dict[int, int]:
    """Cumulative refunded amount per line of a stored order (rules.refunded_by_line)."""
    return rules.refunded_by_line({line.id: line.line_no for line in order.lines},
                                  ((r.amount, ((i.order_line_id, i.amount) for i in r.lines)) for r in order.refunds),
                                  bases)


def is_void(order: Order) -> bool:
    """Refunded in full or cancelled after payment: nothing of it may stay earned."""
    return order.status in ("refunded", "cancelled") or (0 < order.paid_amount <= order.refunded_amount)


def reversed_so_far(session: Session, earn: PointsEntry) -> int:
    """Points of an earn entry already taken back (from pending, from the balance, or recorded as shortfall)."""
    value = session.scalar(select(func.coalesce(func.sum(-PointsEntry.points - PointsEntry.pending_points
                                                         + PointsEntry.shortfall), 0))
                           .where(PointsEntry.parent_id == earn.id, PointsEntry.kind == "reverse"))
    return int(value)


def due_back(earn: PointsEntry, refunded: dict[int, int], void: bool) -> int:
    if earn.reason != "order":
        return earn.pending_points if void else 0  # the first-order bonus goes only with the whole order
    if void:
        return earn.pending_points
    return sum(rules.reversal_due(line["points"], line["base"], refunded.get(line["line_no"], 0))
               for line in earn.detail.get("lines", []))


def take_back_refunded(session: Session, program: ActiveProgram, account: LoyaltyAccount, order: Order,
                       bases: dict[int, int], result: SyncResult) -> None:
    void = is_void(order)
    refunded = refunded_by_line(order, bases)
    earns = session.scalars(select(PointsEntry).where(PointsEntry.order_id == order.id, PointsEntry.kind == "earn",
                                                      PointsEntry.account_id == account.id)
                            .order_by(PointsEntry.id)).all()
    for earn in earns:
        due = due_back(earn, refunded, void)
        delta = due - reversed_so_far(session, earn)
        if delta <= 0:
            continue
        key = f"reverse:{earn.id}:{due}"
        fields = {"parent_id": earn.id, "order_id": order.id, "source_type": "order", "source_id": order.external_id,
                  "rule_version": earn.rule_version, "detail": {"due": due, "refunded": dict(refunded), "void": void}}
        activation = ledger.entry_by_key(session, f"activate:{earn.id}")
        if activation is None:
            ledger.take_back_pending(session, account, delta, key=key, reason="refund", **fields)
        else:
            lot = session.scalar(select(PointsLot.id).where(PointsLot.entry_id == activation.id))
            entry = ledger.take_back(session, account, delta, key=key, reason="refund", first_lot_id=lot, **fields)
            result.shortfall += entry.shortfall if entry else 0
        result.reversed += delta
