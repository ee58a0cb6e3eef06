"""Survey tables: surveys and their numbered versions (a published version's questions are never edited),
invitations (a signed single-use personal link: only the token's SHA-256 is stored), responses and their answers.

Each response keeps the customer, order and invitation it came from, so answers join to the order, delivery and
service behind them; a response is `partial` until the buyer submits it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..core.db import Base, BigId, UTCDateTime
from ..core.errors import Conflict

KINDS = ("csat", "nps", "ces", "servqual", "ecsi", "enps", "custom")
CHANNELS = ("link", "chat", "email", "sms", "webhook")
SOURCES = ("link", "public", "import")


class Survey(Base):
    """A shop's survey: its kind and names; its questions live in versions."""

    __tablename__ = "survey"
    __table_args__ = (UniqueConstraint("shop_id", "code"),
                      CheckConstraint("kind IN ('csat', 'nps', 'ces', 'servqual', 'ecsi', 'enps', 'custom')",
                                      name="kind"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(12))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)  # eNPS: answers never tied to a person
    published_version: Mapped[int | None] = mapped_column(Integer)
    # the survey's public (anonymous) link /p/<token>, when the shop opened one; None when closed
    public_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SurveyVersion(Base):
    """The questions of one version as a validated JSON document (schemas.Questionnaire)."""

    __tablename__ = "survey_version"
    __table_args__ = (UniqueConstraint("survey_id", "version"),
                      CheckConstraint("status IN ('draft', 'published', 'retired')", name="status"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    questions: Mapped[dict] = mapped_column(JSON)
    template: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(80))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(80))


class Invitation(Base):
    """One person's personal link to one survey version in one wave; single use, expires."""

    __tablename__ = "survey_invitation"
    __table_args__ = (CheckConstraint("channel IN ('link', 'chat', 'email', 'sms', 'webhook')", name="channel"),
                      Index("ix_survey_invitation_wave", "survey_id", "wave", "customer_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id", ondelete="SET NULL"))
    # The desk's ticket whose closing sent this invitation (its CSAT is that ticket's, exactly).
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"), index=True)
    # False only on invitations made before ticket_id existed (migration 0028): which ticket such an answer rates,
    # if any, is inferred (same buyer and order, answered after the close); on every later one ticket_id says it.
    ticket_known: Mapped[bool] = mapped_column(Boolean, default=True)
    channel: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    wave: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Response(Base):
    """One person's answers to one survey version: partial until submitted."""

    __tablename__ = "survey_response"
    __table_args__ = (Index("ix_survey_response_survey", "survey_id", "submitted_at"),
                      Index("ix_survey_response_address", "address_hash", "started_at"),
                      UniqueConstraint("survey_id", "respondent"),
                      CheckConstraint("source IN ('link', 'public', 'import')", name="source"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id", ondelete="CASCADE"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("survey_invitation.id", ondelete="SET NULL"),
                                                      unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id", ondelete="SET NULL"), index=True)
    wave: Mapped[str | None] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5))
    partial: Mapped[bool] = mapped_column(Boolean, default=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # how it came: a personal link, the public link, or imported from another tool's export
    source: Mapped[str] = mapped_column(String(10), default="link", server_default="link")
    respondent: Mapped[str | None] = mapped_column(String(80))  # the other tool's respondent id (imports)
    address_hash: Mapped[str | None] = mapped_column(String(64))  # keyed hash of the public link's address


class Followup(Base):
    """A detractor's answer (NPS 0–6, CSAT 1–2, a SERVQUAL gap below the threshold) to follow up: owner, deadline,
    what was done. The desk takes it over from the `survey_detractor` event."""

    __tablename__ = "survey_followup"
    __table_args__ = (CheckConstraint("reason IN ('nps', 'csat', 'servqual')", name="reason"),
                      CheckConstraint("status IN ('open', 'closed')", name="status"),
                      Index("ix_survey_followup_shop_status", "shop_id", "status"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id", ondelete="CASCADE"), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(10))
    score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), default="open")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class Answer(Base):
    """The answer to one question: `value` as the question's type holds it (a number, a choice key, a list of
    keys, a text, {"expectation": e, "perception": p} or {row: rating}); `score` its number where it has one."""

    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("response_id", "question"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(40))
    value: Mapped[dict | list | str | int | float] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)


@event.listens_for(Session, "before_flush")
def _published_versions_stay(session: Session, _context, _instances) -> None:
    """A published version's questions are never edited: make a new version instead."""
    for obj in session.dirty:
        if isinstance(obj, SurveyVersion):
            from sqlalchemy import inspect

            hist = inspect(obj).attrs.questions.history
            status = inspect(obj).attrs.status.history
            was_published = "published" in (status.deleted or status.unchanged or ())
            if hist.has_changes() and (obj.status != "draft" or was_published):
                raise Conflict("survey_version_published",
                               f"version {obj.version} is published; its questions cannot change, make a new version",
                               field="questions")
