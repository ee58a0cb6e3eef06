"""Customer-value snapshots: one `analysis_run` per computation and its append-only `customer_score` rows.

A run never replaces an earlier one; the pages compare a run with the one before it (lifecycle movements)
and the customer page follows one customer across runs (P(alive) trend).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
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
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, BigId, UTCDateTime

RUN_STATUSES = ("queued", "running", "done", "failed")


class AnalysisRun(Base):
    """One computation of the customer-value analysis for one shop (or all shops) as of a date."""

    __tablename__ = "analysis_run"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        Index("ix_analysis_run_shop_as_of", "shop_id", "as_of_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shop.id"))  # None: all shops
    as_of_on: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    customers: Mapped[int] = mapped_column(Integer, default=0)  # customers scored (buyers up to as_of)
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # thresholds, horizon, discount rate
    figures: Mapped[dict] = mapped_column(JSON, default=dict)  # model fit, Pareto, stages, cohorts …
    error: Mapped[str | None] = mapped_column(Text)


class CustomerScore(Base):
    """One customer's scores in one run (stage, RFM, BG/NBD + Gamma-Gamma predictions); never updated."""

    __tablename__ = "customer_score"
    __table_args__ = (
        UniqueConstraint("run_id", "customer_id"),
        Index("ix_customer_score_customer_run", "customer_id", "run_id"),
        CheckConstraint("p_alive >= 0 AND p_alive <= 1", name="p_alive_range"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_run.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(12))
    segment: Mapped[str] = mapped_column(String(16))
    r_score: Mapped[int] = mapped_column(SmallInteger)
    f_score: Mapped[int] = mapped_column(SmallInteger)
    m_score: Mapped[int] = mapped_column(SmallInteger)
    recency_days: Mapped[int] = mapped_column(Integer)
    orders: Mapped[int] = mapped_column(Integer)
    monetary_amount: Mapped[int] = mapped_column(BigInteger)  # Σ paid − refunded up to as_of, minor units
    p_alive: Mapped[float] = mapped_column(Float)  # a probability, not money
    expected_purchases: Mapped[float] = mapped_column(Float)  # in the run's horizon (90 days by default)
    expected_order_amount: Mapped[int] = mapped_column(BigInteger)
    clv_amount: Mapped[int] = mapped_column(BigInteger)  # 12 months, discounted
    churn_risk: Mapped[float] = mapped_column(Float)
    next_purchase_on: Mapped[date | None] = mapped_column(Date)
    value_at_stake_amount: Mapped[int] = mapped_column(BigInteger)
