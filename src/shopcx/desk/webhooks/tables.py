"""Tables of the desk's outgoing webhooks: a shop's subscriptions and one delivery row per subscription and outbox
event (unique on both: an event handled twice is still delivered once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...core.db import Base, BigId, UTCDateTime


class DeskWebhook(Base):
    """One receiver of a shop's desk events: where, the secret it checks signatures with, which events, on or off;
    `pii`: the payload shows contacts as the API shows them to a token with `pii` (else masked)."""

    __tablename__ = "desk_webhook"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    # Encrypted with the app's secret key (core.security.encrypt_text): it must be usable to sign.
    secret: Mapped[str] = mapped_column(String(512))
    events: Mapped[list] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    pii: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeskWebhookDelivery(Base):
    """One event for one subscription: the body signed and sent (the same bytes on every attempt), its status
    (pending, sending, delivered, retry, failed), attempts, the last answer or error, and when to try again."""

    __tablename__ = "desk_webhook_delivery"
    __table_args__ = (UniqueConstraint("webhook_id", "event_id"),
                      Index("ix_desk_webhook_delivery_due", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("desk_webhook.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(BigInteger)  # the outbox event's id: "evt_<id>" for the receiver
    event_type: Mapped[str] = mapped_column(String(40))
    # The buyer the event is about (the ticket's or the promise's): a buyer's erasure scrubs the bodies kept here.
    customer_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
