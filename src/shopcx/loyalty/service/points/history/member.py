"""One account replayed in memory by the batched path (`batched.py`): its ledger rows, open lots, pending earns,
tier activity and caps, by the rules of `loyalty.rules` that the live use cases apply."""

from __future__ import annotations

from bisect import insort
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .... import rules
from ..ledger import LoyaltyError
from .moments import ACTOR, ReplayOrder, review_day

if TYPE_CHECKING:
    from .batched import Replay


class Member:
    """One account replayed in memory: its caches, open lots, pending earns, tier activity and caps."""

    def __init__(self, sim: Replay, customer_id: int, at: datetime):
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
                due = due_back(earn, by_line, void)
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


def due_back(earn: dict, refunded: dict[int, int], void: bool) -> int:
    """refunds.due_back on an entry held in memory."""
    if earn["reason"] != "order":
        return earn["pending_points"] if void else 0
    if void:
        return earn["pending_points"]
    return sum(rules.reversal_due(line["points"], line["base"], refunded.get(line["line_no"], 0))
               for line in earn["detail"].get("lines", []))
