"""Store the generated reviews: bulk rows filled as `reviews.service.record_review` fills them, plus the few
revisions and the care cases, which go through the reviews services.

A review costs the service a flush, an outbox event and a care-case lookup each; the demo writes Core inserts
in batches instead, like the orders. Every column the review pages and metrics read is filled as record_review
would: first_class = rating_class as it arrived, reviewed_on in the shop's timezone, is_default, customer,
product and order line, and the text analysis (`analysis.apply` over the texts analysed in one batch). No
`review_received` event is written: like the imported order history, two-year-old reviews must not earn
review points today. A revised 差评 is stored as it arrived and then goes through the care case (opened,
assigned, contacted, resolved) and `revise` with the clock at the moment each step happened, so its revision
history, contact and closed case are what the services make. Last, `care.open_if_needed` opens the cases
the recent 中/差评 need now (those still inside the revision window today).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..core import clock, events
from ..reviews.models import Review, ReviewCase, ReviewContact, ReviewFollowup, ReviewRevision
from ..reviews.schemas import ContactIn, ResolveIn, RevisionIn
from ..reviews.service import analysis, care
from ..reviews.service import reviews as review_service
from ..shops.models import Shop
from ..staff.service import Actor
from .bulk import Progress, Stored, batches, insert_ids, insert_rows
from .records import DemoShop

CARE_WINDOW = timedelta(days=30)  # reviews.rules.PlatformWindows.revision_days: older 中/差评 need no case


def _row(shop: Shop, demo: DemoShop, stored: Stored, review, agent_id: int | None, zone: ZoneInfo) -> dict:
    order = demo.orders[review.order]
    sku = order.lines[review.line_no - 1].sku
    description, service, logistics = review.dsr or (None, None, None)
    touched = [t for t in (review.reviewed_at, review.replied_at, review.followup_at) if t is not None]
    return {"shop_id": shop.id, "platform": shop.platform, "external_id": review.external_id,
            "order_id": stored.orders[review.order], "order_line_id": stored.lines[(review.order, review.line_no)],
            "product_id": stored.products[sku], "customer_id": stored.customers[order.person],
            "stars": review.stars, "platform_class": None, "rating_class": review.first_class,
            "first_class": review.first_class, "is_default": review.is_default, "dsr_description": description,
            "dsr_service": service, "dsr_logistics": logistics, "text": review.text, "image_urls": [],
            "reviewer_name": review.reviewer, "reviewed_at": review.reviewed_at,
            "reviewed_on": review.reviewed_at.astimezone(zone).date(), "reply_text": review.reply,
            "replied_at": review.replied_at, "replied_by_id": agent_id if review.reply else None,
            "followup_text": review.followup, "followup_at": review.followup_at, "revision_count": 0,
            "created_at": review.reviewed_at, "updated_at": max(touched)}


def _analysed(row: dict, results: dict) -> dict:
    """The row with polarity, score, aspects and the hidden flag as analysis.apply sets them (unset if the
    analyser is unavailable: the reviews job analyses such rows later)."""
    probe = Review(text=row["text"], followup_text=row["followup_text"], rating_class=row["rating_class"],
                   is_default=row["is_default"])
    if analysis.apply(probe, results):
        row.update(polarity=probe.polarity, polarity_score=probe.polarity_score, aspects=list(probe.aspects),
                   hidden_negative=probe.hidden_negative, analyzed_at=probe.analyzed_at)
    else:
        row.update(polarity=None, polarity_score=None, aspects=[], hidden_negative=False, analyzed_at=None)
    return row


def store_reviews(session: Session, shop: Shop, demo: DemoShop, stored: Stored, *, agent: Actor | None,
                  progress: Progress | None = None) -> dict:
    """Write demo's reviews into shop; returns how many reviews, revisions and open care cases were stored."""
    tick = progress or (lambda _what, _n, _total: None)
    zone = ZoneInfo(shop.timezone)
    agent_id = agent.user_id if agent else None
    results = analysis.analyze_texts(t for r in demo.reviews for t in (r.text, r.followup) if t)
    review_ids: list[int] = []
    for batch in batches(demo.reviews):
        rows = [_analysed(_row(shop, demo, stored, r, agent_id, zone), results) for r in batch]
        ids = insert_ids(session, Review.__table__, rows)
        insert_rows(session, ReviewFollowup.__table__, [
            {"review_id": rid, "text": r.followup, "followed_at": r.followup_at, "recorded_at": r.followup_at}
            for rid, r in zip(ids, batch, strict=True) if r.followup])
        review_ids += ids
        tick("reviews", len(batch), len(demo.reviews))
    pairs = list(zip(review_ids, demo.reviews, strict=True))
    revised = [(rid, r) for rid, r in pairs if r.revision is not None]
    for rid, r in revised:
        _revise(session, session.get(Review, rid), r.revision, agent)
    since = clock.now() - CARE_WINDOW
    opened = 0
    for rid, r in pairs:
        # 中/差评 and 好评 the analysis flagged as hidden dissatisfaction (open_if_needed skips the others)
        if r.revision is None and (r.first_class != "good" or r.text or r.followup) and r.reviewed_at > since:
            opened += care.open_if_needed(session, session.get(Review, rid)) is not None
    session.flush()
    return {"reviews": len(review_ids), "revisions": len(revised), "open_cases": opened}


def _revise(session: Session, review: Review, revision, agent: Actor | None) -> None:
    """The care case of a 中/差评 the buyer revised, each step at its own moment: opened when the review came,
    assigned and contacted, resolved, then the revision (which closes the case as revised)."""
    actor = agent or Actor(label="demo", role="owner")
    with clock.frozen_at(review.reviewed_at):
        found = care.open_if_needed(session, review)
    if found is None:
        return
    with clock.frozen_at(revision.contact_at):
        if agent is not None:
            care.assign(session, found, agent.user_id, actor=actor)
        care.log_contact(session, found, ContactIn(channel=revision.channel, result="reached", note=revision.note,
                                                   at=revision.contact_at), actor=actor)
        care.resolve(session, found, ResolveIn(resolution=revision.note), actor=actor)
    with clock.frozen_at(revision.revised_at):
        review_service.revise(session, review, RevisionIn(stars=revision.stars, text=revision.text,
                                                          revised_at=revision.revised_at), actor=actor)


def delete_reviews(session: Session, order_ids) -> int:
    """Delete the reviews of these orders with their 追评, revisions, care cases, contacts and events."""
    quiet = {"synchronize_session": False}
    review_ids = select(Review.id).where(Review.order_id.in_(order_ids)).scalar_subquery()
    for model in (ReviewRevision, ReviewContact, ReviewFollowup, ReviewCase):
        session.execute(delete(model).where(model.review_id.in_(review_ids)), execution_options=quiet)
    session.execute(delete(events.OutboxEvent).where(events.OutboxEvent.aggregate == "review",
                                                     events.OutboxEvent.aggregate_id.in_(review_ids)),
                    execution_options=quiet)
    return session.execute(delete(Review).where(Review.order_id.in_(order_ids)), execution_options=quiet).rowcount
