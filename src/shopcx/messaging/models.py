"""Messaging tables: every message with its life (queued → sending → sent → delivered / bounced / failed, then
clicked / unsubscribed), the per-shop sending rules, and the addresses that bounced."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, BigId, UTCDateTime

STATUSES = ("queued", "sending", "sent", "delivered", "bounced", "failed", "skipped", "clicked", "unsubscribed")
CHANNELS = ("email", "sms", "wechat", "agent")
# What the log can filter by besides one status: "undelivered" is every message that did not arrive (refused when
# sent, or bounced later), the home page's card of failed sends.
STATUS_GROUPS = {"undelivered": ("failed", "bounced")}


class Message(Base):
    """One message to one person. `key` (purpose:customer:occasion) is unique, so queueing the same thing twice
    or retrying after a failure or a crash never makes a second message."""

    __tablename__ = "message"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sending', 'sent', 'delivered', 'bounced', 'failed', 'skipped', "
                        "'clicked', 'unsubscribed')", name="status"),
        CheckConstraint("channel IN ('email', 'sms', 'wechat', 'agent')", name="channel"),
        Index("ix_message_due", "status", "next_attempt_at"),
        Index("ix_message_customer_sent", "customer_id", "sent_at"),
        Index("ix_message_ref", "ref_type", "ref_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    purpose: Mapped[str] = mapped_column(String(40))
    occasion: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(10))
    provider: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5), default="zh")
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    ref_type: Mapped[str | None] = mapped_column(String(40))  # what the message is about, e.g. survey_invitation
    ref_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    reason: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MessageSetting(Base):
    """A shop's sending rules: quiet hours in its timezone, frequency caps across everything sent, opt-in, sandbox."""

    __tablename__ = "message_setting"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), primary_key=True)
    sandbox: Mapped[bool] = mapped_column(Boolean, default=False)
    require_opt_in: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="09:00")
    cap_day: Mapped[int] = mapped_column(Integer, default=2)
    cap_week: Mapped[int] = mapped_column(Integer, default=4)
    cap_month: Mapped[int] = mapped_column(Integer, default=10)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Suppression(Base):
    """An address nothing is sent to any more (it bounced hard, or a provider said it does not exist)."""

    __tablename__ = "message_suppression"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
