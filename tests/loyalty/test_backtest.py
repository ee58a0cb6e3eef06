"""Backtest: a candidate rule set applied to the stored history, worked by hand, and proven to write nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.core.events import OutboxEvent
from shopcx.loyalty.config import Earning, ProgramConfig, Tier
from shopcx.loyalty.models import (
    AdjustmentRequest,
    LoyaltyAccount,
    PointsAllocation,
    PointsEntry,
    PointsLot,
    ProgramVersion,
    TierActivity,
    TierChange,
)
from shopcx.loyalty.service.points.earning import sync_order
from shopcx.loyalty.service.program import backtest
from shopcx.orders import service as orders
from shopcx.orders.schemas import RefundIn
from shopcx.staff.models import AuditLog
from shopcx.staff.service import SYSTEM

from ..factories import make_order
from .factories import make_program, simple_config

TODAY = date(2026, 5, 10)


def paid(session, shop, day: str, buyer: str, amount: int, category: str | None = None, sku: str = "SKU-1"):
    """A completed one-line order paid at 10:00 Shanghai on `day`, synced into the ledger."""
    moment = datetime.fromisoformat(day).replace(hour=2, tzinfo=UTC)
    with clock.frozen_at(moment):
        order = make_order(session, shop, status="completed", placed_at=moment,
                           customer={"source": "taobao", "external_id": buyer, "name": buyer},
                           lines=[{"sku": sku, "name": sku, "category": category, "quantity": 1,
                                   "unit_price_amount": amount}])
        sync_order(session, order)
    return order


def candidate(**earning) -> ProgramConfig:
    """2 points per yuan, 茶叶 1.5×, a joining bonus of 10; silver needs ¥2,000 or 5 orders (keep ¥1,500 or 4),
    points worth twice as much."""
    return ProgramConfig(
        tiers=[Tier(code="member", name_zh="普通会员", name_en="Member"),
               Tier(code="silver", name_zh="银卡会员", name_en="Silver", min_spend_amount=200_000, min_orders=5,
                    keep_spend_amount=150_000, keep_orders=4, points_multiplier=2000),
               Tier(code="gold", name_zh="金卡会员", name_en="Gold", min_spend_amount=500_000, min_orders=10,
                    points_multiplier=2500)],
        earning=Earning(points_per_unit=2, category_multipliers={"茶叶": 1500}, join_points=10, **earning),
        points_value_per_100=200)


@pytest.fixture
def history(session):
    """X: three ¥400 orders (silver by count); Y: one ¥300 order, ¥100 refunded; Z: one ¥2,500 tea order."""
    shop, program = make_program(session)
    for day in ("2026-03-01", "2026-03-08", "2026-03-15"):
        paid(session, shop, day, "X", 40_000)
    y = paid(session, shop, "2026-03-02", "Y", 30_000)
    with clock.frozen_at(datetime(2026, 3, 5, tzinfo=UTC)):
        orders.record_refund(session, y, RefundIn(external_id="RY", amount=10_000,
                                                  lines=[{"line_no": 1, "quantity": 1, "amount": 10_000}]),
                             actor=SYSTEM)
        sync_order(session, y)
    paid(session, shop, "2026-03-03", "Z", 250_000, category="茶叶", sku="TEA")
    return shop, program


def snapshot(session) -> dict:
    session.expire_all()
    counts = {model.__name__: session.scalar(select(func.count()).select_from(model)) for model in (
        PointsEntry, PointsLot, PointsAllocation, TierActivity, TierChange, AdjustmentRequest, ProgramVersion,
        AuditLog, OutboxEvent)}
    accounts = sorted(session.execute(select(LoyaltyAccount.id, LoyaltyAccount.balance, LoyaltyAccount.pending_balance,
                                             LoyaltyAccount.tier_code, LoyaltyAccount.version)).all())
    return {"counts": counts, "accounts": accounts}


def test_candidate_worked_by_hand_and_nothing_written(session, history):
    shop, program = history
    accounts = {a.customer_id: a for a in session.scalars(select(LoyaltyAccount))}
    assert sorted((a.tier_code, a.pending_balance) for a in accounts.values()) == [
        ("member", 200), ("silver", 1200), ("silver", 2500)]
    before = snapshot(session)
    result = backtest.run(session, program, candidate(), today=TODAY, candidate_version=2)
    assert snapshot(session) == before

    assert result["as_of"] == "2026-05-10" and result["members"] == 3 and result["candidate_version"] == 2
    moved = result["tiers"]
    # At a review today: X (¥1,200, 3 orders) keeps silver now but misses the candidate's keep (¥1,500 or 4).
    assert [(t["code"], t["members"], t["now"]) for t in moved["published"]] == [
        ("member", 1, 1), ("silver", 2, 2), ("gold", 0, 0)]
    assert [(t["code"], t["members"]) for t in moved["candidate"]] == [("member", 2), ("silver", 1), ("gold", 0)]
    assert moved["matrix"] == [[1, 0, 0], [1, 1, 0], [0, 0, 0]]
    assert moved["moves"] == [{"from": "silver", "to": "member", "members": 1}]
    assert (moved["up"], moved["down"], moved["same"]) == (0, 1, 2)

    points = result["points"]
    # X 3×400 → 3×800; Y 300−100 → 600−200; Z 2,500 → 2,500×2×1.5 (tea) = 7,500. All earned at the entry tier (1×).
    assert points["order"] == {"published": 3900, "candidate": 10_300, "delta": 6400}
    assert points["join"] == {"published": 0, "candidate": 30, "delta": 30}  # 3 members × 10
    assert points["total"]["delta"] == 6430 and points["orders_repriced"] == 5
    liability = result["liability"]
    assert liability["outstanding_points"] == 3900 and liability["current_amount"] == 3900  # 1 分 per point
    assert liability["candidate_points"] == 10_330 and liability["candidate_amount"] == 20_660  # 2 分 per point
    assert liability["delta_amount"] == 16_760 and liability["earning_delta_amount"] == 12_860


def test_caps_and_the_tier_recorded_when_earned(session):
    shop, program = make_program(session)
    for amount in (40_000, 40_000, 40_000, 40_000):  # four orders on one day; the 4th is earned at silver (1.5×)
        paid(session, shop, "2026-04-01", "W", amount)
    earned = sorted(e.detail["tier"] for e in session.scalars(select(PointsEntry).where(PointsEntry.reason == "order")))
    assert earned == ["member", "member", "member", "silver"]
    capped = simple_config(daily_cap=1000)
    result = backtest.run(session, program, capped, today=TODAY)
    # Published: 400 + 400 + 400 + 600. Capped at 1,000 a day: 400 + 400 + 200 + 0.
    assert result["points"]["order"] == {"published": 1800, "candidate": 1000, "delta": -800}
    assert result["tiers"]["moves"] == [] and result["liability"]["delta_amount"] == -800


def test_renamed_tiers_map_by_rank_and_floors_carry_over(session, history):
    shop, program = history
    y = next(a for a in session.scalars(select(LoyaltyAccount)) if a.tier_code == "member")
    y.floor_tier_code, y.floor_reason = "gold", "战略客户"
    renamed = ProgramConfig(tiers=[Tier(code="v0", name_zh="V0", name_en="V0"),
                                   Tier(code="v1", name_zh="V1", name_en="V1", min_spend_amount=100_000,
                                        min_orders=3, points_multiplier=1500),
                                   Tier(code="v2", name_zh="V2", name_en="V2", min_spend_amount=500_000,
                                        min_orders=10, points_multiplier=2000)])
    assert backtest.map_tier(program.config, renamed, "silver") == "v1"
    assert backtest.map_tier(program.config, renamed, None) == "v0"
    result = backtest.run(session, program, renamed, today=TODAY)
    assert [(t["code"], t["members"]) for t in result["tiers"]["published"]] == [("member", 0), ("silver", 2),
                                                                                 ("gold", 1)]
    assert [(t["code"], t["members"]) for t in result["tiers"]["candidate"]] == [("v0", 0), ("v1", 2), ("v2", 1)]
    assert result["tiers"]["up"] == result["tiers"]["down"] == 0
    assert result["points"]["total"]["delta"] == 0  # same rates under new names


def test_an_empty_program(session):
    shop, program = make_program(session)
    result = backtest.run(session, program, candidate(), today=TODAY)
    assert result["members"] == 0 and result["points"]["total"] == {"published": 0, "candidate": 0, "delta": 0}
    assert result["tiers"]["matrix"] == [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
