"""Backtest a changed rule set against the stored history before publishing it, writing nothing.

Tiers: every member is put through the periodic review as of `today` twice — under the published rules and under
the candidate — each over its own qualification window of the stored tier activity (spend and order counts, net of
refunds), with the member's current tier and any active manual floor carried over. The result counts the members
per tier both ways and the moves between them (a matrix).

Points: every stored order earning is priced again with the candidate (its base, line split, product/category
multipliers, promotions on the day it was earned, daily/monthly caps, refunds taken back by the same rounding) and
the tier recorded when it was earned, mapped into the candidate (same code, else the same rank). Joining,
first-order and birthday bonuses are re-valued with the candidate's amounts; other entries (reviews, referrals,
manual adjustments, redemptions) are the same under both. The liability change values the difference in money.

Everything is computed from a handful of batch queries (no query per member), so thousands of members take
a moment, and the function only reads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ....orders.models import Order, OrderLine, Product, Refund, RefundLine
from ... import rules
from ...config import ProgramConfig
from ...models import LoyaltyAccount, PointsEntry, TierActivity
from ..members import tiers
from ..points import earning, refunds
from ..reports import points_value
from .versions import ActiveProgram

_CHUNK = 900  # ids per IN (…): below SQLite's older 999-variable limit


def map_tier(published: ProgramConfig, candidate: ProgramConfig, code: str | None) -> str:
    """A tier code in the candidate: the same code if it still exists, else the tier at the same rank (clamped)."""
    if code is not None and candidate.tier(code) is not None:
        return code
    rank = max(0, published.rank(code))
    return candidate.tiers[min(rank, len(candidate.tiers) - 1)].code


@dataclass
class _Member:
    account_id: int
    tier_code: str | None
    floor: str | None
    start_published: object
    start_candidate: object
    spend_published: int = 0
    orders_published: int = 0
    spend_candidate: int = 0
    orders_candidate: int = 0


def _chunks(ids: list[int]):
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def _members(session: Session, program: ActiveProgram, candidate: ProgramConfig, today: date) -> list[_Member]:
    tz, published = program.shop.timezone, program.config
    rows = session.execute(select(LoyaltyAccount.id, LoyaltyAccount.tier_code, LoyaltyAccount.floor_tier_code,
                                  LoyaltyAccount.floor_until, LoyaltyAccount.joined_at)
                           .where(LoyaltyAccount.program_id == program.program.id)
                           .order_by(LoyaltyAccount.id)).all()
    members: dict[int, _Member] = {}
    zone = ZoneInfo(tz)
    starts: dict[date, object] = {}

    def instant(day: date):
        if day not in starts:
            starts[day] = tiers.local_midnight(day, tz)
        return starts[day]

    for account_id, tier_code, floor, floor_until, joined_at in rows:
        joined = joined_at.astimezone(zone).date()
        active_floor = floor if floor and (floor_until is None or floor_until >= today) else None
        members[account_id] = _Member(
            account_id=account_id, tier_code=tier_code, floor=active_floor,
            start_published=instant(rules.window_start(published.qualification.window, today, joined)),
            start_candidate=instant(rules.window_start(candidate.qualification.window, today, joined)))
    if not members:
        return []
    earliest = min(starts.values())
    end = tiers.local_midnight(today + timedelta(days=1), tz)
    activity = session.execute(
        select(TierActivity.account_id, TierActivity.at, TierActivity.spend_amount, TierActivity.orders)
        .join(LoyaltyAccount, LoyaltyAccount.id == TierActivity.account_id)
        .where(LoyaltyAccount.program_id == program.program.id, TierActivity.at >= earliest, TierActivity.at < end))
    for account_id, at, spend, orders in activity:
        member = members[account_id]
        if at >= member.start_published:
            member.spend_published += spend
            member.orders_published += orders
        if at >= member.start_candidate:
            member.spend_candidate += spend
            member.orders_candidate += orders
    return list(members.values())


def _tiers(program: ActiveProgram, candidate: ProgramConfig, members: list[_Member]) -> dict:
    published = program.config
    current: dict[str | None, int] = defaultdict(int)
    before: dict[str, int] = defaultdict(int)
    after: dict[str, int] = defaultdict(int)
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    up = down = 0
    for m in members:
        current[m.tier_code] += 1
        old = rules.tier_at_review(published, m.tier_code, m.floor, max(0, m.spend_published),
                                   max(0, m.orders_published))
        floor = map_tier(published, candidate, m.floor) if m.floor else None
        new = rules.tier_at_review(candidate, map_tier(published, candidate, m.tier_code), floor,
                                   max(0, m.spend_candidate), max(0, m.orders_candidate))
        before[old] += 1
        after[new] += 1
        pairs[(old, new)] += 1
        old_rank, new_rank = candidate.rank(map_tier(published, candidate, old)), candidate.rank(new)
        up += new_rank > old_rank
        down += new_rank < old_rank
    return {
        "published": [{"code": t.code, "name_zh": t.name_zh, "name_en": t.name_en, "members": before.get(t.code, 0),
                       "now": current.get(t.code, 0)} for t in published.tiers],
        "candidate": [{"code": t.code, "name_zh": t.name_zh, "name_en": t.name_en, "members": after.get(t.code, 0)}
                      for t in candidate.tiers],
        "matrix": [[pairs.get((a.code, b.code), 0) for b in candidate.tiers] for a in published.tiers],
        "moves": [{"from": a, "to": b, "members": n} for (a, b), n in sorted(pairs.items()) if a != b],
        "up": up, "down": down, "same": len(members) - up - down,
    }


@dataclass
class _Line:
    id: int
    line_no: int
    total_amount: int
    sku: str | None
    product_id: int | None


@dataclass
class _Refund:
    id: int
    amount: int
    lines: list = field(default_factory=list)


@dataclass
class _Order:
    """The parts of an order that earning's helpers read (line_bases, refunded_by_line, is_void), read as rows:
    building full ORM orders with their collections costs several times more for thousands of orders."""

    id: int
    status: str
    paid_amount: int
    shipping_amount: int
    goods_amount: int
    refunded_amount: int
    paid_at: object
    tax_amount: int = 0
    taxes_included: bool = True
    lines: list = field(default_factory=list)
    refunds: list = field(default_factory=list)


@dataclass
class _RefundLine:
    order_line_id: int
    amount: int


def _orders(session: Session, order_ids: list[int]) -> tuple[dict[int, _Order], dict[int, str | None]]:
    """Orders with lines and refunds by id, and product id -> category, in a few queries per chunk of ids."""
    found: dict[int, _Order] = {}
    categories: dict[int, str | None] = {}
    for chunk in _chunks(order_ids):
        for row in session.execute(select(Order.id, Order.status, Order.paid_amount, Order.shipping_amount,
                                          Order.goods_amount, Order.refunded_amount, Order.paid_at,
                                          Order.tax_amount, Order.taxes_included)
                                   .where(Order.id.in_(chunk))):
            found[row[0]] = _Order(*row)
        lines = session.execute(select(OrderLine.order_id, OrderLine.id, OrderLine.line_no, OrderLine.total_amount,
                                       OrderLine.sku, OrderLine.product_id, Product.category)
                                .outerjoin(Product, Product.id == OrderLine.product_id)
                                .where(OrderLine.order_id.in_(chunk)).order_by(OrderLine.order_id, OrderLine.line_no))
        for order_id, line_id, line_no, total, sku, product_id, category in lines:
            found[order_id].lines.append(_Line(line_id, line_no, total, sku, product_id))
            if product_id is not None:
                categories[product_id] = category
        refunds: dict[int, _Refund] = {}
        for refund_id, order_id, amount in session.execute(select(Refund.id, Refund.order_id, Refund.amount)
                                                           .where(Refund.order_id.in_(chunk)).order_by(Refund.id)):
            refunds[refund_id] = _Refund(refund_id, amount)
            found[order_id].refunds.append(refunds[refund_id])
        for part in _chunks(sorted(refunds)):
            for refund_id, line_id, amount in session.execute(
                    select(RefundLine.refund_id, RefundLine.order_line_id, RefundLine.amount)
                    .where(RefundLine.refund_id.in_(part)).order_by(RefundLine.id)):
                refunds[refund_id].lines.append(_RefundLine(line_id, amount))
    return found, categories


class _Caps:
    """The candidate's daily and monthly caps, counted per member as earning counts them (by earned_on)."""

    def __init__(self, config: ProgramConfig):
        self.daily, self.monthly = config.earning.daily_cap, config.earning.monthly_cap
        self.by_day: dict[tuple[int, date], int] = defaultdict(int)
        self.by_month: dict[tuple[int, int, int], int] = defaultdict(int)

    def allow(self, account_id: int, day: date, points: int) -> int:
        if not (self.daily or self.monthly):
            return points
        month = (account_id, day.year, day.month)
        allowed = rules.capped(points, self.by_day[(account_id, day)], self.daily, self.by_month[month], self.monthly)
        self.by_day[(account_id, day)] += allowed
        self.by_month[month] += allowed
        return allowed


