"""The checkout quote against stored history: new vs old customers, the purchase-count ladder, tiers, coupons."""

import json
from datetime import datetime, timezone

import pytest

from shopcx.core import clock
from shopcx.core.errors import ShopCXError
from shopcx.loyalty.config import LadderStep, Offer
from shopcx.loyalty.service.members.accounts import enrol
from shopcx.loyalty.service.points import ledger
from shopcx.loyalty.service.spending.checkout import quote
from shopcx.loyalty.service.spending.coupons import create_coupon
from shopcx.orders import service as orders
from shopcx.orders.schemas import RefundIn
from shopcx.staff.service import SYSTEM

from ..factories import make_order
from .factories import make_program, simple_config

FEB_1 = datetime(2026, 2, 1, 2, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)
BASKET = [("CUP", "厨具", 2, 15_000)]  # 2 × ¥150 = ¥300


def _program(session):
    config = simple_config().model_copy(update={
        "ladder": [LadderStep(min_orders=3, percent_off=3), LadderStep(min_orders=6, percent_off=5)],
        "offers": [Offer(code="old20", name_zh="老客8折", name_en="Old 20%", audience="old", kind="percent_off",
                         percent_off=20, min_spend_amount=20_000),
                   Offer(code="minus30", name_zh="满200减30", name_en="30 off 200", audience="all",
                         kind="amount_off", amount_off=3_000, min_spend_amount=20_000),
                   Offer(code="gift3", name_zh="买3件送帆布袋", name_en="Bag with 3", audience="all",
                         kind="gift_for_items", min_items=3, gift="帆布袋")]})
    return make_program(session, config=config)


def _buyer(session, shop, buyer: str, paid_orders: int):
    """A customer with `paid_orders` standing sales from February; returns the customer id."""
    customer_id = None
    for _ in range(paid_orders):
        customer_id = make_order(session, shop, placed_at=FEB_1, customer={"source": "taobao",
                                                                           "external_id": buyer}).customer_id
    return customer_id


def _applied(q):
    return {(d.source, d.code): d.amount for d in q.priced.discounts if d.applied}


def _reason(q, source, code):
    return next(d.reason for d in q.priced.discounts if (d.source, d.code) == (source, code))


def test_a_new_customer_gets_the_offers_for_everyone_but_not_the_old_customer_discount(session):
    shop, program = _program(session)
    with clock.frozen_at(NOW):
        q = quote(session, program, customer_id=None, items=BASKET, shipping_amount=1_000)
    assert (q.is_new_customer, q.order_number, q.tier_code) == (True, 1, "member")
    assert _reason(q, "offer", "old20") == "for_old_customers"
    assert _applied(q) == {("offer", "minus30"): 3_000}
    assert q.total_amount == 30_000 - 3_000 + 1_000 == 28_000
    assert _reason(q, "offer", "gift3") == "not_enough_items"


def test_an_old_customer_on_their_third_order_gets_one_percent_discount_and_the_amount_off(session):
    shop, program = _program(session)
    customer_id = _buyer(session, shop, "old-3", paid_orders=2)
    with clock.frozen_at(NOW):
        q = quote(session, program, customer_id=customer_id, items=BASKET, shipping_amount=1_000)
    assert (q.is_new_customer, q.order_number) == (False, 3)
    # ladder step 3 (3%) is beaten by 老客8折: 20% of 30000 = 6000; 24000 left still reaches 满200减30
    assert _reason(q, "ladder", "ladder") == "better_percent_applies"
    assert _applied(q) == {("offer", "old20"): 6_000, ("offer", "minus30"): 3_000}
    assert q.total_amount == 30_000 - 6_000 - 3_000 + 1_000 == 22_000


def test_the_ladder_grows_with_purchases_and_applies_when_it_is_the_best(session):
    shop, program = _program(session)
    customer_id = _buyer(session, shop, "ladder-6", paid_orders=5)
    small = [("CUP", "厨具", 1, 10_000)]  # below 老客8折's 200-yuan minimum, so the ladder's 5% is the best
    with clock.frozen_at(NOW):
        q = quote(session, program, customer_id=customer_id, items=small, shipping_amount=0)
    assert q.order_number == 6
    assert _reason(q, "offer", "old20") == "min_spend_not_reached"
    assert _applied(q) == {("ladder", "ladder"): 500}
    assert q.total_amount == 9_500


