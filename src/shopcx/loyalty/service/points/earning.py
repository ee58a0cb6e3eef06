"""Points and tier activity from orders, reconciled from the order's stored state.

`sync_order` is the one entry point: it compares what the ledger holds for an order with what the order now says
(paid, refunded by line, cancelled) and appends only the difference, under the account's lock. Any number of
events, webhooks or imports for the same order therefore award its points once, and a refund takes back exactly
what its lines earned, with the multipliers recorded when they were earned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ....orders.models import Order, Product
from ....orders.rules import PAID_STATUSES
from ... import rules
from ...models import LoyaltyAccount, PointsEntry, TierActivity
from ..members import tiers
from ..members.accounts import enrol
from ..program.versions import ActiveProgram, active
from . import ledger, refunds


@dataclass
class SyncResult:
    earned: int = 0
    reversed: int = 0
    shortfall: int = 0
    restored: int = 0
    tier_changed: bool = False


def _local_day(moment, tz_name: str) -> date:
    return moment.astimezone(ZoneInfo(tz_name)).date()


def order_lines(order: Order) -> list[tuple[int, int, str | None, int | None]]:
    """(line_no, total, sku, product_id) per line; an order stored without lines counts as one line 0."""
    if not order.lines:
        return [(0, order.goods_amount or order.paid_amount, None, None)]
    return [(line.line_no, line.total_amount, line.sku, line.product_id) for line in order.lines]


def line_bases(order: Order, include_shipping: bool) -> tuple[int, dict[int, int]]:
    """The order's base and its split over the lines (largest remainder; sums to the base)."""
    # A sales tax added on top of the prices (taxes_included false) is paid but earns nothing.
    added_tax = 0 if order.taxes_included else max(0, order.tax_amount)
    base = rules.order_base(order.paid_amount - added_tax, order.shipping_amount, include_shipping)
    lines = order_lines(order)
    shares = rules.allocate(base, [max(0, total) for _, total, _, _ in lines])
    return base, {line_no: share for (line_no, *_), share in zip(lines, shares, strict=True)}


def _categories(session: Session, order: Order, config) -> dict[int, str | None]:
    ids = {line.product_id for line in order.lines if line.product_id is not None}
    if not ids or not config.earning.category_multipliers:
        return {}
    return dict(session.execute(select(Product.id, Product.category).where(Product.id.in_(ids))).all())


def _earned_between(session: Session, account: LoyaltyAccount, start: date, end: date) -> int:
    """Order points earned (pending or not) for shop-local days start..end, as the caps count them."""
    total = session.scalar(select(func.coalesce(func.sum(PointsEntry.pending_points + PointsEntry.points), 0))
                           .where(PointsEntry.account_id == account.id, PointsEntry.kind == "earn",
                                  PointsEntry.reason == "order", PointsEntry.earned_on >= start,
                                  PointsEntry.earned_on <= end))
    return int(total)


def _earn(session: Session, program: ActiveProgram, account: LoyaltyAccount, order: Order,
          bases: dict[int, int], day: date) -> int:
    cfg = program.config
    tier = cfg.tier(account.tier_code) or cfg.tiers[0]
    promo, promo_name = rules.promotion_multiplier(cfg, day)
    categories = _categories(session, order, cfg)
    lines = []
    for line_no, _total, sku, product_id in order_lines(order):
        factors = [rules.item_multiplier(cfg, sku, categories.get(product_id)), tier.points_multiplier, promo]
        points = rules.line_points(bases[line_no], cfg.earning.points_per_unit, cfg.earning.unit_amount, factors)
        lines.append({"line_no": line_no, "base": bases[line_no], "multipliers": factors, "points": points})
    total = sum(line["points"] for line in lines)
    detail = {"tier": tier.code, "promotion": promo_name, "lines": lines}
    earning = cfg.earning
    if earning.daily_cap or earning.monthly_cap:
        today = _earned_between(session, account, day, day) if earning.daily_cap else 0
        month_start = day.replace(day=1)
        month = _earned_between(session, account, month_start, rules.add_months(month_start, 1) - timedelta(days=1)) \
            if earning.monthly_cap else 0
        total = rules.cap_lines(lines, detail, total,
                                rules.capped(total, today, earning.daily_cap, month, earning.monthly_cap))
    ledger.add_pending(session, account, total, key=f"earn:{order.id}", reason="order", order_id=order.id,
                       source_type="order", source_id=order.external_id, rule_version=program.version,
                       earned_on=day, detail=detail)
    bonus = cfg.earning.first_order_points
    if bonus and session.scalar(select(PointsEntry.id).where(
            PointsEntry.idempotency_key == f"first_order:{account.id}")) is None:
        ledger.add_pending(session, account, bonus, key=f"first_order:{account.id}", reason="first_order",
                           order_id=order.id, source_type="order", source_id=order.external_id,
                           rule_version=program.version, earned_on=day)
        total += bonus
    return total


