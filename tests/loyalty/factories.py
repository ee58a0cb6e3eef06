"""Builders for loyalty tests: a shop with a published program whose rules are easy to work by hand."""

from __future__ import annotations

from shopcx.loyalty import program as programs
from shopcx.loyalty.config import Earning, ProgramConfig, Tier
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
