"""The batched path: the customers' orders loaded in a few queries, the rules run in memory account by account
(`member.Member`; accounts are independent), the rows inserted in bulk (`bulk.BulkWriter`)."""

from __future__ import annotations

import gc
import secrets
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ARRAY, Integer, String, any_, bindparam, func, select
from sqlalchemy.orm import Session

from .....core import clock
from .....orders.models import Order, OrderLine, Product, Refund, RefundLine, Shipment
from .... import rules
from ....models import LoyaltyAccount
from ...members.accounts import _CODE_ALPHABET
from ...program.versions import ActiveProgram
from .bulk import BulkWriter
from .member import Member
from .moments import ReplayOrder, midnight, next_review, qualifying_orders, refund_moment, review_day


class Replay:
    """The shared state of one batched replay: the program, its rules and the rows to write."""

    def __init__(self, session: Session, program: ActiveProgram, today: date):
        self.session, self.program, self.config, self.today = session, program, program.config, today
        self.tz = ZoneInfo(program.shop.timezone)
        self.out = BulkWriter(session)
        self.keys: set[str] = set()
        self._codes: list[str] = []  # referral codes for the batch's new accounts (reserve_codes)
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

    def reserve_codes(self, n: int) -> None:
        """Referral codes for the batch's `n` new accounts: drawn at random, the drawn ones looked up among the
        stored accounts in one query and drawn again if taken (reading every stored code instead cost a query of
        all the members for each batch of 2,000)."""
        pool: set[str] = set()
        while len(pool) < n:
            drawn = {"".join(_CODE_ALPHABET[b % 32] for b in secrets.token_bytes(8))  # 32 letters: uniform
                     for _ in range(n - len(pool))} - pool
            taken = set(self.session.scalars(select(LoyaltyAccount.referral_code)
                                             .where(_among(self.session, LoyaltyAccount.referral_code,
                                                           sorted(drawn), String))))
            pool |= drawn - taken
        self._codes = list(pool)

    def code(self) -> str:
        return self._codes.pop()

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
        member: Member | None = None
        last = None
        for when, phase, _, order in moments:
            day = self.day(when)
            if member is None:
                member, last = Member(self, customer_id, when), day
            last = self._calendar(member, last, day)
            if phase:
                member.refund(order, when)
            else:
                member.pay(order)
        self._calendar(member, last, self.today)
        member.finish(self.today)

    @staticmethod
    def _calendar(member: Member, last: date, until: date) -> date:
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


def _among(session: Session, column, values: list, of=Integer):
    """`column IN values`; on PostgreSQL `= ANY` of one array parameter: a parameter per customer rendered in each
    of the five load queries cost 0.05 of the load's 0.13 CPU-s there (on SQLite a JSON list saves nothing)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("among", values, type_=ARRAY(of)))
    return column.in_(values)


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
    sim = Replay(session, program, today)
    by_customer = sim.load(customer_ids)
    placed = sum(len(orders) for orders in by_customer.values())
    sim.out.expect({table: len(by_customer) * per_member + placed * per_ten_orders // 10
                    for table, (per_member, per_ten_orders) in _ROWS.items()})
    sim.reserve_codes(len(by_customer))
    count = 0
    try:
        for n, customer_id in enumerate(sorted(by_customer), start=1):
            orders = sorted(by_customer[customer_id], key=lambda o: (o.paid_at, o.id))
            sim.replay(customer_id, orders)
            sim.out.let_write()
            count += len(orders)
            if n % _CHUNK == 0:
                sim.out.flush()  # written while the next customers are replayed
        sim.out.flush()
    finally:
        sim.out.close()
    return count
