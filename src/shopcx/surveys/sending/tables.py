"""How a survey is sent: its channel, the event that triggers it, reminders, the fatigue cap, the quota."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ...core.db import Base, UTCDateTime


class SurveySending(Base):
    """One survey's sending rules (absent: the defaults of sending.service.DEFAULTS, no trigger)."""

    __tablename__ = "survey_sending"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'sms', 'wechat', 'agent')", name="channel"),
        CheckConstraint("trigger IS NULL OR trigger IN ('order_delivered', 'ticket_closed', 'review_received')",
                        name="trigger"),
    )

    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), default="email")
    trigger: Mapped[str | None] = mapped_column(String(20))
    delay_days: Mapped[int] = mapped_column(Integer, default=3)
    reminders: Mapped[int] = mapped_column(Integer, default=1)
    reminder_days: Mapped[int] = mapped_column(Integer, default=3)
    fatigue_days: Mapped[int] = mapped_column(Integer, default=30)
    quota: Mapped[int] = mapped_column(Integer, default=0)
    link_days: Mapped[int] = mapped_column(Integer, default=30)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
