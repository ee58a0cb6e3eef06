"""One-off earning events: referrals (self-referral refused, rewarded once after the return window) and reviews."""

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.core.errors import ShopCXError
from shopcx.core.events import OutboxEvent
from shopcx.customers import service as customers
from shopcx.customers.models import Customer
from shopcx.customers.schemas import CustomerIn
from shopcx.loyalty.jobs import on_review_received
from shopcx.loyalty.models import PointsEntry, Referral
from shopcx.loyalty.service.daily import DailyResult, activate_due
from shopcx.loyalty.service.members import referrals
from shopcx.loyalty.service.members.accounts import find_account
from shopcx.loyalty.service.points.earning import sync_order
from shopcx.loyalty.service.points.reviews import award_review_points
from shopcx.orders import service as orders
from shopcx.staff.service import SYSTEM

from ..factories import make_order
from .factories import make_program, simple_config

MARCH_1 = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)


def _program(session, **overrides):
    config = simple_config(referrer_points=200, referee_points=100, review_points=20, review_min_chars=10)
    if overrides:
        config = config.model_copy(update=overrides)
    return make_program(session, config=config)


def _order(session, shop, buyer: str, *, name: str, province="上海市", city="上海市", phone=None,
           status="completed", placed=MARCH_1):
    customer = {"source": "taobao", "external_id": buyer, "name": name} | ({"phone": phone} if phone else {})
    with clock.frozen_at(placed):
        order = make_order(session, shop, status=status, placed_at=placed, customer=customer,
                           ship_province=province, ship_city=city)
        sync_order(session, order)
    return order


def _referrer(session, shop, program):
    """张三 in Shanghai, phone 13800000001, a member with one order."""
    order = _order(session, shop, "ref-a", name="张三", phone="13800000001")
    return find_account(session, program.program.id, order.customer_id)


def _customer(session, buyer: str, **fields):
    customer, _ = customers.upsert_customer(session, CustomerIn(source="taobao", external_id=buyer, **fields),
                                            actor=None)
    return customer


def _points(session, account, reason: str) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0))
                              .where(PointsEntry.account_id == account.id, PointsEntry.reason == reason)))


def _error(call) -> str:
    with pytest.raises(ShopCXError) as caught:
        call()
    return caught.value.code


def test_both_sides_are_rewarded_once_after_the_first_orders_return_window(session):
    shop, program = _program(session)
    referrer = _referrer(session, shop, program)
    referee = _customer(session, "ref-b", name="李四", phone="13800000002")
    referral = referrals.attach_referral(session, program, referee.id, referrer.referral_code.lower(), actor=SYSTEM)
    referee_account = find_account(session, program.program.id, referee.id)
    assert referral.status == "pending" and referee_account.referred_by_id == referrer.id
    first = _order(session, shop, "ref-b", name="李四", province="北京市", city="北京市")  # completed 1 March
    activate_due(session, program, date(2026, 3, 15), DailyResult())  # inside the 15-day return window
    assert referral.status == "pending" and _points(session, referrer, "referral") == 0
    result = DailyResult()
    activate_due(session, program, date(2026, 3, 16), result)
    assert result.referrals == 1
    assert (referral.status, referral.first_order_id) == ("rewarded", first.id)
    assert (_points(session, referrer, "referral"), _points(session, referee_account, "referral")) == (200, 100)
    _order(session, shop, "ref-b", name="李四", province="北京市", city="北京市",
           placed=datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))
    for day in (16, 17, 20):
        activate_due(session, program, date(2026, 3, day), DailyResult())
    assert referrals.reward_due(session, program, date(2026, 4, 1)) == 0
    assert (_points(session, referrer, "referral"), _points(session, referee_account, "referral")) == (200, 100)
    events = session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.topic == "referral_rewarded",
                                                                     OutboxEvent.aggregate_id == referral.id))
    assert events == 1


