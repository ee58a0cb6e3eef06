"""Generated purchases: BG/NBD timing, Gamma-Gamma spend, baskets, fulfilment, refunds and status history."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

from . import catalog, season
from .records import Line, Order, Params, Person, Refund, Shipment, Step, Window

BY_CATEGORY = {c: [p for p in catalog.PRODUCTS if p[2] == c] for c in catalog.CATEGORIES}
CARRIER_P = np.array([c[1] for c in catalog.CARRIERS], dtype=float) / sum(c[1] for c in catalog.CARRIERS)
AUTO_CONFIRM = timedelta(days=10)  # Taobao confirms receipt for the buyer ten days after shipping
REFUND_AFTER = {"damaged": 0.75, "late": 0.15}  # chance a damaged / late parcel ends in a refund


def _digits(rng: np.random.Generator, n: int) -> str:
    return "".join(str(d) for d in rng.integers(0, 10, n))


def _unique_id(rng: np.random.Generator, used: set[str]) -> str:
    """A 19-digit order number like a Taobao one."""
    while True:
        value = str(int(rng.integers(1, 5))) + _digits(rng, 18)
        if value not in used:
            used.add(value)
            return value


def purchase_moments(rng: np.random.Generator, person: Person, window: Window) -> list[datetime]:
    """The first purchase at joining, then purchases at rate λ until the buyer drops out (BG/NBD)."""
    moments = [person.created_at]
    t = (person.created_at - window.moment(0, 0)).total_seconds() / 86400
    person.alive = True
    while True:
        t += rng.exponential(1 / max(person.rate, 1e-12))
        if t >= window.days:
            return moments
        day = int(t)
        moment = window.moment(day, season.second_of_day(rng, window.start + timedelta(days=day)))
        moment = max(moment, moments[-1] + timedelta(minutes=30))
        if moment >= window.cutoff:
            return moments
        moments.append(moment)
        if rng.random() < person.dropout:
            person.alive = False
            return moments


def _season_factor(product_season: str | None, month: int) -> float:
    if product_season is None:
        return 1.0
    summer, winter = 5 <= month <= 8, month in (11, 12, 1, 2)
    in_season = summer if product_season == "summer" else winter
    off_season = winter if product_season == "summer" else summer
    return 3.0 if in_season else 0.3 if off_season else 1.0


def basket(rng: np.random.Generator, person: Person, target: float, day: date) -> list[Line]:
    """1–4 lines whose total is near target (分), from the person's favourite categories and the season."""
    probs = (0.35, 0.30, 0.20, 0.15) if target > 30000 else (0.55, 0.27, 0.12, 0.06)
    n_lines = 1 + int(rng.choice(4, p=probs))
    per_line = target / n_lines
    lines: list[Line] = []
    for _ in range(n_lines):
        if rng.random() < 0.85:
            category = catalog.CATEGORIES[int(rng.choice(len(catalog.CATEGORIES), p=person.category_weights))]
        else:
            category = catalog.CATEGORIES[int(rng.integers(len(catalog.CATEGORIES)))]
        products = [p for p in BY_CATEGORY[category] if all(line.sku != p[0] for line in lines)]
        weights = np.array([np.exp(-1.2 * abs(np.log(p[3] / per_line))) * _season_factor(p[4], day.month)
                            for p in products])
        sku, name, _, price, _ = products[int(rng.choice(len(products), p=weights / weights.sum()))]
        ideal = float(per_line / price)
        if person.wholesale:
            quantity = int(np.clip(round(ideal), 5, 30))
        else:
            quantity = min(round(ideal), 3) if ideal >= 1.5 else 1
        lines.append(Line(len(lines) + 1, sku, name, category, quantity, price, quantity * price))
    return lines


def _postage(goods: int, remote: bool) -> int:
    """包邮 above ¥59 (¥199 to remote provinces); otherwise ¥6 (¥15 remote)."""
    if remote:
        return 0 if goods >= 19900 else 1500
    return 0 if goods >= 5900 else 600


