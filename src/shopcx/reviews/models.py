"""Review tables: reviews with their DSR ratings, 追评 and revision history, care cases and their contacts,
per-platform settings and reply templates."""

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
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, BigId, UTCDateTime


def _one_to_five(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IS NULL OR ({column} BETWEEN 1 AND 5)", name=f"{column}_range")


class Review(Base):
    """One buyer review of an order (optionally one line): class, stars, DSR ratings, text, reply, text analysis.

    Idempotent on (shop, platform, external id). `first_class` keeps the class it arrived with, so the revision
    rate of 中/差评 does not depend on what later happened; `reviewed_on` is the review's day in the shop's
    timezone (what DSR windows count).
    """

    __tablename__ = "review"
    __table_args__ = (
        UniqueConstraint("shop_id", "platform", "external_id"),
        Index("ix_review_shop_reviewed_on", "shop_id", "reviewed_on"),
        Index("ix_review_customer_reviewed_at", "customer_id", "reviewed_at"),
        # The inbox reads one class inside the revision window: a few weeks of it, not every review of the class.
        Index("ix_review_rating_class_reviewed_at", "rating_class", "reviewed_at"),
        CheckConstraint("rating_class IN ('good', 'neutral', 'bad')", name="rating_class"),
        CheckConstraint("first_class IN ('good', 'neutral', 'bad')", name="first_class"),
        _one_to_five("stars"), _one_to_five("dsr_description"), _one_to_five("dsr_service"),
        _one_to_five("dsr_logistics"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(128))
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_line.id", ondelete="SET NULL"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    stars: Mapped[int | None] = mapped_column(SmallInteger)
    platform_class: Mapped[str | None] = mapped_column(String(8))  # 好/中/差 as the platform stated it
    rating_class: Mapped[str] = mapped_column(String(8))
    first_class: Mapped[str] = mapped_column(String(8))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    dsr_description: Mapped[int | None] = mapped_column(SmallInteger)
    dsr_service: Mapped[int | None] = mapped_column(SmallInteger)
    dsr_logistics: Mapped[int | None] = mapped_column(SmallInteger)
    text: Mapped[str | None] = mapped_column(Text)
    image_urls: Mapped[list] = mapped_column(JSON, default=list)
    reviewer_name: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_on: Mapped[date] = mapped_column(Date)
    reply_text: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    followup_text: Mapped[str | None] = mapped_column(Text)  # the latest 追评; all of them in review_followup
    followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revision_count: Mapped[int] = mapped_column(Integer, default=0)
    polarity: Mapped[str | None] = mapped_column(String(8))
    polarity_score: Mapped[float | None] = mapped_column(Float)
    aspects: Mapped[list] = mapped_column(JSON, default=list)
    hidden_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    analyzed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    revisions: Mapped[list[ReviewRevision]] = relationship(order_by="ReviewRevision.id", lazy="selectin",
                                                           cascade="all, delete-orphan")
    followups: Mapped[list[ReviewFollowup]] = relationship(order_by="ReviewFollowup.id", lazy="selectin",
                                                           cascade="all, delete-orphan")


class ReviewRevision(Base):
    """An append-only change of a review's class or stars (e.g. 差评 → 好评), with the contact that preceded it."""

    __tablename__ = "review_revision"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"), index=True)
    from_class: Mapped[str] = mapped_column(String(8))
    to_class: Mapped[str] = mapped_column(String(8))
    from_stars: Mapped[int | None] = mapped_column(SmallInteger)
    to_stars: Mapped[int | None] = mapped_column(SmallInteger)
    previous_text: Mapped[str | None] = mapped_column(Text)  # the text before, when the buyer rewrote it
    revised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("review_contact.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20))  # import | api | staff
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReviewFollowup(Base):
    """A 追评 (follow-up review), kept as history: a changed 追评 adds a row, never overwrites one."""

    __tablename__ = "review_followup"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    followed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReviewCase(Base):
    """The work a 中评 (follow-up task) or 差评 (care case) needs: owner, deadline, contacts, resolution, outcome.

    A record of its own so the complaint desk can take it over later (it links to the case, not the reverse).
    """

    __tablename__ = "review_case"
    __table_args__ = (
        CheckConstraint("kind IN ('care', 'followup')", name="kind"),
        CheckConstraint("status IN ('open', 'contacted', 'resolved', 'closed')", name="status"),
        CheckConstraint("compensation_amount IS NULL OR compensation_amount >= 0", name="compensation_not_negative"),
        Index("ix_review_case_shop_status", "shop_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"), unique=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"), index=True)
    driver: Mapped[str | None] = mapped_column(String(20))  # the first aspect of the review text, if any
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revision_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    compensation_amount: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(12))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    contacts: Mapped[list[ReviewContact]] = relationship(order_by="ReviewContact.id", lazy="selectin",
                                                         cascade="all, delete-orphan")


class ReviewContact(Base):
    """One contact with the buyer about a review: when, how, by whom, what was said and what came of it."""

    __tablename__ = "review_contact"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_case.id", ondelete="CASCADE"), index=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(10))
    result: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReviewSettings(Base):
    """Platform windows, reply rule, care deadlines and DSR benchmarks of one shop on one platform."""

    __tablename__ = "review_settings"
    __table_args__ = (
        UniqueConstraint("shop_id", "platform"),
        CheckConstraint("rating_days BETWEEN 1 AND 365", name="rating_days"),
        CheckConstraint("revision_days BETWEEN 0 AND 365", name="revision_days"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(20))
    rating_days: Mapped[int] = mapped_column(Integer)
    revision_days: Mapped[int] = mapped_column(Integer)
    max_revisions: Mapped[int] = mapped_column(Integer)
    reply_allowed: Mapped[bool] = mapped_column(Boolean)
    care_due_hours: Mapped[int] = mapped_column(Integer)
    followup_due_hours: Mapped[int] = mapped_column(Integer)
    benchmark_description: Mapped[float | None] = mapped_column(Float)
    benchmark_service: Mapped[float | None] = mapped_column(Float)
    benchmark_logistics: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))


class ReplyTemplate(Base):
    """A reply a shop's staff start from, per class and locale, with {name}, {product} and {shop} filled in."""

    __tablename__ = "review_reply_template"
    __table_args__ = (
        CheckConstraint("rating_class IN ('good', 'neutral', 'bad')", name="rating_class"),
        Index("ix_review_reply_template_shop_class", "shop_id", "rating_class"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    rating_class: Mapped[str] = mapped_column(String(8))
    locale: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
