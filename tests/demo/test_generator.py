"""The generator alone (no database): determinism, structure, realistic shares, integer money."""

import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime

import numpy as np
import pytest

from shopcx.demo import catalog
from shopcx.demo.generator import generate, summarize, years_before
from shopcx.demo.purchases import allocate
from shopcx.demo.writer import check_order
from shopcx.orders.rules import STATUSES

UNTIL = date(2026, 6, 30)


@pytest.fixture(scope="module")
def shop():
    return generate(seed=11, customers=1500, until=UNTIL)


def _digest(seed: int) -> str:
    demo = generate(seed=seed, customers=300, until=UNTIL)
    return hashlib.sha256(repr((demo.people, demo.orders, demo.staff)).encode()).hexdigest()


def test_same_seed_same_shop_different_seed_different_shop():
    a, b = generate(seed=3, customers=300, until=UNTIL), generate(seed=3, customers=300, until=UNTIL)
    assert summarize(a) == summarize(b)
    assert [(p.name, p.phone, p.nick, p.created_at) for p in a.people[:20]] == \
        [(p.name, p.phone, p.nick, p.created_at) for p in b.people[:20]]
    assert [(o.external_id, o.paid, o.placed_at) for o in a.orders] == [(o.external_id, o.paid, o.placed_at)
                                                                          for o in b.orders]
    c = generate(seed=4, customers=300, until=UNTIL)
    assert [p.phone for p in c.people[:20]] != [p.phone for p in a.people[:20]]
    assert summarize(c) != summarize(a)


def test_identical_across_processes_whatever_the_hash_seed():
    """Byte for byte: another interpreter with another string-hash seed generates the same shop."""
    code = "from tests.demo.test_generator import _digest; print(_digest(3))"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              cwd=root, env={**os.environ, "PYTHONHASHSEED": str(h)}).stdout.strip()
               for h in (1, 2)}
    assert digests == {_digest(3)}


def test_until_is_exclusive_and_nothing_happens_after_it(shop):
    cutoff, opened = shop.window.cutoff, shop.window.moment(0, 0)
    assert cutoff == datetime(2026, 6, 29, 16, 0, tzinfo=UTC)  # midnight in Shanghai
    assert shop.window.start == date(2024, 6, 30) and years_before(date(2028, 2, 29), 2) == date(2026, 2, 28)
    for order in shop.orders:
        moments = [s.at for s in order.history] + [r.completed_at for r in order.refunds]
        if order.shipment:
            moments += [order.shipment.shipped_at] + ([order.shipment.delivered_at]
                                                      if order.shipment.delivered_at else [])
        assert all(opened <= m < cutoff for m in moments), order.external_id
    assert all(opened <= p.created_at < cutoff for p in shop.people)


def test_buyers_follow_the_bg_nbd_story(shop):
    per_buyer = Counter(o.person for o in shop.orders if o.paid_at)
    counts = np.array(list(per_buyer.values()))
    assert 0.40 < np.mean(counts == 1) < 0.70  # many one-time buyers
    assert np.mean(counts >= 2) > 0.3 and counts.max() >= 10  # repeat buyers and a loyal core
    assert 0 < sum(1 for p in shop.people if not p.buyer) < 0.1 * len(shop.people)  # prospects without orders
    # Hidden rates drive what is observed: the fastest quarter of buyers orders far more than the slowest.
    rates = np.array([shop.people[i].rate for i in per_buyer])
    fast, slow = counts[rates >= np.quantile(rates, 0.75)], counts[rates <= np.quantile(rates, 0.25)]
    assert fast.mean() > 2 * slow.mean()
    # The first paid order is at joining.
    first = {}
    for order in shop.orders:
        if order.paid_at and order.person not in first:
            first[order.person] = order.placed_at
    assert all(first[i] == shop.people[i].created_at for i in first)