def _coupon(rng: np.random.Generator, goods: int, day: date) -> int:
    """双11 cross-shop 满300减50, otherwise an occasional 满99减10 / 满199减20 / 满299减30."""
    if day.month == 11 and day.day <= 11 and rng.random() < 0.7:
        return (goods // 30000) * 5000
    for threshold, off, chance in ((29900, 3000, 0.3), (19900, 2000, 0.3), (9900, 1000, 0.25)):
        if goods >= threshold:
            return off if rng.random() < chance else 0
    return 0


def allocate(amount: int, weights: list[int]) -> list[int]:
    """Split amount in proportion to weights with the largest-remainder method (the parts sum to amount)."""
    total = sum(weights)
    parts = [amount * w // total for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in order[:amount - sum(parts)]:
        parts[i] += 1
    return parts


def _ship(rng: np.random.Generator, order: Order, person: Person, window: Window) -> Shipment:
    """The parcel: carrier, tracking number, shipped, promised (48 h; 72 h remote/EMS), delivered, damage."""
    carrier, _, late_p, damage_p, prefix, digits = catalog.CARRIERS[int(rng.choice(len(catalog.CARRIERS),
                                                                                    p=CARRIER_P))]
    hours = rng.gamma(2.0, 8.0)
    if season.is_peak(window.local_date(order.paid_at)):
        hours += rng.uniform(24, 72)
    shipped = order.paid_at + timedelta(hours=max(hours, 1.0))
    resumes = season.shipping_resumes(window.local_date(shipped))
    if resumes is not None:
        shipped = window.moment((resumes - window.start).days, 9 * 3600 + int(rng.integers(0, 8 * 3600)))
    shipped = shipped.replace(microsecond=0)
    promise = 72 if person.remote or carrier == "EMS" else 48
    promised = shipped + timedelta(hours=promise)
    ship_day = window.local_date(shipped)
    late_p *= (2.0 if person.remote else 1.0) * (2.0 if season.is_peak(ship_day) else 1.0)
    late_p *= 1.5 if season.near_spring_festival(ship_day) else 1.0
    if rng.random() < late_p:
        delivered = promised + timedelta(hours=2 + rng.gamma(2.0, 14.0))
    else:
        delivered = shipped + timedelta(hours=max(10.0, promise * rng.beta(6, 3) * 0.97))
    return Shipment(carrier, prefix + _digits(rng, digits), shipped, promised,
                    delivered.replace(microsecond=0), bool(rng.random() < damage_p))


def _refund(rng: np.random.Generator, order: Order, shipment: Shipment) -> Refund | None:
    """Whether and why the buyer gets money back: damage, a late parcel, or a returned line."""
    lines = order.lines
    compensation = 0
    if shipment.damaged and rng.random() < REFUND_AFTER["damaged"]:
        reason, kind = "商品破损", "refund_only"
        picked = [lines[int(rng.choice(len(lines), p=np.array([x.total for x in lines]) / order.goods))]]
    elif shipment.late and rng.random() < REFUND_AFTER["late"]:
        reason, kind, picked = "物流太慢", "refund_only", [lines[0]]
        compensation = min(int(rng.choice([500, 800, 1000, 2000])), order.paid)
    else:
        for line in lines:
            rate, reasons = catalog.RETURNS[line.category]
            if rng.random() < rate:
                names = [r for r, _ in reasons]
                weights = np.array([w for _, w in reasons], dtype=float)
                reason = names[int(rng.choice(len(names), p=weights / weights.sum()))]
                picked = lines if reason == "七天无理由" and rng.random() < 0.3 else [line]
                kind = "refund_only" if reason == "质量问题" and rng.random() < 0.3 else "return_refund"
                break
        else:
            return None
    quantities = {x.line_no: x.quantity if x.quantity == 1 or rng.random() < 0.5 else 1 for x in picked}
    full = not compensation and len(picked) == len(lines) and all(quantities[x.line_no] == x.quantity
                                                                   for x in lines)
    if compensation:
        refund_lines = [(lines[0].line_no, 1, compensation)]
    elif full:
        parts = allocate(order.paid, [x.total for x in lines])
        refund_lines = [(x.line_no, x.quantity, part) for x, part in zip(lines, parts, strict=True)]
    else:
        shares = allocate(order.goods - order.discount, [x.total for x in lines])
        refund_lines = [(x.line_no, quantities[x.line_no],
                         shares[x.line_no - 1] * quantities[x.line_no] // x.quantity) for x in picked]
    amount = sum(a for _, _, a in refund_lines)
    if amount <= 0:
        return None
    wait = {"物流太慢": (0.05, 1.0), "七天无理由": (0.5, 6.5)}.get(reason, (0.2, 5.0))
    requested = shipment.delivered_at + timedelta(days=rng.uniform(*wait))
    took = rng.uniform(0.05, 1.5) if kind == "refund_only" else rng.uniform(3.0, 8.0)
    return Refund(_digits(rng, 15), kind, amount, reason, requested.replace(microsecond=0),
                  (requested + timedelta(days=took)).replace(microsecond=0), refund_lines)


def fulfil(rng: np.random.Generator, order: Order, person: Person, window: Window) -> None:
    """Ship, deliver, confirm and maybe refund a paid order, keeping only what happened before the cutoff."""
    steps = [Step(None, "pending", order.placed_at, "created"), Step("pending", "paid", order.paid_at)]
    shipment = _ship(rng, order, person, window)
    confirm = (shipment.delivered_at + timedelta(days=rng.exponential(1.2)) if rng.random() < 0.55
               else shipment.shipped_at + AUTO_CONFIRM)
    completed = max(min(confirm, shipment.shipped_at + AUTO_CONFIRM),
                    shipment.delivered_at + timedelta(minutes=5)).replace(microsecond=0)
    steps += [Step("paid", "shipped", shipment.shipped_at),
              Step("shipped", "delivered", shipment.delivered_at), Step("delivered", "completed", completed)]
    refund = _refund(rng, order, shipment)
    if refund is not None and refund.completed_at < window.cutoff:
        order.refunds.append(refund)
        if refund.amount == order.paid:
            steps = [s for s in steps if s.at < refund.completed_at]
            steps.append(Step(steps[-1].to_status, "refunded", refund.completed_at, refund.reason))
    order.history = [s for s in steps if s.at < window.cutoff]
    reached = {s.to_status for s in order.history}
    order.paid_at = order.paid_at if "paid" in reached else None
    order.completed_at = completed if "completed" in reached else None
    if shipment.shipped_at < window.cutoff:
        if "delivered" not in reached and shipment.delivered_at >= window.cutoff:
            shipment.delivered_at = None
        order.shipment = shipment
    if order.paid_at is None:
        order.paid = 0


def cancelled_order(rng: np.random.Generator, index: int, person: Person, after: datetime, window: Window,
                    params: Params, used: set[str]) -> Order | None:
    """An extra order the buyer placed after a purchase and cancelled (mistake or never paid)."""
    placed = (after + timedelta(hours=rng.uniform(1, 72))).replace(microsecond=0)
    if placed >= window.cutoff:
        return None
    lines = basket(rng, person, float(rng.gamma(params.p, 1 / person.spend_nu)), window.local_date(placed))
    order = Order(_unique_id(rng, used), index, placed, lines, goods=sum(x.total for x in lines))
    order.shipping = _postage(order.goods, person.remote)
    if rng.random() < 0.6:
        cancel, reason = placed + timedelta(minutes=rng.uniform(2, 60)), "买家取消：拍错了/不想要了"
    else:
        cancel, reason = placed + timedelta(hours=24), "超时未付款，交易关闭"
    order.history = [Step(None, "pending", placed, "created")]
    if cancel < window.cutoff:
        order.history.append(Step("pending", "cancelled", cancel.replace(microsecond=0), reason))
    return order


def make_orders(rng: np.random.Generator, people: list[Person], window: Window,
                params: Params) -> list[Order]:
    """Every buyer's orders, oldest first."""
    used: set[str] = set()
    orders: list[Order] = []
    for index, person in enumerate(people):
        if not person.buyer:
            continue
        for moment in purchase_moments(rng, person, window):
            day = window.local_date(moment)
            target = rng.gamma(params.p, 1 / person.spend_nu) * (6 if person.wholesale else 1)
            lines = basket(rng, person, target, day)
            order = Order(_unique_id(rng, used), index, moment.replace(microsecond=0), lines,
                          goods=sum(x.total for x in lines))
            order.shipping = _postage(order.goods, person.remote)
            order.discount = _coupon(rng, order.goods, day)
            order.paid = order.goods + order.shipping - order.discount
            order.paid_at = (order.placed_at + timedelta(seconds=int(rng.integers(15, 600))))
            if rng.random() < 0.05:
                order.buyer_note = catalog.BUYER_NOTES[int(rng.integers(len(catalog.BUYER_NOTES)))]
            fulfil(rng, order, person, window)
            orders.append(order)
            if rng.random() < params.cancel_share:
                extra = cancelled_order(rng, index, person, moment, window, params, used)
                if extra is not None:
                    orders.append(extra)
    orders.sort(key=lambda o: (o.placed_at, o.external_id))
    return orders
