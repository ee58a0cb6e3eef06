"""Background work of the reviews domain: text analysis left over at storing time, re-analysis after a new model,
training from the page, and erasure of buyers.

`analyze_pending` catches reviews stored while the text analyser was unavailable or failing (every few
minutes under `shopcx worker`). `reanalyze` runs the current analyser over every stored review again (after a
model is trained, the stored polarity and hidden-dissatisfaction flags are the old analyser's).
`run_training` and `run_reanalysis` are those jobs as started from the settings page: they report their stage
and progress to the text job's status file. The `customer_erased` handler removes the buyer's words and name
from their reviews and keeps the ratings, which are the shop's statistics, not personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from huey import crontab
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import clock, db, jobs
from ..core.events import OutboxEvent
from .models import Review, ReviewContact
from .repository import count_with_text, reviews_by_ids, unanalyzed, with_text_after
from .service import analysis, care

log = logging.getLogger("shopcx.reviews")
BATCH = 500


def _analyze_batch(pick: Callable[[Session], list[Review]], *, follow_up: bool = False) -> tuple[int, int] | None:
    """Analyse one batch of reviews: (last id, how many), None when there are none left.

    The texts are read in a read-only transaction, analysed with none open, and the results written in a short
    write transaction (retried when another writer holds the lock), so staff writing meanwhile neither wait for
    the analyser nor make the batch fail. With follow_up, new reviews read as hidden dissatisfaction get their
    follow-up task in that transaction.
    """
    with db.session_scope() as session:
        rows = pick(session)
        ids = [r.id for r in rows]
        texts = [t for r in rows for t in (r.text, r.followup_text) if t and t.strip()]
    if not ids:
        return None
    cache = analysis.analyze_texts(texts)
    if texts and not cache:
        raise TextUnavailable()

    def store() -> None:
        with db.session_scope(write=True) as session:
            reviews = reviews_by_ids(session, ids)
            for review in reviews:
                analysis.apply(review, cache)
            if follow_up:
                session.flush()
                care.follow_up_hidden(session, reviews)

    db.retrying(store, what="storing review text analysis")
    return ids[-1], len(ids)


class TextUnavailable(RuntimeError):
    def __init__(self):
        super().__init__("review text analysis is unavailable (the text package cannot be imported)")


def analyze_pending(limit: int = 10_000) -> int:
    """Analyse up to limit reviews that have text but no analysis; returns how many were analysed."""
    done = 0
    while done < limit:
        try:
            got = _analyze_batch(lambda session, n=min(BATCH, limit - done): unanalyzed(session, n), follow_up=True)
        except TextUnavailable:
            log.warning("review text analysis is unavailable; reviews wait")
            break
        if got is None:
            break
        done += got[1]
    return done


def reanalyze(shop_id: int | None = None, *, batch: int = BATCH,
              on_progress: Callable[[int, int], None] | None = None) -> int:
    """Analyse every stored review with text again with the current analyser, committed per batch; returns how many.

    on_progress(done, total) is called before the first batch and after each one.
    """
    with db.session_scope() as session:
        total = count_with_text(session, shop_id)
    if on_progress:
        on_progress(0, total)
    done, after = 0, 0
    while True:
        got = _analyze_batch(lambda session, last=after: with_text_after(session, shop_id, last, batch))
        if got is None:
            break
        after, count = got
        done += count
        if on_progress:
            on_progress(done, max(total, done))
    return done


def run_training(shop_code: str) -> None:
    """Train the model from the shop's stored reviews, reporting to the status file (claimed by the caller)."""
    from .text import training

    try:
        result = training.train_from_shop(shop_code, on_stage=lambda stage: training.update_status(stage=stage))
    except Exception as exc:  # the page shows the failure; the log keeps the trace
        log.exception("training the review model from shop %s failed", shop_code)
        training.finish_status(error=getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"[:300])
        return
    training.finish_status(result=result.as_dict())


def run_reanalysis(shop_id: int | None = None) -> None:
    """Re-analyse the stored reviews, reporting reviews done / total to the status file (claimed by the caller)."""
    from .text import training

    def progress(done: int, total: int) -> None:
        training.update_status(stage="analysing", done=done, total=total)

    try:
        done = reanalyze(shop_id, on_progress=progress)
    except Exception as exc:
        log.exception("re-analysing stored reviews failed")
        training.finish_status(error=getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"[:300])
        return
    training.finish_status(result={"reviews": done})


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
