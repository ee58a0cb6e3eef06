"""Tier changes (issue 4, point 7): at once on a qualifying payment, after a refund (never below the last review),
after a manual floor, and at the periodic review with keep thresholds and a moving window.

simple_config tiers: member; silver at ¥1,000 or 3 orders, kept with ¥500 or 2 orders; gold at ¥5,000 or 10
orders (kept with the same). Shop timezone Asia/Shanghai; reviews monthly on the 1st unless said otherwise.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.core.errors import InvalidInput
from shopcx.core.events import OutboxEvent
from shopcx.loyalty import rules
from shopcx.loyalty.config import Qualification
from shopcx.loyalty.models import TierChange
from shopcx.loyalty.service.daily import DailyResult, review_tiers
from shopcx.loyalty.service.members import tiers
from shopcx.orders import service as orders
from shopcx.orders.schemas import RefundIn
from shopcx.staff.models import AuditLog
from shopcx.staff.service import SYSTEM, Actor

from .factories import account_for, line, make_program, member_order, simple_config, sync, tier_totals

MANAGER = Actor(label="user:boss", role="manager")


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def changes(session, account) -> list[tuple[str | None, str | None, str]]:
    rows = session.scalars(select(TierChange).where(TierChange.account_id == account.id).order_by(TierChange.id))
    return [(row.from_tier, row.to_tier, row.reason) for row in rows]


def pay(session, shop, amount: int, at: datetime, external_id: str | None = None):
    order = member_order(session, shop, [line("X", amount)], paid_at=at,
                         **({"external_id": external_id} if external_id else {}))
    sync(session, order, at)
    return order


def refund_all(session, order, at: datetime):
    with clock.frozen_at(at):
        orders.record_refund(session, order, RefundIn(external_id=f"R-{order.id}", amount=order.paid_amount),
                             actor=SYSTEM)
    return sync(session, order, at)


def review_on(session, program, account, day: date) -> bool:
    # The review runs just after the shop's midnight on `day`.
    with clock.frozen_at(tiers.local_midnight(day, program.shop.timezone)):
        return tiers.review(session, program, account, day)


def test_upgrade_happens_at_once_by_spend_or_by_order_count(session):
    shop, program = make_program(session)
    first = pay(session, shop, 30_000, utc(2026, 3, 1, 2))
    account = account_for(session, program, first)
    pay(session, shop, 30_000, utc(2026, 3, 2, 2))
    assert account.tier_code == "member"
    pay(session, shop, 10_000, utc(2026, 3, 3, 2))  # the third order: silver by count though only ¥700 spent
    assert account.tier_code == "silver"
    assert changes(session, account) == [(None, "member", "join"), ("member", "silver", "qualify")]
    # Emitted for care moments and the member page.
    events = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "member_tier_changed")).all()
    assert [(e.payload["from_tier"], e.payload["to_tier"]) for e in events] == [("member", "silver")]
    # Gaps shown to the member: gold needs ¥5,000 − ¥700 more or 10 − 3 orders; silver is kept (¥700 ≥ ¥500).
    with clock.frozen_at(utc(2026, 3, 3, 2)):
        spend, count = tiers.window_totals(session, account, program.config, "Asia/Shanghai", date(2026, 3, 3))
    gaps = rules.progress(program.config, account.tier_code, spend, count)
    assert (gaps.spend_to_next, gaps.orders_to_next, gaps.spend_to_keep, gaps.orders_to_keep) == (430_000, 7, 0, 0)


def test_a_refund_undoes_the_upgrade_it_paid_for(session):
    shop, program = make_program(session)
    a = pay(session, shop, 60_000, utc(2026, 3, 1, 2))
    b = pay(session, shop, 50_000, utc(2026, 3, 2, 2))  # ¥1,100 → silver
    account = account_for(session, program, a)
    assert account.tier_code == "silver"
    result = refund_all(session, b, utc(2026, 3, 5))    # back to ¥600 in 1 order: silver is undone at once
    assert result.tier_changed and account.tier_code == "member"
    assert tier_totals(session, account.id) == (60_000, 1)
    assert changes(session, account)[-2:] == [("member", "silver", "qualify"), ("silver", "member", "refund")]


def test_a_refund_never_takes_the_member_below_the_last_review(session):
    shop, program = make_program(session)
    a = pay(session, shop, 60_000, utc(2026, 3, 1, 2))
    b = pay(session, shop, 50_000, utc(2026, 3, 2, 2))
    account = account_for(session, program, a)
    review_on(session, program, account, date(2026, 4, 1))  # reviewed as silver
    assert (account.reviewed_tier_code, account.reviewed_on) == ("silver", date(2026, 4, 1))
    refund_all(session, b, utc(2026, 4, 5))
    assert account.tier_code == "silver"                     # ¥600 left, but silver was confirmed at the review
    c = pay(session, shop, 450_000, utc(2026, 4, 6, 2))     # ¥600 + ¥4,500 → gold
    assert account.tier_code == "gold"
    refund_all(session, c, utc(2026, 4, 8))
    assert account.tier_code == "silver"                     # gold undone, down to the reviewed silver only
    # The next review keeps silver on ¥600 (keep threshold ¥500); a year later the window is empty → member.
    review_on(session, program, account, date(2026, 5, 1))
    assert account.tier_code == "silver"
    review_on(session, program, account, date(2027, 3, 1))
    assert account.tier_code == "member"


def test_a_manual_floor_lifts_at_once_with_a_reason_and_ends_at_a_review(session):
    shop, program = make_program(session)
    order = pay(session, shop, 10_000, utc(2026, 3, 1, 2))
    account = account_for(session, program, order)
    with clock.frozen_at(utc(2026, 3, 2, 2)):
        with pytest.raises(InvalidInput) as caught:
            tiers.set_floor(session, program, account, "gold", reason="  ", until=None, actor=MANAGER)
        assert caught.value.code == "reason_required"
        with pytest.raises(InvalidInput) as caught:
            tiers.set_floor(session, program, account, "platinum", reason="x", until=None, actor=MANAGER)
        assert caught.value.code == "unknown_tier"
        tiers.set_floor(session, program, account, "gold", reason="大客户投诉补偿", until=date(2026, 6, 30),
                        actor=MANAGER)
    assert account.tier_code == "gold"
    last = session.scalars(select(TierChange).where(TierChange.account_id == account.id)
                           .order_by(TierChange.id.desc())).first()
    assert (last.from_tier, last.to_tier, last.reason, last.note, last.actor) == (
        "member", "gold", "manual", "大客户投诉补偿", "user:boss")
    (entry,) = session.scalars(select(AuditLog).where(AuditLog.action == "loyalty.tier_floor")).all()
    assert (entry.actor, entry.entity_id, entry.changes["floor"], entry.changes["until"]) == (
        "user:boss", str(account.id), [None, "gold"], [None, "2026-06-30"])
    # The floor holds at the reviews before its end, and against refunds.
    review_on(session, program, account, date(2026, 4, 1))
    refund_all(session, order, utc(2026, 4, 2))
    review_on(session, program, account, date(2026, 6, 1))
    assert account.tier_code == "gold"
    # 30 June was its last day: the July review drops the member to what the window supports (nothing → member).
    review_on(session, program, account, date(2026, 7, 1))
    assert (account.tier_code, account.floor_tier_code) == ("member", None)
    assert changes(session, account)[-1] == ("gold", "member", "floor_ended")


def test_the_periodic_review_keeps_by_the_keep_threshold_and_the_window_moves(session):
    shop, program = make_program(session)
    first = pay(session, shop, 100_000, utc(2025, 3, 15, 2))   # ¥1,000 → silver
    account = account_for(session, program, first)
    pay(session, shop, 60_000, utc(2025, 10, 1, 2))            # ¥600
    assert account.tier_code == "silver"
    # 1 April 2026: the rolling window is 2 April 2025 – 1 April 2026: only the ¥600 → below ¥1,000 but ≥ ¥500 keep.
    review_on(session, program, account, date(2026, 4, 1))
    assert account.tier_code == "silver"
    # 1 November 2026: the window starts 2 November 2025 → nothing in it → member.
    review_on(session, program, account, date(2026, 11, 1))
    assert account.tier_code == "member"
    assert changes(session, account)[-1] == ("silver", "member", "review")


def test_review_due_on_the_first_of_the_review_months_once(session):
    shop, program = make_program(session)
    order = pay(session, shop, 10_000, utc(2026, 3, 1, 2))
    account = account_for(session, program, order)
    assert tiers.review_due(program, account, date(2026, 4, 1))
    assert not tiers.review_due(program, account, date(2026, 4, 2))
    result = DailyResult()
    with clock.frozen_at(utc(2026, 3, 31, 16)):  # 1 April 00:00 in Shanghai
        review_tiers(session, program, date(2026, 4, 1), result)
        review_tiers(session, program, date(2026, 4, 1), result)  # the job runs every 15 minutes
    assert result.reviewed == 1
    quarterly = simple_config().model_copy(update={"qualification": Qualification(review_every_months=3)})
    shop2, program2 = make_program(session, config=quarterly)
    assert [tiers.review_due(program2, account, date(2027, m, 1)) for m in (1, 2, 3, 4, 7, 10)] == [
        True, False, False, True, True, True]


def test_a_calendar_year_tier_is_kept_through_the_next_year(session):
    # Found by this suite: the review on 1 January looked only at the year that had just begun (empty), so every
    # member of a calendar-year program fell to the entry tier at midnight on New Year's Day.
    yearly = simple_config().model_copy(update={"qualification": Qualification(window="calendar_year",
                                                                                review_every_months=1)})
    shop, program = make_program(session, config=yearly)
    order = pay(session, shop, 100_000, utc(2026, 5, 1, 2))
    account = account_for(session, program, order)
    assert account.tier_code == "silver"
    for day in (date(2026, 6, 1), date(2027, 1, 1), date(2027, 3, 1), date(2027, 12, 1)):
        review_on(session, program, account, day)
        assert (day, account.tier_code) == (day, "silver")
    # 2027 brought nothing: on 1 January 2028 the member keeps only what 2027 (or 2028 so far) supports.
    review_on(session, program, account, date(2028, 1, 1))
    assert account.tier_code == "member"


def test_an_anniversary_tier_is_kept_through_the_next_membership_year(session):
    anniversary = simple_config().model_copy(update={"qualification": Qualification(window="anniversary")})
    shop, program = make_program(session, config=anniversary)
    order = pay(session, shop, 100_000, utc(2026, 6, 10, 2))   # joined (and silver) on 10 June 2026
    account = account_for(session, program, order)
    review_on(session, program, account, date(2027, 7, 1))     # membership year 2 began on 10 June 2027
    assert account.tier_code == "silver"
    review_on(session, program, account, date(2028, 7, 1))     # year 2 (to 9 June 2028) had nothing
    assert account.tier_code == "member"
