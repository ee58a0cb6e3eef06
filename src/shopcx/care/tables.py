"""Care tables: templates, care moments and campaigns, the recipients queue (with each person's control-group draw),
bought-together pairs, VIP managers and call tasks, and carrier scans of parcels.

`care_recipient` is the heart: one row per (occasion, person), unique, so queuing twice is a no-op; it stores the
person's group (treatment or control, from a seeded draw), what was rendered for them and where it went.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, BigId, UTCDateTime


class CareTemplate(Base):
    """A message template in zh and en (sandboxed Jinja2), named by a code unique in its shop."""

    __tablename__ = "care_template"
    __table_args__ = (UniqueConstraint("shop_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    subject_zh: Mapped[str] = mapped_column(String(400))
    body_zh: Mapped[str] = mapped_column(Text)
    subject_en: Mapped[str] = mapped_column(String(400))
    body_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(80))


class CareMoment(Base):
    """One automation of a shop (birthday, win-back …): switched on or off, its settings, template and control share."""

    __tablename__ = "care_moment"
    __table_args__ = (UniqueConstraint("shop_id", "kind"),
                      CheckConstraint("control_share >= 0 AND control_share < 1", name="control_share"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("care_template.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(12), default="email")
    control_share: Mapped[float] = mapped_column(Float, default=0.1)
    seed: Mapped[str] = mapped_column(String(40))
    last_run_on: Mapped[date | None] = mapped_column(Date)
    last_run_queued: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


CAMPAIGN_STATUSES = ("draft", "scheduled", "sending", "sent", "cancelled")


class CareCampaign(Base):
    """An audience, a message and optional offer, a schedule, a throttle and a random control group."""

    __tablename__ = "care_campaign"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled')", name="status"),
        CheckConstraint("control_share >= 0 AND control_share < 1", name="control_share"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("care_template.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(12), default="email")
    # {"kind": "coupon", "amount_off": 1000, "min_spend_amount": 0, "days": 30} or {"kind": "points", "points": 200}
    offer: Mapped[dict] = mapped_column(JSON, default=dict)
    control_share: Mapped[float] = mapped_column(Float, default=0.1)
    seed: Mapped[str] = mapped_column(String(40))
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    throttle_per_hour: Mapped[int | None] = mapped_column(Integer)
    window_days: Mapped[int] = mapped_column(Integer, default=14)
    message_cost_amount: Mapped[int] = mapped_column(BigInteger, default=0)  # per message, minor units
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    audience_size: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(80))


RECIPIENT_STATUSES = ("queued", "sent", "skipped", "held", "failed", "control")


class CareRecipient(Base):
    """One person for one occasion (a campaign, or a moment's occasion and year): their group and their message."""

    __tablename__ = "care_recipient"
    __table_args__ = (
        UniqueConstraint("source", "source_id", "occasion", "customer_id"),
        Index("ix_care_recipient_status", "status", "send_after"),
        Index("ix_care_recipient_customer", "customer_id", "queued_at"),
        CheckConstraint("grp IN ('treatment', 'control')", name="grp"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(10))  # campaign | moment
    source_id: Mapped[int] = mapped_column(BigInteger)
    occasion: Mapped[str] = mapped_column(String(80))  # "campaign" or the moment's occasion key
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    grp: Mapped[str] = mapped_column(String(10))
    bucket: Mapped[float] = mapped_column(Float)  # the seeded draw in [0, 1): control when below the share
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(12))
    language: Mapped[str | None] = mapped_column(String(5))
    subject: Mapped[str | None] = mapped_column(String(400))
    body: Mapped[str | None] = mapped_column(Text)
    coupon_code: Mapped[str | None] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_ref: Mapped[str | None] = mapped_column(String(80))


class ProductPair(Base):
    """A → B bought together in the shop: n_AB, confidence and lift (care/models/together.py), per computation."""

    __tablename__ = "care_product_pair"
    __table_args__ = (UniqueConstraint("shop_id", "product_id", "other_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    together: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    lift: Mapped[float] = mapped_column(Float)
    baskets: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VipManager(Base):
    """The agent who owns a top-tier customer's callbacks and care."""

    __tablename__ = "care_vip_manager"
    __table_args__ = (UniqueConstraint("shop_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CallTask(Base):
    """A callback (回访) for an agent: why, when, the script's kind and the outcome of each attempt."""

    __tablename__ = "care_call_task"
    __table_args__ = (
        UniqueConstraint("shop_id", "key"),
        Index("ix_care_call_task_due", "status", "due_on"),
        CheckConstraint("status IN ('open', 'done')", name="status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(120))
    ref: Mapped[str | None] = mapped_column(String(80))  # the order, ticket or review day it is about
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(20))
    sentiment: Mapped[str | None] = mapped_column(String(10))
    notes: Mapped[str | None] = mapped_column(Text)
    promise: Mapped[str | None] = mapped_column(Text)  # what the agent promised during the call
    # The same promise in the desk's register (due date, kept or broken, reminders); it names this task back.
    promise_id: Mapped[int | None] = mapped_column(ForeignKey("desk_promise.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(80))


class ParcelScan(Base):
    """A carrier status update of a shipment (in transit, out for delivery …), idempotent on (shipment, status, at)."""

    __tablename__ = "care_parcel_scan"
    __table_args__ = (UniqueConstraint("shipment_id", "status", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipment.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str | None] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(20), default="api")
