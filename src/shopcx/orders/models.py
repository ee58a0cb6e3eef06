"""Orders, their lines, status history, shipments and refunds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, BigId, UTCDateTime


class Product(Base):
    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("shop_id", "sku"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    category: Mapped[str | None] = mapped_column(String(80), index=True)
    price_amount: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Order(Base):
    """An order; kind 'return' and 'adjustment' are credit documents some platforms export as orders."""

    __tablename__ = "shop_order"
    __table_args__ = (
        UniqueConstraint("shop_id", "source", "external_id"),
        Index("ix_shop_order_customer_placed", "customer_id", "placed_at"),
        Index("ix_shop_order_shop_placed", "shop_id", "placed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(12), default="sale")
    status: Mapped[str] = mapped_column(String(20), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    goods_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    # Tax the platform reports; when not included in the prices (a US-style sales tax added on top) it is part of
    # paid_amount but neither goods nor something loyalty points are earned on.
    tax_amount: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    taxes_included: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    buyer_name: Mapped[str | None] = mapped_column(String(120))
    ship_country: Mapped[str | None] = mapped_column(String(64))
    ship_province: Mapped[str | None] = mapped_column(String(64))
    ship_city: Mapped[str | None] = mapped_column(String(64))
    buyer_note: Mapped[str | None] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Imported from an order-level report (no item rows): counted in revenue, absent from product figures.
    lines_missing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


    # The platform's own last-modified time of the figures stored (None: never stated); a re-sent order may
    # change its amounts only with a later one (orders/service.py: _figures_changed).
    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[OrderLine]] = relationship(order_by="OrderLine.line_no", lazy="selectin",
                                                  cascade="all, delete-orphan")
    shipments: Mapped[list[Shipment]] = relationship(order_by="Shipment.id", lazy="selectin",
                                                     cascade="all, delete-orphan")
    refunds: Mapped[list[Refund]] = relationship(order_by="Refund.id", lazy="selectin", cascade="all, delete-orphan")
    history: Mapped[list[OrderStatusChange]] = relationship(order_by="OrderStatusChange.id", lazy="selectin",
                                                            cascade="all, delete-orphan")


class OrderLine(Base):
    """One line; its identity is its position in the order, never its content (identical lines are real)."""

    __tablename__ = "order_line"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)
    sku: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_amount: Mapped[int] = mapped_column(BigInteger)
    total_amount: Mapped[int] = mapped_column(BigInteger)


class OrderStatusChange(Base):
    __tablename__ = "order_status_change"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(String(255))


class Shipment(Base):
    __tablename__ = "shipment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str | None] = mapped_column(String(60))
    tracking_no: Mapped[str | None] = mapped_column(String(80))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    damaged: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(255))


class Refund(Base):
    """Money given back on an order, with the lines it covers and why."""

    __tablename__ = "refund"
    __table_args__ = (
        UniqueConstraint("order_id", "external_id"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(20), default="refund_only")  # refund_only | return_refund
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(String(255))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[RefundLine]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class RefundLine(Base):
    __tablename__ = "refund_line"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refund.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
