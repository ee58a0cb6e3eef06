"""Calendar work at the shop's midnight (issue 4, point 6): expiry, activation, birthdays (29 February, lunar),
and the limit on changing a birthday. The calendar job (`jobs.run_calendar`) is run the way the worker runs it:
every 15 minutes, with the clock at a given UTC instant, each shop working out its own local today.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.core.errors import InvalidInput
from shopcx.customers.models import Customer
from shopcx.loyalty.config import Earning, ProgramConfig, Tier
from shopcx.loyalty.jobs import run_calendar
from shopcx.loyalty.models import PointsAllocation, PointsLot
from shopcx.loyalty.service.daily import DailyResult, birthday_points, refresh_account
from shopcx.loyalty.service.members import accounts
from shopcx.loyalty.service.points import ledger
from shopcx.staff.models import AuditLog
from shopcx.staff.service import Actor

from ..factories import make_shop
from .factories import account_for, assert_consistent, entries, line, make_member, make_program, member_order, sync

MANAGER = Actor(label="user:boss", role="manager")
AGENT = Actor(label="user:kefu", role="agent")


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def config(**earning) -> ProgramConfig:
    return ProgramConfig(tiers=[Tier(code="member", name_zh="会员", name_en="Member"),
                                Tier(code="vip", name_zh="贵宾", name_en="VIP", min_orders=5, birthday_points=300)],
                         earning=Earning(**({"return_window_days": 15, "birthday_points": 100} | earning)))


def calendar_at(session, moment: datetime, shop) -> DailyResult:
    """The calendar job at a UTC instant, for one shop; returns that shop's DailyResult."""
    session.flush()  # the job reads in sessions of its own
    with clock.frozen_at(moment):
        results = dict(run_calendar(shop_id=shop.id))
    session.expire_all()
    return results[shop.code]


def lot(session, account, points: int, expires_on: date | None, key: str):
    ledger.lock_account(session, account)
    entry = ledger.credit(session, account, points, key=key, kind="adjust", reason="manual", expires_on=expires_on)
    return session.scalar(select(PointsLot).where(PointsLot.entry_id == entry.id))


# --- expiry -------------------------------------------------------------------------------------------------------

def test_a_lot_expires_at_midnight_in_shanghai(session):
    shop, program = make_program(session, config=config())
    account = make_member(session, program)
    april = lot(session, account, 100, date(2026, 4, 1), "test:lot:april")
    lot(session, account, 50, date(2026, 5, 1), "test:lot:may")
    # 2026-03-31 15:59 UTC is 23:59 on 31 March in Shanghai: the April lot is still usable.
    assert calendar_at(session, utc(2026, 3, 31, 15, 59), shop).expired_points == 0
    with clock.frozen_at(utc(2026, 3, 31, 15, 59)):
        ledger.lock_account(session, account)
        spent = ledger.debit(session, account, 30, key="test:redeem", kind="redeem", reason="reward")
    # Nearest expiry first: the 30 come from the April lot.
    taken = session.scalars(select(PointsAllocation).where(PointsAllocation.entry_id == spent.id)).all()
    assert [(a.lot_id, a.points) for a in taken] == [(april.id, 30)]
    # 16:00 UTC = 00:00 on 1 April: what is left of it (70) is gone.
    result = calendar_at(session, utc(2026, 3, 31, 16), shop)
    assert (result.expired_lots, result.expired_points) == (1, 70)
    assert (account.balance, account.lifetime_expired) == (50, 70)
    (expired,) = entries(session, account.id, kind="expire")
    assert (expired.points, expired.detail) == (-70, {"lot_id": april.id, "expires_on": "2026-04-01"})
    # The job runs again every 15 minutes: nothing more expires.
    assert calendar_at(session, utc(2026, 3, 31, 16, 15), shop).expired_points == 0
    assert account.balance == 50
    assert_consistent(session, account)


def test_a_lot_expires_at_midnight_in_new_york(session):
    shop = make_shop(session, timezone="America/New_York", currency="USD")
    shop, program = make_program(session, shop=shop, config=config())
    account = make_member(session, program)
    lot(session, account, 100, date(2026, 7, 1), "test:lot:july")
    # New York keeps summer time (UTC−4) in July: midnight on 1 July is 04:00 UTC.
    for moment, balance in ((utc(2026, 7, 1, 3, 59), 100), (utc(2026, 7, 1, 4), 0)):
        with clock.frozen_at(moment):
            refresh_account(session, program, account, clock.today_in(shop.timezone))
        assert (moment, account.balance) == (moment, balance)
    assert_consistent(session, account)


