"""Builders for loyalty tests: a shop with a published program whose rules are easy to work by hand."""

from __future__ import annotations

from shopcx.loyalty.config import Earning, ProgramConfig, Tier
from shopcx.loyalty.service.program import versions as programs
from shopcx.staff.service import SYSTEM

from ..factories import make_shop


def simple_config(**earning) -> ProgramConfig:
    """1 point per yuan, 15-day return window, no bonuses; member → silver at ¥1,000 or 3 orders (1.5×)."""
    return ProgramConfig(
        tiers=[Tier(code="member", name_zh="普通会员", name_en="Member"),
               Tier(code="silver", name_zh="银卡会员", name_en="Silver", min_spend_amount=100_000, min_orders=3,
                    keep_spend_amount=50_000, keep_orders=2, points_multiplier=1500, discount_percent=5),
               Tier(code="gold", name_zh="金卡会员", name_en="Gold", min_spend_amount=500_000, min_orders=10,
                    points_multiplier=2000, discount_percent=10, free_shipping=True)],
        earning=Earning(**({"return_window_days": 15} | earning)))


def make_program(session, shop=None, config: ProgramConfig | None = None, **earning):
    """A shop (new unless given) with a published program; returns (shop, ActiveProgram)."""
    shop = shop or make_shop(session)
    programs.create_program(session, shop, actor=SYSTEM, config=config or simple_config(**earning))
    return shop, programs.active(session, shop.id)


# --- added for the ledger, earning, tier and lifecycle tests -----------------------------------------------------

BUYER = {"source": "taobao", "external_id": "buyer-1", "name": "王芳"}


def line(sku: str, total: int, *, quantity: int = 1, category: str | None = None) -> dict:
    """An order line of `quantity` units worth `total` fen in all (the unit price must divide it)."""
    assert total % quantity == 0, "pick a total the quantity divides"
    return {"sku": sku, "name": sku, "category": category, "quantity": quantity,
            "unit_price_amount": total // quantity}


def member_order(session, shop, lines: list[dict], *, paid_at, buyer: dict | None = None, status: str = "paid",
                 **overrides):
    """A paid sale of one member (buyer-1 unless given), placed and paid at `paid_at` (aware UTC)."""
    from shopcx.core import clock

    from ..factories import make_order

    with clock.frozen_at(paid_at):
        return make_order(session, shop, customer=buyer or BUYER, lines=lines, placed_at=paid_at, status=status,
                          **overrides)


def sync(session, order, at):
    """sync_order with the clock at `at` (what the outbox handler does when the event is handled then)."""
    from shopcx.core import clock
    from shopcx.loyalty.service.points.earning import sync_order

    with clock.frozen_at(at):
        return sync_order(session, order)


def account_for(session, program, order):
    """The member account of an order's customer."""
    from shopcx.loyalty.service.members.accounts import find_account

    return find_account(session, program.program.id, order.customer_id)


def entries(session, account_id: int, **where) -> list:
    """The account's ledger entries in order, optionally filtered by column values (kind=..., reason=...)."""
    from sqlalchemy import select

    from shopcx.loyalty.models import PointsEntry

    stmt = select(PointsEntry).where(PointsEntry.account_id == account_id).order_by(PointsEntry.id)
    for column, value in where.items():
        stmt = stmt.where(getattr(PointsEntry, column) == value)
    return list(session.scalars(stmt))


def tier_totals(session, account_id: int) -> tuple[int, int]:
    """(Σ spend, Σ orders) of the account's tier activity over all time."""
    from sqlalchemy import func, select

    from shopcx.loyalty.models import TierActivity

    spend, orders = session.execute(select(func.coalesce(func.sum(TierActivity.spend_amount), 0),
                                           func.coalesce(func.sum(TierActivity.orders), 0))
                                    .where(TierActivity.account_id == account_id)).one()
    return int(spend), int(orders)


def assert_consistent(session, account) -> None:
    """The caches equal the ledger: balance = Σ points = Σ lot remaining, pending = Σ pending points, all ≥ 0."""
    from shopcx.loyalty.service.points import ledger

    session.flush()
    session.refresh(account)
    points, pending, lots = ledger.ledger_sums(session, account.id)
    assert (account.balance, account.pending_balance) == (points, pending)
    assert lots == account.balance
    assert account.balance >= 0 and account.pending_balance >= 0 and account.shortfall >= 0


def make_member(session, program, *, external_id: str = "member-1", at=None, **customer):
    """A customer of the program's shop (birthday=..., birthday_lunar={...}) enrolled at `at` (aware UTC)."""
    from datetime import datetime, timezone

    from shopcx.core import clock
    from shopcx.customers import service as customers
    from shopcx.customers.schemas import CustomerIn
    from shopcx.loyalty.service.members.accounts import enrol

    with clock.frozen_at(at or datetime(2026, 1, 5, 2, tzinfo=timezone.utc)):
        person, _ = customers.upsert_customer(
            session, CustomerIn.model_validate({"source": "taobao", "external_id": external_id, "name": "会员"}
                                               | customer), shop_id=program.shop.id, actor=None)
        return enrol(session, program, person.id)
