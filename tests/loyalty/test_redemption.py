"""Spending points: rewards for points (idempotent), points as payment, and points coming back on refund once."""

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.core.errors import ShopCXError
from shopcx.customers import service as customers
from shopcx.customers.schemas import CustomerIn
from shopcx.loyalty.models import Coupon, PointsEntry
from shopcx.loyalty.service.members.accounts import enrol
from shopcx.loyalty.service.points import ledger
from shopcx.loyalty.service.points.earning import sync_order
from shopcx.loyalty.service.spending import redemption, rewards
from shopcx.orders import service as orders
from shopcx.orders.schemas import RefundIn
from shopcx.staff.service import SYSTEM

from ..factories import make_order
from .factories import make_program, simple_config

NOON = datetime(2026, 3, 1, 4, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai


def _member(session, program, external_id: str):
    customer, _ = customers.upsert_customer(session, CustomerIn(source="taobao", external_id=external_id,
                                                                name=external_id), actor=None)
    return enrol(session, program, customer.id)


def _seed(session, account, points: int, *, expires_on=None, key="seed"):
    ledger.lock_account(session, account)
    ledger.credit(session, account, points, key=f"test:{key}:{account.id}", kind="adjust", reason="adjust",
                  expires_on=expires_on)


def _reward(session, program, **values):
    data = {"code": "cash10", "name_zh": "10元券", "name_en": "¥10 off", "kind": "coupon_amount",
            "points_cost": 500, "amount_off": 1_000, "min_spend_amount": 5_000, "valid_days": 30} | values
    return rewards.create_reward(session, program, actor=SYSTEM, **data)


def _consistent(session, account):
    points, pending, lots = ledger.ledger_sums(session, account.id)
    assert (points, pending, lots) == (account.balance, account.pending_balance, account.balance)


def test_redeeming_twice_with_one_key_takes_points_once_and_returns_the_same_coupon(session):
    shop, program = make_program(session)
    account = _member(session, program, "r-idem")
    _seed(session, account, 1_200)
    reward = _reward(session, program, stock=2, per_member_limit=5)
    with clock.frozen_at(NOON):
        first = redemption.redeem_reward(session, program, account, "cash10", key="req-1")
        again = redemption.redeem_reward(session, program, account, "cash10", key="req-1")
        assert again.id == first.id
        assert account.balance == 700 and reward.stock == 1
        second = redemption.redeem_reward(session, program, account, "cash10", key="req-2")
    assert second.id != first.id and account.balance == 200 and reward.stock == 0
    assert (first.kind, first.amount_off, first.min_spend_amount, first.max_uses) == ("coupon_amount", 1_000, 5_000, 1)
    assert first.account_id == account.id and first.reward_id == reward.id
    # valid for 30 shop-local days counting 1 March: until midnight that starts 31 March in Shanghai
    assert first.valid_until == datetime(2026, 3, 30, 16, 0, tzinfo=timezone.utc)
    entry = session.get(PointsEntry, first.redeem_entry_id)
    assert (entry.kind, entry.reason, entry.points, entry.idempotency_key) == ("redeem", "reward", -500,
                                                                               "redeem:req-1")
    assert account.lifetime_redeemed == 1_000
    _consistent(session, account)


def test_refused_redemptions_take_no_points(session):
    shop, program = make_program(session)
    account = _member(session, program, "r-refuse")
    _seed(session, account, 1_000)
    _reward(session, program, code="silveronly", min_tier_code="silver")
    _reward(session, program, code="once", per_member_limit=1)
    _reward(session, program, code="gone", stock=0)
    _reward(session, program, code="oldonly", audience="old")
    _reward(session, program, code="dear", points_cost=1_001)
    with clock.frozen_at(NOON):
        for code, error in (("silveronly", "reward_tier_too_low"), ("gone", "reward_out_of_stock"),
                            ("oldonly", "reward_old_customers_only"), ("dear", "insufficient_points"),
                            ("nosuch", "reward_not_found")):
            with pytest.raises(ShopCXError) as caught:
                redemption.redeem_reward(session, program, account, code, key=f"k-{code}")
            assert caught.value.code == error
        redemption.redeem_reward(session, program, account, "once", key="k-once-1")
        with pytest.raises(ShopCXError) as caught:
            redemption.redeem_reward(session, program, account, "once", key="k-once-2")
    assert caught.value.code == "reward_member_limit"
    assert account.balance == 500
    _consistent(session, account)


def test_gift_reward_becomes_a_gift_voucher(session):
    shop, program = make_program(session)
    account = _member(session, program, "r-gift")
    _seed(session, account, 300)
    _reward(session, program, code="mug", kind="gift", name_zh="定制马克杯", name_en="Mug", points_cost=300,
            amount_off=None, min_spend_amount=0)
    with clock.frozen_at(NOON):
        coupon = redemption.redeem_reward(session, program, account, "mug", key="g1")
    assert (coupon.kind, coupon.name, coupon.amount_off) == ("gift", "定制马克杯", None)
    assert account.balance == 0


def test_points_expiring_at_local_midnight_cannot_be_spent_after_it(session):
    shop, program = make_program(session)
    account = _member(session, program, "r-expiry")
    _seed(session, account, 500, expires_on=date(2026, 3, 2))
    _reward(session, program)
    with clock.frozen_at(datetime(2026, 3, 1, 16, 0, tzinfo=timezone.utc)):  # 00:00 on 2 March in Shanghai
        with pytest.raises(ShopCXError) as caught:
            redemption.redeem_reward(session, program, account, "cash10", key="late")
    assert caught.value.code == "insufficient_points"
    assert account.balance == 0 and account.lifetime_expired == 500


def test_points_expiring_tomorrow_are_spent_first_and_can_be_spent_before_midnight(session):
    shop, program = make_program(session)
    account = _member(session, program, "r-before")
    _seed(session, account, 400, key="later")  # never expires
    _seed(session, account, 300, expires_on=date(2026, 3, 2), key="soon")
    _reward(session, program)
    with clock.frozen_at(datetime(2026, 3, 1, 15, 59, tzinfo=timezone.utc)):  # 23:59 on 1 March in Shanghai
        redemption.redeem_reward(session, program, account, "cash10", key="in-time")
    soon, later = session.scalars(select(ledger.PointsLot).where(ledger.PointsLot.account_id == account.id)
                                  .order_by(ledger.PointsLot.expires_on.is_(None))).all()
    assert (soon.remaining, later.remaining) == (0, 200)


def test_pay_with_points_is_capped_at_half_the_order_and_keyed(session):
    shop, program = make_program(session)
    account = _member(session, program, "p-cap")
    _seed(session, account, 8_000)
    with clock.frozen_at(NOON):
        with pytest.raises(ShopCXError) as caught:
            redemption.pay_with_points(session, program, account, order_ref="T1", order_total_amount=10_001,
                                       points=5_001, key="p1")
        assert caught.value.code == "points_over_limit" and "5000" in caught.value.message
        paid = redemption.pay_with_points(session, program, account, order_ref="T1", order_total_amount=10_001,
                                          points=3_000, key="p1")
        replay = redemption.pay_with_points(session, program, account, order_ref="T1", order_total_amount=10_001,
                                            points=3_000, key="p1")
        assert replay.replayed and replay.entry.id == paid.entry.id
        # a second payment on the same order only gets what is left under the cap (5000 − 3000)
        with pytest.raises(ShopCXError):
            redemption.pay_with_points(session, program, account, order_ref="T1", order_total_amount=10_001,
                                       points=2_001, key="p2")
        redemption.pay_with_points(session, program, account, order_ref="T1", order_total_amount=10_001,
                                   points=2_000, key="p2")
    assert (paid.points, paid.value_amount) == (3_000, 3_000)
    assert account.balance == 3_000
    entry = paid.entry
    assert (entry.kind, entry.reason, entry.source_type, entry.source_id) == ("redeem", "payment", "order_payment",
                                                                             "T1")
    _consistent(session, account)


def test_points_worth_less_than_a_fen_each_pay_floor_value_and_only_needed_points_are_taken(session):
    config = simple_config().model_copy(update={"points_value_per_100": 30})  # 100 points = 3 fen
    shop, program = make_program(session, config=config)
    account = _member(session, program, "p-floor")
    _seed(session, account, 100)
    with clock.frozen_at(NOON):
        paid = redemption.pay_with_points(session, program, account, order_ref="T2", order_total_amount=1_000,
                                          points=5, key="f1")
        with pytest.raises(ShopCXError) as caught:
            redemption.pay_with_points(session, program, account, order_ref="T2", order_total_amount=1_000,
                                       points=3, key="f2")
    assert (paid.value_amount, paid.points) == (1, 4)  # 5 × 0.3 = 1.5 fen → 1 fen, which 4 points pay
    assert caught.value.code == "points_too_few"  # 3 × 0.3 = 0.9 fen
    assert account.balance == 96


def _paid_by_points_order(session, shop, program, buyer: str, *, spent: int, total: int, status="completed"):
    account = _member(session, program, buyer)
    _seed(session, account, 5_000)
    redemption.pay_with_points(session, program, account, order_ref=f"{buyer}-1", order_total_amount=total,
                               points=spent, key=f"pay-{buyer}")
    order = make_order(session, shop, external_id=f"{buyer}-1", status=status, discount_amount=spent,
                       customer={"source": "taobao", "external_id": buyer},
                       lines=[{"sku": "X", "name": "x", "quantity": 1, "unit_price_amount": total}])
    assert order.customer_id == account.customer_id and order.paid_amount == total - spent
    return account, order


def test_points_spent_on_an_order_come_back_once_in_the_share_refunded(session):
    shop, program = make_program(session)
    with clock.frozen_at(NOON):
        account, order = _paid_by_points_order(session, shop, program, "buyer-refund", spent=2_999, total=10_000)
        for _ in range(3):
            assert sync_order(session, order).restored == 0
        assert account.balance == 5_000 - 2_999
        orders.record_refund(session, order, RefundIn(external_id="R1", amount=3_500), actor=SYSTEM)
        restored = [sync_order(session, order).restored for _ in range(3)]
        # round-half-up(2999 × 3500 / 7001) = round(1499.29) = 1499, once
        assert restored == [1_499, 0, 0]
        assert account.balance == 5_000 - 2_999 + 1_499
        orders.record_refund(session, order, RefundIn(external_id="R2", amount=3_501), actor=SYSTEM)
        restored = [sync_order(session, order).restored for _ in range(3)]
    assert order.status == "refunded"
    assert restored == [1_500, 0, 0]  # the rest: partial + full add up to exactly what was spent
    assert account.balance == 5_000 and account.lifetime_redeemed == 0
    entries = session.scalars(select(PointsEntry).where(PointsEntry.account_id == account.id,
                                                        PointsEntry.reason == "restore")
                              .order_by(PointsEntry.id)).all()
    assert [e.points for e in entries] == [1_499, 1_500]
    assert all(e.kind == "reverse" and e.order_id == order.id for e in entries)
    _consistent(session, account)


def test_points_spent_on_a_cancelled_order_come_back_in_full_once(session):
    shop, program = make_program(session)
    with clock.frozen_at(NOON):
        account, order = _paid_by_points_order(session, shop, program, "buyer-cancel", spent=1_000, total=4_000,
                                               status="paid")
        sync_order(session, order)
        orders.transition(session, order, "cancelled", actor=SYSTEM)
        restored = [sync_order(session, order).restored for _ in range(3)]
    assert restored == [1_000, 0, 0]
    assert account.balance == 5_000
    lot = session.scalar(select(ledger.PointsLot).join(PointsEntry, PointsEntry.id == ledger.PointsLot.entry_id)
                         .where(PointsEntry.reason == "restore", PointsEntry.account_id == account.id))
    assert lot.expires_on == date(2027, 3, 1)  # a new lot: 12 months from the day the points came back
    _consistent(session, account)


def test_restored_points_first_pay_back_a_refund_shortfall(session):
    shop, program = make_program(session)
    with clock.frozen_at(NOON):
        account = _member(session, program, "buyer-short")
        _seed(session, account, 1_000)
        redemption.pay_with_points(session, program, account, order_ref="S-1", order_total_amount=2_000,
                                   points=1_000, key="short-1")
        ledger.lock_account(session, account)
        # a refund elsewhere wants 600 points back that were already spent: recorded as a shortfall
        ledger.take_back(session, account, 600, key="test:shortfall", reason="refund")
        assert (account.balance, account.shortfall) == (0, 600)
        order = make_order(session, shop, external_id="S-1", status="paid", discount_amount=1_000,
                           customer={"source": "taobao", "external_id": "buyer-short"},
                           lines=[{"sku": "X", "name": "x", "quantity": 1, "unit_price_amount": 2_000}])
        orders.transition(session, order, "cancelled", actor=SYSTEM)
        assert sync_order(session, order).restored == 1_000
    assert (account.balance, account.shortfall) == (400, 0)
    _consistent(session, account)


def test_an_abandoned_checkout_gives_its_points_back_but_a_placed_order_waits_for_its_refund(session):
    shop, program = make_program(session)
    with clock.frozen_at(NOON):
        account = _member(session, program, "buyer-abandon")
        _seed(session, account, 1_000)
        redemption.pay_with_points(session, program, account, order_ref="A-1", order_total_amount=2_000,
                                   points=800, key="ab-1")
        assert redemption.cancel_points_payment(session, program, account, key="ab-1") == 800
        assert redemption.cancel_points_payment(session, program, account, key="ab-1") == 0
        assert account.balance == 1_000
        redemption.pay_with_points(session, program, account, order_ref="A-2", order_total_amount=2_000,
                                   points=500, key="ab-2")
        make_order(session, shop, external_id="A-2", status="paid", discount_amount=500,
                   customer={"source": "taobao", "external_id": "buyer-abandon"},
                   lines=[{"sku": "X", "name": "x", "quantity": 1, "unit_price_amount": 2_000}])
        with pytest.raises(ShopCXError) as caught:
            redemption.cancel_points_payment(session, program, account, key="ab-2")
    assert caught.value.code == "points_order_placed"
    assert account.balance == 500


def test_a_key_used_by_one_member_cannot_spend_for_another(session):
    shop, program = make_program(session)
    first = _member(session, program, "key-a")
    second = _member(session, program, "key-b")
    _seed(session, first, 1_000)
    _seed(session, second, 1_000)
    _reward(session, program)
    with clock.frozen_at(NOON):
        redemption.redeem_reward(session, program, first, "cash10", key="shared")
        with pytest.raises(ShopCXError) as caught:
            redemption.redeem_reward(session, program, second, "cash10", key="shared")
    assert caught.value.code == "loyalty_key_reused"
    assert (first.balance, second.balance) == (500, 1_000)
    assert session.scalar(select(Coupon.id).where(Coupon.account_id == second.id)) is None


def test_the_catalogue_shows_a_member_what_they_may_take_and_afford(session):
    shop, program = make_program(session)
    account = _member(session, program, "cat-a")
    _seed(session, account, 600)
    _reward(session, program)  # 500 points
    _reward(session, program, code="silveronly", points_cost=100, min_tier_code="silver")
    _reward(session, program, code="dear", points_cost=2_000)
    retired = _reward(session, program, code="retired", points_cost=10)
    rewards.deactivate_reward(session, program, retired, actor=SYSTEM)
    options = {o.reward.code: o for o in rewards.rewards_for_member(session, program, account)}
    assert list(options) == ["silveronly", "cash10", "dear"]  # active only, cheapest first
    assert options["cash10"].available and options["cash10"].reasons == []
    assert (options["silveronly"].available, options["silveronly"].reasons) == (False, ["reward_tier_too_low"])
    assert (options["dear"].affordable, options["dear"].points_short) == (False, 1_400)


def test_catalogue_edits_are_validated_with_the_field_named(session):
    shop, program = make_program(session)
    reward = _reward(session, program)
    with pytest.raises(ShopCXError) as caught:
        rewards.update_reward(session, program, reward, actor=SYSTEM, points_cost=0)
    assert (caught.value.code, caught.value.field) == ("invalid_reward", "points_cost")
    with pytest.raises(ShopCXError) as caught:
        _reward(session, program, code="pct", kind="coupon_percent", amount_off=None)
    assert caught.value.field == "percent_off"
    with pytest.raises(ShopCXError) as caught:
        _reward(session, program, code="vip", min_tier_code="platinum")
    assert caught.value.code == "unknown_tier"
    rewards.update_reward(session, program, reward, actor=SYSTEM, points_cost=450, stock=10)
    assert (reward.points_cost, reward.stock) == (450, 10)