def test_pending_points_become_available_at_the_shops_midnight(session):
    shop, program = make_program(session, config=config())
    # Completed at 10:00 on 1 March in Shanghai → window 15 days → available from 16 March 00:00 local.
    order = member_order(session, shop, [line("A", 10_000)], paid_at=utc(2026, 3, 1, 2), status="completed")
    sync(session, order, utc(2026, 3, 1, 2))
    account = account_for(session, program, order)
    assert calendar_at(session, utc(2026, 3, 15, 15, 59), shop).activated_points == 0
    assert calendar_at(session, utc(2026, 3, 15, 16), shop).activated_points == 100
    assert calendar_at(session, utc(2026, 3, 15, 16, 15), shop).activated_points == 0
    assert (account.balance, account.pending_balance) == (100, 0)
    # The lot lasts 12 months from the day it became available.
    (activation,) = entries(session, account.id, kind="activate")
    assert session.scalar(select(PointsLot.expires_on).where(PointsLot.entry_id == activation.id)) == date(2027, 3, 16)


# --- birthdays ----------------------------------------------------------------------------------------------------

def birthday_entries(session, account):
    return [(e.earned_on, e.points) for e in entries(session, account.id, reason="birthday")]


def test_birthday_points_arrive_at_the_shops_midnight_once(session):
    shop, program = make_program(session, config=config())
    account = make_member(session, program, birthday="1990-03-10")
    assert calendar_at(session, utc(2026, 3, 9, 15, 59), shop).birthdays == 0   # 23:59 on 9 March local
    assert calendar_at(session, utc(2026, 3, 9, 16), shop).birthdays == 1       # 00:00 on 10 March local
    for minute in (15, 30, 45):
        assert calendar_at(session, utc(2026, 3, 9, 16, minute), shop).birthdays == 0
    assert birthday_entries(session, account) == [(date(2026, 3, 10), 100)]
    assert account.balance == 100
    # A VIP gets the program's 100 plus the tier's 300 the next year.
    account.tier_code = "vip"
    calendar_at(session, utc(2027, 3, 9, 16), shop)
    assert birthday_entries(session, account)[-1] == (date(2027, 3, 10), 400)


def run_birthdays(session, program, day: date) -> int:
    result = DailyResult()
    with clock.frozen_at(datetime(day.year, day.month, day.day, 2, tzinfo=timezone.utc)):
        birthday_points(session, program, day, result)
    return result.birthdays


def test_a_29_february_birthday_is_kept_on_28_february_in_other_years(session):
    shop, program = make_program(session, config=config())
    account = make_member(session, program, birthday="2000-02-29")
    # 2027 has no 29 February: the 28th.
    assert [run_birthdays(session, program, day) for day in
            (date(2027, 2, 27), date(2027, 2, 28), date(2027, 3, 1))] == [0, 1, 0]
    # 2028 is a leap year: the 29th, not the 28th.
    assert [run_birthdays(session, program, day) for day in
            (date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1))] == [0, 1, 0]
    assert birthday_entries(session, account) == [(date(2027, 2, 28), 100), (date(2028, 2, 29), 100)]


def test_a_lunar_birthday_is_kept_on_its_solar_date(session):
    shop, program = make_program(session, config=config())
    # 正月十五 of 2026 (Chinese New Year was 17 February 2026) is 3 March 2026.
    lantern = make_member(session, program, birthday_lunar={"month": 1, "day": 15})
    # 二月三十 does not exist in 2026 (the second lunar month has 29 days): kept on 二月廿九 = 16 April 2026.
    thirtieth = make_member(session, program, external_id="member-2", birthday_lunar={"month": 2, "day": 30})
    assert [run_birthdays(session, program, day) for day in (date(2026, 3, 2), date(2026, 3, 3))] == [0, 1]
    assert birthday_entries(session, lantern) == [(date(2026, 3, 3), 100)]
    assert [run_birthdays(session, program, day) for day in (date(2026, 4, 15), date(2026, 4, 16))] == [0, 1]
    assert birthday_entries(session, thirtieth) == [(date(2026, 4, 16), 100)]


