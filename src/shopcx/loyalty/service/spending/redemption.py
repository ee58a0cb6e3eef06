"""Spending points: rewards from the catalogue, points as payment on an order, and giving them back on refund.

- Every spend locks the member's account row, brings it up to date first (pending points that became available,
  lots that expired: so expired points can never be spent) and is keyed, so a retried request spends once.
- Points as payment are worth floor(points × points_value_per_100 / 100) minor units, at most
  max_points_payment_percent of the order total; only the points that value needs are taken (see pricing.py).
- When the order they paid for is refunded, the points come back in the same share as the money: cumulatively
  round-half-up(spent × refunded / paid) (rules.reversal_due), all of them once the order is void. Each step is
  keyed by the payment and its cumulative target, so re-syncing an order any number of times restores once.
- Restored points are a new lot that expires under the program's rules counted from the day they come back:
  the lots they were first taken from may have expired meanwhile, and a buyer should not lose points to a refund.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ....core import clock
from ....core.errors import Conflict, InvalidInput
from ....orders.models import Order
from ....staff.service import Actor, audit
from ... import pricing, rules
from ...models import Coupon, LoyaltyAccount, PointsEntry
from ..members.accounts import expiry_for
from ..points import ledger
from ..points.ledger import LoyaltyError
from ..program.versions import ActiveProgram
from . import coupons, rewards

_REFUSALS = {
    "reward_inactive": "reward_code: this reward is no longer offered",
    "reward_out_of_stock": "reward_code: this reward is out of stock",
    "reward_tier_too_low": "reward_code: this reward needs a higher tier",
    "reward_new_customers_only": "reward_code: this reward is for new customers",
    "reward_old_customers_only": "reward_code: this reward is for returning customers",
    "reward_member_limit": "reward_code: you have taken this reward as often as allowed",
}


def _same_account(entry: PointsEntry, account: LoyaltyAccount) -> None:
    if entry.account_id != account.id:
        raise Conflict("loyalty_key_reused", "key: this key was already used for another member", field="key")


def _today(program: ActiveProgram):
    return clock.today_in(program.shop.timezone)


def redeem_reward(session: Session, program: ActiveProgram, account: LoyaltyAccount, reward_code: str, *, key: str,
                  actor: Actor | None = None) -> Coupon:
    """Take a reward for points: the points are debited and a personal single-use coupon issued (once per key)."""
    from ..daily import refresh_account
    from ..members.tiers import local_midnight

    if not (key or "").strip():
        raise InvalidInput("loyalty_key_required", "key: an idempotency key is required", field="key")
    full_key = f"redeem:{key.strip()}"
    ledger.lock_account(session, account)
    done = ledger.entry_by_key(session, full_key)
    if done is not None:
        _same_account(done, account)
        return session.scalar(select(Coupon).where(Coupon.redeem_entry_id == done.id))
    today = _today(program)
    refresh_account(session, program, account, today)
    reward = rewards.get_reward(session, program, reward_code)
    session.refresh(reward, with_for_update=True)  # stock is shared by every member: taken under the row lock
    reason = rewards.refusal(session, program, account, reward)
    if reason is not None:
        raise LoyaltyError(reason, _REFUSALS[reason], field="reward_code")
    entry = ledger.debit(session, account, reward.points_cost, key=full_key, kind="redeem", reason="reward",
                         source_type="reward", source_id=reward.code, rule_version=program.version, earned_on=today,
                         actor=actor.label if actor else None, detail={"reward": reward.code, "kind": reward.kind})
    if reward.stock is not None:
        reward.stock -= 1
    # Valid for valid_days shop-local days counting today: until the midnight that starts day today + valid_days.
    valid_until = local_midnight(today + timedelta(days=reward.valid_days), program.shop.timezone)
    coupon = coupons.issue_personal(session, shop_id=program.shop.id, currency=program.program.currency,
                                    account_id=account.id, kind=reward.kind, amount_off=reward.amount_off,
                                    percent_off=reward.percent_off, min_spend_amount=reward.min_spend_amount,
                                    valid_until=valid_until, name=reward.name_zh, reward_id=reward.id,
                                    redeem_entry_id=entry.id, created_by=actor.label if actor else "member")
    if actor is not None:
        audit(session, actor, "loyalty.redeem", "loyalty_account", account.id,
              {"reward": reward.code, "points": reward.points_cost, "coupon": coupon.code})
    return coupon


@dataclass(frozen=True)
class PointsPayment:
    """Points used to pay part of an order: the ledger entry, the points taken and what they paid."""

    entry: PointsEntry
    points: int
    value_amount: int
    replayed: bool = False


def _payments(session: Session, account: LoyaltyAccount, order_ref: str) -> list[PointsEntry]:
    return list(session.scalars(select(PointsEntry).where(
        PointsEntry.account_id == account.id, PointsEntry.kind == "redeem",
        PointsEntry.source_type == "order_payment", PointsEntry.source_id == order_ref).order_by(PointsEntry.id)))


def restored_so_far(session: Session, payment: PointsEntry) -> int:
    """Points of a payment already given back."""
    value = session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0))
                           .where(PointsEntry.parent_id == payment.id, PointsEntry.kind == "reverse",
                                  PointsEntry.reason == "restore"))
    return int(value)


def _payment_result(entry: PointsEntry, replayed: bool) -> PointsPayment:
    return PointsPayment(entry=entry, points=-entry.points, value_amount=int(entry.detail.get("value_amount", 0)),
                         replayed=replayed)


def pay_with_points(session: Session, program: ActiveProgram, account: LoyaltyAccount, *, order_ref: str,
                    order_total_amount: int, points: int, key: str, actor: Actor | None = None) -> PointsPayment:
    """Pay part of an order with points (once per key), within the program's cap; see the module rules."""
    order_ref = (order_ref or "").strip()
    if not order_ref or len(order_ref) > 64:
        raise InvalidInput("points_order_ref_invalid", "order_ref: the order's external id (1–64 characters) is "
                           "required", field="order_ref")
    for field, value in (("order_total_amount", order_total_amount), ("points", points)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InvalidInput("points_payment_invalid", f"{field}: a whole number above 0 is required", field=field)
    if not (key or "").strip():
        raise InvalidInput("loyalty_key_required", "key: an idempotency key is required", field="key")
    full_key = f"pay:{key.strip()}"
    ledger.lock_account(session, account)
    done = ledger.entry_by_key(session, full_key)
    if done is not None:
        _same_account(done, account)
        return _payment_result(done, replayed=True)
    cfg = program.config
    if cfg.points_value_per_100 <= 0 or cfg.max_points_payment_percent <= 0:
        raise LoyaltyError("points_payment_disabled", "points: this shop does not take points as payment",
                           field="points")
    value = pricing.points_value(points, cfg.points_value_per_100)
    if value <= 0:
        raise InvalidInput("points_too_few", f"points: {points} points are worth less than one minor unit",
                           field="points")
    today = _today(program)
    from ..daily import refresh_account

    refresh_account(session, program, account, today)
    already = sum(int(p.detail.get("value_amount", 0)) for p in _payments(session, account, order_ref)
                  if restored_so_far(session, p) < -p.points)
    room = pricing.points_payment_cap(order_total_amount, cfg.max_points_payment_percent) - already
    if value > room:
        most = pricing.points_for_value(max(0, room), cfg.points_value_per_100)
        raise LoyaltyError("points_over_limit", f"points: at most {most} points may pay this order (points pay at "
                           f"most {cfg.max_points_payment_percent}% of it)", field="points", values={"most": most})
    needed = pricing.points_for_value(value, cfg.points_value_per_100)
    entry = ledger.debit(session, account, needed, key=full_key, kind="redeem", reason="payment",
                         source_type="order_payment", source_id=order_ref, rule_version=program.version,
                         earned_on=today, actor=actor.label if actor else None,
                         detail={"value_amount": value, "order_total_amount": order_total_amount,
                                 "points_value_per_100": cfg.points_value_per_100, "asked": points})
    if actor is not None:
        audit(session, actor, "loyalty.pay_with_points", "loyalty_account", account.id,
              {"order_ref": order_ref, "points": needed, "value_amount": value})
    return _payment_result(entry, replayed=False)


def _restore(session: Session, program: ActiveProgram, account: LoyaltyAccount, payment: PointsEntry, due: int,
             **fields) -> int:
    delta = due - restored_so_far(session, payment)
    if delta <= 0:
        return 0
    today = _today(program)
    entry = ledger.credit(session, account, delta, key=f"restore:{payment.id}:{due}", kind="reverse",
                          reason="restore", expires_on=expiry_for(program, today), parent_id=payment.id,
                          source_type="order_payment", source_id=payment.source_id,
                          rule_version=payment.rule_version, earned_on=today, **fields)
    if entry is None:
        return 0
    account.lifetime_redeemed -= delta  # given back, so never counted as redeemed
    if account.shortfall:
        ledger.settle_shortfall(session, account, key=f"settle:{entry.id}")
    return delta


def restore_for_order(session: Session, program: ActiveProgram, account: LoyaltyAccount, order: Order) -> int:
    """Give back, once, the points spent as payment on an order that was refunded; returns points restored."""
    coupons.release_for_order(session, order)
    if account.lifetime_redeemed <= 0:
        # Nothing spent that was not already given back: skip the lookup (sync_order runs for every order event).
        return 0
    payments = _payments(session, account, order.external_id)
    if not payments:
        return 0
    from ..points.refunds import is_void

    void = is_void(order)
    total = 0
    locked = False
    for payment in payments:
        spent = -payment.points
        due = spent if void else rules.reversal_due(spent, order.paid_amount, order.refunded_amount)
        if due <= 0:
            continue
        if not locked:
            ledger.lock_account(session, account)
            locked = True
        total += _restore(session, program, account, payment, due, order_id=order.id,
                          detail={"due": due, "paid_amount": order.paid_amount,
                                  "refunded_amount": order.refunded_amount, "void": void})
    return total


def cancel_points_payment(session: Session, program: ActiveProgram, account: LoyaltyAccount, *, key: str,
                          actor: Actor | None = None) -> int:
    """Give back the points of a payment whose order was never placed (checkout abandoned); returns points."""
    ledger.lock_account(session, account)
    payment = ledger.entry_by_key(session, f"pay:{(key or '').strip()}")
    if payment is None or payment.account_id != account.id:
        raise InvalidInput("points_payment_not_found", "key: no points payment with this key", field="key")
    placed = session.scalar(select(Order).where(Order.shop_id == program.shop.id,
                                                Order.external_id == payment.source_id))
    if placed is not None:
        raise LoyaltyError("points_order_placed", f"key: order {payment.source_id} exists; its points come back "
                           f"when it is refunded or cancelled", field="key")
    restored = _restore(session, program, account, payment, -payment.points, detail={"cancelled": True})
    if actor is not None and restored:
        audit(session, actor, "loyalty.payment_cancel", "loyalty_account", account.id,
              {"order_ref": payment.source_id, "points": restored})
    return restored
