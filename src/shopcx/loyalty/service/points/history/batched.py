"""The batched path: the customers' orders loaded in a few queries, the rules run in memory account by account
(accounts are independent), the rows inserted in bulk (`bulk.BulkWriter`)."""

from __future__ import annotations

import gc
import secrets
from bisect import insort
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ARRAY, Integer, any_, bindparam, func, select
from sqlalchemy.orm import Session

from .....core import clock
from .....orders.models import Order, OrderLine, Product, Refund, RefundLine, Shipment
from .... import rules
from ....models import (
    LoyaltyAccount,
)
from ...members.accounts import _CODE_ALPHABET
from ...program.versions import ActiveProgram
from ..ledger import LoyaltyError
from .bulk import BulkWriter
from .moments import ACTOR, ReplayOrder, midnight, next_review, qualifying_orders, refund_moment, review_day

# --- the batched path ---------------------------------------------------------------------------------------------


class _Member:
    """One account replayed in memory: its caches, open lots, pending earns, tier activity and caps."""

    def __init__(self, sim: _Replay, customer_id: int, at: datetime):
        cfg = sim.config
        self.sim = sim
        entry_tier = cfg.tiers[0].code
        self.row = sim.out.add("loyalty_account", program_id=sim.program.program.id, shop_id=sim.program.shop.id,
                               customer_id=customer_id, balance=0, pending_balance=0, shortfall=0, lifetime_earned=0,
                               lifetime_redeemed=0, lifetime_expired=0, tier_code=entry_tier, tier_since=at,
                               reviewed_tier_code=entry_tier, reviewed_on=None, floor_tier_code=None,
                               floor_reason=None, floor_until=None, referral_code=sim.code(), referred_by_id=None,
                               joined_at=at, birthday_changed_at=None, version=0, updated_at=at)
        self.id = self.row["id"]
        self.joined_on = sim.day(at)
        self.lots: list[dict] = []  # open lots (remaining > 0), in consumption order
        self.pending: list[tuple[dict, date, date]] = []  # (earn entry, available_on, first calendar day)
        self.reversed_pending: dict[int, int] = defaultdict(int)
        self.activation_of: dict[int, dict] = {}
        self.lot_of: dict[int, dict] = {}
        self.activity: list[tuple[datetime, int, int]] = []
        self.earned_on_day: dict[date, int] = defaultdict(int)
        self.first_order_done = False
        self.paid_spend: dict[int, int] = {}  # what each order's payment counted for tiers
        sim.out.add("tier_change", account_id=self.id, from_tier=None, to_tier=entry_tier, reason="join", note=None,
                    rule_version=sim.program.version, actor=ACTOR, at=at)
        bonus = cfg.earning.join_points
        if bonus:
            self.credit(bonus, at=at, key=f"join:{self.id}", reason="join", earned_on=self.joined_on,
                        expires_on=sim.expiry(self.joined_on), actor=ACTOR)

    # ledger primitives (ledger.py), in memory
    def entry(self, *, kind: str, key: str, reason: str, at: datetime, points: int = 0, pending: int = 0,
              shortfall: int = 0, **fields) -> dict:
        if key in self.sim.keys:
            raise LoyaltyError("ledger_inconsistent", f"history replay: key {key} written twice")
        self.sim.keys.add(key)
        values = {"account_id": self.id, "kind": kind, "points": points, "pending_points": pending,
                  "shortfall": shortfall, "reason": reason, "idempotency_key": key, "order_id": None,
                  "order_line_no": None, "source_type": None, "source_id": None, "parent_id": None,
                  "rule_version": None, "detail": {}, "note": None, "actor": None, "created_at": at,
                  "earned_on": None}
        if fields:
            values.update(fields)
        row = self.row
        row["balance"] += points
        row["pending_balance"] += pending
        row["updated_at"] = at
        return self.sim.out.append("points_entry", values)

    def new_lot(self, entry: dict, points: int, expires_on: date | None, at: datetime) -> dict:
        lot = self.sim.out.append("points_lot", {"account_id": self.id, "entry_id": entry["id"], "points": points,
                                                 "remaining": points, "expires_on": expires_on, "created_at": at})
        insort(self.lots, lot, key=lambda x: (x["expires_on"] is None, x["expires_on"] or date.min, x["id"]))
        self.lot_of[entry["id"]] = lot
        return lot

    def credit(self, points: int, *, at: datetime, key: str, reason: str, expires_on: date | None,
               **fields) -> dict:
        entry = self.entry(kind="earn", key=key, reason=reason, at=at, points=points,
                           rule_version=self.sim.program.version, **fields)
        self.new_lot(entry, points, expires_on, at)
        self.row["lifetime_earned"] += points
        return entry

    def consume(self, entry: dict, points: int, lots: list[dict]) -> None:
        left = points
        for lot in lots:
            if left == 0:
                break
            take = min(left, lot["remaining"])
            lot["remaining"] -= take
            left -= take
            self.sim.out.append("points_allocation", {"entry_id": entry["id"], "lot_id": lot["id"], "points": take})
        if left:
            raise LoyaltyError("ledger_inconsistent", f"account {self.id}: lots hold {points - left} of {points}")
        self.lots = [lot for lot in self.lots if lot["remaining"] > 0]

    # tiers (members/tiers.py), in memory
    def window_totals(self, as_of: date) -> tuple[int, int]:
        sim = self.sim
        low, high = sim.window(as_of, self.joined_on)
        spend = orders = 0
        for at, amount, count in self.activity:
            if low <= at < high:
                spend, orders = spend + amount, orders + count
        return max(0, spend), max(0, orders)

    def set_tier(self, target: str, reason: str, at: datetime) -> None:
        if self.row["tier_code"] == target:
            return
        self.sim.out.add("tier_change", account_id=self.id, from_tier=self.row["tier_code"], to_tier=target,
                         reason=reason, note=None, rule_version=self.sim.program.version, actor=ACTOR, at=at)
        self.row["tier_code"], self.row["tier_since"] = target, at

    def activity_row(self, order: ReplayOrder, key: str, spend: int, orders: int, at: datetime) -> None:
        self.activity.append((order.paid_at, spend, orders))
        self.sim.out.add("tier_activity", account_id=self.id, order_id=order.id, spend_amount=spend, orders=orders,
                         at=order.paid_at, idempotency_key=key, created_at=at)

    # the order's two moments (earning.sync_order)
    def pay(self, order: ReplayOrder) -> None:
        sim, cfg, at = self.sim, self.sim.config, order.paid_at
        day = sim.day(at)
        base, bases = sim.line_bases(order)
        order.bases = bases
        self.paid_spend[order.id] = base
        self.activity_row(order, f"tier:{order.id}:paid", base, 1, at)
        if cfg.earning.start_on is None or day >= cfg.earning.start_on:
            self.earn(order, bases, day, at)
        spend, orders = self.window_totals(day)
        self.set_tier(rules.tier_after_payment(cfg, self.row["tier_code"], None, spend, orders), "qualify", at)

    def earn(self, order: ReplayOrder, bases: dict[int, int], day: date, at: datetime) -> None:
        sim, cfg = self.sim, self.sim.config
        tier = cfg.tier(self.row["tier_code"]) or cfg.tiers[0]
        promo, promo_name = rules.promotion_multiplier(cfg, day)
        lines = []
        for _line_id, line_no, _total, sku, product_id in sim.lines_of(order):
            factors = [rules.item_multiplier(cfg, sku, sim.categories.get(product_id)), tier.points_multiplier,
                       promo]
            points = rules.line_points(bases[line_no], cfg.earning.points_per_unit, cfg.earning.unit_amount,
                                       factors)
            lines.append({"line_no": line_no, "base": bases[line_no], "multipliers": factors, "points": points})
        total = sum(line["points"] for line in lines)
        detail = {"tier": tier.code, "promotion": promo_name, "lines": lines}
        earning = cfg.earning
        if earning.daily_cap or earning.monthly_cap:
            today = self.earned_on_day[day] if earning.daily_cap else 0
            month = sum(v for d, v in self.earned_on_day.items() if (d.year, d.month) == (day.year, day.month)) \
                if earning.monthly_cap else 0
            total = rules.cap_lines(lines, detail, total,
                                    rules.capped(total, today, earning.daily_cap, month, earning.monthly_cap))
        self.earned_on_day[day] += total
        source = {"order_id": order.id, "source_type": "order", "source_id": order.external_id,
                  "rule_version": sim.program.version, "earned_on": day}
        self.pend(order, self.entry(kind="earn", key=f"earn:{order.id}", reason="order", at=at, pending=total,
                                    detail=detail, **source), day)
        bonus = earning.first_order_points
        if bonus and not self.first_order_done:
            self.first_order_done = True
            self.pend(order, self.entry(kind="earn", key=f"first_order:{self.id}", reason="first_order", at=at,
                                        pending=bonus, **source), day)

    def pend(self, order: ReplayOrder, entry: dict, day: date) -> None:
        order.earns.append(entry)
        if entry["pending_points"] > 0:
            available = self.sim.available_on(order)
            self.pending.append((entry, available, max(available, day + timedelta(days=1))))

    def refund(self, order: ReplayOrder, at: datetime) -> None:
        sim, cfg = self.sim, self.sim.config
        void = order.void
        counted = self.paid_spend[order.id]
        refunded_base = counted if void else min(counted, order.refunded_amount)
        refunded = False
        if refunded_base > 0:
            self.activity_row(order, f"tier:{order.id}:refund:{refunded_base}", -refunded_base, 0, at)
            refunded = True
        if void:
            self.activity_row(order, f"tier:{order.id}:void", 0, -1, at)
            refunded = True
        earned = order.earns[0] if order.earns else None
        bases = order.bases
        if earned is not None and earned["detail"].get("lines"):
            bases = {line["line_no"]: line["base"] for line in earned["detail"]["lines"]}
        if order.refunds or void:
            by_line = sim.refunded_by_line(order, bases)
            for earn in order.earns:
                due = _due_back(earn, by_line, void)
                if due <= 0:
                    continue
                fields = {"parent_id": earn["id"], "order_id": order.id, "source_type": "order",
                          "source_id": order.external_id, "rule_version": earn["rule_version"],
                          "detail": {"due": due, "refunded": {str(k): v for k, v in by_line.items()}, "void": void}}
                key = f"reverse:{earn['id']}:{due}"
                activation = self.activation_of.get(earn["id"])
                if activation is None:
                    if self.row["pending_balance"] < due:
                        raise LoyaltyError("ledger_inconsistent", f"account {self.id}: pending short")
                    self.entry(kind="reverse", key=key, reason="refund", at=at, pending=-due, **fields)
                    self.reversed_pending[earn["id"]] += due
                else:
                    taken = min(due, self.row["balance"])
                    first = self.lot_of.get(activation["id"])
                    lots = sorted(self.lots, key=lambda lot: first is None or lot["id"] != first["id"]) \
                        if taken else []
                    entry = self.entry(kind="reverse", key=key, reason="refund", at=at, points=-taken,
                                       shortfall=due - taken, **fields)
                    if taken:
                        self.consume(entry, taken, lots)
                    self.row["shortfall"] += due - taken
                    self.row["lifetime_earned"] -= due
        if refunded:
            spend, orders = self.window_totals(sim.day(at))
            target = rules.tier_after_refund(cfg, self.row["tier_code"], self.row["reviewed_tier_code"], None,
                                             spend, orders)
            self.set_tier(target, "refund", at)

    # the calendar (daily.py), in memory
    def next_day(self, after: date) -> date | None:
        day = min([first for _, _, first in self.pending]) if self.pending else None
        if self.lots and self.lots[0]["expires_on"] is not None:  # the open lots are in expiry order, never last
            expiry = max(self.lots[0]["expires_on"], after + timedelta(days=1))
            day = expiry if day is None else min(day, expiry)
        if self.reviews_matter():
            review = self.sim.next_review(after)
            day = review if day is None else min(day, review)
        return day

    def reviews_matter(self) -> bool:
        """Whether a review can change anything but the review day. In a rolling window a review never upgrades
        (every activity in today's window was counted at a later payment, refund or review, which tiered the member
        at least that high), so a member in the entry tier keeps it: those reviews are dated at the end."""
        return not self.sim.rolling or self.sim.ranks.get(self.row["tier_code"], -1) > 0

    def finish(self, today: date) -> None:
        """Date the reviews skipped while the member was in the entry tier: the last review day after joining."""
        last = today.replace(day=1)
        while not review_day(self.sim.config, last):
            last = rules.add_months(last, -1)
        if last > self.joined_on and (self.row["reviewed_on"] is None or self.row["reviewed_on"] < last):
            self.row["reviewed_on"] = last
            self.row["reviewed_tier_code"] = self.row["tier_code"]

    def calendar(self, day: date) -> None:
        sim = self.sim
        at = sim.midnight(day)
        due = [p for p in self.pending if p[2] <= day] if self.pending else None
        if due:
            self.pending = [p for p in self.pending if p[2] > day]
            for earn, available, _ in due:
                amount = earn["pending_points"] - self.reversed_pending.get(earn["id"], 0)
                if self.row["pending_balance"] < amount:
                    raise LoyaltyError("ledger_inconsistent", f"account {self.id}: pending short")
                entry = self.entry(kind="activate", key=f"activate:{earn['id']}", reason=earn["reason"], at=at,
                                   points=amount, pending=-amount, parent_id=earn["id"], order_id=earn["order_id"],
                                   rule_version=earn["rule_version"], earned_on=earn["earned_on"],
                                   source_type=earn["source_type"], source_id=earn["source_id"],
                                   detail={"available_on": available.isoformat()})
                self.activation_of[earn["id"]] = entry
                if amount:
                    self.new_lot(entry, amount, sim.expiry(available), at)
                    self.row["lifetime_earned"] += amount
                if self.row["shortfall"]:
                    settle = min(self.row["shortfall"], self.row["balance"])
                    if settle > 0:
                        lots = list(self.lots)
                        paid_back = self.entry(kind="reverse", key=f"settle:{entry['id']}", reason="shortfall",
                                               at=at, points=-settle, detail={"settled_shortfall": settle})
                        self.consume(paid_back, settle, lots)
                        self.row["shortfall"] -= settle
        expiring = []
        for lot in self.lots:  # in expiry order: the lots expiring today come first
            if lot["expires_on"] is None or lot["expires_on"] > day:
                break
            expiring.append(lot)
        for lot in sorted(expiring, key=lambda x: x["id"]):
            amount = lot["remaining"]
            entry = self.entry(kind="expire", key=f"expire:{lot['id']}", reason="expiry", at=at, points=-amount,
                               detail={"lot_id": lot["id"], "expires_on": lot["expires_on"].isoformat()})
            lot["remaining"] = 0
            sim.out.append("points_allocation", {"entry_id": entry["id"], "lot_id": lot["id"], "points": amount})
            self.row["lifetime_expired"] += amount
        if expiring:
            self.lots = [lot for lot in self.lots if lot["remaining"] > 0]
        if sim.review_day(day):
            self.review(day, at)

    def review(self, day: date, at: datetime) -> None:
        cfg = self.sim.config
        spend, orders = self.window_totals(day)
        target = rules.tier_at_review(cfg, self.row["tier_code"], None, spend, orders)
        window = cfg.qualification.window
        if window != "rolling_12m":
            start = rules.window_start(window, day, self.joined_on)
            last = self.window_totals(start - timedelta(days=1))
            target = max(target, rules.tier_at_review(cfg, self.row["tier_code"], None, *last), key=cfg.rank)
        self.set_tier(target, "review", at)
        self.row["reviewed_tier_code"], self.row["reviewed_on"] = target, day


