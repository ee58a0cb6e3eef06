"""The reviews' part of a buyer's data rights: export their reviews, follow-ups and care cases; erase mentions of
the buyer in replies and case resolutions (the `customer_erased` handler in jobs.py removes their own words and
nickname; ratings stay so the DSR and 好评率 do not move)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.privacy import Erasure
from ..core.rows import row_dict
from .models import Review, ReviewCase, ReviewFollowup


def erase(session: Session, erasure: Erasure) -> None:
    for r in session.scalars(select(Review).where(Review.customer_id == erasure.customer_id)):
        r.reply_text, r.reviewer_name = erasure.scrub(r.reply_text), None
    for case in session.scalars(select(ReviewCase).where(ReviewCase.customer_id == erasure.customer_id)):
        case.resolution = erasure.scrub(case.resolution)
    session.flush()


def export(session: Session, customer_id: int) -> dict[str, list[dict]]:
    reviews = list(session.scalars(select(Review).where(Review.customer_id == customer_id)))
    ids = [r.id for r in reviews]
    followups = session.scalars(select(ReviewFollowup).where(ReviewFollowup.review_id.in_(ids))) if ids else []
    return {"review": [row_dict(r) for r in reviews], "review_followup": [row_dict(f) for f in followups]}
