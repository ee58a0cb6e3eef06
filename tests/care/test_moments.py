"""Care moments and callbacks on the database: who is due today, queued once per occasion and year with a stored
control draw; call tasks by the rules and their outcomes; late and stalled parcels and the tracking link."""

from datetime import date, datetime, timedelta, timezone

import pytest

from shopcx.care.service import callbacks, moments, parcels
from shopcx.care.tables import CareRecipient, ParcelScan
from shopcx.core import clock, stats
from shopcx.core.errors import InvalidInput, NotFound
from shopcx.orders.models import Shipment
from shopcx.staff.service import SYSTEM

from ..factories import make_order
from ..loyalty.factories import make_program
from .factories import buyer, template

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
TODAY = date(2026, 12, 6)


def _buyers(session, shop, people):
    for n, extra in people:
        make_order(session, shop, customer=buyer(n, **extra), placed_at=NOW - timedelta(days=400))


def test_birthday_moment_queues_each_person_once_per_year_with_a_stored_draw(session):
    shop, _ = make_program(session, birthday_points=100)
    _buyers(session, shop, [(1, {"birthday": "1990-12-09"}), (2, {"birthday": "1985-12-10"}),
                            (3, {"birthday": "1991-12-09", "consents": {"email": False}}),
                            (4, {"birthday_lunar": {"month": 10, "day": 30}})])
    tpl = template(session, shop)
    moment = moments.configure(session, shop, "birthday", actor=SYSTEM, enabled=True, template_id=tpl.id,
                               settings={"days_before": 3}, control_share=0.5)
    with clock.frozen_at(NOW):
        first = moments.run_moments(session, shop, today=TODAY, now=NOW)
        again = moments.run_moments(session, shop, today=TODAY, now=NOW)
    # 9 Dec is three days away: buyer 1 (solar); 农历十月三十 does not exist in 2026 (十月 has 29 days), so the
    # lunar birthday falls on 十月廿九 = 8 Dec, not due; buyer 3 withdrew consent.
    assert first == {"birthday": 1} and again == {"birthday": 0}
    row = session.query(CareRecipient).filter_by(source="moment", source_id=moment.id).one()
    assert row.occasion == "birthday:2026" and row.detail["occasion_date"] == "2026-12-09"
    assert row.detail["values"]["offer"] == "100"  # the program's birthday points, which loyalty credits on the day
    assert row.bucket == stats.control_bucket(f"{row.customer_id}:birthday:2026", moment.seed)
    assert (row.grp == "control") == (row.bucket < 0.5)
    with clock.frozen_at(NOW - timedelta(days=1)):
        lunar = moments.run_moments(session, shop, today=TODAY - timedelta(days=1), now=NOW - timedelta(days=1))
    assert lunar == {"birthday": 1}  # 5 Dec: three days before 8 Dec (农历十月廿九)


def test_moment_settings_and_unknown_kind(session):
    shop, _ = make_program(session)
    with pytest.raises(InvalidInput) as err:
        moments.configure(session, shop, "birthday", actor=SYSTEM, settings={"days_before": "soon"})
    assert err.value.field == "days_before"
    with pytest.raises(NotFound):
        moments.get_moment(session, shop, "name_day")
    assert len(moments.ensure_moments(session, shop)) == 10


def test_post_delivery_moment_is_per_order(session):
    shop, _ = make_program(session)
    order = make_order(session, shop, customer=buyer(7), placed_at=NOW - timedelta(days=6))
    session.add(Shipment(order_id=order.id, shipped_at=NOW - timedelta(days=5),
                         delivered_at=datetime(2026, 12, 3, 4, tzinfo=timezone.utc)))
    session.flush()
    moments.configure(session, shop, "post_delivery", actor=SYSTEM, enabled=True, settings={"days_after": 3})
    assert moments.run_moments(session, shop, today=TODAY, now=NOW) == {"post_delivery": 1}
    assert moments.run_moments(session, shop, today=TODAY, now=NOW) == {"post_delivery": 0}
    assert moments.run_moments(session, shop, today=TODAY + timedelta(days=1), now=NOW) == {"post_delivery": 0}