def _due_back(earn: dict, refunded: dict[int, int], void: bool) -> int:
    """refunds.due_back on an entry held in memory."""
    if earn["reason"] != "order":
        return earn["pending_points"] if void else 0
    if void:
        return earn["pending_points"]
    return sum(rules.reversal_due(line["points"], line["base"], refunded.get(line["line_no"], 0))
               for line in earn["detail"].get("lines", []))


class _Replay:
    """The shared state of one batched replay: the program, its rules and the rows to write."""

    def __init__(self, session: Session, program: ActiveProgram, today: date):
        self.session, self.program, self.config, self.today = session, program, program.config, today
        self.tz = ZoneInfo(program.shop.timezone)
        self.out = BulkWriter(session)
        self.keys: set[str] = set()
        self.codes: set[str] = set()
        self.categories: dict[int, str | None] = {}
        if self.config.earning.category_multipliers:
            self.categories = dict(session.execute(select(Product.id, Product.category)
                                                   .where(Product.shop_id == program.shop.id)).all())

        self.rolling = self.config.qualification.window == "rolling_12m"
        self.ranks = {tier.code: i for i, tier in enumerate(self.config.tiers)}
        self._midnights: dict[date, datetime] = {}
        self._next_reviews: dict[date, date] = {}
        self._review_days: dict[date, bool] = {}
        self._windows: dict[tuple[date, date | None], tuple[datetime, datetime]] = {}
        self._expiries: dict[date, date | None] = {}

    def day(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    # the calendar's answers per day, remembered: every member asks them for the same few hundred days
    def midnight(self, day: date) -> datetime:
        at = self._midnights.get(day)
        if at is None:
            at = self._midnights[day] = midnight(day, self.tz)
        return at

    def next_review(self, after: date) -> date:
        day = self._next_reviews.get(after)
        if day is None:
            day = self._next_reviews[after] = next_review(self.config, after)
        return day

    def review_day(self, day: date) -> bool:
        known = self._review_days.get(day)
        if known is None:
            known = self._review_days[day] = review_day(self.config, day)
        return known

    def window(self, as_of: date, joined_on: date) -> tuple[datetime, datetime]:
        """The qualification window holding `as_of`, as UTC moments [from, to)."""
        key = (as_of, joined_on if self.config.qualification.window == "anniversary" else None)
        bounds = self._windows.get(key)
        if bounds is None:
            start = rules.window_start(self.config.qualification.window, as_of, joined_on)
            bounds = self._windows[key] = (self.midnight(start), self.midnight(as_of + timedelta(days=1)))
        return bounds

    def expiry(self, available: date) -> date | None:
        expires = self._expiries.get(available, False)
        if expires is False:
            expires = self._expiries[available] = rules.lot_expires_on(self.config.expiry.mode,
                                                                       self.config.expiry.months, available)
        return expires

    def code(self) -> str:
        while True:  # 32 letters: a random byte modulo 32 is uniform
            code = "".join(_CODE_ALPHABET[b % 32] for b in secrets.token_bytes(8))
            if code not in self.codes:
                self.codes.add(code)
                return code

    @staticmethod
    def lines_of(order: ReplayOrder) -> list[tuple[int, int, int, str | None, int | None]]:
        if not order.lines:
            return [(0, 0, order.goods_amount or order.paid_amount, None, None)]
        return order.lines

    def line_bases(self, order: ReplayOrder) -> tuple[int, dict[int, int]]:
        base = rules.order_base(order.paid_amount, order.shipping_amount, self.config.earning.include_shipping)
        lines = self.lines_of(order)
        shares = rules.allocate(base, [max(0, line[2]) for line in lines])
        return base, {line[1]: share for line, share in zip(lines, shares, strict=True)}

    @staticmethod
    def refunded_by_line(order: ReplayOrder, bases: dict[int, int]) -> dict[int, int]:
        """refunds.refunded_by_line over the loaded rows (the same rule, rules.refunded_by_line)."""
        return rules.refunded_by_line({line[0]: line[1] for line in order.lines},
                                      ((amount, items) for (amount, _, _), items in zip(order.refunds,
                                                                                        order.refund_lines,
                                                                                        strict=True)), bases)

    def available_on(self, order: ReplayOrder) -> date:
        if order.completed_at is not None:
            opens = self.day(order.completed_at)
        elif order.delivered_at is not None:
            opens = self.day(order.delivered_at)
        else:
            opens = self.day(order.paid_at) + timedelta(days=self.config.earning.auto_confirm_days)
        return rules.available_on(opens, self.config.earning.return_window_days)

    def load(self, customer_ids: list[int]) -> dict[int, list[ReplayOrder]]:
        """The customers' qualifying orders with lines, refunds and deliveries, in a handful of queries."""
        s, ids = self.session, customer_ids
        where = (*_by_customer(s, qualifying_orders(self.program)), _among(s, Order.customer_id, ids))
        orders: dict[int, ReplayOrder] = {}
        for row in s.execute(select(Order.id, Order.customer_id, Order.external_id, Order.status, Order.paid_amount,
                                    Order.shipping_amount, Order.goods_amount, Order.refunded_amount, Order.paid_at,
                                    Order.completed_at).where(*where)):
            orders[row[0]] = ReplayOrder(*row[:8], clock.as_utc(row[8]), clock.as_utc(row[9]))
        for oid, line_id, no, total, sku, pid in s.execute(
                select(OrderLine.order_id, OrderLine.id, OrderLine.line_no, OrderLine.total_amount, OrderLine.sku,
                       OrderLine.product_id).join(Order, Order.id == OrderLine.order_id).where(*where)
                .order_by(OrderLine.order_id, OrderLine.line_no)):
            orders[oid].lines.append((line_id, no, total, sku, pid))
        refund_index: dict[int, tuple[ReplayOrder, int]] = {}
        for rid, oid, amount, requested, completed in s.execute(
                select(Refund.id, Refund.order_id, Refund.amount, Refund.requested_at, Refund.completed_at)
                .join(Order, Order.id == Refund.order_id).where(*where).order_by(Refund.order_id, Refund.id)):
            order = orders[oid]
            refund_index[rid] = (order, len(order.refunds))
            order.refunds.append((amount, clock.as_utc(requested), clock.as_utc(completed)))
            order.refund_lines.append([])
        if refund_index:
            for rid, line_id, amount in s.execute(
                    select(RefundLine.refund_id, RefundLine.order_line_id, RefundLine.amount)
                    .join(Refund, Refund.id == RefundLine.refund_id).join(Order, Order.id == Refund.order_id)
                    .where(*where).order_by(RefundLine.id)):
                order, index = refund_index[rid]
                order.refund_lines[index].append((line_id, amount))
        for oid, delivered in s.execute(select(Shipment.order_id, func.max(Shipment.delivered_at))
                                        .join(Order, Order.id == Shipment.order_id).where(*where)
                                        .group_by(Shipment.order_id)):
            orders[oid].delivered_at = clock.as_utc(delivered)
        by_customer: dict[int, list[ReplayOrder]] = defaultdict(list)
        for order in orders.values():
            by_customer[order.customer_id].append(order)
        return by_customer

    def replay(self, customer_id: int, orders: list[ReplayOrder]) -> None:
        moments = []
        for order in orders:
            moments.append((order.paid_at, 0, order.id, order))
            if order.refunds or order.void:
                moments.append((refund_moment(order.paid_at, [(r[1], r[2]) for r in order.refunds]), 1, order.id,
                                order))
        moments.sort(key=lambda m: m[:3])
        member: _Member | None = None
        last = None
        for when, phase, _, order in moments:
            day = self.day(when)
            if member is None:
                member, last = _Member(self, customer_id, when), day
            last = self._calendar(member, last, day)
            if phase:
                member.refund(order, when)
            else:
                member.pay(order)
        self._calendar(member, last, self.today)
        member.finish(self.today)

    @staticmethod
    def _calendar(member: _Member, last: date, until: date) -> date:
        """Run the member's calendar days after `last` up to `until` (inclusive)."""
        while True:
            day = member.next_day(last)
            if day is None or day > until:
                return max(last, until)
            member.calendar(day)
            last = day


def _by_customer(session: Session, where: tuple) -> tuple:
    """The qualifying-order conditions for a query by customer. SQLite, without statistics, read a chunk's orders
    through the shop's (or the status) index, every order of the shop for each chunk of customers in each of the
    five load queries (a 10,000-customer shop cost twice as much per order as 3,000). The same conditions written
    so that no index serves them (`shop_id + 0`, `status || ''`) leave it the customer index."""
    if session.get_bind().dialect.name == "postgresql":
        return where
    unindexed = {"shop_id": lambda column: column + 0, "status": lambda column: column.concat("")}
    return tuple(condition.operator(unindexed[condition.left.key](condition.left), condition.right)
                 if getattr(getattr(condition, "left", None), "key", None) in unindexed else condition
                 for condition in where)


def _among(session: Session, column, ids: list[int]):
    """`column IN ids`; on PostgreSQL `= ANY` of one array parameter: a parameter per customer rendered in each of
    the five load queries cost 0.05 of the load's 0.13 CPU-s there (on SQLite a JSON list saves nothing)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
    return column.in_(ids)


# rows written per member and per ten orders, a little above the demo shop's (3,000 customers): an account and a
# join change per member; 40 entries, 18 lots, 7 allocations, 11 tier activities and 2 more changes per ten orders
# (integers, as everything in this package: tests/loyalty/test_rules.py)
_ROWS = {"loyalty_account": (1, 0), "points_entry": (0, 42), "points_lot": (0, 20), "points_allocation": (0, 8),
         "tier_activity": (0, 12), "tier_change": (1, 3)}
_CHUNK = 250  # customers whose rows are handed to the writer at a time


def replay_batched(session: Session, program: ActiveProgram, customer_ids: list[int], *, today: date) -> int:
    """Replay the customers' history in memory and write it in bulk; returns orders replayed."""
    if not customer_ids:
        return 0
    collecting = gc.isenabled()
    gc.disable()  # the replay holds many small dicts and makes no cycles: collections would cost more than the work
    try:
        return _replay_batched(session, program, customer_ids, today)
    finally:
        if collecting:
            gc.enable()


def _replay_batched(session: Session, program: ActiveProgram, customer_ids: list[int], today: date) -> int:
    session.flush()
    sim = _Replay(session, program, today)
    by_customer = sim.load(customer_ids)
    placed = sum(len(orders) for orders in by_customer.values())
    sim.out.expect({table: len(by_customer) * per_member + placed * per_ten_orders // 10
                    for table, (per_member, per_ten_orders) in _ROWS.items()})
    taken = set(session.scalars(select(LoyaltyAccount.referral_code)))
    sim.codes |= taken
    count = 0
    try:
        for n, customer_id in enumerate(sorted(by_customer), start=1):
            orders = sorted(by_customer[customer_id], key=lambda o: (o.paid_at, o.id))
            sim.replay(customer_id, orders)
            count += len(orders)
            if n % _CHUNK == 0:
                sim.out.flush()  # written while the next customers are replayed
        sim.out.flush()
    finally:
        sim.out.close()
    return count
