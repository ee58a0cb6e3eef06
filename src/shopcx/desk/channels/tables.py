"""Tables of the buyer channels: attachments (links, kept files, refused files with the reason), the one-question
rating on the status page, the form's per-address hits (rate limit), inbound mail as received, and where a ticket
came from (a review-care case, a survey answer, a webhook delivery) so the same origin never makes two tickets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ...core.db import Base, BigId, UTCDateTime


class TicketAttachment(Base):
    """A link the buyer gave, a file kept from an e-mail, or a file refused (too large, unreadable) with why."""

    __tablename__ = "ticket_attachment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_message.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))  # link | file | refused
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(1000))
    content_type: Mapped[str | None] = mapped_column(String(120))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketRating(Base):
    """The buyer's one-question rating (1–5) of how the complaint was handled, given once on the status page."""

    __tablename__ = "ticket_rating"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeskIntakeHit(Base):
    """One post of the public form from an address (a hash of it, never the address itself): the rate limit."""

    __tablename__ = "desk_intake_hit"
    __table_args__ = (Index("ix_desk_intake_hit_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeskInboundMail(Base):
    """An e-mail as it arrived (raw, up to the kept size), what became of it and any problem, by Message-ID."""

    __tablename__ = "desk_inbound_mail"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_key: Mapped[str] = mapped_column(String(300), unique=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    sender: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    outcome: Mapped[str] = mapped_column(String(20))  # ticket | reply | refused
    problem: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketOrigin(Base):
    """Where a ticket came from outside the desk (a review-care case, a survey answer): one origin, one ticket."""

    __tablename__ = "ticket_origin"
    __table_args__ = (UniqueConstraint("kind", "ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
