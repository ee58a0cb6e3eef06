"""Tables of mystery-shopper audits: the plan and its one scored result."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ...core.db import Base, UTCDateTime


class DeskAudit(Base):
    """One planned mystery-shopper contact: how (channel), what the shopper plays (scenario), by when, who is
    checked (an agent, or the whole desk when None) and who audits (a staff member or an outside person)."""

    __tablename__ = "desk_audit"
    __table_args__ = (CheckConstraint("status IN ('planned', 'done')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(20))
    scenario: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    auditor_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    auditor_name: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(10), default="planned")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeskAuditScore(Base):
    """The audit's result: each SERVQUAL dimension scored 1–5, and the measured response time."""

    __tablename__ = "desk_audit_score"
    __table_args__ = tuple(CheckConstraint(f"{d} BETWEEN 1 AND 5", name=d) for d in (
        "tangibles", "reliability", "responsiveness", "assurance", "empathy"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("desk_audit.id", ondelete="CASCADE"), unique=True)
    tangibles: Mapped[int] = mapped_column(SmallInteger)
    reliability: Mapped[int] = mapped_column(SmallInteger)
    responsiveness: Mapped[int] = mapped_column(SmallInteger)
    assurance: Mapped[int] = mapped_column(SmallInteger)
    empathy: Mapped[int] = mapped_column(SmallInteger)
    contacted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_minutes: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    scored_by: Mapped[str] = mapped_column(String(120))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime)
