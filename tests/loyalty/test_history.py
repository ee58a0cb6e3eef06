"""A replayed history is dated when it happened (issue 13, item 8), and the batched replay writes exactly the ledger
the per-order path writes on the demo shop.

The per-order path drives the live use cases with the clock at each moment; the batched path runs the same rules in
memory. Compared row by row with the database ids replaced by what they stand for (customer, order, entry key).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.demo.service import build_demo
from shopcx.loyalty.config import Earning, Expiry, ProgramConfig, Qualification, Tier
from shopcx.loyalty.models import LoyaltyAccount, PointsAllocation, PointsEntry, PointsLot, TierActivity, TierChange
from shopcx.loyalty.service.points import history
from shopcx.loyalty.service.program import versions as programs
from shopcx.orders.models import Order
from shopcx.staff.service import SYSTEM

from .factories import entries, line, member_order

UNTIL = date(2026, 11, 1)
NOW = datetime(2026, 11, 1, 4, tzinfo=timezone.utc)  # noon in Shanghai on the day the history ends


def demo_config(window: str = "calendar_year") -> ProgramConfig:
    """Rules that exercise every replayed path: bonuses, a promotion, a cap, short expiry, calendar-year tiers."""
    return ProgramConfig(
        tiers=[Tier(code="member", name_zh="会员", name_en="Member"),
               Tier(code="silver", name_zh="银卡", name_en="Silver", min_spend_amount=50_000, min_orders=3,
                    keep_spend_amount=20_000, keep_orders=2, points_multiplier=1500),
               Tier(code="gold", name_zh="金卡", name_en="Gold", min_spend_amount=200_000, min_orders=8,
                    points_multiplier=2000)],
        earning=Earning(join_points=20, first_order_points=50, daily_cap=400, monthly_cap=900,
                        category_multipliers={"护肤": 1500},
                        promotions=[{"name": "双11", "start_on": "2025-11-01", "end_on": "2025-11-11",
                                     "multiplier": 2000}]),
        expiry=Expiry(mode="rolling", months=6),
        qualification=Qualification(window=window, review_every_months=3 if window == "calendar_year" else 1))


@pytest.fixture(params=["calendar_year", "rolling_12m"])
def demo(session, request):
    with clock.frozen_at(NOW):
        build_demo(session, seed=11, customers=120, years=2, shop_code="histdemo", until=UNTIL.isoformat())
    shop_id = session.scalar(select(Order.shop_id).where(Order.source == "demo").limit(1))
    program = programs.active(session, shop_id)
    with clock.frozen_at(NOW):
        version = programs.save_draft(session, program.program, demo_config(request.param).model_dump(mode="json"),
                                      actor=SYSTEM).version
        programs.publish_version(session, program.program, version, actor=SYSTEM)
    return programs.active(session, shop_id)


def canonical(session, program) -> dict:
    """The ledger with ids replaced by what they stand for; version/updated_at/referral codes left out."""
    session.flush()
    session.expire_all()
    accounts = {a.id: a for a in session.scalars(select(LoyaltyAccount)
                                                 .where(LoyaltyAccount.program_id == program.program.id))}
    customer = {aid: a.customer_id for aid, a in accounts.items()}
    entry_rows = list(session.scalars(select(PointsEntry).where(PointsEntry.account_id.in_(accounts))
                                      .order_by(PointsEntry.id)))
    lots = list(session.scalars(select(PointsLot).where(PointsLot.account_id.in_(accounts)).order_by(PointsLot.id)))
    names: dict[int, str] = {}
    lot_names: dict[int, str] = {}

    def key_of(entry) -> str:
        kind, _, rest = entry.idempotency_key.partition(":")
        if kind in ("join", "first_order"):
            return f"{kind}:c{customer[entry.account_id]}"
        if kind in ("activate", "settle"):
            return f"{kind}:{names[int(rest)]}"
        if kind == "reverse":
            earn, due = rest.split(":")
            return f"reverse:{names[int(earn)]}:{due}"
        if kind == "expire":
            return f"expire:{lot_names[int(rest)]}"
        return entry.idempotency_key

    lot_of_entry = {lot.entry_id: lot for lot in lots}
    out_entries = []
    for entry in entry_rows:
        names[entry.id] = key_of(entry)
        if entry.id in lot_of_entry:
            lot_names[lot_of_entry[entry.id].id] = "lot(" + names[entry.id] + ")"
        detail = dict(entry.detail)
        if "lot_id" in detail:
            detail["lot_id"] = lot_names[detail["lot_id"]]
        out_entries.append((names[entry.id], customer[entry.account_id], entry.kind, entry.reason, entry.points,
                            entry.pending_points, entry.shortfall, entry.order_id, entry.source_type,
                            entry.source_id, names.get(entry.parent_id), entry.rule_version, detail,
                            entry.actor, clock.as_utc(entry.created_at), entry.earned_on))
    allocations = sorted((names[a.entry_id], lot_names[a.lot_id], a.points) for a in session.scalars(
        select(PointsAllocation).where(PointsAllocation.lot_id.in_([lot.id for lot in lots]))))
    return {
        "accounts": sorted((a.customer_id, a.balance, a.pending_balance, a.shortfall, a.lifetime_earned,
                            a.lifetime_redeemed, a.lifetime_expired, a.tier_code, clock.as_utc(a.tier_since),
                            a.reviewed_tier_code, a.reviewed_on, clock.as_utc(a.joined_at))
                           for a in accounts.values()),
        "entries": sorted(out_entries, key=lambda e: e[0]),
        "lots": sorted((lot_names[lot.id], lot.points, lot.remaining, lot.expires_on, clock.as_utc(lot.created_at))
                       for lot in lots),
        "allocations": allocations,
        "activity": sorted((customer[t.account_id], t.idempotency_key, t.order_id, t.spend_amount, t.orders,
                            clock.as_utc(t.at), clock.as_utc(t.created_at)) for t in session.scalars(
            select(TierActivity).where(TierActivity.account_id.in_(accounts)))),
        "tier_changes": sorted((customer[t.account_id], clock.as_utc(t.at), t.from_tier or "", t.to_tier, t.reason,
                                t.rule_version, t.actor) for t in session.scalars(
            select(TierChange).where(TierChange.account_id.in_(accounts)))),
    }


def test_the_batched_replay_writes_the_same_ledger_as_the_per_order_path(session, demo):
    customers = list(history.newcomers(session, demo))
    assert len(customers) > 80
    with clock.frozen_at(NOW):
        savepoint = session.begin_nested()
        replayed = history.replay_per_order(session, demo, customers, today=UNTIL)
        by_order = canonical(session, demo)
        savepoint.rollback()
        session.expire_all()
        assert session.scalar(select(LoyaltyAccount.id).where(LoyaltyAccount.program_id == demo.program.id)) is None
        assert history.replay_batched(session, demo, customers, today=UNTIL) == replayed
        batched = canonical(session, demo)
    # The history really exercised the rules being compared.
    kinds = {(e[2], e[3]) for e in by_order["entries"]}
    assert {("earn", "join"), ("earn", "first_order"), ("earn", "order"), ("activate", "order"),
            ("expire", "expiry"), ("reverse", "refund")} <= kinds
    assert any("capped_from" in e[12] for e in by_order["entries"])
    assert {"qualify", "review", "join"} <= {t[4] for t in by_order["tier_changes"]}
    for part in by_order:
        assert batched[part] == by_order[part], part


def test_a_replayed_member_joins_at_the_first_order_and_each_entry_is_dated_when_it_happened(session):
    from .factories import make_program

    shop, program = make_program(session, join_points=10, return_window_days=7, auto_confirm_days=10)
    paid = datetime(2025, 3, 2, 17, 30, tzinfo=timezone.utc)       # 3 March 01:30 in Shanghai
    member_order(session, shop, [line("A", 20_000)], paid_at=paid)
    customer_id = session.scalar(select(Order.customer_id).where(Order.shop_id == shop.id))
    with clock.frozen_at(NOW):
        assert history.replay_batched(session, program, [customer_id], today=UNTIL) == 1
    account = session.scalar(select(LoyaltyAccount).where(LoyaltyAccount.customer_id == customer_id))
    assert clock.as_utc(account.joined_at) == paid
    shanghai = ZoneInfo("Asia/Shanghai")
    dated = {(e.kind, e.reason): (clock.as_utc(e.created_at).astimezone(shanghai), e.points, e.earned_on)
             for e in entries(session, account.id)}
    # join and order points on the local payment day; available 10 + 7 days later; each lot a year after
    assert dated[("earn", "join")][0].date() == date(2025, 3, 3)
    assert dated[("earn", "order")][2] == date(2025, 3, 3)
    activated = dated[("activate", "order")]
    assert activated[0] == datetime(2025, 3, 20, tzinfo=shanghai) and activated[1] == 200
    lots = {lot.points: lot.expires_on for lot in session.scalars(select(PointsLot)
                                                                  .where(PointsLot.account_id == account.id))}
    assert lots == {10: date(2026, 3, 3), 200: date(2026, 3, 20)}
    expired = [e for e in entries(session, account.id, kind="expire")]
    assert sorted(clock.as_utc(e.created_at).astimezone(shanghai).date() for e in expired) == \
        [date(2026, 3, 3), date(2026, 3, 20)]
    assert (account.balance, account.lifetime_expired) == (0, 210)


def test_loyalty_sync_replays_newcomers_and_is_idempotent(session):
    from shopcx.loyalty import jobs as loyalty_jobs

    from .factories import make_program

    shop, program = make_program(session)
    member_order(session, shop, [line("A", 10_000)], paid_at=NOW - timedelta(days=400))
    with clock.frozen_at(NOW):
        assert loyalty_jobs.sync_shop(shop.id) == 1
        before = canonical(session, program)
        loyalty_jobs.sync_shop(shop.id)
    assert canonical(session, program) == before
    joined = before["accounts"][0][-1]
    assert joined == NOW - timedelta(days=400)


def test_a_replayed_member_never_gets_a_referral_code_already_taken(session, monkeypatch):
    """Codes are drawn at random and only the drawn ones are looked up: a draw that hits a stored account's code is
    drawn again, so the batch never fails on the unique code."""
    import secrets

    from shopcx.loyalty.service.points.history import batched

    from .factories import make_program

    shop, program = make_program(session)
    first = member_order(session, shop, [line("A", 10_000)], paid_at=NOW - timedelta(days=30))
    second = member_order(session, shop, [line("A", 10_000)], paid_at=NOW - timedelta(days=20),
                          buyer={"source": "taobao", "external_id": "buyer-2", "name": "李雷"})
    with clock.frozen_at(NOW):
        assert history.replay_batched(session, program, [first.customer_id], today=UNTIL) == 1
    session.query(LoyaltyAccount).update({LoyaltyAccount.referral_code: "AAAAAAAA"})  # what zero bytes draw
    draws, random_bytes = iter([bytes(8)]), secrets.token_bytes
    monkeypatch.setattr(batched.secrets, "token_bytes", lambda n: next(draws, None) or random_bytes(n))
    with clock.frozen_at(NOW):
        assert history.replay_batched(session, program, [second.customer_id], today=UNTIL) == 1
    codes = {a.customer_id: a.referral_code for a in session.scalars(select(LoyaltyAccount))}
    assert codes[first.customer_id] == "AAAAAAAA"
    assert codes[second.customer_id] != "AAAAAAAA" and len(codes[second.customer_id]) == 8
    assert next(draws, None) is None  # the taken code was really drawn first


def test_after_the_demo_members_joined_over_the_history_breakage_counts_what_was_redeemable(session):
    """The demo's history is replayed by `loyalty sync` (the orders_imported handler): joins spread over two years,
    lines dated in the past, backfill expiry reported apart from breakage, and a rewards catalogue to spend on."""
    from shopcx.loyalty import jobs as loyalty_jobs
    from shopcx.loyalty.service.reports import liability
    from shopcx.loyalty.service.spending.rewards import list_rewards

    with clock.frozen_at(NOW):
        build_demo(session, seed=3, customers=150, years=2, shop_code="breakage", until=UNTIL.isoformat())
        shop_id = session.scalar(select(Order.shop_id).where(Order.source == "demo").limit(1))
        loyalty_jobs.sync_shop(shop_id)
        program = programs.active(session, shop_id)
        report = liability(session, program, today=UNTIL)
    shanghai = ZoneInfo("Asia/Shanghai")
    joined = {clock.as_utc(a.joined_at).astimezone(shanghai).date()
              for a in session.scalars(select(LoyaltyAccount).where(LoyaltyAccount.program_id == program.program.id))}
    assert len(joined) > 50 and min(joined) < UNTIL - timedelta(days=365)
    created = {clock.as_utc(e.created_at).date() for e in session.scalars(
        select(PointsEntry).join(LoyaltyAccount, LoyaltyAccount.id == PointsEntry.account_id)
        .where(LoyaltyAccount.program_id == program.program.id))}
    assert len(created) > 100
    breakage = report["breakage"]
    # every expiry so far happened before the program started on NOW: none of it could have been redeemed
    assert breakage["expired_before_start_points"] > 0
    assert (breakage["expired_points"], breakage["redeemed_points"], breakage["per_mille"]) == (0, 0, None)
    assert report["total"]["points"] > 0
    catalogue = {r.code: r for r in list_rewards(session, program, active_only=True)}
    assert set(catalogue) == {"coupon-5", "coupon-20", "free-shipping", "gold-10pct", "tote-bag"}
    assert catalogue["coupon-20"].amount_off == 2_000 and catalogue["gold-10pct"].min_tier_code == "gold"


def test_a_bulk_batch_that_points_at_a_missing_row_is_refused_and_checks_stay_on_afterwards(session):
    """The bulk writer never leaves a ledger line without its account: on PostgreSQL the COPY may run without row
    triggers, so each foreign key is checked for the whole batch, and the triggers are on again for what follows."""
    import sqlite3

    from sqlalchemy.exc import IntegrityError

    from shopcx.loyalty.service.points.history.bulk import BulkWriter
    from shopcx.loyalty.service.points.ledger import LoyaltyError

    from .factories import make_program

    shop, program = make_program(session)
    order = member_order(session, shop, [line("A", 10_000)], paid_at=NOW - timedelta(days=3))
    session.flush()
    missing = (session.scalar(select(LoyaltyAccount.id).order_by(LoyaltyAccount.id.desc()).limit(1)) or 0) + 1_000
    entry = {"kind": "earn", "points": 10, "pending_points": 0, "shortfall": 0, "reason": "order", "order_id": order.id,
             "order_line_no": None, "source_type": None, "source_id": None, "parent_id": None, "rule_version": 1,
             "detail": {}, "note": None, "actor": "system", "created_at": NOW, "earned_on": UNTIL}
    savepoint = session.begin_nested()
    out = BulkWriter(session)
    out.add("points_entry", account_id=missing, idempotency_key="bulk-test:missing", **entry)
    with pytest.raises((LoyaltyError, IntegrityError, sqlite3.IntegrityError)) as refused:
        out.flush()
        out.close()
    if isinstance(refused.value, LoyaltyError):
        assert "points_entry.account_id" in str(refused.value) and "loyalty_account" in str(refused.value)
    savepoint.rollback()
    assert session.scalar(select(PointsEntry.id).where(PointsEntry.idempotency_key == "bulk-test:missing")) is None

    # a valid batch lands, and a bad row written after it in the same transaction is still refused by the database
    account = LoyaltyAccount(program_id=program.program.id, shop_id=shop.id, customer_id=order.customer_id,
                             tier_code="member", tier_since=NOW, reviewed_tier_code="member", referral_code="BULKTEST1",
                             joined_at=NOW, updated_at=NOW)
    session.add(account)
    session.flush()
    out = BulkWriter(session)
    out.add("points_entry", account_id=account.id, idempotency_key="bulk-test:ok", **entry)
    out.flush()
    out.close()
    assert session.scalar(select(PointsEntry.points).where(PointsEntry.idempotency_key == "bulk-test:ok")) == 10
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(PointsEntry(account_id=missing, idempotency_key="bulk-test:after", **entry))
        session.flush()