def _reprice(program: ActiveProgram, candidate: ProgramConfig, earn, order: _Order, categories, caps: _Caps) -> int:
    """Net points (after refunds) the order would have kept under the candidate."""
    cfg = candidate.earning
    day = earn.earned_on or order.paid_at.astimezone(ZoneInfo(program.shop.timezone)).date()
    if cfg.start_on is not None and day < cfg.start_on:
        return 0
    recorded = (earn.detail or {}).get("tier")
    tier = candidate.tier(map_tier(program.config, candidate, recorded))
    promo, _ = rules.promotion_multiplier(candidate, day)
    _, bases = earning.line_bases(order, cfg.include_shipping)
    lines = []
    for line_no, _total, sku, product_id in earning.order_lines(order):
        factors = [rules.item_multiplier(candidate, sku, categories.get(product_id)), tier.points_multiplier, promo]
        lines.append((line_no, bases[line_no], rules.line_points(bases[line_no], cfg.points_per_unit,
                                                                   cfg.unit_amount, factors)))
    total = sum(points for *_, points in lines)
    allowed = caps.allow(earn.account_id, day, total)
    if allowed < total:
        shares = rules.allocate(allowed, [points for *_, points in lines])
        lines = [(no, base, share) for (no, base, _), share in zip(lines, shares, strict=True)]
        total = allowed
    if refunds.is_void(order):
        return 0
    refunded = refunds.refunded_by_line(order, bases)
    return total - sum(rules.reversal_due(points, base, refunded.get(no, 0)) for no, base, points in lines)


