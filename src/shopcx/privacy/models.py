"""Privacy tables: buyers' data requests, the log of staff views of personal data, and the retention settings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, BigId, UTCDateTime

KINDS = ("export", "erase")
STATUSES = ("unverified", "open", "done", "refused")


class DataRequest(Base):
    """A buyer's request to get (export) or erase their data: verified by a one-time code sent to the contact on
    record (public page) or recorded by staff; due a number of working days after it was verified."""

    __tablename__ = "data_request"
    __table_args__ = (CheckConstraint("kind IN ('export', 'erase')", name="kind"),
                      CheckConstraint("status IN ('unverified', 'open', 'done', 'refused')", name="status"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10))  # public | staff
    status: Mapped[str] = mapped_column(String(12), index=True)
    contact_masked: Mapped[str | None] = mapped_column(String(80))  # where the code went, masked
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict] = mapped_column(JSON, default=dict)


class PiiView(Base):
    """A staff member saw a customer's full phone or e-mail (who, whose, what, where, when); or took an export with
    them unmasked: one row for the file, naming the export (`place`) and how many customers it carried."""

    __tablename__ = "pii_view"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"), index=True)
    fields: Mapped[str] = mapped_column(String(80))
    place: Mapped[str] = mapped_column(String(200))
    customers: Mapped[int | None] = mapped_column(Integer)  # an export's customers (customer_id is then empty)


class PrivacySettings(Base):
    """One row: the request deadline in working days and how long raw import rows and message bodies are kept."""

    __tablename__ = "privacy_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline_working_days: Mapped[int] = mapped_column(Integer, default=15)
    raw_rows_days: Mapped[int] = mapped_column(Integer, default=90)
    message_days: Mapped[int] = mapped_column(Integer, default=180)
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
