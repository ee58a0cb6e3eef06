"""Shops: the channels one business sells through, and the webhook deliveries they have sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, BigId, UTCDateTime

PLATFORMS = ("taobao", "tmall", "jd", "pinduoduo", "shopify", "woocommerce", "other")
PLATFORMS += ("youzan",)


class Shop(Base):
    __tablename__ = "shop"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    platform: Mapped[str] = mapped_column(String(20), default="other")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    # ISO 3166 alpha-2: the region a phone number written without a country code belongs to.
    country: Mapped[str] = mapped_column(String(2), default="CN", server_default="CN")
    # Encrypted with the app's secret key ("enc:" prefix): the key must be usable to verify signatures.
    webhook_secret: Mapped[str | None] = mapped_column(String(512))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    """One accepted webhook delivery: its platform id makes a redelivery a no-op, and the object's id with its
    `updated_at` lets an older state that arrives late be told apart from a newer one."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("shop_id", "delivery_key"),
        Index("ix_webhook_delivery_object", "shop_id", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    delivery_key: Mapped[str] = mapped_column(String(160))
    topic: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[str] = mapped_column(String(64))
    object_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    applied: Mapped[bool] = mapped_column(Boolean, default=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
