"""A program version's rules as one validated document: tiers, earning, expiry, offers, limits.

Every number is an integer: money in minor units, multipliers in per-mille (1000 = 1×, 1500 = 1.5×), discounts
in whole percent off. A version is checked completely before it is stored, and a published version is never
edited: changes are a new version (and can be backtested before they are published).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..core.errors import InvalidInput

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
ROLES_WITH_LIMITS = ("agent", "operations", "manager", "owner")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(_Strict):
    """One tier. Qualifies when spend ≥ min_spend_amount or/and orders ≥ min_orders in the window."""

    code: str
    name_zh: str = Field(min_length=1, max_length=40)
    name_en: str = Field(min_length=1, max_length=40)
    min_spend_amount: int = Field(0, ge=0)
    min_orders: int = Field(0, ge=0)
    qualify_by: Literal["either", "both"] = "either"
    # Kept at the periodic review with this much (default: the qualifying thresholds).
    keep_spend_amount: int | None = Field(None, ge=0)
    keep_orders: int | None = Field(None, ge=0)
    discount_percent: int = Field(0, ge=0, le=90)
    points_multiplier: int = Field(1000, ge=0, le=100_000)
    free_shipping: bool = False
    priority_service: bool = False
    birthday_points: int = Field(0, ge=0)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE.match(value):
            raise ValueError("a tier code is 1–40 of a-z, 0-9, _ and -, starting with a letter or digit")
        return value

    @property
    def keep_spend(self) -> int:
        return self.min_spend_amount if self.keep_spend_amount is None else self.keep_spend_amount

    @property
    def keep_order_count(self) -> int:
        return self.min_orders if self.keep_orders is None else self.keep_orders


class Promotion(_Strict):
    """A points multiplier for orders paid on the shop-local dates start_on..end_on (e.g. double points on 双11)."""

    name: str = Field(min_length=1, max_length=60)
    start_on: date
    end_on: date
    multiplier: int = Field(ge=1000, le=100_000)

    @model_validator(mode="after")
    def _order(self):
        if self.end_on < self.start_on:
            raise ValueError("end_on is before start_on")
        return self


class Earning(_Strict):
    """Points per order: floor(base × points_per_unit / unit_amount × multipliers) per line (see rules.py)."""

    points_per_unit: int = Field(1, ge=0, le=10_000)
    unit_amount: int = Field(100, ge=1)  # minor units per unit: 100 = one yuan
    include_shipping: bool = False
    category_multipliers: dict[str, int] = Field(default_factory=dict)
    product_multipliers: dict[str, int] = Field(default_factory=dict)  # by SKU; wins over the category
    promotions: list[Promotion] = Field(default_factory=list)
    return_window_days: int = Field(15, ge=0, le=365)
    # When an order is never marked delivered or completed, its return window starts this long after payment
    # (the platforms' automatic confirmation of receipt).
    auto_confirm_days: int = Field(15, ge=0, le=90)
    # Orders paid before this shop-local date count for tiers but earn no points (the program's start).
    start_on: date | None = None
    daily_cap: int | None = Field(None, ge=1)  # order points per member per shop-local day
    monthly_cap: int | None = Field(None, ge=1)
    join_points: int = Field(0, ge=0)
    first_order_points: int = Field(0, ge=0)
    birthday_points: int = Field(0, ge=0)
    review_points: int = Field(0, ge=0)  # a review with text, once per order
    review_min_chars: int = Field(10, ge=1)
    referrer_points: int = Field(0, ge=0)
    referee_points: int = Field(0, ge=0)

    @field_validator("category_multipliers", "product_multipliers")
    @classmethod
    def _multipliers(cls, value: dict[str, int]) -> dict[str, int]:
        for key, factor in value.items():
            if not (0 <= factor <= 100_000):
                raise ValueError(f"multiplier for '{key}' must be 0…100000 per mille")
        return value


class Expiry(_Strict):
    """rolling: a lot expires `months` after it became available; annual: at the end of the year after; never."""

    mode: Literal["rolling", "annual", "never"] = "rolling"
    months: int = Field(12, ge=1, le=120)


class Qualification(_Strict):
    """The window spend and orders are counted over, and when downgrades happen."""

    window: Literal["rolling_12m", "calendar_year", "anniversary"] = "rolling_12m"
    review_every_months: int = Field(1, ge=1, le=12)


class LadderStep(_Strict):
    """A discount that grows with purchase count: from the `min_orders`-th paid order on, `percent_off`."""

    min_orders: int = Field(ge=1)
    percent_off: int = Field(ge=1, le=90)


class Offer(_Strict):
    """An offer for new or old customers: percent off, amount off over a minimum, or a gift for N items."""

    code: str
    name_zh: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=60)
    audience: Literal["all", "new", "old"] = "old"
    kind: Literal["percent_off", "amount_off", "gift_for_items"]
    percent_off: int | None = Field(None, ge=1, le=90)
    amount_off: int | None = Field(None, ge=1)
    min_spend_amount: int = Field(0, ge=0)
    min_items: int = Field(0, ge=0)
    gift: str | None = Field(None, max_length=120)

    @model_validator(mode="after")
    def _complete(self):
        need = {"percent_off": self.percent_off, "amount_off": self.amount_off, "gift_for_items": self.gift}[self.kind]
        if need is None:
            raise ValueError(f"an offer of kind {self.kind} needs its value")
        if self.kind == "gift_for_items" and self.min_items < 1:
            raise ValueError("a gift offer needs min_items ≥ 1 (买满N件送赠品)")
        return self


class ProgramConfig(_Strict):
    """The whole rule set of one program version."""

    tiers: list[Tier] = Field(min_length=1)
    earning: Earning = Field(default_factory=Earning)
    expiry: Expiry = Field(default_factory=Expiry)
    qualification: Qualification = Field(default_factory=Qualification)
    ladder: list[LadderStep] = Field(default_factory=list)
    offers: list[Offer] = Field(default_factory=list)
    # What 100 points are worth when spent as payment (minor units): the liability report values points at this.
    points_value_per_100: int = Field(100, ge=0)
    max_points_payment_percent: int = Field(50, ge=0, le=100)
    # Manual adjustments a role may post without approval (points, either sign); above it a manager approves.
    adjust_limits: dict[str, int] = Field(default_factory=lambda: {"agent": 200, "operations": 500,
                                                                    "manager": 20_000, "owner": 1_000_000})
    birthday_change_days: int = Field(365, ge=0)
    referral_reward_after_days: int | None = Field(None, ge=0)  # default: the earning return window

    @model_validator(mode="after")
    def _consistent(self):
        codes = [tier.code for tier in self.tiers]
        if len(set(codes)) != len(codes):
            raise ValueError("tier codes must be different")
        for lower, higher in zip(self.tiers, self.tiers[1:], strict=False):
            if higher.min_spend_amount < lower.min_spend_amount or higher.min_orders < lower.min_orders:
                raise ValueError(f"tiers go from lowest to highest: '{higher.code}' needs less than '{lower.code}'")
        first = self.tiers[0]
        if first.min_spend_amount or first.min_orders:
            raise ValueError(f"the first tier '{first.code}' is the entry tier: it needs min_spend_amount 0 and "
                             f"min_orders 0")
        steps = [step.min_orders for step in self.ladder]
        if steps != sorted(set(steps)):
            raise ValueError("ladder steps go up by min_orders, each once")
        offer_codes = [offer.code for offer in self.offers]
        if len(set(offer_codes)) != len(offer_codes):
            raise ValueError("offer codes must be different")
        for role in self.adjust_limits:
            if role not in ROLES_WITH_LIMITS:
                raise ValueError(f"adjust_limits: unknown role '{role}'")
        return self

    def tier(self, code: str | None) -> Tier | None:
        return next((tier for tier in self.tiers if tier.code == code), None)

    def rank(self, code: str | None) -> int:
        """Position of a tier (0 = entry); unknown or None = -1."""
        return next((i for i, tier in enumerate(self.tiers) if tier.code == code), -1)


def default_config() -> ProgramConfig:
    """The program a new shop starts with: 普通/银卡/金卡/钻石, 1 point per yuan, 12-month expiry."""
    return ProgramConfig(
        tiers=[
            Tier(code="member", name_zh="普通会员", name_en="Member"),
            Tier(code="silver", name_zh="银卡会员", name_en="Silver", min_spend_amount=100_000, min_orders=3,
                 keep_spend_amount=80_000, discount_percent=2, points_multiplier=1200, birthday_points=100),
            Tier(code="gold", name_zh="金卡会员", name_en="Gold", min_spend_amount=300_000, min_orders=6,
                 keep_spend_amount=240_000, discount_percent=5, points_multiplier=1500, free_shipping=True,
                 birthday_points=300),
            Tier(code="diamond", name_zh="钻石会员", name_en="Diamond", min_spend_amount=800_000, min_orders=12,
                 keep_spend_amount=640_000, discount_percent=8, points_multiplier=2000, free_shipping=True,
                 priority_service=True, birthday_points=800),
        ],
        earning=Earning(join_points=50, first_order_points=100, birthday_points=100, review_points=20,
                        referrer_points=200, referee_points=100),
        ladder=[LadderStep(min_orders=3, percent_off=3), LadderStep(min_orders=6, percent_off=5),
                LadderStep(min_orders=10, percent_off=8)],
        offers=[Offer(code="old20", name_zh="老客8折", name_en="Returning customers 20% off", audience="old",
                      kind="percent_off", percent_off=20, min_spend_amount=20_000),
                Offer(code="gift3", name_zh="买满3件送赠品", name_en="Gift with 3 items", audience="all",
                      kind="gift_for_items", min_items=3, gift="定制帆布袋")],
    )


def parse_config(data: dict) -> ProgramConfig:
    """Validate a rule set; the error names the field (e.g. `tiers.2.min_orders`)."""
    from pydantic import ValidationError

    try:
        return ProgramConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ()))
        message = first.get("msg", "invalid").removeprefix("Value error, ")
        raise InvalidInput("invalid_program", f"{field or 'program'}: {message}", field=field or None) from exc
