"""Dashboard tables: the owner's target per figure (per shop, or for all shops when shop_id is null), the weekly
reports, the home page's kept figures and its kept list of customers newly at risk."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, BigId, UTCDateTime


class FigureTarget(Base):
    """The value the owner aims at for one figure (in the figure's own unit: a share 0–1, points, minor units)."""

    __tablename__ = "figure_target"
    __table_args__ = (UniqueConstraint("scope", "figure"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))  # "all" or "shop:<id>" (one unique key for both)
    shop_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    figure: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    set_by: Mapped[str] = mapped_column(String(80))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WeeklyReport(Base):
    """One shop's report for one week (Monday, shop-local): the loop's figures then, and what moved; built once."""

    __tablename__ = "weekly_report"
    __table_args__ = (UniqueConstraint("shop_id", "week_on"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(Integer, ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    week_on: Mapped[date] = mapped_column(Date)  # the Monday the week starts on
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)
    built_by: Mapped[str] = mapped_column(String(120))
    content: Mapped[dict] = mapped_column(JSON, default=dict)


class HomeSnapshot(Base):
    """The home page's figures for one scope ("all" or "shop:<id>") as last computed: what a large shop's home page
    shows while the worker recomputes them (snapshots.py)."""

    __tablename__ = "home_snapshot"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope: Mapped[str] = mapped_column(String(20), unique=True)
    day: Mapped[date] = mapped_column(Date)  # the shop-local day the figures were computed for
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    compute_ms: Mapped[int] = mapped_column(Integer)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)  # set by the outbox when a source changed
    content: Mapped[dict] = mapped_column(JSON, default=dict)


class WeeklyReportMail(Base):
    """The weekly report mailed to one staff user: one row per report and recipient, so a mail that went out is
    never sent again (a failed or retried one is tried at the next delivery)."""

    __tablename__ = "weekly_report_mail"
    __table_args__ = (UniqueConstraint("report_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_id: Mapped[int] = mapped_column(BigId, ForeignKey("weekly_report.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("staff_user.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12))  # sent, sandbox, retry, failed, bounced
    reason: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HomeAtRisk(Base):
    """Today's list's customers newly at risk between two finished analysis runs (at_risk.py): ids and values at
    stake only, in the at-risk page's order; runs never change once finished, so a pair is computed once."""

    __tablename__ = "home_at_risk"
    __table_args__ = (UniqueConstraint("run_id", "previous_run_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(BigId, ForeignKey("analysis_run.id", ondelete="CASCADE"))
    previous_run_id: Mapped[int] = mapped_column(BigId, ForeignKey("analysis_run.id", ondelete="CASCADE"),
                                                 index=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    compute_ms: Mapped[int] = mapped_column(Integer)
    customers: Mapped[list] = mapped_column(JSON, default=list)  # [[customer_id, value_at_stake_amount], …]