def test_shipments_refunds_and_statuses(shop):
    figures = summarize(shop)
    assert 5 <= figures["late_pct"] <= 12 and 0.8 <= figures["damaged_pct"] <= 4
    assert 3 <= figures["refunded_orders_pct"] <= 8 and figures["full_refunds"] > 0
    refunds = [r for o in shop.orders for r in o.refunds]
    assert {r.reason for r in refunds} >= {"质量问题", "尺码不合适", "物流太慢", "与描述不符", "七天无理由"}
    assert any(r.amount < o.paid for o in shop.orders for r in o.refunds)  # partial refunds too
    statuses = Counter(o.status for o in shop.orders)
    assert set(statuses) <= set(STATUSES)
    assert statuses["completed"] > 0.8 * len(shop.orders)
    assert statuses["cancelled"] > 0 and statuses["shipped"] + statuses["delivered"] + statuses["paid"] > 0
    carriers = {o.shipment.carrier for o in shop.orders if o.shipment}
    assert carriers == {c[0] for c in catalog.CARRIERS}
    for o in shop.orders:
        if o.shipment:
            hours = (o.shipment.promised_at - o.shipment.shipped_at).total_seconds() / 3600
            assert hours in (48, 72)
            assert re.fullmatch(r"[A-Z]*\d{11,15}", o.shipment.tracking_no)


def test_every_order_keeps_the_order_service_invariants(shop):
    for order in shop.orders:
        check_order(order)
        for value in (order.goods, order.shipping, order.discount, order.paid, order.refunded,
                      *(x.total for x in order.lines), *(x.unit_price for x in order.lines),
                      *(r.amount for r in order.refunds)):
            assert type(value) is int  # never a float or a numpy scalar
        assert 1 <= len(order.lines) <= 4


def test_customers_look_real(shop):
    people = shop.people
    figures = summarize(shop)
    assert 74 <= figures["solar_birthdays_pct"] <= 86 and 6 <= figures["lunar_birthdays_pct"] <= 14
    consent = figures["consent_pct"]
    assert 38 <= consent["sms"] <= 52 and 28 <= consent["wechat"] <= 42 and 5 <= consent["email"] <= 18
    assert all("email" not in p.consents for p in people if p.email is None)
    phones = [p.phone for p in people]
    assert len(set(phones)) == len(phones) and all(re.fullmatch(r"1[3-9]\d{9}", x) for x in phones)
    assert len({p.nick for p in people}) == len(people)
    domains = {p.email.split("@")[1] for p in people if p.email}
    assert domains == {"example.com", "example.net", "example.org"}
    tags = Counter(t for p in people for t in p.tags)
    assert all(tags[t] > 0 for t in ("学生", "宝妈", "老客户", "批发"))
    assert any(p.anniversaries for p in people)
    assert all(1 <= p.lunar[0] <= 12 and 1 <= p.lunar[1] <= 30 for p in people if p.lunar)
    assert [p.created_at for p in people] == sorted(p.created_at for p in people)


def test_catalogue():
    assert len(catalog.PRODUCTS) == 60 and len({p[0] for p in catalog.PRODUCTS}) == 60
    assert {p[2] for p in catalog.PRODUCTS} == set(catalog.CATEGORIES)
    assert all(type(p[3]) is int and p[3] > 0 for p in catalog.PRODUCTS)


def test_allocate_splits_exactly():
    assert allocate(1000, [1, 1, 1]) == [334, 333, 333]
    # 9999 × (12900, 4900, 100) / 17900 = 7205.93, 2737.17, 55.86: floors 9997, the two largest remainders +1.
    assert allocate(9999, [12900, 4900, 100]) == [7206, 2737, 56] and sum(allocate(7, [5, 5])) == 7


def test_generation_reports_progress_and_stays_the_same():
    """`shopcx demo` shows progress while generating (issue 13, item 7); reporting it changes nothing."""
    from shopcx.demo.generator import GENERATE_STEPS

    calls = []
    told = generate(seed=4, customers=40, years=1, until=date(2026, 6, 30), progress=lambda: calls.append(1))
    quiet = generate(seed=4, customers=40, years=1, until=date(2026, 6, 30))
    assert len(calls) == GENERATE_STEPS == 4
    assert summarize(told) == summarize(quiet) and len(told.reviews) == len(quiet.reviews)
