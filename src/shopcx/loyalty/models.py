"""Loyalty tables: the program and its versioned rules, member accounts, the append-only points ledger with its
lots, tier activity and changes, rewards and coupons, referrals, and adjustments waiting for approval.

The ledger follows the gift-card pattern: `points_entry` rows are only ever inserted; the balances on
`loyalty_account` and the `remaining` of each `points_lot` are caches written in the same transaction and guarded
by CHECK constraints, so a bug that would overspend fails at the database instead of going negative.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, BigId, UTCDateTime


class LoyaltyProgram(Base):
    """One program per shop; its rules live in numbered versions, one of them published."""

    __tablename__ = "loyalty_program"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    published_version: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProgramVersion(Base):
    """A complete rule set (tiers, earning, expiry, rewards policy); published versions are never edited."""

    __tablename__ = "loyalty_program_version"
    __table_args__ = (UniqueConstraint("program_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("loyalty_program.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # draft | published | retired
    config: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(80))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(80))


class LoyaltyAccount(Base):
    """A member: balances (caches of the ledger), tier, referral code."""

    __tablename__ = "loyalty_account"
    __table_args__ = (
        UniqueConstraint("program_id", "customer_id"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("pending_balance >= 0", name="pending_not_negative"),
        CheckConstraint("shortfall >= 0", name="shortfall_not_negative"),
        Index("ix_loyalty_account_program_tier", "program_id", "tier_code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("loyalty_program.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    pending_balance: Mapped[int] = mapped_column(BigInteger, default=0)
    # Points a refund should have taken back but that had already been spent; settled from later activations.
    shortfall: Mapped[int] = mapped_column(BigInteger, default=0)
    lifetime_earned: Mapped[int] = mapped_column(BigInteger, default=0)
    lifetime_redeemed: Mapped[int] = mapped_column(BigInteger, default=0)
    lifetime_expired: Mapped[int] = mapped_column(BigInteger, default=0)
    tier_code: Mapped[str | None] = mapped_column(String(40))
    tier_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The tier held after the last periodic review: a refund may undo a later upgrade, never go below this.
    reviewed_tier_code: Mapped[str | None] = mapped_column(String(40))
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    floor_tier_code: Mapped[str | None] = mapped_column(String(40))
    floor_reason: Mapped[str | None] = mapped_column(String(255))
    floor_until: Mapped[date | None] = mapped_column(Date)
    referral_code: Mapped[str] = mapped_column(String(16), unique=True)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_account.id", ondelete="SET NULL"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    birthday_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every ledger write: the row lock that serialises them (see ledger.lock_account).
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PointsEntry(Base):
    """One ledger line. `points` changes the available balance, `pending_points` the pending one."""

    __tablename__ = "points_entry"
    __table_args__ = (
        Index("ix_points_entry_account_id", "account_id", "id"),
        Index("ix_points_entry_order", "order_id"),
        Index("ix_points_entry_pending", "kind", "pending_points"),
        Index("ix_points_entry_source", "source_type", "source_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # earn | activate | redeem | expire | reverse | adjust
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    pending_points: Mapped[int] = mapped_column(BigInteger, default=0)
    # Points a reversal could not take back because they were spent (recorded, added to the account's shortfall).
    shortfall: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(String(40))  # order | refund | join | birthday | review | referral | ...
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id", ondelete="SET NULL"))
    order_line_no: Mapped[int | None] = mapped_column(Integer)
    source_type: Mapped[str | None] = mapped_column(String(20))
    source_id: Mapped[str | None] = mapped_column(String(64))
    # activate and reverse entries point at the earn entry they move or take back.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("points_entry.id", ondelete="SET NULL"), index=True)
    rule_version: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The shop-local day the points were earned for (order payment day, birthday, ...): what caps count by.
    earned_on: Mapped[date | None] = mapped_column(Date)


class PointsLot(Base):
    """Available points with one expiry date; consumed nearest-expiring first."""

    __tablename__ = "points_lot"
    __table_args__ = (
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
        CheckConstraint("remaining <= points", name="remaining_within_points"),
        Index("ix_points_lot_account_open", "account_id", "expires_on", "id"),
        Index("ix_points_lot_expiry", "expires_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_account.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("points_entry.id", ondelete="CASCADE"), unique=True)
    points: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    expires_on: Mapped[date | None] = mapped_column(Date)  # None = never; the points expire at its local midnight
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PointsAllocation(Base):
    """Which lots a consuming entry (redeem, expire, reverse, adjust) took its points from."""

    __tablename__ = "points_allocation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("points_entry.id", ondelete="CASCADE"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("points_lot.id", ondelete="CASCADE"), index=True)
    points: Mapped[int] = mapped_column(BigInteger)


class TierActivity(Base):
    """Spend and order count that qualify for tiers: + on payment, − on refund; append-only and keyed."""

    __tablename__ = "tier_activity"
    __table_args__ = (Index("ix_tier_activity_account_at", "account_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_account.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id", ondelete="SET NULL"))
    spend_amount: Mapped[int] = mapped_column(BigInteger)
    orders: Mapped[int] = mapped_column(Integer)
    # When the activity counts in the qualification window: the order's payment time, also for its refunds.
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TierChange(Base):
    __tablename__ = "tier_change"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_account.id", ondelete="CASCADE"), index=True)
    from_tier: Mapped[str | None] = mapped_column(String(40))
    to_tier: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(20))  # join | qualify | refund | review | manual | floor_ended
    note: Mapped[str | None] = mapped_column(String(255))
    rule_version: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Reward(Base):
    """An item of the rewards catalogue: what a member can take for points (or is given by an offer)."""

    __tablename__ = "loyalty_reward"
    __table_args__ = (
        UniqueConstraint("program_id", "code"),
        CheckConstraint("points_cost >= 0", name="points_cost_not_negative"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("loyalty_program.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    # coupon_amount | coupon_percent | free_shipping | gift
    kind: Mapped[str] = mapped_column(String(20))
    points_cost: Mapped[int] = mapped_column(BigInteger)
    amount_off: Mapped[int | None] = mapped_column(BigInteger)
    percent_off: Mapped[int | None] = mapped_column(Integer)
    min_spend_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    valid_days: Mapped[int] = mapped_column(Integer, default=30)
    stock: Mapped[int | None] = mapped_column(Integer)  # None = unlimited
    per_member_limit: Mapped[int | None] = mapped_column(Integer)
    min_tier_code: Mapped[str | None] = mapped_column(String(40))
    audience: Mapped[str] = mapped_column(String(8), default="all")  # all | new | old
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Coupon(Base):
    """A code a buyer applies at checkout; issued for points, by an offer, or created by staff as a campaign."""

    __tablename__ = "coupon"
    __table_args__ = (
        UniqueConstraint("shop_id", "code"),
        CheckConstraint("used_count >= 0", name="used_not_negative"),
        CheckConstraint("max_uses IS NULL OR used_count <= max_uses", name="used_within_max"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # coupon_amount | coupon_percent | free_shipping | gift
    amount_off: Mapped[int | None] = mapped_column(BigInteger)
    percent_off: Mapped[int | None] = mapped_column(Integer)
    min_spend_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_uses: Mapped[int | None] = mapped_column(Integer)
    max_uses_per_customer: Mapped[int | None] = mapped_column(Integer)
    used_count: Mapped[int] = mapped_column(Integer, default=0)
    audience: Mapped[str] = mapped_column(String(8), default="all")  # all | new | old
    account_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_account.id", ondelete="CASCADE"), index=True)
    reward_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_reward.id", ondelete="SET NULL"))
    redeem_entry_id: Mapped[int | None] = mapped_column(ForeignKey("points_entry.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | used | void
    name: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(80))


class CouponUse(Base):
    """A coupon applied to an order: once per order, counted against the coupon's limits."""

    __tablename__ = "coupon_use"
    __table_args__ = (UniqueConstraint("coupon_id", "order_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupon.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    discount_amount: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the order was cancelled or refunded


class Referral(Base):
    """A member brought a new customer; rewarded when the referee's first order is past its return window."""

    __tablename__ = "referral"
    # A customer spans shops: each shop's program may have its own referral of them.
    __table_args__ = (UniqueConstraint("program_id", "referee_customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("loyalty_program.id", ondelete="CASCADE"), index=True)
    referrer_account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_account.id", ondelete="CASCADE"),
                                                     index=True)
    referee_customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # pending | qualified | rewarded | refused | void
    reason: Mapped[str | None] = mapped_column(String(255))
    first_order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rewarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AdjustmentRequest(Base):
    """A manual points adjustment above the requester's limit, waiting for a manager (分级授权)."""

    __tablename__ = "points_adjustment_request"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_account.id", ondelete="CASCADE"), index=True)
    points: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12), index=True)  # pending | approved | rejected
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(255))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("points_entry.id", ondelete="SET NULL"))
