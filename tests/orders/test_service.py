import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from shopcx.core.errors import InvalidInput
from shopcx.core.events import OutboxEvent
from shopcx.orders import service as orders
from shopcx.orders.service import InvalidTransition
from shopcx.staff.service import SYSTEM

from ..conftest import backend
from ..factories import make_order, make_shop, order_data


def test_replaying_an_order_changes_nothing(session):
    shop = make_shop(session)
    data = order_data()
    first = orders.upsert_order(session, shop, data, actor=SYSTEM)
    events_after_first = session.scalars(select(OutboxEvent)).all()
    again = orders.upsert_order(session, shop, data, actor=SYSTEM)
    assert first.created and not again.created and not again.changed
    assert len(session.scalars(select(OutboxEvent)).all()) == len(events_after_first)
    order = orders.get_order(session, first.order_id)
    assert [line.total_amount for line in order.lines] == [9980]
    assert order.paid_amount == 9980


def test_status_moves_forward_and_records_history(session):
    shop = make_shop(session)
    order = make_order(session, shop, status="paid")
    orders.transition(session, order, "shipped", actor=SYSTEM)
    orders.transition(session, order, "delivered", actor=SYSTEM)
    assert [(h.from_status, h.to_status) for h in order.history] == [
        (None, "paid"), ("paid", "shipped"), ("shipped", "delivered")]
    with pytest.raises(InvalidTransition):
        orders.transition(session, order, "pending", actor=SYSTEM)
    topics = [e.topic for e in session.scalars(
        select(OutboxEvent).where(OutboxEvent.aggregate_id == order.id).order_by(OutboxEvent.id))]
    assert topics == ["order_paid", "order_shipped", "order_delivered"]


def test_partial_then_full_refund(session):
    shop = make_shop(session)
    order = make_order(session, shop)
    orders.record_refund(session, order, orders.RefundIn(external_id="R1", amount=4990,
                                                         lines=[{"line_no": 1, "quantity": 1, "amount": 4990}]),
                         actor=SYSTEM)
    assert order.status == "paid" and order.refunded_amount == 4990
    with pytest.raises(InvalidInput) as err:
        orders.record_refund(session, order, orders.RefundIn(external_id="R2", amount=5000), actor=SYSTEM)
    assert err.value.field == "refunds.amount"
    orders.record_refund(session, order, orders.RefundIn(external_id="R2", amount=4990), actor=SYSTEM)
    assert order.status == "refunded"
    assert orders.record_refund(session, order, orders.RefundIn(external_id="R2", amount=4990), actor=SYSTEM) is None


def test_stats_counts_net_revenue(session):
    shop = make_shop(session, code="statshop")
    make_order(session, shop)
    order = make_order(session, shop, placed_at=datetime(2026, 3, 2, tzinfo=timezone.utc))
    orders.record_refund(session, order, orders.RefundIn(external_id="R1", amount=1000), actor=SYSTEM)
    figures = orders.stats(session, shop_code="statshop")
    assert figures["orders"] == 2 and figures["order_lines"] == 2 and figures["refunds"] == 1
    assert figures["net_revenue_minor"] == 2 * 9980 - 1000 and figures["currency"] == "CNY"


def test_buyer_counts_and_last_order_times_are_counted_in_the_database(session):
    # Shop A: buyer a orders on 1 and 5 March, b on 2 March, c on 3 and 4 March, and a guest order without a
    # customer; buyer a also orders once in shop B (counted there, not in A).
    shop, other = make_shop(session, code="buyers_a"), make_shop(session, code="buyers_b")
    day = lambda d: datetime(2026, 3, d, 2, 0, tzinfo=timezone.utc)  # noqa: E731
    who = {k: {"source": "taobao", "external_id": f"buyer-{k}", "name": k} for k in "abc"}
    ids = {key: make_order(session, shop, customer=who[key], placed_at=day(d)).customer_id
           for key, d in (("a", 1), ("a", 5), ("b", 2), ("c", 3), ("c", 4))}
    make_order(session, shop, customer=None, placed_at=day(6))
    make_order(session, other, customer=who["a"], placed_at=day(9))
    assert orders.buyer_counts(session, shop.id) == (3, 2)  # a, b, c; a and c twice
    assert orders.buyer_counts(session, other.id) == (1, 0)
    assert orders.last_order_times(session, shop.id, [ids["a"], ids["b"], ids["b"], 10**9]) == {
        ids["a"]: day(5), ids["b"]: day(2)}


def test_a_cancelled_order_counts_neither_its_payment_nor_its_refunds(session):
    shop = make_shop(session, code="cancelshop")
    make_order(session, shop)
    order = make_order(session, shop)
    orders.record_refund(session, order, orders.RefundIn(external_id="R1", amount=1000), actor=SYSTEM)
    orders.transition(session, order, "cancelled", actor=SYSTEM)
    assert orders.stats(session, shop_code="cancelshop")["net_revenue_minor"] == 9980


def test_two_refunds_at_once_never_exceed_what_was_paid(fresh_db_url):
    # Two API requests refunding the same order concurrently: the second must see the first's amount.
    if backend() != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock matters on PostgreSQL")
    from sqlalchemy.orm import sessionmaker

    from shopcx.core import db

    engine = db.make_engine(fresh_db_url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    try:
        with factory.begin() as setup:
            order_id = make_order(setup, make_shop(setup)).id  # paid 9980
        first, second = factory(), factory()
        orders.record_refund(first, orders.get_order(first, order_id),
                             orders.RefundIn(external_id="A", amount=6000), actor=SYSTEM)
        late = orders.get_order(second, order_id)  # read before the first refund commits
        outcome = []

        def refund_again():
            try:
                orders.record_refund(second, late, orders.RefundIn(external_id="B", amount=6000), actor=SYSTEM)
                second.commit()
                outcome.append("stored")
            except InvalidInput as exc:
                second.rollback()
                outcome.append(exc.code)

        worker = threading.Thread(target=refund_again)
        worker.start()
        worker.join(0.5)  # waits on the first request's lock
        first.commit()
        worker.join(10)
        assert outcome == ["refund_too_large"]
        with factory() as check:
            order = orders.get_order(check, order_id)
            assert (order.refunded_amount, [r.amount for r in order.refunds]) == (6000, [6000])
    finally:
        engine.dispose()
