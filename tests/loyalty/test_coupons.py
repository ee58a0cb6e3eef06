"""Coupons: codes, validity, limits per code and per customer, audience, once per order, release on void."""

import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from shopcx.core import clock, db
from shopcx.core.errors import ShopCXError
from shopcx.loyalty.models import Coupon, CouponUse
from shopcx.loyalty.service.members.accounts import enrol
from shopcx.loyalty.service.points import ledger
from shopcx.loyalty.service.points.earning import sync_order
from shopcx.loyalty.service.spending import coupons, redemption, rewards
from shopcx.loyalty.service.spending.coupons import (
    ALPHABET,
    apply_coupon,
    create_coupon,
    release_for_order,
    validate_coupon,
)
from shopcx.orders import service as orders
from shopcx.orders.schemas import RefundIn
from shopcx.staff.service import SYSTEM

from ..factories import make_order, make_shop
from .factories import make_program

MARCH_1 = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)
FEB_1 = datetime(2026, 2, 1, 2, 0, tzinfo=timezone.utc)


def _order(session, shop, buyer: str, *, placed=MARCH_1, status="paid", price=4_990, quantity=2, **extra):
    return make_order(session, shop, status=status, placed_at=placed, customer={"source": "taobao",
                                                                               "external_id": buyer},
                      lines=[{"sku": "CUP", "name": "杯", "quantity": quantity, "unit_price_amount": price}], **extra)


def _campaign(session, shop, **values):
    """A campaign coupon running since 1 January 2026 (the orders below are from February and March)."""
    return create_coupon(session, shop, actor=SYSTEM, valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc),
                         **values)


def _error(call) -> str:
    with pytest.raises(ShopCXError) as caught:
        call()
    return caught.value.code


def test_codes_are_case_insensitive_unambiguous_and_unique_per_shop(session):
    shop = make_shop(session)
    coupon = create_coupon(session, shop, kind="coupon_amount", amount_off=500, code="spring-10", actor=SYSTEM)
    assert coupon.code == "SPRING-10"
    assert coupons.find_coupon(session, shop.id, " Spring-10 ").id == coupon.id
    assert coupons.find_coupon(session, shop.id, "SPR1NG-IO").id == coupon.id  # I/1 and O/0 typed the other way
    assert _error(lambda: create_coupon(session, shop, kind="coupon_amount", amount_off=500, code="SPRING-10",
                                        actor=SYSTEM)) == "coupon_code_taken"
    assert _error(lambda: create_coupon(session, shop, kind="coupon_amount", amount_off=500, code="SPRlNG-1O",
                                        actor=SYSTEM)) == "coupon_code_taken"  # too like SPRING-10 to tell apart
    assert _error(lambda: create_coupon(session, shop, kind="coupon_amount", amount_off=500, code="满减券",
                                        actor=SYSTEM)) == "invalid_coupon_code"
    assert _error(lambda: create_coupon(session, shop, kind="coupon_amount", amount_off=500, code="AB",
                                        actor=SYSTEM)) == "invalid_coupon_code"
    other_shop = make_shop(session)
    assert create_coupon(session, other_shop, kind="free_shipping", code="SPRING-10", actor=SYSTEM).code == "SPRING-10"
    generated = create_coupon(session, shop, kind="coupon_percent", percent_off=10, actor=SYSTEM).code
    assert len(generated) == 10 and set(generated) <= set(ALPHABET) and not set(generated) & set("0O1IL")


def test_terms_are_checked_with_the_field_named(session):
    shop = make_shop(session)
    with pytest.raises(ShopCXError) as caught:
        create_coupon(session, shop, kind="coupon_percent", percent_off=95, actor=SYSTEM)
    assert (caught.value.code, caught.value.field) == ("coupon_invalid_terms", "percent_off")
    with pytest.raises(ShopCXError) as caught:
        create_coupon(session, shop, kind="coupon_amount", amount_off=100, max_uses=0, actor=SYSTEM)
    assert caught.value.field == "max_uses"
    with pytest.raises(ShopCXError) as caught:
        create_coupon(session, shop, kind="coupon_amount", amount_off=100, valid_from=MARCH_1, valid_until=FEB_1,
                      actor=SYSTEM)
    assert caught.value.field == "valid_until"