def _points(session: Session, program: ActiveProgram, candidate: ProgramConfig, members: int) -> dict:
    program_id, published = program.program.id, program.config
    earns = session.execute(
        select(PointsEntry.id, PointsEntry.account_id, PointsEntry.reason, PointsEntry.order_id,
               PointsEntry.points + PointsEntry.pending_points, PointsEntry.detail, PointsEntry.earned_on)
        .join(LoyaltyAccount, LoyaltyAccount.id == PointsEntry.account_id)
        .where(LoyaltyAccount.program_id == program_id, PointsEntry.kind == "earn",
               PointsEntry.reason.in_(("order", "first_order", "join", "birthday")))
        .order_by(PointsEntry.earned_on, PointsEntry.id)).all()
    earn_ids = select(PointsEntry.id).join(LoyaltyAccount, LoyaltyAccount.id == PointsEntry.account_id).where(
        LoyaltyAccount.program_id == program_id, PointsEntry.kind == "earn")
    taken = func.sum(-PointsEntry.points - PointsEntry.pending_points + PointsEntry.shortfall)
    taken_back = dict(session.execute(
        select(PointsEntry.parent_id, taken)
        .where(PointsEntry.kind == "reverse", PointsEntry.parent_id.in_(earn_ids))
        .group_by(PointsEntry.parent_id)).all())
    orders, categories = _orders(session, sorted({row.order_id for row in earns
                                                  if row.reason == "order" and row.order_id}))
    caps = _Caps(candidate)
    sums = {reason: [0, 0] for reason in ("order", "first_order", "join", "birthday")}
    first_order_members, kept_order_members, joined = set(), set(), 0
    repriced = 0
    for row in earns:
        kept = int(row[4]) - int(taken_back.get(row.id, 0))
        new = kept
        if row.reason == "order":
            order = orders.get(row.order_id)
            if order is not None:  # an erased order keeps what it earned: nothing to price it again with
                new = _reprice(program, candidate, row, order, categories, caps)
                repriced += 1
            if new > 0 or kept > 0:
                kept_order_members.add(row.account_id)
        elif row.reason == "first_order":
            first_order_members.add(row.account_id)
            new = candidate.earning.first_order_points if kept > 0 else 0
        elif row.reason == "join":
            joined += 1
            new = candidate.earning.join_points
        elif row.reason == "birthday":
            tier = candidate.tier(map_tier(published, candidate, (row.detail or {}).get("tier")))
            new = candidate.earning.birthday_points + tier.birthday_points
        sums[row.reason][0] += kept
        sums[row.reason][1] += new
    # Bonuses the published rules did not pay (amount 0) would be paid under the candidate.
    sums["join"][1] += (members - joined) * candidate.earning.join_points
    sums["first_order"][1] += len(kept_order_members - first_order_members) * candidate.earning.first_order_points
    result = {reason: {"published": old, "candidate": new, "delta": new - old} for reason, (old, new) in sums.items()}
    old_total, new_total = sum(v[0] for v in sums.values()), sum(v[1] for v in sums.values())
    result["total"] = {"published": old_total, "candidate": new_total, "delta": new_total - old_total}
    result["orders_repriced"] = repriced
    return result


