"""Customers: one person across shops, with contacts, dates that matter, tags and consent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, BigId, UTCDateTime

CONSENT_CHANNELS = ("email", "sms", "wechat", "phone", "app_push")
GENDERS = ("female", "male", "other", "unknown")


class Customer(Base):
    __tablename__ = "customer"
    __table_args__ = (
        CheckConstraint("birthday_lunar_month IS NULL OR (birthday_lunar_month BETWEEN 1 AND 12)", name="lunar_month"),
        CheckConstraint("birthday_lunar_day IS NULL OR (birthday_lunar_day BETWEEN 1 AND 30)", name="lunar_day"),
        Index("ix_customer_phone", "phone"),
        Index("ix_customer_email", "email"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(120), index=True)
    nickname: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    gender: Mapped[str] = mapped_column(String(10), default="unknown")
    birthday_on: Mapped[date | None] = mapped_column(Date)
    # A lunar birthday is a month/day of the Chinese calendar, celebrated on a different solar date each year.
    birthday_lunar_month: Mapped[int | None] = mapped_column(Integer)
    birthday_lunar_day: Mapped[int | None] = mapped_column(Integer)
    birthday_is_leap_month: Mapped[bool] = mapped_column(Boolean, default=False)
    country: Mapped[str | None] = mapped_column(String(64))
    province: Mapped[str | None] = mapped_column(String(64))
    city: Mapped[str | None] = mapped_column(String(64))
    preferences: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    identities: Mapped[list[CustomerIdentity]] = relationship(back_populates="customer", lazy="selectin")
    tags: Mapped[list[CustomerTag]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    consents: Mapped[list[CustomerConsent]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    anniversaries: Mapped[list[CustomerAnniversary]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class CustomerIdentity(Base):
    """How a shop platform knows this person: (source, external id) is unique, so imports are idempotent."""

    __tablename__ = "customer_identity"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shop.id"))
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship(back_populates="identities")


class CustomerTag(Base):
    __tablename__ = "customer_tag"
    __table_args__ = (UniqueConstraint("customer_id", "tag"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(String(64), index=True)


class CustomerConsent(Base):
    """Marketing consent per channel, with when and from where it was given or withdrawn."""

    __tablename__ = "customer_consent"
    __table_args__ = (UniqueConstraint("customer_id", "channel"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str | None] = mapped_column(String(40))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CustomerAnniversary(Base):
    __tablename__ = "customer_anniversary"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    label: Mapped[str | None] = mapped_column(String(120))
    on: Mapped[date] = mapped_column("on_date", Date)


