"""What every reviews API module shares: the scope each route needs, query types, and reviews and cases
as JSON with buyer and staff text masked without `pii`."""


from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query
from sqlalchemy.orm import Session

from ...core import clock
from ...orders import service as orders
from ...orders.rules import shipment_is_late
from ...shops import service as shops
from ...shops.models import Shop
from ...staff.service import Actor
from ...web.api import ErrorOut
from ...web.deps import require_scope
from ...web.format import mask_text
from .. import repository, service
from ..models import Review, ReviewCase
from ..schemas import (
    CaseOut,
    FollowupOut,
    OrderView,
    ReviewDetailOut,
    ReviewOut,
    RevisionOut,
    ShipmentView,
)

Reader = Annotated[Actor, Depends(require_scope("reviews:read"))]
Writer = Annotated[Actor, Depends(require_scope("reviews:write"))]
Manager = Annotated[Actor, Depends(require_scope("reviews:settings"))]  # the settings page's permission
ClassQuery = Annotated[Literal["good", "neutral", "bad"] | None, Query(description="good=好评, neutral=中评, bad=差评")]
Since = Annotated[date | None, Query(description="First day (shop's local date), inclusive")]
Until = Annotated[date | None, Query(description="Last day (shop's local date), inclusive; default today")]
CONFLICT = {409: {"model": ErrorOut, "description": "The review or case does not allow this now"}}


def masked(text: str | None, actor: Actor) -> str | None:
    """Buyer or staff text as the token may see it: phones and e-mails masked without `pii`."""
    return text if actor.allows("pii") else mask_text(text)


def review_out(review: Review, actor: Actor) -> ReviewOut:
    """A review as JSON, its texts masked for the token."""
    out = ReviewOut.model_validate(review)
    return out.model_copy(update={"text": masked(out.text, actor), "followup_text": masked(out.followup_text, actor),
                                  "reply_text": masked(out.reply_text, actor)})


def case_out(found: ReviewCase | None, actor: Actor, with_contacts: bool = True) -> CaseOut | None:
    """A care case as JSON (with its contacts unless asked not to), texts masked; None for none."""
    if found is None:
        return None
    out = CaseOut.model_validate(found)
    contacts = [c.model_copy(update={"note": masked(c.note, actor)}) for c in out.contacts] if with_contacts else []
    return out.model_copy(update={"overdue": service.is_overdue(found, clock.now()), "contacts": contacts,
                                  "resolution": masked(out.resolution, actor)})


def shop_or_none(session: Session, code: str | None) -> Shop | None:
    """The shop with this code, or None when no code is given."""
    return shops.get_shop(session, code) if code else None


def review_detail(session: Session, review: Review, actor: Actor) -> ReviewDetailOut:
    """One review in full: the order and its shipments, revisions, 追评, the care case, deadlines."""
    order = orders.get_order(session, review.order_id)
    now = clock.now()
    shipments = []
    for s in order.shipments:
        end = s.delivered_at or now
        days = (end - s.promised_at).total_seconds() / 86400 if s.promised_at else None
        shipments.append(ShipmentView(carrier=s.carrier, tracking_no=s.tracking_no, shipped_at=s.shipped_at,
                                      promised_at=s.promised_at, delivered_at=s.delivered_at, damaged=s.damaged,
                                      late=shipment_is_late(s.promised_at, s.delivered_at, now), days_late=days))
    view = OrderView(id=order.id, external_id=order.external_id, status=order.status, placed_at=order.placed_at,
                     completed_at=order.completed_at, paid_amount=order.paid_amount,
                     refunded_amount=order.refunded_amount, currency=order.currency,
                     product_name=repository.line_name(session, review),
                     rating_deadline=service.rating_deadline(session, review.shop_id, review.platform,
                                                             order.completed_at),
                     shipments=shipments)
    earlier = repository.count_customer_reviews(session, review.customer_id) - 1 if review.customer_id else 0
    return ReviewDetailOut(
        **review_out(review, actor).model_dump(), order=view,
        revisions=[RevisionOut.model_validate(r).model_copy(update={"previous_text": masked(r.previous_text, actor)})
                   for r in review.revisions],
        followups=[FollowupOut(id=f.id, text=masked(f.text, actor) or "", followed_at=f.followed_at)
                   for f in review.followups],
        case=case_out(service.case_for_review(session, review), actor),
        revision_deadline=service.revision_deadline(session, review), earlier_reviews=max(earlier, 0))
