"""The liability report, the member card and the list queries, against a ledger worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.loyalty import repository
from shopcx.loyalty.models import LoyaltyAccount, PointsLot
from shopcx.loyalty.service import reports
from shopcx.loyalty.service.members import tiers
from shopcx.loyalty.service.points import ledger
from shopcx.loyalty.service.points.adjustments import adjust_points
from shopcx.loyalty.service.points.earning import sync_order
from shopcx.loyalty.service.spending.redemption import pay_with_points
from shopcx.orders import service as orders
from shopcx.orders.schemas import RefundIn
from shopcx.staff.service import SYSTEM

from ..factories import make_order
from .factories import make_program, simple_config
from .test_adjustments import member, person

NOW = datetime(2026, 5, 10, 4, 0, tzinfo=UTC)
TODAY = date(2026, 5, 10)


def credit(session, account, points, expires_on, key, reason="join"):
    ledger.lock_account(session, account)
    return ledger.credit(session, account, points, key=key, kind="earn", reason=reason, expires_on=expires_on)


@pytest.fixture
def book(session):
    """Three members whose ledgers give round figures (points worth ¥0.50 per 100).

    A: +1000 (gone 15 Jun), +500 (gone 1 Jul), redeems 300 → 700 + 500 left, balance 1200.
    B: +400 (gone 1 May, expired), +250 (gone 30 Jun), +33 by hand (owner) → balance 283.
    C: +100 (gone 1 Jun), 40 taken back by a refund → 60; 777 pending from an order.
    """
    with clock.frozen_at(NOW):
        shop, program = make_program(session, config=simple_config().model_copy(update={"points_value_per_100": 50}))
        a = member(session, program, "安娜", phone="13800000001")
        b = member(session, program, "白云", phone="13900000002")
        c = member(session, program, "陈晨", phone="13700000003")
        credit(session, a, 1000, date(2026, 6, 15), "t:a1")
        credit(session, a, 500, date(2026, 7, 1), "t:a2")
        ledger.debit(session, a, 300, key="t:a3", kind="redeem", reason="coupon")
        lot = credit(session, b, 400, date(2026, 5, 1), "t:b1")
        ledger.expire_lot(session, b, session.scalar(select(PointsLot).where(PointsLot.entry_id == lot.id)),
                          key="t:b2")
        credit(session, b, 250, date(2026, 6, 30), "t:b3")
        adjust_points(session, program, b, 33, "客服补偿", actor=person(session, "owner"))
        credit(session, c, 100, date(2026, 6, 1), "t:c1", reason="birthday")
        ledger.take_back(session, c, 40, key="t:c2", reason="refund")
        ledger.add_pending(session, c, 777, key="t:c3", reason="order")
        tiers.set_tier(session, b, "silver", reason="manual", version=program.version)
    return program, {"a": a, "b": b, "c": c}


def test_liability_worked_by_hand(session, book):
    program, people = book
    report = reports.liability(session, program, today=TODAY)
    assert report["as_of"] == "2026-05-10" and report["currency"] == "CNY" and report["members"] == 3
    assert report["outstanding"] == {"points": 1543, "value_amount": 771}  # 771.5 分: what a payment would give
    assert report["pending"] == {"points": 777, "value_amount": 388}  # 388.5
    assert report["total"] == {"points": 2320, "value_amount": 1160}
    # June: A 700 (15 Jun) + B 250 (30 Jun) + C 60 (1 Jun); A's 500 are gone from 1 July, which is July.
    assert report["expiring_next_month"] == {"from_on": "2026-06-01", "until_on": "2026-06-30", "points": 1010,
                                             "value_amount": 505, "members": 3}
    assert report["breakage"] | {"program_started_at": None} == {
        "expired_points": 400, "redeemed_points": 300, "per_mille": 571,  # 400/700
        "expired_before_start_points": 0, "program_started_at": None}
    assert report["lifetime"] == {"issued": 2250, "redeemed": 300, "restored": 0, "expired": 400, "reversed": 40,
                                  "adjusted": 33, "other": 0}
    lifetime = report["lifetime"]
    assert (lifetime["issued"] - lifetime["redeemed"] - lifetime["expired"] - lifetime["reversed"]
            + lifetime["adjusted"] == report["outstanding"]["points"])
    assert [(row["code"], row["members"]) for row in report["tiers"]] == [("member", 2), ("silver", 1), ("gold", 0)]
    assert report["shortfall_outstanding"] == 0


def test_points_value_rounding():
    assert reports.points_value(1, 50) == 0  # 0.5 分: points never pay a fraction of a fen
    assert reports.points_value(3, 33) == 0 and reports.points_value(4, 33) == 1  # 0.99, 1.32
    assert reports.points_value(-3, 50) == -1  # a negative difference rounds like its size
    assert reports.points_value(0, 100) == 0 and reports.points_value(12_345, 100) == 12_345


def test_member_card_gaps_and_expiry(session, book):
    program, people = book
    with clock.frozen_at(NOW):
        tiers.record_activity(session, people["b"], key="t:act-b", spend=60_000, orders=1,
                              at=datetime(2026, 4, 1, tzinfo=UTC), order_id=None)
        tiers.record_activity(session, people["a"], key="t:act-a", spend=60_000, orders=1,
                              at=datetime(2025, 5, 10, 15, 59, tzinfo=UTC), order_id=None)  # 23:59 on 10 May 2025
    silver = reports.member_card(session, program, people["b"], today=TODAY)
    assert silver["tier"]["code"] == "silver" and silver["tier"]["benefits"]["discount_percent"] == 5
    progress = silver["progress"]
    assert progress["window_start_on"] == "2025-05-11" and (progress["spend_amount"], progress["orders"]) == (60_000, 1)
    assert progress["next_tier"]["code"] == "gold"
    assert (progress["next_tier"]["spend_to_next_amount"], progress["next_tier"]["orders_to_next"]) == (440_000, 9)
    assert (progress["spend_to_keep_amount"], progress["orders_to_keep"]) == (0, 1)  # keep: ¥500 or 2 orders
    assert progress["next_review_on"] == "2026-06-01"
    assert silver["balance"] == 283 and silver["balance_value_amount"] == 141  # 141.5
    assert silver["expiring"] == [] and silver["expiring_points"] == 0  # 250 go on 30 Jun, past 30 days
    entry = reports.member_card(session, program, people["a"], today=TODAY)
    assert entry["progress"]["spend_amount"] == 0  # the day before the rolling window
    assert entry["progress"]["next_tier"]["spend_to_next_amount"] == 100_000
    card_c = reports.member_card(session, program, people["c"], today=TODAY)
    assert card_c["expiring"] == [{"expires_on": "2026-06-01", "points": 60}] and card_c["pending"] == 777


def test_member_search_filters_and_pages(session, book):
    program, people = book
    pid = program.program.id
    rows, total = repository.search_members(session, pid, today=TODAY)
    assert total == 3 and [r.name for r in rows] == ["安娜", "白云", "陈晨"]  # balance 1200, 283, 60
    assert [r.expiring_points for r in rows] == [0, 0, 60]  # next 30 days
    rows, total = repository.search_members(session, pid, today=TODAY, expiring_within_days=40)
    assert total == 2 and [(r.name, r.expiring_points, r.next_expiry_on) for r in rows] == [
        ("安娜", 700, date(2026, 6, 15)), ("陈晨", 60, date(2026, 6, 1))]
    rows, total = repository.search_members(session, pid, today=TODAY, order="expiring", expiring_within_days=40)
    assert [r.name for r in rows] == ["陈晨", "安娜"]
    assert repository.search_members(session, pid, today=TODAY, tier="silver")[1] == 1
    rows, total = repository.search_members(session, pid, today=TODAY, min_balance=100, max_balance=300)
    assert [r.name for r in rows] == ["白云"]
    assert [r.name for r in repository.search_members(session, pid, today=TODAY, query="晨")[0]] == ["陈晨"]
    assert repository.search_members(session, pid, today=TODAY, query="13900000002")[1] == 1
    # Without permission to see contacts, a phone number finds no one (it would reveal who is a member).
    assert repository.search_members(session, pid, today=TODAY, query="13900000002", by_contacts=False)[1] == 0
    code = people["c"].referral_code
    assert repository.search_members(session, pid, today=TODAY, query=code.lower())[0][0].name == "陈晨"
    page2, total = repository.search_members(session, pid, today=TODAY, page=2, page_size=2)
    assert total == 3 and [r.name for r in page2] == ["陈晨"]


def test_history_expiring_and_requests(session, book):
    program, people = book
    entries, total = repository.member_history(session, people["a"].id, page=1, page_size=2)
    assert total == 3 and [e.idempotency_key for e in entries] == ["t:a3", "t:a2"]
    assert [(x.expires_on, x.points) for x in repository.expiring_points(session, people["a"].id, within_days=60,
                                                                         today=TODAY)] == [(date(2026, 6, 15), 700),
                                                                                           (date(2026, 7, 1), 500)]
    changes, total = repository.tier_changes(session, people["b"].id)
    assert total == 2 and (changes[0].from_tier, changes[0].to_tier) == ("member", "silver")
    agent = person(session, "agent")
    with clock.frozen_at(NOW):
        first = adjust_points(session, program, people["a"], 900, "活动补发", actor=agent).request
        adjust_points(session, program, people["c"], 901, "活动补发", actor=agent)
    rows, total = repository.adjustment_requests(session, program.program.id)
    assert total == 2 and rows[0].request.id == first.id and (rows[0].name, rows[0].balance) == ("安娜", 1200)
    assert repository.pending_request_count(session, program.program.id) == 2
    assert repository.adjustment_requests(session, program.program.id, status="approved")[1] == 0


def test_points_given_back_after_a_refund_are_not_counted_as_redeemed(session):
    shop, program = make_program(session)
    with clock.frozen_at(NOW):
        order = make_order(session, shop, status="paid", placed_at=NOW, lines=[
            {"sku": "A", "name": "a", "quantity": 1, "unit_price_amount": 10_000}])
        sync_order(session, order)
        account = session.scalar(select(LoyaltyAccount).where(LoyaltyAccount.customer_id == order.customer_id))
        credit(session, account, 1000, date(2027, 5, 10), "t:p1")
        pay_with_points(session, program, account, order_ref=order.external_id, order_total_amount=10_000,
                        points=500, key="pay-1")
        orders.record_refund(session, order, RefundIn(external_id="R-P", amount=10_000), actor=SYSTEM)
        sync_order(session, order)
    report = reports.liability(session, program, today=TODAY)
    assert report["outstanding"]["points"] == 1000 and report["pending"]["points"] == 0
    assert report["lifetime"] == {"issued": 1000, "redeemed": 500, "restored": 500, "expired": 0, "reversed": 0,
                                  "adjusted": 0, "other": 0}
    assert report["breakage"] | {"program_started_at": None} == {
        "expired_points": 0, "redeemed_points": 0, "per_mille": None, "expired_before_start_points": 0,
        "program_started_at": None}


def test_expiring_by_month(session, book):
    program, people = book
    assert repository.expiring_by_month(session, program.program.id, today=TODAY, months=3) == [
        {"month": "2026-05", "points": 0}, {"month": "2026-06", "points": 1010}, {"month": "2026-07", "points": 500}]
