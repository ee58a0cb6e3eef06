"""Background work of the reviews domain: text analysis left over at storing time, and erasure of buyers.

`analyze_pending` catches reviews stored while the text analyser was unavailable or failing (every few
minutes under `shopcx worker`). The `customer_erased` handler removes the buyer's words and name from their
reviews and keeps the ratings, which are the shop's statistics, not personal data.
"""

from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import clock, db, jobs
from ..core.events import OutboxEvent
from .models import Review, ReviewContact
from .repository import unanalyzed
from .service import analysis

log = logging.getLogger("shopcx.reviews")
BATCH = 500


def analyze_pending(limit: int = 10_000) -> int:
    """Analyse up to limit reviews that have text but no analysis; returns how many were analysed."""
    done = 0
    while done < limit:
        with db.session_scope() as session:
            rows = unanalyzed(session, min(BATCH, limit - done))
            if not rows:
                break
            cache = analysis.analyze_texts(t for r in rows for t in (r.text, r.followup_text) if t)
            if not cache:
                log.warning("review text analysis is unavailable; %s reviews wait", len(rows))
                break
            for review in rows:
                analysis.apply(review, cache)
            done += len(rows)
    return done


@jobs.on_event("customer_erased")
def erase_customer_reviews(session: Session, event: OutboxEvent) -> None:
    """Remove an erased buyer's name and words from their reviews and contact notes; ratings stay."""
    customer_id = (event.payload or {}).get("customer_id") or event.aggregate_id
    if not customer_id:
        return
    reviews = list(session.scalars(select(Review).where(Review.customer_id == customer_id)))
    now = clock.now()
    for review in reviews:
        review.reviewer_name = review.text = review.followup_text = None
        review.image_urls = []
        for followup in review.followups:
            followup.text = ""
        for revision in review.revisions:
            revision.previous_text = None
        review.updated_at = now
    ids = [r.id for r in reviews]
    if ids:
        for contact in session.scalars(select(ReviewContact).where(ReviewContact.review_id.in_(ids))):
            contact.note = None
    session.flush()


def register_periodic() -> None:
    """Register the periodic text analysis on the queue; core.jobs.register_periodic calls this."""
    huey = jobs.queue()
    huey.periodic_task(crontab(minute="*/10"), name="reviews_analyze_pending")(analyze_pending)