def _tier_activity(session: Session, account: LoyaltyAccount, order: Order, base: int,
                   include_refunds: bool = True) -> tuple[bool, bool]:
    """Record the order's spend and count for tiers, and wind them back as it is refunded; (paid, refunded)."""
    paid = tiers.record_activity(session, account, key=f"tier:{order.id}:paid", spend=base, orders=1,
                                 at=order.paid_at, order_id=order.id)
    if not include_refunds:
        return paid, False
    void = refunds.is_void(order)
    # Wind back what the payment counted (its base under the rules of that day), however the rules changed since.
    counted = session.scalar(select(TierActivity.spend_amount)
                             .where(TierActivity.idempotency_key == f"tier:{order.id}:paid"))
    refunded_base = counted if void else min(counted, order.refunded_amount)
    refunded = False
    if refunded_base > 0:
        refunded = tiers.record_activity(session, account, key=f"tier:{order.id}:refund:{refunded_base}",
                                         spend=-(refunded_base - _refunded_spend(session, account, order)), orders=0,
                                         at=order.paid_at, order_id=order.id)
    if void:
        refunded |= tiers.record_activity(session, account, key=f"tier:{order.id}:void", spend=0, orders=-1,
                                          at=order.paid_at, order_id=order.id)
    return paid, refunded


def _refunded_spend(session: Session, account: LoyaltyAccount, order: Order) -> int:
    value = session.scalar(select(func.coalesce(func.sum(-TierActivity.spend_amount), 0))
                           .where(TierActivity.account_id == account.id, TierActivity.order_id == order.id,
                                  TierActivity.spend_amount < 0))
    return int(value)


def sync_order(session: Session, order: Order, program: ActiveProgram | None = None, *,
               include_refunds: bool = True) -> SyncResult | None:
    """Bring the ledger and tier activity in line with one order; None when the order is not a member's sale.

    include_refunds=False reconciles only the payment (a history replay takes refunds back when they happened)."""
    if order.kind != "sale" or order.customer_id is None or order.paid_at is None:
        return None
    if order.status not in PAID_STATUSES and order.status != "cancelled":
        return None
    program = program or active(session, order.shop_id)
    if program is None or order.currency != program.program.currency:
        # Points are priced in the program's currency; an order in another one earns nothing rather than a guess.
        return None
    account = enrol(session, program, order.customer_id)
    ledger.lock_account(session, account)
    result = SyncResult()
    cfg = program.config
    base, bases = line_bases(order, cfg.earning.include_shipping)
    day = _local_day(order.paid_at, program.shop.timezone)
    paid, refunded = _tier_activity(session, account, order, base, include_refunds)
    earned = ledger.entry_by_key(session, f"earn:{order.id}")
    if earned is None and (cfg.earning.start_on is None or day >= cfg.earning.start_on):
        result.earned = _earn(session, program, account, order, bases, day)
    elif earned is not None and earned.detail.get("lines"):
        # Refunds are spread over the line bases the points were earned on, not today's rules' bases.
        bases = {line["line_no"]: line["base"] for line in earned.detail["lines"]}
    if include_refunds and (order.refunds or refunds.is_void(order)):  # nothing to take back or give back otherwise
        from ..spending.redemption import restore_for_order

        refunds.take_back_refunded(session, program, account, order, bases, result)
        result.restored = restore_for_order(session, program, account, order)
    if refunded:
        result.tier_changed = tiers.after_refund(session, program, account)
    elif paid:
        result.tier_changed = tiers.after_payment(session, program, account)
    return result


def sync_orders(session: Session, order_ids: list[int]) -> int:
    """sync_order for many orders (an import's history); returns how many were members' sales."""
    done = 0
    programs: dict[int, ActiveProgram | None] = {}
    for order in session.scalars(select(Order).where(Order.id.in_(order_ids)).order_by(Order.paid_at, Order.id)):
        if order.shop_id not in programs:
            programs[order.shop_id] = active(session, order.shop_id)
        if programs[order.shop_id] is not None and sync_order(session, order, programs[order.shop_id]) is not None:
            done += 1
    return done
