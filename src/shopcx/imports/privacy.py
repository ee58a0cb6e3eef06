"""The imports' part of a buyer's data rights: the raw rows of reject reports that mention the buyer are scrubbed
(the uploaded files themselves are removed by the retention job after N days)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..core.privacy import Erasure
from ..core.search import contains
from .models import ImportReject


def erase(session: Session, erasure: Erasure) -> None:
    if not erasure.needles:
        return
    where = or_(*(contains(ImportReject.raw, n) for n in erasure.needles))
    for row in session.scalars(select(ImportReject).where(where)):
        row.raw, row.reason = erasure.scrub(row.raw), erasure.scrub(row.reason)
    session.flush()


def export(session: Session, customer_id: int) -> dict[str, list[dict]]:
    return {}


def expire(session: Session, *, raw_before, messages_before) -> int:
    """Retention: the raw rows of reject reports older than raw_before are removed (the reason stays); returns
    how many rows were emptied."""
    from .models import ImportJob

    jobs = select(ImportJob.id).where(ImportJob.created_at < raw_before)
    rows = list(session.scalars(select(ImportReject).where(ImportReject.job_id.in_(jobs),
                                                           ImportReject.raw.is_not(None))))
    for row in rows:
        row.raw = None
    session.flush()
    return len(rows)
