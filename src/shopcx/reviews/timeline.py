"""The reviews' entries on a customer's timeline: reviews and follow-ups (the buyer's words), replies, and the care
contacts around a 中/差评 (who called, what came of it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.face import TimelineEntry
from .models import Review, ReviewCase, ReviewContact


def entries(session: Session, customer_id: int, limit: int) -> list[TimelineEntry]:
    """The customer's latest reviews, the shop's replies and follow-ups, and the care contacts."""
    reviews = list(session.scalars(select(Review).where(Review.customer_id == customer_id)
                                   .order_by(Review.reviewed_at.desc()).limit(limit)))
    out = []
    for r in reviews:
        href = f"/reviews/{r.id}"
        out.append(TimelineEntry(r.reviewed_at, "review", "timeline.review",
                                 {"class": r.rating_class, "stars": r.stars, "revisions": r.revision_count},
                                 href=href, response=r.text))
        if r.replied_at:
            out.append(TimelineEntry(r.replied_at, "review", "timeline.review_reply", {}, href=href,
                                     detail=r.reply_text))
        if r.followup_at:
            out.append(TimelineEntry(r.followup_at, "review", "timeline.review_followup", {}, href=href,
                                     response=r.followup_text))
    contacts = session.execute(select(ReviewContact).join(ReviewCase, ReviewCase.id == ReviewContact.case_id)
                               .where(ReviewCase.customer_id == customer_id)
                               .order_by(ReviewContact.at.desc()).limit(limit)).scalars()
    out += [TimelineEntry(c.at, "care", "timeline.care_contact", {"channel": c.channel, "result": c.result},
                          who=c.actor, href=f"/reviews/{c.review_id}", response=c.note,
                          words={"channel": "review.contact.channel.", "result": "review.contact.result."})
            for c in contacts]
    return out
