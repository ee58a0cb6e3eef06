"""Generate a demo shop in memory, deterministic by seed, and summarise it.

The same seed, size, years, `until` date and timezone give the same shop byte for byte: names, phones, order
numbers, amounts and every timestamp are drawn from `numpy.random.default_rng(seed)` and placed relative to
the local midnight that starts `until` (on the same NumPy version: NumPy does not promise identical random
streams across releases). Nothing here reads the clock or touches the database.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np

from . import catalog
from .feedback import make_reviews
from .people import make_people
from .purchases import make_orders
from .records import DemoShop, Params, Window

LOYAL_ORDERS = 4  # paid orders that earn the 老客户 tag


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


GENERATE_STEPS = 4  # people, orders, staff, reviews: what `progress` is called after


def generate(*, seed: int, customers: int = 3000, years: int = 2, until: date, tz: str = "Asia/Shanghai",
             params: Params | None = None, progress=None) -> DemoShop:
    """A whole shop: products, customers (in the order they joined) and their orders (oldest first).

    `progress()` is called after each of its GENERATE_STEPS steps (it draws nothing from the random streams)."""
    params = params or Params()
    step = progress or (lambda: None)
    window = Window(years_before(until, years), until, tz)
    # Children are keyed by position: the reviews' stream (added later) leaves the first three unchanged.
    people_rng, orders_rng, staff_rng, reviews_rng = np.random.default_rng(seed).spawn(4)
    people = make_people(people_rng, customers, window, params)
    step()
    orders = make_orders(orders_rng, people, window, params)
    step()
    paid = Counter(o.person for o in orders if o.paid_at is not None)
    for index, count in paid.items():
        if count >= LOYAL_ORDERS:
            people[index].tags.append("老客户")
    staff = []
    for role, title in catalog.STAFF:
        gender = "female" if staff_rng.random() < 0.6 else "male"
        given = catalog.GIVEN_FEMALE if gender == "female" else catalog.GIVEN_MALE
        name = (catalog.SURNAMES[int(staff_rng.integers(0, 30))]
                + "".join(given[int(i)] for i in staff_rng.integers(0, len(given), 2)))
        staff.append((role, f"{title} {name}"))
    step()
    reviews = make_reviews(reviews_rng, people, orders, window)
    step()
    return DemoShop(seed=seed, window=window, products=catalog.PRODUCTS, people=people, orders=orders,
                    staff=staff, reviews=reviews)


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def summarize(shop: DemoShop) -> dict:
    """The figures a person checks first: customers, orders, repeat rate, late or damaged parcels, refunds."""
    paid_orders = [o for o in shop.orders if o.paid_at is not None]
    per_buyer = Counter(o.person for o in paid_orders)
    buyers = len(per_buyer)
    repeat = sum(1 for n in per_buyer.values() if n >= 2)
    delivered = [o.shipment for o in shop.orders if o.shipment and o.shipment.delivered_at]
    shipments = [o.shipment for o in shop.orders if o.shipment]
    refunds = [r for o in shop.orders for r in o.refunds]
    paid_total = sum(o.paid for o in paid_orders)
    refunded = sum(r.amount for r in refunds)
    people = shop.people
    return {
        "seed": shop.seed,
        "from": shop.window.start.isoformat(),
        "until": shop.window.until.isoformat(),
        "customers": len(people),
        "buyers": buyers,
        "orders": len(shop.orders),
        "paid_orders": len(paid_orders),
        "order_lines": sum(len(o.lines) for o in shop.orders),
        "statuses": dict(sorted(Counter(o.status for o in shop.orders).items())),
        "repeat_rate_pct": _pct(repeat, buyers),
        "one_time_buyers_pct": _pct(buyers - repeat, buyers),
        "max_orders_per_buyer": max(per_buyer.values(), default=0),
        "shipments": len(shipments),
        "late_pct": _pct(sum(1 for s in delivered if s.late), len(delivered)),
        "damaged_pct": _pct(sum(1 for s in shipments if s.damaged), len(shipments)),
        "refunds": len(refunds),
        "refunded_orders_pct": _pct(sum(1 for o in paid_orders if o.refunds), len(paid_orders)),
        "full_refunds": sum(1 for o in shop.orders if o.status == "refunded"),
        "paid_minor": paid_total,
        "refunded_minor": refunded,
        "net_revenue_minor": paid_total - refunded,
        "average_order_minor": paid_total // len(paid_orders) if paid_orders else 0,
        "currency": "CNY",
        "solar_birthdays_pct": _pct(sum(1 for p in people if p.birthday_on), len(people)),
        "lunar_birthdays_pct": _pct(sum(1 for p in people if p.lunar), len(people)),
        "consent_pct": {ch: _pct(sum(1 for p in people if p.consents.get(ch)), len(people))
                        for ch in ("email", "sms", "wechat")},
        "alive_buyers_pct": _pct(sum(1 for i in per_buyer if people[i].alive), buyers),
        **review_figures(shop),
    }


def review_figures(shop: DemoShop) -> dict:
    """Reviews by their class now (a revised 差评 counts as the 好评 it became), as the 好评率 counts them."""
    reviews = shop.reviews
    classes = Counter(r.rating_class for r in reviews)
    return {
        "reviews": len(reviews),
        "reviewed_orders_pct": _pct(len(reviews), sum(1 for o in shop.orders if o.completed_at is not None)),
        "review_classes": {c: classes.get(c, 0) for c in ("good", "neutral", "bad")},
        "good_rate_pct": _pct(classes.get("good", 0), len(reviews)),
        "default_reviews": sum(1 for r in reviews if r.is_default),
        "reviews_with_text": sum(1 for r in reviews if r.text),
        "hidden_complaints": sum(1 for r in reviews if r.hidden),
        "followups": sum(1 for r in reviews if r.followup),
        "replies": sum(1 for r in reviews if r.reply),
        "revised_reviews": sum(1 for r in reviews if r.revision is not None),
    }
