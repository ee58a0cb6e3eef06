"""The demo use case: check the options, make room in the shop, generate, store, add the sample staff and the
reviews (whose replies and care cases are the sample 客服's)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from ..core import clock
from ..core.errors import InvalidInput
from ..core.settings import get_settings
from ..staff import service as staff_service
from ..staff.service import Actor
from . import review_writer, writer
from .bulk import Progress
from .generator import GENERATE_STEPS, generate, summarize

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")


@dataclass
class DemoResult:
    """What was generated (summary figures), the sample staff (role, username, new password) and deletions."""

    shop_code: str
    summary: dict
    staff: list[tuple[str, str, str | None]]
    deleted: dict


def parse_until(text: str | None) -> date | None:
    """The --until date as given (None when absent)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("invalid_until", f"until: '{text}' is not a date (YYYY-MM-DD)",
                           field="until") from None


def end_of_history(until: date | None, tz: str) -> date:
    """The until date, today in the shop's timezone by default; never after today."""
    today = clock.today_in(tz)
    if until is not None and until > today:
        raise InvalidInput("future_until", f"until: {until} is after today ({today}) in {tz}", field="until")
    return until or today


# A small rewards catalogue, so members of the demo have something to spend points on (issue 13, item 8).
DEMO_REWARDS = (
    {"code": "coupon-5", "name_zh": "5元无门槛券", "name_en": "¥5 off any order", "kind": "coupon_amount",
     "points_cost": 500, "amount_off": 500, "valid_days": 30},
    {"code": "coupon-20", "name_zh": "满150减20券", "name_en": "¥20 off ¥150", "kind": "coupon_amount",
     "points_cost": 1_500, "amount_off": 2_000, "min_spend_amount": 15_000, "valid_days": 30},
    {"code": "free-shipping", "name_zh": "包邮券", "name_en": "Free shipping", "kind": "free_shipping",
     "points_cost": 300, "valid_days": 60},
    {"code": "gold-10pct", "name_zh": "金卡专享9折券", "name_en": "Gold members: 10% off", "kind": "coupon_percent",
     "points_cost": 2_000, "percent_off": 10, "min_spend_amount": 10_000, "min_tier_code": "gold", "valid_days": 30},
    {"code": "tote-bag", "name_zh": "定制帆布袋", "name_en": "Shop tote bag", "kind": "gift", "points_cost": 3_000,
     "stock": 200, "per_member_limit": 1, "valid_days": 90},
)


def _ensure_loyalty_program(session: Session, shop) -> None:
    """The demo shop runs the default loyalty program, so its history earns points and members have tiers, and
    offers a small rewards catalogue."""
    from ..loyalty.service.program import versions as program
    from ..loyalty.service.spending import rewards

    if program.get_program(session, shop.id) is None:
        program.create_program(session, shop, actor=writer.DEMO_ACTOR)
    active = program.active(session, shop.id)
    if active is None:
        return
    tiers = {tier.code for tier in active.config.tiers}
    for spec in DEMO_REWARDS:
        if spec.get("min_tier_code", "member") in tiers and \
                rewards.get_reward(session, active, spec["code"], required=False) is None:
            rewards.create_reward(session, active, actor=writer.DEMO_ACTOR, **spec)


def build_demo(session: Session, *, seed: int, customers: int, years: int, shop_code: str = "demo",
               until: str | None = None, reset: bool = False,
               progress: Progress | None = None) -> DemoResult:
    """Generate the demo shop into shop_code and create its sample staff, in the caller's transaction."""
    if not _CODE.match(shop_code):
        raise InvalidInput("invalid_shop_code", f"shop: '{shop_code}' must be 1–30 of a-z, 0-9, '-', '_'",
                           field="shop")
    if not 10 <= customers <= 200_000:
        raise InvalidInput("invalid_customers", "customers: between 10 and 200,000", field="customers")
    if not 1 <= years <= 10:
        raise InvalidInput("invalid_years", "years: between 1 and 10", field="years")
    given_until = parse_until(until)
    tick = progress or (lambda _what, _n, _total: None)
    timezone = get_settings().default_timezone
    if given_until is not None:
        end_of_history(given_until, timezone)  # refuse a future date before anything is deleted
    shop, deleted = writer.prepare_shop(session, shop_code, reset=reset, timezone=timezone)
    tick("generate", 0, GENERATE_STEPS)
    until_day = end_of_history(given_until, shop.timezone)
    demo = generate(seed=seed, customers=customers, years=years, until=until_day, tz=shop.timezone,
                    progress=lambda: tick("generate", 1, GENERATE_STEPS))
    stored = writer.store(session, shop, demo, progress)
    _ensure_loyalty_program(session, shop)
    staff = writer.ensure_staff(session, shop_code, demo, reset=reset)
    review_writer.store_reviews(session, shop, demo, stored, agent=_agent(session, shop_code), progress=progress)
    return DemoResult(shop_code, summarize(demo), staff, deleted)


def _agent(session: Session, shop_code: str) -> Actor | None:
    """The demo's 客服, who replies to the reviews and handles their care cases."""
    username = writer.demo_usernames(shop_code)["agent"]
    user = next((u for u in staff_service.list_users(session) if u.username == username and u.is_active), None)
    return Actor(label=user.username, user_id=user.id, role=user.role) if user else None