def run(session: Session, program: ActiveProgram, candidate: ProgramConfig, *, today: date,
        candidate_version: int | None = None) -> dict:
    """Compare the candidate rules with the published ones over the stored history as of the shop-local `today`:
    members per tier and moves between tiers at a review today, points re-priced, and the liability change in
    money. Reads only; nothing is written."""
    members = _members(session, program, candidate, today)
    moved = _tiers(program, candidate, members)
    points = _points(session, program, candidate, len(members))
    available, pending = session.execute(
        select(func.coalesce(func.sum(LoyaltyAccount.balance), 0),
               func.coalesce(func.sum(LoyaltyAccount.pending_balance), 0))
        .where(LoyaltyAccount.program_id == program.program.id)).one()
    outstanding = int(available) + int(pending)
    old_per_100, new_per_100 = program.config.points_value_per_100, candidate.points_value_per_100
    delta = points["total"]["delta"]
    # Upper bound: the extra (or missing) points are assumed still held, none of them spent or expired yet.
    candidate_points = max(0, outstanding + delta)
    current_value, candidate_value = points_value(outstanding, old_per_100), points_value(candidate_points,
                                                                                          new_per_100)
    return {
        "as_of": today.isoformat(), "currency": program.program.currency,
        "published_version": program.version, "candidate_version": candidate_version, "members": len(members),
        "tiers": moved, "points": points,
        "liability": {"points_value_per_100": {"published": old_per_100, "candidate": new_per_100},
                      "outstanding_points": outstanding, "candidate_points": candidate_points,
                      "earning_delta_points": delta, "earning_delta_amount": points_value(delta, new_per_100),
                      "current_amount": current_value, "candidate_amount": candidate_value,
                      "delta_amount": candidate_value - current_value},
    }