def test_validity_window_starts_inclusive_and_ends_exclusive(session):
    shop = make_shop(session)
    start = datetime(2026, 2, 28, 16, 0, tzinfo=timezone.utc)  # 1 March 00:00 in Shanghai
    end = datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc)  # 11 March 00:00 in Shanghai
    create_coupon(session, shop, kind="coupon_amount", amount_off=500, code="WEEK-ONE", valid_from=start,
                  valid_until=end, max_uses_per_customer=None, actor=SYSTEM)

    def at(moment):
        return lambda: validate_coupon(session, shop.id, "week-one", customer_id=None, at=moment)

    assert _error(at(datetime(2026, 2, 28, 15, 59, tzinfo=timezone.utc))) == "coupon_not_yet_valid"
    assert at(start)().code == "WEEK-ONE"
    assert at(datetime(2026, 3, 10, 15, 59, 59, tzinfo=timezone.utc))().code == "WEEK-ONE"
    assert _error(at(end)) == "coupon_expired"


def test_limits_per_code_and_per_customer(session):
    shop = make_shop(session)
    coupon = _campaign(session, shop, kind="coupon_amount", amount_off=1_000, code="LIMIT-3", max_uses=3,
                           max_uses_per_customer=1)
    a1, a2 = _order(session, shop, "lim-a"), _order(session, shop, "lim-a")
    b, c, d = _order(session, shop, "lim-b"), _order(session, shop, "lim-c"), _order(session, shop, "lim-d")
    use = apply_coupon(session, shop, "limit-3", order=a1)
    assert use.discount_amount == 1_000 and coupon.used_count == 1
    assert apply_coupon(session, shop, "LIMIT-3", order=a1).id == use.id  # the same order again: counted once
    assert coupon.used_count == 1
    assert _error(lambda: apply_coupon(session, shop, "LIMIT-3", order=a2)) == "coupon_customer_limit"
    apply_coupon(session, shop, "LIMIT-3", order=b)
    apply_coupon(session, shop, "LIMIT-3", order=c)
    assert _error(lambda: apply_coupon(session, shop, "LIMIT-3", order=d)) == "coupon_used_up"
    assert (coupon.used_count, coupon.status) == (3, "used")
    assert session.scalar(select(func.count(CouponUse.id)).where(CouponUse.coupon_id == coupon.id)) == 3


def test_minimum_spend_and_one_coupon_per_order(session):
    shop = make_shop(session)
    _campaign(session, shop, kind="coupon_amount", amount_off=1_000, code="MIN-100", min_spend_amount=10_000)
    _campaign(session, shop, kind="coupon_percent", percent_off=10, code="TEN-OFF")
    _campaign(session, shop, kind="free_shipping", code="SHIP-FREE")
    order = _order(session, shop, "min-a")  # 2 × 49.90 = 99.80
    assert _error(lambda: apply_coupon(session, shop, "MIN-100", order=order)) == "coupon_min_spend"
    use = apply_coupon(session, shop, "TEN-OFF", order=order)
    assert use.discount_amount == 998  # 10% of 9980
    assert _error(lambda: apply_coupon(session, shop, "SHIP-FREE", order=order)) == "coupon_one_per_order"


def test_audience_new_and_old_from_standing_paid_sales(session):
    shop = make_shop(session)
    _campaign(session, shop, kind="coupon_amount", amount_off=500, code="NEW-ONLY", audience="new",
              max_uses_per_customer=None)
    _campaign(session, shop, kind="coupon_amount", amount_off=500, code="OLD-ONLY", audience="old")
    first = _order(session, shop, "aud-a", placed=FEB_1)
    second = _order(session, shop, "aud-a")
    assert _error(lambda: apply_coupon(session, shop, "OLD-ONLY", order=first)) == "coupon_old_customers_only"
    apply_coupon(session, shop, "NEW-ONLY", order=first)  # its own order does not make the buyer "old"
    assert _error(lambda: apply_coupon(session, shop, "NEW-ONLY", order=second)) == "coupon_new_customers_only"
    apply_coupon(session, shop, "OLD-ONLY", order=second)
    # buying and returning everything does not make a customer "old"
    returned = _order(session, shop, "aud-b", placed=FEB_1)
    orders.record_refund(session, returned, RefundIn(external_id="R", amount=returned.paid_amount), actor=SYSTEM)
    again = _order(session, shop, "aud-b")
    assert coupons.paid_sales(session, shop.id, again.customer_id, before=again.paid_at) == 0
    assert _error(lambda: apply_coupon(session, shop, "OLD-ONLY", order=again)) == "coupon_old_customers_only"


