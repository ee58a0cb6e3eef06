"""The outbox: domain events written in the caller's transaction and handled after commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import clock
from .db import Base, BigId, UTCDateTime

TOPICS = ("order_created", "order_paid", "order_shipped", "order_delivered", "order_completed",
          "order_cancelled", "order_refunded", "orders_imported", "customer_erased",
          "review_received", "review_revised", "member_tier_changed", "referral_rewarded",
          "survey_detractor", "ticket_closed", "desk_event",
          # the desk's promise register, the care callbacks and the message log changed (the home page's work
          # figures: promises due and overdue, callbacks due, failed sends)
          "promise_changed", "callbacks_changed", "messages_settled")


class OutboxEvent(Base):
    __tablename__ = "outbox_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), index=True)
    aggregate: Mapped[str] = mapped_column(String(40))
    aggregate_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


def emit(session: Session, topic: str, aggregate: str, aggregate_id: int | None, **payload) -> OutboxEvent:
    """Record a domain event in the current transaction."""
    if topic not in TOPICS:
        raise ValueError(f"unknown event topic {topic}")
    event = OutboxEvent(topic=topic, aggregate=aggregate, aggregate_id=aggregate_id, payload=payload,
                        created_at=clock.now(), attempts=0)
    session.add(event)
    return event


def pending(session: Session, limit: int = 100) -> list[OutboxEvent]:
    """Events not yet handled, oldest first."""
    stmt = select(OutboxEvent).where(OutboxEvent.processed_at.is_(None)).order_by(OutboxEvent.id).limit(limit)
    return list(session.scalars(stmt))