def test_an_order_refunded_in_full_does_not_make_a_customer_old(session):
    shop, program = _program(session)
    order = make_order(session, shop, placed_at=FEB_1, customer={"source": "taobao", "external_id": "returned"})
    orders.record_refund(session, order, RefundIn(external_id="R", amount=order.paid_amount), actor=SYSTEM)
    with clock.frozen_at(NOW):
        q = quote(session, program, customer_id=order.customer_id, items=BASKET, shipping_amount=0)
    assert (q.is_new_customer, q.order_number) == (True, 1)


def test_a_gold_member_ships_free_and_sees_what_points_can_pay(session):
    shop, program = _program(session)
    customer_id = _buyer(session, shop, "gold-1", paid_orders=1)
    account = enrol(session, program, customer_id)
    account.tier_code = "gold"  # 10% off and free shipping
    ledger.lock_account(session, account)
    ledger.credit(session, account, 20_000, key="test:gold", kind="adjust", reason="adjust", expires_on=None)
    items = [("CUP", "厨具", 3, 10_000)]
    with clock.frozen_at(NOW):
        q = quote(session, program, customer_id=customer_id, items=items, shipping_amount=1_000)
    assert _reason(q, "tier", "gold") == "better_percent_applies"  # 20% for old customers beats gold's 10%
    assert _applied(q) == {("offer", "old20"): 6_000, ("offer", "minus30"): 3_000, ("offer", "gift3"): 0,
                           ("tier", "gold"): 1_000}
    assert q.priced.gifts == ["帆布袋"] and q.priced.free_shipping
    assert q.total_amount == 30_000 - 6_000 - 3_000 == 21_000
    # points may pay half: floor(21000 × 50%) = 10500 fen = 10500 points at 100 points per ¥1
    assert (q.points_balance, q.points_max, q.points_max_value_amount) == (20_000, 10_500, 10_500)


def test_a_coupon_stacks_and_a_bad_one_is_explained_without_failing_the_quote(session):
    shop, program = _program(session)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    create_coupon(session, shop, kind="coupon_amount", amount_off=2_000, min_spend_amount=5_000, code="TWENTY",
                  valid_from=start, max_uses_per_customer=None, actor=SYSTEM)  # guests may use it
    create_coupon(session, shop, kind="coupon_amount", amount_off=2_000, code="GONE", valid_from=start,
                  valid_until=datetime(2026, 2, 1, tzinfo=timezone.utc), actor=SYSTEM)
    with clock.frozen_at(NOW):
        good = quote(session, program, customer_id=None, items=BASKET, shipping_amount=0, coupon_code="twenty")
        bad = quote(session, program, customer_id=None, items=BASKET, shipping_amount=0, coupon_code="gone")
        unknown = quote(session, program, customer_id=None, items=BASKET, shipping_amount=0, coupon_code="NOPE")
    assert _applied(good) == {("offer", "minus30"): 3_000, ("coupon", "TWENTY"): 2_000}
    assert good.total_amount == 25_000
    assert (bad.coupon_error, bad.total_amount) == ("coupon_expired", 27_000)
    assert unknown.coupon_error == "coupon_not_found"
    json.dumps(bad.as_dict())  # the API can return it as it is


@pytest.mark.parametrize(("items", "field"), [
    ([], "items"),
    ([("A", None, 0, 100)], "items.0.quantity"),
    ([("A", None, 1, 100), ("B", None, 1, 9.99)], "items.1.unit_price_amount"),
    ([("A", None, 1)], "items.0"),
])
def test_bad_baskets_are_refused_naming_the_line(session, items, field):
    shop, program = _program(session)
    with pytest.raises(ShopCXError) as caught:
        quote(session, program, customer_id=None, items=items, shipping_amount=0)
    assert caught.value.field == field
