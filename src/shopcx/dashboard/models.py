"""Dashboard tables: the owner's target per figure (per shop, or for all shops when shop_id is null)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
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
