"""Loyalty data in and out of the JSON API. Points are integers; money is integer minor units with a currency."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- program ------------------------------------------------------------------------------------------------------

class ProgramCreateIn(_In):
    name: str | None = Field(None, max_length=120)
    config: dict | None = Field(None, description="A full rule set; default: the standard four tiers")


class DraftIn(_In):
    config: dict = Field(description="A full rule set (tiers, earning, expiry, qualification, offers, ...)")
    note: str | None = Field(None, max_length=255)


class PublishIn(_In):
    version: int = Field(ge=1)


class BacktestIn(_In):
    version: int | None = Field(None, ge=1, description="A stored version; default: the open draft")
    config: dict | None = Field(None, description="Or a rule set that is not stored")


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    version: int
    status: str = Field(description="draft | published | retired")
    note: str | None
    created_at: datetime
    created_by: str | None
    published_at: datetime | None
    published_by: str | None


class VersionDetailOut(VersionOut):
    config: dict


class ProgramOut(BaseModel):
    id: int
    shop: str
    name: str
    currency: str
    is_active: bool
    published_version: int | None
    versions: list[VersionOut]
    config: dict | None = Field(description="The published rules")


# --- members and ledger -------------------------------------------------------------------------------------------

class EnrolIn(_In):
    customer_id: int = Field(ge=1, le=2**63 - 1)


class MemberRowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    account_id: int
    customer_id: int
    name: str | None
    tier_code: str | None
    floor_tier_code: str | None
    balance: int
    pending_balance: int
    shortfall: int
    lifetime_earned: int
    expiring_points: int = Field(description="Points expiring within the window asked for (default 30 days)")
    next_expiry_on: date | None
    joined_at: datetime


class MemberPage(BaseModel):
    as_of: date
    items: list[MemberRowOut]
    total: int
    page: int
    page_size: int


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str = Field(description="earn | activate | redeem | expire | reverse | adjust")
    points: int = Field(description="Change of the available balance")
    pending_points: int = Field(description="Change of the pending balance")
    shortfall: int
    reason: str
    order_id: int | None
    source_type: str | None
    source_id: str | None
    parent_id: int | None
    rule_version: int | None
    detail: dict
    note: str | None
    actor: str | None
    created_at: datetime
    earned_on: date | None


class EntryPage(BaseModel):
    items: list[EntryOut]
    total: int
    page: int
    page_size: int


class TierChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    from_tier: str | None
    to_tier: str | None
    reason: str = Field(description="join | qualify | refund | review | manual | floor_ended")
    note: str | None
    rule_version: int | None
    actor: str | None
    at: datetime


class TierChangePage(BaseModel):
    items: list[TierChangeOut]
    total: int
    page: int
    page_size: int


class FloorIn(_In):
    tier: str | None = Field(description="The tier the member never falls below; null removes the floor")
    reason: str = Field(min_length=1, max_length=255)
    until_on: date | None = Field(None, description="Last shop-local day the floor holds; null = until removed")


# --- adjustments --------------------------------------------------------------------------------------------------

class AdjustIn(_In):
    points: int = Field(description="Positive adds points, negative takes them", ge=-100_000_000, le=100_000_000)
    reason: str = Field(max_length=255)


class RequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    account_id: int
    points: int
    reason: str
    status: str = Field(description="pending | approved | rejected")
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    entry_id: int | None


class RequestRowOut(RequestOut):
    customer_id: int
    name: str | None
    balance: int


class RequestPage(BaseModel):
    items: list[RequestRowOut]
    total: int
    page: int
    page_size: int


class AdjustOut(BaseModel):
    status: Literal["posted", "pending_approval"]
    entry: EntryOut | None
    request: RequestOut | None
    balance: int


class DecisionIn(_In):
    note: str | None = Field(None, max_length=255)


# --- rewards, coupons, payments, quotes, referrals ----------------------------------------------------------------

class RewardIn(_In):
    code: str
    name_zh: str
    name_en: str
    kind: Literal["coupon_amount", "coupon_percent", "free_shipping", "gift"]
    points_cost: int
    amount_off: int | None = None
    percent_off: int | None = None
    min_spend_amount: int = 0
    valid_days: int = 30
    stock: int | None = None
    per_member_limit: int | None = None
    min_tier_code: str | None = None
    audience: Literal["all", "new", "old"] = "all"
    is_active: bool = True


class RewardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name_zh: str
    name_en: str
    kind: str
    points_cost: int
    amount_off: int | None
    percent_off: int | None
    min_spend_amount: int
    valid_days: int
    stock: int | None
    per_member_limit: int | None
    min_tier_code: str | None
    audience: str
    is_active: bool


class RewardOptionOut(BaseModel):
    reward: RewardOut
    available: bool
    affordable: bool
    reasons: list[str]
    points_short: int


class RedeemIn(_In):
    reward_code: str = Field(min_length=1, max_length=40)
    idempotency_key: str | None = Field(None, max_length=100, description="Or the Idempotency-Key header")


class CouponOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    kind: str
    amount_off: int | None
    percent_off: int | None
    min_spend_amount: int
    currency: str
    valid_from: datetime
    valid_until: datetime | None
    max_uses: int | None
    max_uses_per_customer: int | None
    used_count: int
    audience: str
    account_id: int | None
    status: str
    name: str | None


class CouponPage(BaseModel):
    items: list[CouponOut]
    total: int
    page: int
    page_size: int


class CouponIn(_In):
    kind: Literal["coupon_amount", "coupon_percent", "free_shipping", "gift"]
    code: str | None = Field(None, max_length=40)
    amount_off: int | None = None
    percent_off: int | None = None
    min_spend_amount: int = 0
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    max_uses: int | None = None
    max_uses_per_customer: int | None = 1
    audience: Literal["all", "new", "old"] = "all"
    name: str | None = Field(None, max_length=120)


class CouponChangeIn(_In):
    name: str | None = Field(None, max_length=120)
    valid_until: AwareDatetime | None = None
    max_uses: int | None = None
    max_uses_per_customer: int | None = None
    audience: Literal["all", "new", "old"] | None = None


class CouponUseIn(_In):
    order_id: int = Field(ge=1, le=2**63 - 1)
    discount_amount: int | None = Field(None, ge=0)


class CouponUseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    coupon_id: int
    customer_id: int | None
    order_id: int
    discount_amount: int
    used_at: datetime
    released_at: datetime | None


class PaymentIn(_In):
    order_ref: str = Field(min_length=1, max_length=64, description="The order's external id")
    order_total_amount: int = Field(ge=1)
    points: int = Field(ge=1)
    idempotency_key: str | None = Field(None, max_length=100, description="Or the Idempotency-Key header")


class PaymentOut(BaseModel):
    entry_id: int
    points: int
    value_amount: int
    replayed: bool
    balance: int


class QuoteItemIn(_In):
    sku: str | None = Field(None, max_length=64)
    category: str | None = Field(None, max_length=80)
    quantity: int
    unit_price_amount: int


class QuoteIn(_In):
    customer_id: int | None = Field(None, ge=1, le=2**63 - 1)
    items: list[QuoteItemIn]
    shipping_amount: int = 0
    coupon_code: str | None = Field(None, max_length=40)


class ReferralIn(_In):
    customer_id: int = Field(ge=1, le=2**63 - 1, description="The new customer (referee)")
    code: str = Field(max_length=16, description="The referrer's referral code")


class ReferralOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    referrer_account_id: int
    referee_customer_id: int
    status: str = Field(description="pending | qualified | rewarded | refused | void")
    reason: str | None
    first_order_id: int | None
    created_at: datetime
    rewarded_at: datetime | None


class ReferralPage(BaseModel):
    items: list[ReferralOut]
    total: int
    page: int
    page_size: int