def test_call_rules_create_tasks_once_and_outcomes_move_them(session):
    shop, program = make_program(session)
    with clock.frozen_at(NOW - timedelta(hours=3)):
        big = make_order(session, shop, customer=buyer(9), placed_at=NOW - timedelta(hours=3),
                         lines=[{"sku": "TV", "name": "电视", "quantity": 1, "unit_price_amount": 250_000}])
    with clock.frozen_at(NOW):
        made = callbacks.plan_calls(session, shop, today=TODAY, large_order_amount=200_000)
        again = callbacks.plan_calls(session, shop, today=TODAY, large_order_amount=200_000)
    assert made["large_order"] == 1 and again["large_order"] == 0
    tasks, total = callbacks.due_list(session, shop_id=shop.id, today=TODAY, user_id=None)
    assert total == 1 and tasks[0][0].ref == f"o{big.id}"
    task = tasks[0][0]
    assert "顾客9" in callbacks.script(task, name="顾客9", shop_name=shop.name, locale="zh")
    callbacks.record_outcome(session, task, "no_answer", actor=SYSTEM, notes="忙音", today=TODAY)
    assert (task.status, task.due_on, task.attempts) == ("open", TODAY + timedelta(days=1), 1)
    callbacks.record_outcome(session, task, "reached", actor=SYSTEM, sentiment="positive", promise="下周补发赠品",
                             today=TODAY + timedelta(days=1))
    assert (task.status, task.sentiment, task.promise) == ("done", "positive", "下周补发赠品")
    assert "忙音" in task.notes
    assert callbacks.due_list(session, shop_id=shop.id, today=TODAY + timedelta(days=5), user_id=None)[1] == 0


def test_stalled_parcel_is_listed_and_the_tracking_link_is_signed(session):
    shop, _ = make_program(session)
    order = make_order(session, shop, customer=buyer(11), placed_at=NOW - timedelta(days=4))
    shipment = Shipment(order_id=order.id, shipped_at=NOW - timedelta(days=3), promised_at=NOW + timedelta(hours=6))
    on_time = make_order(session, shop, customer=buyer(12), placed_at=NOW - timedelta(days=1))
    session.add_all([shipment, Shipment(order_id=on_time.id, shipped_at=NOW - timedelta(hours=5),
                                        promised_at=NOW + timedelta(days=3))])
    session.flush()
    scan = parcels.record_scan(session, shipment.id, "in_transit", NOW - timedelta(hours=60), location="杭州",
                               actor=SYSTEM)
    assert scan is not None
    assert parcels.record_scan(session, shipment.id, "in_transit", NOW - timedelta(hours=60), actor=SYSTEM) is None
    assert session.query(ParcelScan).count() == 1
    with pytest.raises(InvalidInput):
        parcels.record_scan(session, shipment.id, "teleported", NOW, actor=SYSTEM)
    with clock.frozen_at(NOW):
        listed = parcels.attention(session, shop, stall_hours=48)
        token = parcels.tracking_token(order.id)
        assert parcels.verify_token(token) == order.id
        view = parcels.tracking(session, parcels.verify_token(token))
    assert [row["order"].id for row in listed] == [order.id]
    assert listed[0]["state"].stalled and listed[0]["state"].at_risk
    assert [m[0] for m in view["parcels"][0]["state"].milestones] == ["shipped", "in_transit"]
    with pytest.raises(NotFound):
        parcels.verify_token(token[:-1] + ("0" if token[-1] != "0" else "1"))
    with clock.frozen_at(NOW + timedelta(days=61)), pytest.raises(NotFound):
        parcels.verify_token(token)


def test_a_lunar_birthday_set_on_the_preference_page_feeds_the_birthday_moment(session):
    from shopcx.customers import service as customers
    from shopcx.customers.schemas import CustomerIn
    from shopcx.messaging.service import preferences

    shop, _ = make_program(session)
    _buyers(session, shop, [(21, {"birthday": "1990-03-01"})])
    person = customers.find_customer(session, CustomerIn(source="taobao", external_id="care-buyer-21"),
                                     phone=None, email=None)
    moments.configure(session, shop, "birthday", actor=SYSTEM, enabled=True, template_id=template(session, shop).id,
                      settings={"days_before": 3}, control_share=0.0)
    with clock.frozen_at(NOW):
        assert moments.run_moments(session, shop, today=TODAY, now=NOW) == {"birthday": 0}
        token = preferences.preference_token(person.id)
        # 农历十一月初一 is 9 December 2026 (十月 has 29 days): three days from today; the solar date gives way.
        preferences.save(session, token, {"language": "zh", "birthday_kind": "lunar", "lunar_month": "11",
                                          "lunar_day": "1", "channel_email": "1", "topic_care": "1"},
                         form_token_given=preferences.form_token(token))
        assert moments.run_moments(session, shop, today=TODAY, now=NOW) == {"birthday": 1}
    assert person.birthday_on is None
