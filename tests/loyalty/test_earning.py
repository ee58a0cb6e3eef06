"""Earning and reversal from orders (issue 4, points 1 and 2): multipliers recorded at earn time, partial and full
refunds by line or spread, tier activity wound back, spent points never driving the balance negative, pending
points, caps, promotions, bonuses, cancellation. Numbers are worked by hand in the comments.

Shop timezone Asia/Shanghai (UTC+8). simple_config: 1 point per yuan, 15-day return window, 15-day automatic
confirmation; member 1× → silver at ¥1,000 or 3 orders (1.5×) → gold at ¥5,000 or 10 orders (2×).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from shopcx.core import clock, jobs
from shopcx.loyalty.config import Earning, ProgramConfig, Promotion, Tier
from shopcx.loyalty.service.daily import DailyResult, activate_due
from shopcx.loyalty.service.members import accounts
from shopcx.loyalty.service.points import ledger
from shopcx.loyalty.service.program import versions as programs
from shopcx.orders import actions
from shopcx.orders import service as orders
from shopcx.orders.schemas import RefundIn, ShipmentIn
from shopcx.staff.service import SYSTEM

from .factories import (
    BUYER,
    account_for,
    assert_consistent,
    entries,
    line,
    make_program,
    member_order,
    simple_config,
    sync,
    tier_totals,
)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def flat_config(**earning) -> ProgramConfig:
    """One tier, 1 point per yuan: what an order earns is easy to see (no upgrades change the rate)."""
    return ProgramConfig(tiers=[Tier(code="member", name_zh="会员", name_en="Member")],
                         earning=Earning(**({"return_window_days": 15} | earning)))


def refund(session, order, external_id: str, amount: int, lines: list[tuple[int, int, int]] = ()):
    """Record a refund; lines are (line_no, quantity, amount)."""
    data = RefundIn(external_id=external_id, amount=amount,
                    lines=[{"line_no": no, "quantity": qty, "amount": amt} for no, qty, amt in lines])
    return orders.record_refund(session, order, data, actor=SYSTEM)


def activate(session, program, day: date) -> DailyResult:
    result = DailyResult()
    activate_due(session, program, day, result)
    return result


def republish(session, program, config: ProgramConfig):
    draft = programs.save_draft(session, program.program, config, actor=SYSTEM)
    programs.publish_version(session, program.program, draft.version, actor=SYSTEM)
    return programs.active(session, program.shop.id)


# --- 1. refunds reverse exactly what the refunded lines earned -----------------------------------------------------

def test_refunds_reverse_what_lines_earned_with_the_multipliers_of_that_time(session):
    shop, program = make_program(session, category_multipliers={"茶叶": 2000}, product_multipliers={"CUP-1": 1500})
    # Order 1, ¥1,000 without category: 1,000 points at the member rate; it lifts the member to silver at once.
    first = member_order(session, shop, [line("BIG-1", 100_000)], paid_at=utc(2026, 3, 1, 2))
    assert sync(session, first, utc(2026, 3, 1, 2)).earned == 1_000
    account = account_for(session, program, first)
    assert account.tier_code == "silver"
    # Order 2 as silver (1.5×), shipping ¥10 not earning:
    #   line 1 CUP-1 2 × ¥49.90 = 9,980 fen, product 1.5×: 99.80 × 1.5 × 1.5 = 224.55 → 224
    #   line 2 TEA-7 ¥128.00, category 茶叶 2×:            128 × 2 × 1.5   = 384
    #   line 3 MUG-2 ¥19.90, no multiplier:                 19.90 × 1.5     = 29.85 → 29      → 637 in all
    second = member_order(session, shop, [line("CUP-1", 9_980, quantity=2, category="厨具"),
                                          line("TEA-7", 12_800, category="茶叶"),
                                          line("MUG-2", 1_990, category="厨具")],
                          paid_at=utc(2026, 3, 2, 2), shipping_amount=1_000)
    assert second.paid_amount == 25_770
    assert sync(session, second, utc(2026, 3, 2, 2)).earned == 637
    (earn,) = entries(session, account.id, order_id=second.id, kind="earn")
    assert [(ln["line_no"], ln["base"], ln["multipliers"], ln["points"]) for ln in earn.detail["lines"]] == [
        (1, 9_980, [1500, 1500, 1000], 224), (2, 12_800, [2000, 1500, 1000], 384), (3, 1_990, [1000, 1500, 1000], 29)]
    assert (earn.rule_version, earn.detail["tier"]) == (1, "silver")

    # The rules change: silver 3×, tea 3×, cups 1×. New orders earn by them, old ones are reversed by theirs.
    cfg = simple_config(category_multipliers={"茶叶": 3000}, product_multipliers={"CUP-1": 1000})
    cfg = cfg.model_copy(update={"tiers": [t.model_copy(update={"points_multiplier": 3000}) if t.code == "silver"
                                           else t for t in cfg.tiers]})
    program = republish(session, program, cfg)
    assert program.version == 2
    # Order 3, ¥4,000 as silver under version 2: 4,000 × 3 = 12,000; spend 1,000 + 247.70 + 4,000 ≥ 5,000 → gold.
    third = member_order(session, shop, [line("BIG-2", 400_000)], paid_at=utc(2026, 3, 5, 2))
    assert sync(session, third, utc(2026, 3, 5, 2)).earned == 12_000
    assert account.tier_code == "gold"

    # R1 (pending): line 2 in full → its 384 points, though tea now earns 3× and the member is gold.
    refund(session, second, "R1", 12_800, [(2, 1, 12_800)])
    assert sync(session, second, utc(2026, 3, 10)).reversed == 384
    assert (account.balance, account.pending_balance) == (0, 1_000 + 637 - 384 + 12_000)
    # Available on 1 April: order 1 (window from 16 March) and order 2 (auto-confirmed 17 March) → 1,000 + 253.
    activate(session, program, date(2026, 4, 1))
    assert (account.balance, account.pending_balance) == (1_253, 12_000)

    # R2, R3: one cup each. Half the line's base → 224 × 4,990 / 9,980 = 112, then the rest 224 − 112 = 112.
    refund(session, second, "R2", 4_990, [(1, 1, 4_990)])
    assert sync(session, second, utc(2026, 4, 2)).reversed == 112
    refund(session, second, "R3", 4_990, [(1, 1, 4_990)])
    assert sync(session, second, utc(2026, 4, 2)).reversed == 112
    # R4: ¥19.90 without lines: the only part not yet refunded is line 3, so it is line 3's 29 points.
    refund(session, second, "R4", 1_990)
    assert sync(session, second, utc(2026, 4, 2)).reversed == 29
    # R5: the shipping; the order is now refunded in full, and nothing more is due.
    refund(session, second, "R5", 1_000)
    assert second.status == "refunded"
    assert sync(session, second, utc(2026, 4, 2)).reversed == 0

    reversals = entries(session, account.id, order_id=second.id, kind="reverse")
    assert [(e.pending_points, e.points, e.rule_version, e.parent_id) for e in reversals] == [
        (-384, 0, 1, earn.id), (0, -112, 1, earn.id), (0, -112, 1, earn.id), (0, -29, 1, earn.id)]
    assert (account.balance, account.pending_balance, account.shortfall) == (1_000, 12_000, 0)
    # Tier activity: order 2's ¥247.70 and its one order are gone; 1,000 + 4,000 = ¥5,000 in 2 orders (still gold).
    assert tier_totals(session, account.id) == (500_000, 2)
    assert account.tier_code == "gold"
    assert_consistent(session, account)


def test_refunds_without_lines_are_spread_by_the_lines_bases(session):
    shop, program = make_program(session, config=flat_config())
    # ¥60 + ¥40 with a ¥10 discount: bases 9,000 split 5,400 / 3,600 → 54 + 36 = 90 points.
    order = member_order(session, shop, [line("A", 6_000), line("B", 4_000)], paid_at=utc(2026, 3, 1, 2),
                         discount_amount=1_000)
    assert sync(session, order, utc(2026, 3, 1, 2)).earned == 90
    account = account_for(session, program, order)
    assert tier_totals(session, account.id) == (9_000, 1)
    # ¥22.50 back without lines: 1,350 / 900 → 54 × 1,350 / 5,400 = 13.5 → 14 and 36 × 900 / 3,600 = 9 → 23.
    refund(session, order, "R1", 2_250)
    assert sync(session, order, utc(2026, 3, 3)).reversed == 23
    assert tier_totals(session, account.id) == (6_750, 1)
    # The rest, ¥67.50: everything (90), and the order no longer counts.
    refund(session, order, "R2", 6_750)
    assert sync(session, order, utc(2026, 3, 4)).reversed == 67
    assert account.pending_balance == 0 and tier_totals(session, account.id) == (0, 0)
    assert_consistent(session, account)


def test_several_partial_refunds_add_up_to_the_full_reversal(session):
    shop, program = make_program(session, config=flat_config())
    order = member_order(session, shop, [line("A", 10_000)], paid_at=utc(2026, 3, 1, 2))
    sync(session, order, utc(2026, 3, 1, 2))
    account = account_for(session, program, order)
    # ¥33.33, ¥33.33, ¥33.34: cumulative 33.33 → 33, 66.66 → 67, 100 → 100; deltas 33, 34, 33.
    got = []
    for n, amount in enumerate((3_333, 3_333, 3_334), start=1):
        refund(session, order, f"R{n}", amount, [(1, 1, amount)])
        got.append(sync(session, order, utc(2026, 3, 2)).reversed)
    assert got == [33, 34, 33] and sum(got) == 100
    assert account.pending_balance == 0
    assert tier_totals(session, account.id) == (0, 0)


def test_a_refund_without_lines_after_a_line_refund_goes_to_what_is_left(session):
    # Found by this suite: the spread used the lines' whole bases, so part of a line-less refund landed on a line
    # already refunded in full and was lost (line B would have given back 16 of its 40 points instead of 40).
    shop, program = make_program(session, config=flat_config())
    order = member_order(session, shop, [line("A", 6_000), line("B", 4_000)], paid_at=utc(2026, 3, 1, 2))
    sync(session, order, utc(2026, 3, 1, 2))
    refund(session, order, "R1", 6_000, [(1, 1, 6_000)])
    assert sync(session, order, utc(2026, 3, 2)).reversed == 60
    refund(session, order, "R2", 2_000)  # half of what is left, i.e. half of B: 20 points
    assert sync(session, order, utc(2026, 3, 2)).reversed == 20
    refund(session, order, "R3", 2_000)
    assert sync(session, order, utc(2026, 3, 2)).reversed == 20


def test_the_refund_path_through_the_outbox(session):
    """orders.service.record_refund → outbox → loyalty handler → sync_order, as in production."""
    shop, program = make_program(session, config=flat_config())
    with clock.frozen_at(utc(2026, 3, 1, 2)):
        result = orders.upsert_order(session, shop, _order_in("W1", [line("A", 6_000), line("B", 4_000)],
                                                              utc(2026, 3, 1, 2)), actor=SYSTEM)
        session.flush()
        jobs.dispatch_outbox()
    order = orders.get_order(session, result.order_id)
    account = account_for(session, program, order)
    assert account.pending_balance == 100 and tier_totals(session, account.id) == (10_000, 1)
    with clock.frozen_at(utc(2026, 3, 5)):
        actions.add_refund(session, order, RefundIn(external_id="R1", amount=4_000,
                                                    lines=[{"line_no": 2, "quantity": 1, "amount": 4_000}]),
                           actor=SYSTEM)
        session.flush()
        jobs.dispatch_outbox()
        jobs.dispatch_outbox()  # nothing left to do: no second reversal
    session.expire_all()
    assert (account.pending_balance, tier_totals(session, account.id)) == (60, (6_000, 1))
    assert [e.pending_points for e in entries(session, account.id, kind="reverse")] == [-40]


def _order_in(external_id: str, lines: list[dict], paid_at: datetime, **extra):
    from shopcx.orders.schemas import OrderIn

    return OrderIn.model_validate({"source": "taobao", "external_id": external_id, "status": "paid",
                                   "placed_at": paid_at, "customer": BUYER, "lines": lines} | extra)


# --- 2. points spent before the refund: never below zero, the shortfall is recorded and settled --------------------

def test_spent_points_never_drive_the_balance_negative_and_the_shortfall_is_settled_later(session):
    shop, program = make_program(session, config=flat_config())
    # A: ¥100 completed on 1 March → 100 points available from 16 March.
    a = member_order(session, shop, [line("A", 10_000)], paid_at=utc(2026, 3, 1, 2), status="completed")
    sync(session, a, utc(2026, 3, 1, 2))
    account = account_for(session, program, a)
    activate(session, program, date(2026, 3, 16))
    assert account.balance == 100
    ledger.lock_account(session, account)
    ledger.debit(session, account, 80, key="test:redeem:1", kind="redeem", reason="reward")
    # A is refunded in full: 100 due, only 20 left → 20 taken, 80 recorded as shortfall, balance 0 (not −80).
    with clock.frozen_at(utc(2026, 3, 18)):
        refund(session, a, "RA", 10_000)
    result = sync(session, a, utc(2026, 3, 18))
    assert (result.reversed, result.shortfall) == (100, 80)
    (reverse,) = entries(session, account.id, kind="reverse")
    assert (reverse.points, reverse.shortfall) == (-20, 80)
    assert (account.balance, account.shortfall) == (0, 80)
    assert_consistent(session, account)
    # B: 50 points available on 4 April settle 50 of the 80; C: 100 points on 25 April settle the last 30.
    b = member_order(session, shop, [line("B", 5_000)], paid_at=utc(2026, 3, 20, 2), status="completed")
    sync(session, b, utc(2026, 3, 20, 2))
    activate(session, program, date(2026, 4, 4))
    assert (account.balance, account.shortfall) == (0, 30)
    c = member_order(session, shop, [line("C", 10_000)], paid_at=utc(2026, 4, 10, 2), status="completed")
    sync(session, c, utc(2026, 4, 10, 2))
    activate(session, program, date(2026, 4, 25))
    assert (account.balance, account.shortfall) == (70, 0)
    settles = entries(session, account.id, reason="shortfall")
    assert [(e.kind, e.points) for e in settles] == [("reverse", -50), ("reverse", -30)]
    assert_consistent(session, account)


def test_a_refund_takes_from_other_lots_before_recording_a_shortfall(session):
    shop, program = make_program(session, config=flat_config())
    a = member_order(session, shop, [line("A", 10_000)], paid_at=utc(2026, 3, 1, 2), status="completed")
    b = member_order(session, shop, [line("B", 10_000)], paid_at=utc(2026, 3, 1, 3), status="completed")
    sync(session, a, utc(2026, 3, 1, 2))
    sync(session, b, utc(2026, 3, 1, 3))
    account = account_for(session, program, a)
    activate(session, program, date(2026, 3, 16))
    ledger.lock_account(session, account)
    ledger.debit(session, account, 150, key="test:redeem:2", kind="redeem", reason="reward")
    with clock.frozen_at(utc(2026, 3, 18)):
        refund(session, a, "RA", 10_000)
    result = sync(session, a, utc(2026, 3, 18))
    assert (result.reversed, result.shortfall) == (100, 50)  # 50 were left (all in B's lot): taken, 50 short
    assert (account.balance, account.shortfall) == (0, 50)
    assert_consistent(session, account)


# --- pending points and the return window --------------------------------------------------------------------------

def test_points_become_available_only_after_the_return_window(session):
    shop, program = make_program(session, config=flat_config())
    delivered = member_order(session, shop, [line("D", 10_000)], paid_at=utc(2026, 3, 1, 2), external_id="D1")
    completed = member_order(session, shop, [line("C", 20_000)], paid_at=utc(2026, 3, 1, 2), external_id="C1")
    untouched = member_order(session, shop, [line("U", 40_000)], paid_at=utc(2026, 3, 1, 2), external_id="U1")
    for order in (delivered, completed, untouched):
        sync(session, order, utc(2026, 3, 1, 2))
    account = account_for(session, program, delivered)
    # Delivered at 17:00 UTC on 4 March = 01:00 on 5 March in Shanghai → window from 5 March → available 20 March.
    orders.record_shipment(session, delivered, ShipmentIn(tracking_no="SF1", delivered_at=utc(2026, 3, 4, 17)))
    # Completed on 3 March (Shanghai) → available 18 March. Untouched: paid 1 March + 15 days automatic
    # confirmation = 16 March → available 31 March.
    with clock.frozen_at(utc(2026, 3, 3, 4)):
        actions.change_status(session, completed, "completed", actor=SYSTEM)
    expected = {date(2026, 3, 17): 0, date(2026, 3, 18): 200, date(2026, 3, 19): 200, date(2026, 3, 20): 300,
                date(2026, 3, 30): 300, date(2026, 3, 31): 700}
    for day, balance in expected.items():
        activate(session, program, day)
        assert (day, account.balance, account.pending_balance) == (day, balance, 700 - balance)
    assert activate(session, program, date(2026, 4, 30)).activated == 0  # each activation happens once
    lots = {e.order_id: e for e in entries(session, account.id, kind="activate")}
    assert lots[delivered.id].detail["available_on"] == "2026-03-20"
    assert_consistent(session, account)


# --- caps, promotions, program start ------------------------------------------------------------------------------

def test_daily_and_monthly_caps_count_shop_local_days(session):
    shop, program = make_program(session, config=flat_config(daily_cap=150, monthly_cap=400))
    paid = [utc(2026, 3, 1, 2),    # 1 March 10:00 local: 100
            utc(2026, 3, 1, 10),   # 1 March 18:00: day has 100 → 50 allowed
            utc(2026, 3, 1, 15, 30),  # 1 March 23:30: day full → 0
            utc(2026, 3, 1, 16, 30),  # 2 March 00:30 local: a new day → 100
            utc(2026, 3, 2, 3),    # 2 March: day has 100 → 50 (month 250 → 300)
            utc(2026, 3, 3, 3),    # 3 March: month has 300 → 100 (month full at 400)
            utc(2026, 3, 4, 3),    # 4 March: month full → 0
            utc(2026, 4, 1, 3)]    # April: a new month → 100
    earned = []
    for n, at in enumerate(paid):
        order = member_order(session, shop, [line("X", 6_000), line("Y", 4_000)], paid_at=at, external_id=f"K{n}")
        earned.append(sync(session, order, at).earned)
        if n == 1:
            capped_order = order
    assert earned == [100, 50, 0, 100, 50, 100, 0, 100]
    # The capped order keeps its lines' proportions (60/40 → 30/20), so refunding line X takes back 30.
    account = account_for(session, program, capped_order)
    (earn,) = entries(session, account.id, kind="earn", order_id=capped_order.id)
    assert [ln["points"] for ln in earn.detail["lines"]] == [30, 20] and earn.detail["capped_from"] == 100
    refund(session, capped_order, "RX", 6_000, [(1, 1, 6_000)])
    assert sync(session, capped_order, utc(2026, 4, 2)).reversed == 30


def test_promotion_days_are_shop_local(session):
    double = Promotion(name="双11", start_on=date(2026, 11, 11), end_on=date(2026, 11, 11), multiplier=2000)
    shop, program = make_program(session, config=flat_config(promotions=[double]))
    before = member_order(session, shop, [line("A", 10_000)], paid_at=utc(2026, 11, 10, 15, 30))  # 23:30 on the 10th
    during = member_order(session, shop, [line("A", 10_000)], paid_at=utc(2026, 11, 10, 16, 30))  # 00:30 on the 11th
    assert sync(session, before, utc(2026, 11, 10, 15, 30)).earned == 100
    assert sync(session, during, utc(2026, 11, 10, 16, 30)).earned == 200
    account = account_for(session, program, during)
    assert entries(session, account.id, kind="earn", order_id=during.id)[0].detail["promotion"] == "双11"


def test_orders_before_the_program_start_count_for_tiers_but_earn_nothing(session):
    shop, program = make_program(session, start_on=date(2026, 3, 10))
    early = member_order(session, shop, [line("A", 80_000)], paid_at=utc(2026, 3, 9, 15))   # 9 March 23:00 local
    late = member_order(session, shop, [line("A", 30_000)], paid_at=utc(2026, 3, 9, 16))    # 10 March 00:00 local
    assert sync(session, early, utc(2026, 3, 9, 15)).earned == 0
    assert sync(session, late, utc(2026, 3, 9, 16)).earned == 300  # still a member when it was paid: 1×
    account = account_for(session, program, late)
    assert tier_totals(session, account.id) == (110_000, 2) and account.tier_code == "silver"


# --- bonuses and cancellation -------------------------------------------------------------------------------------

def test_join_and_first_order_bonuses_are_paid_once(session):
    shop, program = make_program(session, config=flat_config(join_points=50, first_order_points=100))
    one = member_order(session, shop, [line("A", 10_000)], paid_at=utc(2026, 3, 1, 2))
    two = member_order(session, shop, [line("A", 10_000)], paid_at=utc(2026, 3, 2, 2))
    assert sync(session, one, utc(2026, 3, 1, 2)).earned == 200   # 100 + the first-order 100
    assert sync(session, two, utc(2026, 3, 2, 2)).earned == 100
    account = account_for(session, program, one)
    assert accounts.enrol(session, program, one.customer_id) is account
    assert [(e.reason, e.points, e.pending_points) for e in entries(session, account.id)] == [
        ("join", 50, 0), ("order", 0, 100), ("first_order", 0, 100), ("order", 0, 100)]
    assert (account.balance, account.pending_balance) == (50, 300)


def test_cancelled_after_payment_voids_points_bonus_and_tier_activity(session):
    shop, program = make_program(session, config=flat_config(first_order_points=100))
    order = member_order(session, shop, [line("A", 10_000)], paid_at=utc(2026, 3, 1, 2))
    sync(session, order, utc(2026, 3, 1, 2))
    account = account_for(session, program, order)
    assert (account.pending_balance, tier_totals(session, account.id)) == (200, (10_000, 1))
    with clock.frozen_at(utc(2026, 3, 2)):
        actions.change_status(session, order, "cancelled", actor=SYSTEM)
    result = sync(session, order, utc(2026, 3, 2))
    assert result.reversed == 200
    assert (account.balance, account.pending_balance, tier_totals(session, account.id)) == (0, 0, (0, 0))
    assert sync(session, order, utc(2026, 3, 3)).reversed == 0
    # Nothing of it ever becomes available.
    activate(session, program, date(2026, 6, 1))
    assert (account.balance, account.pending_balance) == (0, 0)
    assert_consistent(session, account)


def test_cancelled_after_the_points_became_available_takes_them_back(session):
    shop, program = make_program(session, config=flat_config())
    order = member_order(session, shop, [line("A", 10_000)], paid_at=utc(2026, 3, 1, 2))
    sync(session, order, utc(2026, 3, 1, 2))
    account = account_for(session, program, order)
    activate(session, program, date(2026, 3, 31))
    assert account.balance == 100
    with clock.frozen_at(utc(2026, 4, 2)):
        actions.change_status(session, order, "cancelled", actor=SYSTEM)
    assert sync(session, order, utc(2026, 4, 2)).reversed == 100
    assert (account.balance, account.shortfall) == (0, 0)
    assert_consistent(session, account)


def test_a_refund_after_the_rules_changed_what_counts_winds_back_what_was_counted(session):
    # Found by this suite: the refund used the order's base under the rules of the refund's day, so after a new
    # version included shipping, refunding a ¥100 + ¥10 shipping order took ¥110 off the tier spend it had added
    # ¥100 to (eating ¥10 of another order's spend).
    shop, program = make_program(session, config=flat_config())
    a = member_order(session, shop, [line("A", 6_000), line("B", 4_000)], paid_at=utc(2026, 3, 1, 2),
                     shipping_amount=1_000)
    b = member_order(session, shop, [line("C", 5_000)], paid_at=utc(2026, 3, 2, 2))
    sync(session, a, utc(2026, 3, 1, 2))
    sync(session, b, utc(2026, 3, 2, 2))
    account = account_for(session, program, a)
    assert tier_totals(session, account.id) == (15_000, 2)
    program = republish(session, program, flat_config(include_shipping=True))
    # ¥105 back without lines: more than the ¥100 counted, less than paid → the ¥100 is wound back, no more;
    # the points: the lines' recorded bases 6,000 / 4,000 are refunded in full → 60 + 40.
    refund(session, a, "R1", 10_500)
    assert sync(session, a, utc(2026, 3, 5)).reversed == 100
    assert tier_totals(session, account.id) == (5_000, 2)
    refund(session, a, "R2", 500)
    sync(session, a, utc(2026, 3, 6))
    assert tier_totals(session, account.id) == (5_000, 1)


def test_an_order_in_another_currency_earns_nothing(session):
    # The program is priced in CNY; a USD order of $100.00 must not earn 100 "yuan" points.
    shop, program = make_program(session)
    order = member_order(session, shop, [line("A", 10_000)], paid_at=utc(2026, 3, 1, 2), currency="USD")
    assert sync(session, order, utc(2026, 3, 1, 3)) is None
    assert account_for(session, program, order) is None


def test_a_sales_tax_added_on_top_earns_nothing_but_a_tax_inside_the_price_does(session):
    shop, program = make_program(session, config=flat_config())
    # ¥100 of goods + ¥8 sales tax on top (a US-style shop): paid ¥108, earns on ¥100.
    on_top = member_order(session, shop, [line("MUG-1", 10_000)], paid_at=utc(2026, 3, 1, 2), tax_amount=800,
                          taxes_included=False)
    assert on_top.paid_amount == 10_800
    assert sync(session, on_top, utc(2026, 3, 1, 2)).earned == 100
    # ¥108 with ¥8 VAT inside the price: the buyer paid ¥108 for the goods and earns on all of it.
    inside = member_order(session, shop, [line("MUG-2", 10_800)], paid_at=utc(2026, 3, 2, 2), tax_amount=800,
                          taxes_included=True)
    assert sync(session, inside, utc(2026, 3, 2, 2)).earned == 108
