"""Concurrent redemptions never overspend (issue 4, point 4), and the CHECK constraints are the backstop.

The race needs committed data and one connection per thread, so it runs on a fresh migrated database of the
chosen backend (not the suite's rolled-back transaction): PostgreSQL queues the threads on SELECT … FOR UPDATE of
the account row, SQLite on its write lock (every unit of work that spends begins IMMEDIATE).
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from shopcx.core import db
from shopcx.loyalty.config import Earning, ProgramConfig, Tier
from shopcx.loyalty.models import LoyaltyAccount, PointsEntry, PointsLot
from shopcx.loyalty.service.points import ledger

from ..factories import make_shop
from .factories import make_member, make_program

THREADS, START, EACH = 50, 1_000, 30


@pytest.fixture
def committed(fresh_db_url, engine):
    """session_scope() bound to a fresh committed database for the test; the suite's binding comes back after."""
    own = db.make_engine(fresh_db_url)
    db.use_session_factory(sessionmaker(bind=own, expire_on_commit=False))
    try:
        yield own
    finally:
        db.use_session_factory(sessionmaker(bind=engine, expire_on_commit=False))
        own.dispose()


def funded_account(points: int) -> int:
    """A member with `points` available in three lots of different expiry, committed; returns the account id."""
    from datetime import date

    with db.session_scope() as session:
        shop, program = make_program(session, shop=make_shop(session), config=ProgramConfig(
            tiers=[Tier(code="member", name_zh="会员", name_en="Member")], earning=Earning()))
        account = make_member(session, program)
        ledger.lock_account(session, account)
        for n, (share, expires) in enumerate(((400, date(2027, 1, 1)), (350, date(2026, 12, 1)), (points - 750, None))):
            ledger.credit(session, account, share, key=f"test:fund:{n}", kind="adjust", reason="manual",
                          expires_on=expires)
        return account.id


def redeem_concurrently(account_id: int, threads: int, points: int) -> Counter:
    """`threads` threads each redeem `points` at the same moment, each in its own unit of work."""
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        barrier.wait()
        try:
            with db.session_scope(write=True) as session:
                account = ledger.lock_account(session, session.get(LoyaltyAccount, account_id))
                ledger.debit(session, account, points, key=f"test:redeem:{n}", kind="redeem", reason="reward")
            outcome = "ok"
        except ledger.LoyaltyError as exc:
            outcome = exc.code
        except Exception as exc:  # anything else (a deadlock, a lock timeout) is a failure of the guarantee
            outcome = f"{type(exc).__name__}: {exc}"
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=one, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return Counter(outcomes)


def test_fifty_concurrent_redemptions_never_overspend(committed):
    account_id = funded_account(START)
    outcomes = redeem_concurrently(account_id, THREADS, EACH)
    # 1,000 // 30 = 33 redemptions fit (990 points); the other 17 are refused; 10 points stay.
    assert outcomes == Counter({"ok": 33, "insufficient_points": 17})
    with db.session_scope() as session:
        account = session.get(LoyaltyAccount, account_id)
        points, pending, lots = ledger.ledger_sums(session, account_id)
        assert (account.balance, points, lots, pending) == (10, 10, 10, 0)
        assert account.lifetime_redeemed == 990
        redeemed = session.scalars(select(PointsEntry.points).where(PointsEntry.account_id == account_id,
                                                                    PointsEntry.kind == "redeem")).all()
        assert len(redeemed) == 33 and set(redeemed) == {-EACH}
        # Nearest expiry first even under the race: the December and January lots are empty, 10 of the rest left.
        remaining = session.execute(select(PointsLot.expires_on, PointsLot.remaining)
                                    .where(PointsLot.account_id == account_id).order_by(PointsLot.id)).all()
        assert [tuple(row)[1] for row in remaining] == [0, 0, 10]


def test_the_database_refuses_a_negative_balance(session):
    shop, program = make_program(session)
    account = make_member(session, program)
    ledger.lock_account(session, account)
    entry = ledger.credit(session, account, 5, key="test:c", kind="adjust", reason="manual", expires_on=None)
    session.flush()
    table = LoyaltyAccount.__table__
    for column in ("balance", "pending_balance", "shortfall"):
        with pytest.raises(IntegrityError), session.begin_nested():
            session.execute(update(table).where(table.c.id == account.id).values({column: -1}))
    lots = PointsLot.__table__
    for values in ({"remaining": -1}, {"remaining": 6}):  # below zero, or more than the lot ever held
        with pytest.raises(IntegrityError), session.begin_nested():
            session.execute(update(lots).where(lots.c.entry_id == entry.id).values(values))
    session.expire_all()
    assert session.get(LoyaltyAccount, account.id).balance == 5