def test_a_use_comes_back_only_when_its_order_is_voided(session):
    shop = make_shop(session)
    coupon = _campaign(session, shop, kind="coupon_amount", amount_off=1_000, code="ONE-SHOT", max_uses=1)
    order = _order(session, shop, "rel-a")
    apply_coupon(session, shop, "ONE-SHOT", order=order)
    orders.record_refund(session, order, RefundIn(external_id="R1", amount=1_000), actor=SYSTEM)
    assert release_for_order(session, order) == 0  # a partial refund keeps the use
    assert coupon.used_count == 1
    orders.record_refund(session, order, RefundIn(external_id="R2", amount=order.paid_amount - 1_000), actor=SYSTEM)
    assert release_for_order(session, order) == 1
    assert release_for_order(session, order) == 0
    assert (coupon.used_count, coupon.status) == (0, "active")
    assert apply_coupon(session, shop, "ONE-SHOT", order=_order(session, shop, "rel-b")).discount_amount == 1_000
    assert _error(lambda: apply_coupon(session, shop, "ONE-SHOT", order=order)) == "coupon_released"


def test_syncing_a_cancelled_members_order_releases_its_coupon(session):
    shop, program = make_program(session)
    coupon = _campaign(session, shop, kind="coupon_amount", amount_off=1_000, code="SYNC-ME", max_uses=5)
    with clock.frozen_at(MARCH_1):
        order = _order(session, shop, "sync-a")
        apply_coupon(session, shop, "SYNC-ME", order=order)
        sync_order(session, order)
        orders.transition(session, order, "cancelled", actor=SYSTEM)
        for _ in range(3):
            sync_order(session, order)
    assert coupon.used_count == 0


def test_a_personal_coupon_belongs_to_its_member(session):
    shop, program = make_program(session)
    with clock.frozen_at(MARCH_1):
        mine = _order(session, shop, "own-a")
        theirs = _order(session, shop, "own-b")
        account = enrol(session, program, mine.customer_id)
        ledger.lock_account(session, account)
        ledger.credit(session, account, 500, key="test:own", kind="adjust", reason="adjust", expires_on=None)
        rewards.create_reward(session, program, actor=SYSTEM, code="five", name_zh="5元", name_en="¥5",
                              kind="coupon_amount", points_cost=500, amount_off=500)
        coupon = redemption.redeem_reward(session, program, account, "five", key="own")
        assert _error(lambda: apply_coupon(session, shop, coupon.code, order=theirs)) == "coupon_other_member"
        assert apply_coupon(session, shop, coupon.code, order=mine).discount_amount == 500
    assert coupon.status == "used"


def test_concurrent_uses_never_exceed_the_limit(fresh_db_url):
    """20 buyers apply a 5-use code at once, each in its own transaction: exactly 5 succeed."""
    engine = db.make_engine(fresh_db_url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    db.use_session_factory(factory)
    try:
        with db.session_scope() as session:
            shop = make_shop(session)
            _campaign(session, shop, kind="coupon_amount", amount_off=100, code="RUSH-5", max_uses=5)
            order_ids = [_order(session, shop, f"rush-{i}").id for i in range(20)]
            shop_id = shop.id
        outcomes: list[str] = []
        barrier = threading.Barrier(len(order_ids))

        def buy(order_id: int) -> None:
            barrier.wait()
            try:
                with db.session_scope(write=True) as s:
                    apply_coupon(s, s.get(type(shop), shop_id), "RUSH-5", order=orders.get_order(s, order_id))
                outcomes.append("ok")
            except ShopCXError as exc:
                outcomes.append(exc.code)

        threads = [threading.Thread(target=buy, args=(oid,)) for oid in order_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with db.session_scope() as session:
            coupon = session.scalar(select(Coupon).where(Coupon.code == "RUSH-5"))
            uses = session.scalar(select(func.count(CouponUse.id)).where(CouponUse.coupon_id == coupon.id))
        assert outcomes.count("ok") == 5 and outcomes.count("coupon_used_up") == 15
        assert coupon.used_count == uses == 5
    finally:
        db.use_session_factory(sessionmaker(bind=db.get_engine(), expire_on_commit=False))
        engine.dispose()
