"""Desk tables: tickets with their thread, history, pauses and SLA clocks; SLA policies; the desk's weekly hours
and the manager's holiday table (both feed the shop's `WorkCalendar`).

A ticket's status changes only through `service.tickets.transition` (one place for the allowed moves); every change
of status, owner, priority or category is a `ticket_event` row, so reassignment and reopening keep their history.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, BigId, UTCDateTime


class DeskSettings(Base):
    """One row per shop: the desk's weekly working hours and where round-robin assignment stands."""

    __tablename__ = "desk_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), unique=True)
    # Seven "HH:MM-HH:MM[,HH:MM-HH:MM]" strings, Monday first; "" is a day off.
    weekly_hours: Mapped[list] = mapped_column(JSON, default=list)
    # Years whose holidays and 调休 days the manager has entered in full (no longer reported as unconfirmed).
    confirmed_years: Mapped[list] = mapped_column(JSON, default=list)
    last_assigned_user_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeskHoliday(Base):
    """The manager's table: one local day off ("" hours) or worked with its own hours, over the library's answer."""

    __tablename__ = "desk_holiday"
    __table_args__ = (UniqueConstraint("shop_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    hours: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str | None] = mapped_column(String(120))
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SlaPolicy(Base):
    """Targets in working minutes for tickets of one priority (and one channel, or any channel when None)."""

    __tablename__ = "sla_policy"
    __table_args__ = (UniqueConstraint("shop_id", "priority", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    priority: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str | None] = mapped_column(String(20))
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    next_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Ticket(Base):
    """One complaint or question, next to the buyer's order and shipment."""

    __tablename__ = "ticket"
    __table_args__ = (Index("ix_ticket_shop_status", "shop_id", "status"), Index("ix_ticket_owner", "owner_id"),
                      Index("ix_ticket_queue", "status", "next_due_at"), UniqueConstraint("shop_id", "external_key"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id", ondelete="SET NULL"))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipment.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(20), default="new")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    team: Mapped[str | None] = mapped_column(String(60))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    root_cause: Mapped[str | None] = mapped_column(Text)
    # The sender's own id for the ticket (API, webhook, mail Message-ID): the same key again is the same ticket.
    external_key: Mapped[str | None] = mapped_column(String(120))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The earliest due time of the running SLA clocks (None: none running, or all held by a pause), kept by
    # service.sla so the inbox sorts and finds overdue tickets on an index instead of a subquery per row.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The earliest time a running clock reaches its warning share (rules.WARN_AT): the inbox's "breaching soon"
    # view is next_warn_at <= now < next_due_at, exact in working time and found on columns, not per-row math.
    next_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketMessage(Base):
    """One entry of the thread: the buyer's words ("buyer"), a public reply ("reply") or an internal note ("note")."""

    __tablename__ = "ticket_message"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A note the system wrote: its catalog code and values (the page draws it in the reader's language; `body`
    # holds it in the shop's language for the API and exports). None for what a person wrote.
    code: Mapped[str | None] = mapped_column(String(60))
    params: Mapped[dict | None] = mapped_column(JSON)


class TicketEvent(Base):
    """A change of status, owner, priority or category, with who made it and when (the ticket's history)."""

    __tablename__ = "ticket_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    before: Mapped[str | None] = mapped_column(String(120))
    after: Mapped[str | None] = mapped_column(String(120))
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketPause(Base):
    """A stretch in which the ticket's SLA clocks stand still: waiting on the buyer, or resolved until reopened."""

    __tablename__ = "ticket_pause"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketSla(Base):
    """One SLA clock of a ticket (first_response, next_response, resolution): its target and due time, computed
    with `desk.rules` on the shop's calendar; due_at is None while an open pause holds it."""

    __tablename__ = "ticket_sla"
    __table_args__ = (UniqueConstraint("ticket_id", "metric"), Index("ix_ticket_sla_due", "stopped_at", "due_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    target_minutes: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when rules.WARN_AT of the target is used
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