def test_a_lunar_birthday_late_in_the_lunar_year_is_paid_once_per_lunar_year(session):
    # Found by this suite: the bonus was keyed by the solar year, but 腊月初一 falls twice in 2027 (8 January for
    # lunar year 2026, 28 December for 2027) and not at all in 2028, so such members lost a birthday in 2027.
    shop, program = make_program(session, config=config())
    account = make_member(session, program, birthday_lunar={"month": 12, "day": 1})
    assert run_birthdays(session, program, date(2027, 1, 8)) == 1
    assert run_birthdays(session, program, date(2027, 12, 28)) == 1
    assert run_birthdays(session, program, date(2027, 12, 29)) == 0
    assert birthday_entries(session, account) == [(date(2027, 1, 8), 100), (date(2027, 12, 28), 100)]


# --- changing the birthday --------------------------------------------------------------------------------------

def change(session, program, account, birthday: str, at: datetime, actor=None):
    with clock.frozen_at(at):
        accounts.change_birthday(session, program, account, date.fromisoformat(birthday), actor=actor)


def test_a_birthday_can_change_only_once_a_year_unless_a_manager_does_it(session):
    shop, program = make_program(session, config=config())   # birthday_change_days = 365 by default
    account = make_member(session, program)
    change(session, program, account, "1990-05-01", utc(2026, 3, 1, 2))   # first set: free
    with pytest.raises(Exception) as caught:
        change(session, program, account, "1990-06-01", utc(2026, 6, 1, 2))
    assert (caught.value.code, caught.value.field) == ("birthday_change_limited", "birthday")
    assert "2027-03-01" in caught.value.message
    with pytest.raises(Exception) as caught:
        change(session, program, account, "1990-06-01", utc(2026, 6, 1, 2), actor=AGENT)
    assert caught.value.code == "birthday_change_limited"
    assert session.get(Customer, account.customer_id).birthday_on == date(1990, 5, 1)
    change(session, program, account, "1990-06-01", utc(2026, 6, 1, 2), actor=MANAGER)  # staff may correct it
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "loyalty.birthday")).all()
    assert [(a.actor, a.changes["birthday_on"]) for a in audit] == [("user:boss", ["1990-05-01", "1990-06-01"])]
    # A year after the manager's change the member may change it again.
    change(session, program, account, "1990-07-01", utc(2027, 6, 1, 2))
    assert session.get(Customer, account.customer_id).birthday_on == date(1990, 7, 1)
    with pytest.raises(InvalidInput) as caught:
        change(session, program, account, "2030-01-01", utc(2027, 6, 2, 2), actor=MANAGER)
    assert caught.value.code == "invalid_birthday"


def test_the_change_limit_counts_shop_local_days(session):
    # Found by this suite: the limit counted from the UTC date of the change, so a change made at 01:00 in
    # Shanghai (17:00 UTC the day before) could be repeated a day early.
    shop, program = make_program(session, config=config())
    account = make_member(session, program)
    change(session, program, account, "1990-05-01", utc(2026, 2, 28, 2))
    change(session, program, account, "1990-05-02", utc(2026, 2, 28, 17), actor=MANAGER)  # 1 March 01:00 local
    with pytest.raises(Exception) as caught:
        change(session, program, account, "1990-05-03", utc(2027, 2, 28, 4))          # 28 February 12:00 local
    assert "2027-03-01" in caught.value.message
    change(session, program, account, "1990-05-03", utc(2027, 2, 28, 16))              # 1 March 00:00 local


def test_moving_the_birthday_to_today_after_this_years_bonus_pays_nothing_more(session):
    shop, program = make_program(session, config=config())
    account = make_member(session, program, birthday="1990-03-10")
    calendar_at(session, utc(2026, 3, 9, 16), shop)
    assert birthday_entries(session, account) == [(date(2026, 3, 10), 100)]
    change(session, program, account, "1990-06-01", utc(2026, 5, 31, 17))  # 1 June 01:00 local, the member's own
    assert calendar_at(session, utc(2026, 5, 31, 17, 15), shop).birthdays == 0
    assert birthday_entries(session, account) == [(date(2026, 3, 10), 100)]
    # Next year the new date counts.
    calendar_at(session, utc(2027, 5, 31, 16), shop)
    assert birthday_entries(session, account)[-1] == (date(2027, 6, 1), 100)
