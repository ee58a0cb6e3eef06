"""The demo shop stored through the real tables, on SQLite and PostgreSQL (rolled back after each test)."""

from datetime import UTC, datetime
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from shopcx.core import clock, security
from shopcx.core.errors import Conflict, InvalidInput
from shopcx.core.events import OutboxEvent
from shopcx.customers.models import Customer, CustomerConsent, CustomerTag
from shopcx.demo.service import build_demo
from shopcx.orders import service as orders
from shopcx.orders.models import Order, OrderLine, OrderStatusChange, Refund, RefundLine, Shipment
from shopcx.orders.rules import PAID_STATUSES, STATUSES
from shopcx.shops import service as shops
from shopcx.staff import service as staff

from ..factories import make_order

UNTIL = "2026-06-30"


@pytest.fixture
def built(session):
    return build_demo(session, seed=5, customers=300, years=2, shop_code="demotest", until=UNTIL)


def _by_order(session, column, model):
    return dict(session.execute(select(model.order_id, func.sum(column)).group_by(model.order_id)).all())


def test_stored_orders_keep_every_invariant(session, built):
    shop = shops.get_shop(session, "demotest")
    stored = session.scalars(select(Order).where(Order.shop_id == shop.id)).all()
    assert len(stored) == built.summary["orders"] and {o.source for o in stored} == {"demo"}
    lines = _by_order(session, OrderLine.total_amount, OrderLine)
    refunds = _by_order(session, Refund.amount, Refund)
    for order in stored:
        assert order.status in STATUSES
        assert order.goods_amount == lines[order.id]
        assert order.refunded_amount == refunds.get(order.id, 0)
        if order.status in PAID_STATUSES:
            assert order.paid_amount == order.goods_amount + order.shipping_amount - order.discount_amount
            assert order.paid_at is not None
        else:
            assert order.paid_amount == 0 and order.paid_at is None
        assert (order.status == "refunded") == (order.refunded_amount == order.paid_amount > 0)
    for refund_id, amount in session.execute(select(Refund.id, Refund.amount)):
        lines = select(func.sum(RefundLine.amount)).where(RefundLine.refund_id == refund_id)
        assert session.scalar(lines) == amount


def test_status_history_is_a_valid_chain_ending_in_the_status(session, built):
    history: dict[int, list] = {}
    for change in session.scalars(select(OrderStatusChange).order_by(OrderStatusChange.id)):
        history.setdefault(change.order_id, []).append(change)
    statuses = dict(session.execute(select(Order.id, Order.status)).all())
    assert set(history) == set(statuses)
    for order_id, changes in history.items():
        assert changes[0].from_status is None and changes[0].reason == "created"
        assert all(a.to_status == b.from_status and a.at <= b.at for a, b in pairwise(changes))
        assert changes[-1].to_status == statuses[order_id]


def test_stats_agree_with_the_summary(session, built):
    figures = orders.stats(session, shop_code="demotest")
    s = built.summary
    assert (figures["customers"], figures["orders"], figures["order_lines"], figures["refunds"]) == \
        (s["customers"], s["orders"], s["order_lines"], s["refunds"])
    assert figures["customers_with_orders"] >= s["buyers"]  # plus anyone whose only order is still unpaid
    late = session.scalar(select(func.count(Shipment.id)).where(Shipment.delivered_at > Shipment.promised_at))
    assert late > 0 and session.scalar(select(func.count(Shipment.id)).where(Shipment.damaged.is_(True))) > 0
    consents = session.scalar(select(func.count(CustomerConsent.id)).where(CustomerConsent.granted.is_(True)))
    assert consents > 0 and session.scalar(select(func.count(CustomerTag.id))) > 0
    lunar = select(func.count(Customer.id)).where(Customer.birthday_lunar_month.is_not(None))
    assert session.scalar(lunar) > 0
    event = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "orders_imported")).one()
    assert event.payload["orders_created"] == s["orders"] and event.payload["seed"] == 5


def test_sample_staff_for_every_role_with_generated_passwords(session, built):
    users = {u.username: u for u in staff.list_users(session)}
    assert [(role, name) for role, name, _ in built.staff] == [
        ("owner", "demotest-owner"), ("manager", "demotest-manager"), ("agent", "demotest-agent"),
        ("operations", "demotest-operations"), ("analyst", "demotest-analyst")]
    passwords = [p for _, _, p in built.staff]
    assert len(set(passwords)) == 5 and all(len(p) >= 16 for p in passwords)
    for role, name, password in built.staff:
        assert users[name].role == role and security.verify_password(users[name].password_hash, password)


def test_running_again_is_refused_unless_reset(session, built):
    with pytest.raises(Conflict) as err:
        build_demo(session, seed=5, customers=300, years=2, shop_code="demotest", until=UNTIL)
    assert err.value.code == "demo_exists" and "--reset" in err.value.message
    again = build_demo(session, seed=6, customers=200, years=1, shop_code="demotest", until=UNTIL, reset=True)
    assert again.deleted["orders"] == built.summary["orders"] and again.deleted["customers"] == 300
    shop = shops.get_shop(session, "demotest")
    stored = session.scalar(select(func.count(Order.id)).where(Order.shop_id == shop.id))
    assert stored == again.summary["orders"]
    assert orders.stats(session, shop_code="demotest")["customers"] == 200
    new_passwords = {name: p for _, name, p in again.staff}
    users = {u.username: u for u in staff.list_users(session)}
    for _, name, old in built.staff:
        assert not security.verify_password(users[name].password_hash, old)
        assert security.verify_password(users[name].password_hash, new_passwords[name])


def test_reset_never_deletes_real_orders(session, built):
    make_order(session, shops.get_shop(session, "demotest"))  # an order from a platform, not the generator
    with pytest.raises(Conflict) as err:
        build_demo(session, seed=5, customers=300, years=2, shop_code="demotest", until=UNTIL, reset=True)
    assert err.value.code == "not_a_demo_shop"


@pytest.mark.parametrize("kwargs, field", [
    ({"shop_code": "Bad Code"}, "shop"), ({"until": "2026-13-01"}, "until"),
    ({"until": "2999-01-01"}, "until"), ({"customers": 5}, "customers"), ({"years": 0}, "years")])
def test_bad_options_are_refused_naming_the_field(session, kwargs, field):
    options = {"seed": 1, "customers": 50, "years": 1, "shop_code": "demobad", "until": UNTIL} | kwargs
    with pytest.raises(InvalidInput) as err:
        build_demo(session, **options)
    assert err.value.field == field


def test_until_defaults_to_today_in_the_shop_timezone(session):
    # 2026-03-01 01:30 in Shanghai is still 28 February in UTC.
    with clock.frozen_at(datetime(2026, 2, 28, 17, 30, tzinfo=UTC)):
        result = build_demo(session, seed=2, customers=20, years=1, shop_code="demotoday")
    assert result.summary["until"] == "2026-03-01" and result.summary["from"] == "2025-03-01"


def test_the_same_seed_twice_in_one_database_is_refused(session, built):
    with pytest.raises(Conflict) as err:
        build_demo(session, seed=5, customers=300, years=2, shop_code="demoother", until=UNTIL)
    assert err.value.code == "demo_customers_exist" and err.value.field == "seed"
