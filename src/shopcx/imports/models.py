"""Import jobs with their progress, and the rows they rejected with the reason."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, BigId, UTCDateTime


class ImportJob(Base):
    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # orders | customers
    format: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shop.id"))
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued running done failed
    dry_run: Mapped[bool] = mapped_column(default=False)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    stored_rows: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_rows: Mapped[int] = mapped_column(Integer, default=0)
    rejected_rows: Mapped[int] = mapped_column(Integer, default=0)
    orders_created: Mapped[int] = mapped_column(Integer, default=0)
    customers_created: Mapped[int] = mapped_column(Integer, default=0)
    # A reviews job: reviews stored new, brought up to date, and of those updated, revised (好/中/差 changed).
    reviews_created: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reviews_updated: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reviews_revised: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(120))
    # Where the uploaded file was kept and when the running import last committed a batch: a job whose
    # heartbeat stopped (the process was killed) is shown as interrupted and can be resumed.
    source_path: Mapped[str | None] = mapped_column(String(500))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A dry run into a shop the page would create: {"name", "currency", "timezone"} (the shop is not created).
    new_shop: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportReject(Base):
    __tablename__ = "import_reject"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_job.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(BigInteger)
    field: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(255))
    raw: Mapped[str | None] = mapped_column(Text)
