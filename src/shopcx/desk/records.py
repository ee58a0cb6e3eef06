"""Desk tables for the agent's tools: standard answers and macros, graded compensation authority (limits per role,
each grant or request), the promise register, in-app notices, agents' skills and shifts, and the SLA warnings and
escalations already sent (one row per ticket, clock and step, so the periodic job never sends one twice)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, BigId, UTCDateTime


class DeskAnswer(Base):
    """A standard answer (标准回答) in zh and en with {variables}; with status/category/tag changes it is a macro."""

    __tablename__ = "desk_answer"
    __table_args__ = (UniqueConstraint("shop_id", "title"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    category: Mapped[str | None] = mapped_column(String(20))
    body_zh: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    set_status: Mapped[str | None] = mapped_column(String(20))
    set_category: Mapped[str | None] = mapped_column(String(20))
    add_tags: Mapped[list] = mapped_column(JSON, default=list)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CompensationLimit(Base):
    """What one role may grant of one kind without approval: per ticket and per day (minor units, or points)."""

    __tablename__ = "compensation_limit"
    __table_args__ = (UniqueConstraint("shop_id", "role", "kind"),
                      CheckConstraint("per_ticket >= 0 AND per_day >= 0", name="limits_not_negative"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    per_ticket: Mapped[int] = mapped_column(BigInteger)
    per_day: Mapped[int] = mapped_column(BigInteger)
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Compensation(Base):
    """One compensation on a ticket: granted at once within the agent's limit, or requested and decided by someone
    else with a high enough limit; `issued_ref` names what was issued (coupon code, points entry, refund)."""

    __tablename__ = "compensation"
    __table_args__ = (Index("ix_compensation_requester_day", "requested_by_id", "created_at"),
                      CheckConstraint("value > 0", name="value_positive"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[int] = mapped_column(BigInteger)  # minor units; points for kind "points"
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(10))  # granted | pending | rejected
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    requested_role: Mapped[str | None] = mapped_column(String(20))
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(255))
    issued_ref: Mapped[str | None] = mapped_column(String(80))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Promise(Base):
    """A promise made to a buyer (承诺登记): what, by whom, due when; kept or broken with the evidence."""

    __tablename__ = "desk_promise"
    __table_args__ = (Index("ix_desk_promise_open", "status", "due_at"),
                      Index("ix_desk_promise_origin", "origin", "origin_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id", ondelete="SET NULL"))
    what: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    made_by: Mapped[str] = mapped_column(String(120))
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"), index=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | kept | broken
    evidence: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(120))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where a promise made outside a ticket was made, e.g. ("care_call_task", 42) for a VIP callback; that record
    # links back to the promise.
    origin: Mapped[str | None] = mapped_column(String(40))
    origin_id: Mapped[int | None] = mapped_column(BigInteger)


class DeskNotice(Base):
    """An in-app notice to one staff member (an SLA warning, an escalation, a promise due, a request to decide)."""

    __tablename__ = "desk_notice"
    __table_args__ = (Index("ix_desk_notice_user", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeskAgent(Base):
    """A staff member on the desk: team, whether they lead it, the categories they handle, and their weekly shift
    (seven "HH:MM-HH:MM" strings, Monday first, in the ticket's shop's timezone; "" = off)."""

    __tablename__ = "desk_agent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), unique=True)
    team: Mapped[str | None] = mapped_column(String(60))
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    skills: Mapped[list] = mapped_column(JSON, default=list)
    shift: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeskRouting(Base):
    """A shop's assignment method: round_robin or least_loaded."""

    __tablename__ = "desk_routing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), unique=True)
    method: Mapped[str] = mapped_column(String(20), default="round_robin")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SlaEscalation(Base):
    """One step already taken for one clock of a ticket: warning (75%), breach (100%), lead, manager."""

    __tablename__ = "sla_escalation"
    __table_args__ = (UniqueConstraint("ticket_id", "metric", "step"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(String(20))
    step: Mapped[str] = mapped_column(String(10))
    notified_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class SlaTierPolicy(Base):
    """Targets in working minutes for tickets of one priority from buyers of one loyalty tier (a VIP tier answered
    sooner); ahead of the channel and priority policies (`service.members.tier_targets`)."""

    __tablename__ = "sla_tier_policy"
    __table_args__ = (UniqueConstraint("shop_id", "tier_code", "priority"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    tier_code: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(10))
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    next_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