def test_self_referral_by_own_code_phone_or_address_is_refused_and_nothing_is_stored(session):
    shop, program = _program(session)
    referrer = _referrer(session, shop, program)
    code = referrer.referral_code
    assert _error(lambda: referrals.attach_referral(session, program, referrer.customer_id, code)) == "referral_self"
    twin = _customer(session, "ref-twin", name="小张", phone="13900000009")
    twin.phone = "+8613800000001"  # a second account with the referrer's phone (stored in E.164)
    assert _error(lambda: referrals.attach_referral(session, program, twin.id, code)) == "referral_same_phone"
    # same receiver in the same city: "上海" and "上海市" are the same place
    lodger = _customer(session, "ref-lodger", name="张 三", province="上海", city="上海")
    assert _error(lambda: referrals.attach_referral(session, program, lodger.id, code)) == "referral_same_address"
    assert _error(lambda: referrals.attach_referral(session, program, lodger.id, "NOSUCHCODE")) == \
        "referral_code_unknown"
    assert session.scalar(select(func.count(Referral.id)).where(Referral.program_id == program.program.id)) == 0


def test_a_first_order_shipped_to_the_referrers_address_is_refused_at_reward_time(session):
    shop, program = _program(session)
    referrer = _referrer(session, shop, program)
    sneaky = _customer(session, "ref-sneaky", name="王五")
    referral = referrals.attach_referral(session, program, sneaky.id, referrer.referral_code)
    _order(session, shop, "ref-sneaky", name="张三")  # ships to 张三, 上海市 上海市: the referrer's address
    activate_due(session, program, date(2026, 3, 16), DailyResult())
    assert (referral.status, referral.reason) == ("refused", "referral_same_address")
    assert _points(session, referrer, "referral") == 0


def test_customers_who_bought_before_or_were_referred_cannot_be_referred(session):
    shop, program = _program(session)
    referrer = _referrer(session, shop, program)
    buyer = _order(session, shop, "ref-old", name="赵六", province="广东省", city="深圳市")
    assert _error(lambda: referrals.attach_referral(session, program, buyer.customer_id,
                                                    referrer.referral_code)) == "referral_not_new"
    newcomer = _customer(session, "ref-new", name="钱七")
    referrals.attach_referral(session, program, newcomer.id, referrer.referral_code)
    assert _error(lambda: referrals.attach_referral(session, program, newcomer.id,
                                                    referrer.referral_code)) == "referral_exists"


def test_a_cancelled_first_order_voids_the_referral(session):
    shop, program = _program(session)
    referrer = _referrer(session, shop, program)
    newcomer = _customer(session, "ref-void", name="孙八")
    referral = referrals.attach_referral(session, program, newcomer.id, referrer.referral_code)
    order = _order(session, shop, "ref-void", name="孙八", province="江苏省", city="南京市", status="paid")
    with clock.frozen_at(MARCH_1):
        orders.transition(session, order, "cancelled", actor=SYSTEM)
        sync_order(session, order)
    activate_due(session, program, date(2026, 4, 1), DailyResult())
    assert (referral.status, referral.reason) == ("void", "first_order_void")
    assert _points(session, referrer, "referral") == 0


def test_a_longer_referral_delay_pays_on_the_daily_run_after_it(session):
    shop, program = _program(session, referral_reward_after_days=30)
    referrer = _referrer(session, shop, program)
    newcomer = _customer(session, "ref-late", name="周九")
    referral = referrals.attach_referral(session, program, newcomer.id, referrer.referral_code)
    _order(session, shop, "ref-late", name="周九", province="浙江省", city="杭州市")  # completed 1 March
    with clock.frozen_at(datetime(2026, 3, 16, 2, 0, tzinfo=timezone.utc)):
        activate_due(session, program, date(2026, 3, 16), DailyResult())
    assert referral.status == "pending"
    assert referrals.reward_due(session, program, date(2026, 3, 30)) == 0
    assert referrals.reward_due(session, program, date(2026, 3, 31)) == 1
    assert referral.status == "rewarded" and _points(session, referrer, "referral") == 200


