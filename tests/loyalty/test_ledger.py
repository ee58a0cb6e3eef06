"""The points ledger itself: append-only entries with unique keys, balances as caches equal to the sums, lots
consumed nearest-expiry first, reversals that stop at zero and record the rest, expiry by lot."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shopcx.core import clock
from shopcx.core.errors import InvalidInput
from shopcx.loyalty.models import PointsAllocation, PointsEntry, PointsLot
from shopcx.loyalty.service.points import ledger

from .factories import assert_consistent, entries, make_member, make_program


@pytest.fixture
def member(session):
    shop, program = make_program(session)
    account = make_member(session, program)
    ledger.lock_account(session, account)
    return account


def credit(session, account, points, expires_on, key):
    entry = ledger.credit(session, account, points, key=key, kind="adjust", reason="manual", expires_on=expires_on)
    return session.scalar(select(PointsLot).where(PointsLot.entry_id == entry.id))


def taken_from(session, entry) -> list[tuple[int, int]]:
    rows = session.scalars(select(PointsAllocation).where(PointsAllocation.entry_id == entry.id)
                           .order_by(PointsAllocation.id))
    return [(row.lot_id, row.points) for row in rows]


def test_credit_and_debit_keep_the_caches_equal_to_the_ledger(session, member):
    credit(session, member, 100, date(2027, 1, 1), "t:c1")
    credit(session, member, 40, None, "t:c2")
    spent = ledger.debit(session, member, 70, key="t:d1", kind="redeem", reason="reward")
    assert (spent.kind, spent.points) == ("redeem", -70)
    assert (member.balance, member.lifetime_redeemed) == (70, 70)
    assert_consistent(session, member)


def test_a_debit_beyond_the_balance_is_refused_and_writes_nothing(session, member):
    credit(session, member, 50, None, "t:c1")
    before = len(entries(session, member.id))
    with pytest.raises(ledger.LoyaltyError) as caught:
        ledger.debit(session, member, 51, key="t:d1", kind="redeem", reason="reward")
    assert (caught.value.code, caught.value.field) == ("insufficient_points", "points")
    assert len(entries(session, member.id)) == before and member.balance == 50
    for bad in (0, -5):
        with pytest.raises(InvalidInput):
            ledger.debit(session, member, bad, key=f"t:bad{bad}", kind="redeem", reason="reward")
        with pytest.raises(InvalidInput):
            ledger.credit(session, member, bad, key=f"t:badc{bad}", kind="adjust", reason="manual", expires_on=None)


def test_the_same_key_is_written_once(session, member):
    assert ledger.credit(session, member, 30, key="t:c1", kind="adjust", reason="manual", expires_on=None)
    assert ledger.credit(session, member, 30, key="t:c1", kind="adjust", reason="manual", expires_on=None) is None
    assert ledger.debit(session, member, 10, key="t:d1", kind="redeem", reason="reward")
    assert ledger.debit(session, member, 10, key="t:d1", kind="redeem", reason="reward") is None
    assert member.balance == 20 and len(entries(session, member.id)) == 2
    # The database refuses a second row with the key even when the code is bypassed.
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(PointsEntry(account_id=member.id, kind="adjust", points=1, reason="manual",
                                idempotency_key="t:c1", created_at=clock.now(), detail={}))
        session.flush()


def test_points_are_taken_nearest_expiry_first_and_never_expiring_last(session, member):
    later = credit(session, member, 10, date(2026, 9, 1), "t:later")
    never = credit(session, member, 10, None, "t:never")
    sooner = credit(session, member, 10, date(2026, 5, 1), "t:sooner")
    same_day = credit(session, member, 10, date(2026, 5, 1), "t:same")   # same expiry: the older lot first
    first = ledger.debit(session, member, 15, key="t:d1", kind="redeem", reason="reward")
    assert taken_from(session, first) == [(sooner.id, 10), (same_day.id, 5)]
    second = ledger.debit(session, member, 20, key="t:d2", kind="redeem", reason="reward")
    assert taken_from(session, second) == [(same_day.id, 5), (later.id, 10), (never.id, 5)]
    assert [lot.remaining for lot in (sooner, same_day, later, never)] == [0, 0, 0, 5]
    assert_consistent(session, member)


def test_take_back_stops_at_zero_and_records_the_shortfall(session, member):
    own = credit(session, member, 100, date(2027, 1, 1), "t:own")
    other = credit(session, member, 30, date(2026, 6, 1), "t:other")
    ledger.debit(session, member, 110, key="t:d1", kind="redeem", reason="reward")  # 30 from other, 80 from own
    assert (own.remaining, other.remaining) == (20, 0)
    entry = ledger.take_back(session, member, 100, key="t:back", reason="refund", first_lot_id=own.id)
    assert (entry.points, entry.shortfall) == (-20, 80)
    assert (member.balance, member.shortfall) == (0, 80)
    assert ledger.take_back(session, member, 100, key="t:back", reason="refund") is None  # replayed: nothing
    # Later points pay the shortfall back first, as their own entry.
    credit(session, member, 50, None, "t:later")
    settle = ledger.settle_shortfall(session, member, key="t:settle1")
    assert (settle.kind, settle.reason, settle.points, settle.detail) == ("reverse", "shortfall", -50,
                                                                          {"settled_shortfall": 50})
    assert (member.balance, member.shortfall) == (0, 30)
    assert ledger.settle_shortfall(session, member, key="t:settle2") is None  # nothing available to settle from
    assert_consistent(session, member)


def test_take_back_prefers_the_lot_the_points_came_from(session, member):
    sooner = credit(session, member, 50, date(2026, 5, 1), "t:sooner")
    own = credit(session, member, 50, date(2027, 5, 1), "t:own")
    entry = ledger.take_back(session, member, 30, key="t:back", reason="refund", first_lot_id=own.id)
    assert taken_from(session, entry) == [(own.id, 30)]
    assert (sooner.remaining, own.remaining, entry.shortfall) == (50, 20, 0)


def test_pending_points_activate_once_and_never_beyond_what_is_pending(session, member):
    earn = ledger.add_pending(session, member, 80, key="t:earn", reason="order")
    assert (member.balance, member.pending_balance) == (0, 80)
    ledger.take_back_pending(session, member, 30, key="t:rev", reason="refund", parent_id=earn.id)
    first = ledger.activate(session, member, earn, 50, expires_on=date(2027, 1, 1))
    assert (first.points, first.pending_points, first.parent_id) == (50, -50, earn.id)
    assert ledger.activate(session, member, earn, 50, expires_on=date(2027, 1, 1)) is None
    assert (member.balance, member.pending_balance, member.lifetime_earned) == (50, 0, 50)
    other = ledger.add_pending(session, member, 10, key="t:earn2", reason="order")
    with pytest.raises(ledger.LoyaltyError) as caught:
        ledger.activate(session, member, other, 11, expires_on=None)
    assert caught.value.code == "ledger_inconsistent"
    with pytest.raises(ledger.LoyaltyError):
        ledger.take_back_pending(session, member, 11, key="t:rev2", reason="refund")
    assert_consistent(session, member)


def test_expire_lot_takes_what_is_left_once(session, member):
    lot = credit(session, member, 60, date(2026, 4, 1), "t:lot")
    ledger.debit(session, member, 25, key="t:d1", kind="redeem", reason="reward")
    entry = ledger.expire_lot(session, member, lot, key=f"expire:{lot.id}")
    assert (entry.points, lot.remaining, member.lifetime_expired) == (-35, 0, 35)
    assert taken_from(session, entry) == [(lot.id, 35)]
    assert ledger.expire_lot(session, member, lot, key=f"expire:{lot.id}") is None
    assert member.balance == 0
    assert_consistent(session, member)


def test_entries_are_never_rewritten(session, member):
    credit(session, member, 100, date(2027, 1, 1), "t:c1")
    ledger.add_pending(session, member, 40, key="t:p1", reason="order")
    session.flush()
    snapshot = [(e.id, e.kind, e.points, e.pending_points, e.shortfall, e.idempotency_key)
                for e in entries(session, member.id)]
    ledger.debit(session, member, 90, key="t:d1", kind="redeem", reason="reward")
    ledger.take_back(session, member, 30, key="t:b1", reason="refund")
    credit(session, member, 5, None, "t:c2")
    ledger.settle_shortfall(session, member, key="t:s1")
    session.flush()
    session.expire_all()
    after = [(e.id, e.kind, e.points, e.pending_points, e.shortfall, e.idempotency_key)
             for e in entries(session, member.id)]
    assert after[:len(snapshot)] == snapshot
    assert [row[1] for row in after[len(snapshot):]] == ["redeem", "reverse", "adjust", "reverse"]


def test_lock_account_rereads_the_balance(session, member):
    credit(session, member, 10, None, "t:c1")
    session.flush()
    # Another writer's committed change (simulated by a direct update) is seen once the row is locked.
    from shopcx.loyalty.models import LoyaltyAccount

    session.execute(LoyaltyAccount.__table__.update().where(LoyaltyAccount.id == member.id).values(version=99))
    with clock.frozen_at(datetime(2026, 3, 1, tzinfo=timezone.utc)):
        ledger.lock_account(session, member)
    assert member.version == 100