def test_review_points_once_per_order_for_enough_text(session):
    shop, program = _program(session)
    order = _order(session, shop, "rev-a", name="吴十", province="四川省", city="成都市")
    account = find_account(session, program.program.id, order.customer_id)
    with clock.frozen_at(MARCH_1):
        assert award_review_points(session, program, account, order_id=order.id, review_id=1,
                                   text="好 评 好 评 好 评 好 评 好") is None  # 9 characters once spaces are removed
        entry = award_review_points(session, program, account, order_id=order.id, review_id=2,
                                    text="质量很好，物流也很快，下次还来")
        assert award_review_points(session, program, account, order_id=order.id, review_id=3,
                                   text="追评：用了一个月依然很好用") is None
    assert (entry.points, entry.reason, entry.idempotency_key) == (20, "review", f"review:{order.id}")
    assert _points(session, account, "review") == 20
    other = _order(session, shop, "rev-b", name="郑一", province="四川省", city="绵阳市")
    assert _error(lambda: award_review_points(session, program, account, order_id=other.id, review_id=4,
                                              text="这不是我的订单但我要积分")) == "review_points_order_mismatch"


def test_the_review_event_handler_skips_default_reviews(session):
    shop, program = _program(session)
    order = _order(session, shop, "rev-c", name="王二", province="湖北省", city="武汉市")
    account = find_account(session, program.program.id, order.customer_id)
    base = {"shop_id": shop.id, "customer_id": order.customer_id, "order_id": order.id, "rating_class": "good",
            "has_text": False}
    with clock.frozen_at(MARCH_1):
        on_review_received(session, OutboxEvent(topic="review_received", aggregate="review", aggregate_id=7,
                                                payload=base | {"review_id": 7, "is_default": True,
                                                                "text_length": 40}))
        assert _points(session, account, "review") == 0
        on_review_received(session, OutboxEvent(topic="review_received", aggregate="review", aggregate_id=8,
                                                payload=base | {"review_id": 8, "is_default": False,
                                                                "text_length": 12}))
    assert _points(session, account, "review") == 20


def test_a_referee_sharing_the_referrers_email_is_refused(session):
    shop, program = _program(session)
    referrer = _referrer(session, shop, program)
    session.get(Customer, referrer.customer_id).email = "zhang@example.com"
    same_person = _customer(session, "ref-mail", name="张先生", email="ZHANG@example.com")
    assert same_person.id == referrer.customer_id  # customers are matched by email on the way in
    twin = _customer(session, "ref-mail-2", name="张先生", email="other@example.com")
    twin.email = "zhang@example.com"  # edited afterwards to the referrer's address
    assert _error(lambda: referrals.attach_referral(session, program, twin.id, referrer.referral_code)) == \
        "referral_same_email"


def test_a_review_recorded_by_the_reviews_domain_earns_through_its_event(session):
    from shopcx.reviews.schemas import ReviewIn
    from shopcx.reviews.service import record_review

    shop, program = _program(session)
    order = _order(session, shop, "rev-d", name="林一", province="福建省", city="厦门市")
    account = find_account(session, program.program.id, order.customer_id)
    with clock.frozen_at(MARCH_1):
        record_review(session, shop, ReviewIn(external_id="RV-1", order_external_id=order.external_id, stars=5,
                                              text="杯子保温效果很好，包装也结实", reviewed_at=MARCH_1), actor=SYSTEM)
        event = session.scalar(select(OutboxEvent).where(OutboxEvent.topic == "review_received")
                               .order_by(OutboxEvent.id.desc()))
        on_review_received(session, event)
        on_review_received(session, event)  # the outbox may deliver twice
    assert _points(session, account, "review") == 20
