"""One review on a page: the review, its 追评 and revision history, the order and its delivery, the buyer's other
reviews and contacts, and the staff actions (reply, care case, contact, resolution, revision, close).

Each action calls the reviews service; a refusal (the platform-rule guard, a closed window) is rolled back and
shown next to the form it came from, with what the user typed kept.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import InvalidInput, NotFound
from ...core.money import to_minor
from ...orders import service as orders
from ...shops import service as shops
from ...staff.service import Actor
from ...web.auth import PageSession, Viewer
from ...web.deps import RowId
from ...web.panels import review_panels
from ...web.templating import acted, render
from .. import rules, service
from ..repository import ReviewFilter
from ..schemas import ContactIn, ResolveIn, RevisionIn
from ..service import views
from .base import Reader, Writer
from .parts import excerpt, form_datetime, form_int, helpers, review_owners, shown_name, validated

EARLIER_SHOWN = 10
MAX_COMPENSATION = 10**12  # minor units; more is a typo, refused before it reaches the database


def review_context(session: Session, viewer: Viewer, review_id: int) -> dict:
    """Everything the review page shows about one review."""
    review = service.get_review(session, review_id)
    shop = shops.get_shop_by_id(session, review.shop_id)
    order = orders.get_order(session, review.order_id)
    found = service.case_for_review(session, review)
    reveal = viewer.can("pii")
    contacts = {c.id: c for c in found.contacts} if found else {}
    earlier, earlier_total = ([], 0)
    if review.customer_id:
        rows, total = service.search_reviews(session, ReviewFilter(customer_id=review.customer_id), offset=0,
                                             limit=EARLIER_SHOWN + 1)
        earlier = [r for r in rows if r.id != review.id][:EARLIER_SHOWN]
        earlier_total = total - 1
    products = views.product_names(session, [review, *earlier])
    buyer = review.reviewer_name or views.customer_names(session, {review.customer_id}).get(review.customer_id)
    staff_ids = {found.owner_id} if found else set()
    staff_ids |= {c.staff_id for c in contacts.values()} | {review.replied_by_id}
    windows = service.settings.settings_for_review(session, review).windows
    revision_deadline = service.revision_deadline(session, review)
    return {
        "review": review, "shop": shop, "order": order, "case": found, "tz": shop.timezone,
        "buyer": shown_name(buyer, reveal), "product": products.get(review.id),
        "revisions": [{"revision": r, "contact": contacts.get(r.contact_id)} for r in review.revisions],
        "overdue": service.is_overdue(found, clock.now()),
        "revision_deadline": revision_deadline,
        "rating_deadline": service.rating_deadline(session, review.shop_id, review.platform, order.completed_at),
        "can_revise": (not review.is_default and review.revision_count < windows.max_revisions
                       and revision_deadline is not None),
        "reply_allowed": windows.reply_allowed,
        "earlier": [{"review": r, "product": products.get(r.id), "excerpt": excerpt(r.text, reveal)} for r in earlier],
        "earlier_total": earlier_total,
        "other_contacts": views.other_contacts(session, review.customer_id, review.id),
        "staff": views.staff_names(session, staff_ids),
        "suggestions": service.suggest_replies(session, review, shop),
        "owners": review_owners(session), "can_write": viewer.can("reviews:write"),
        "channels": rules.CONTACT_CHANNELS, "results": rules.CONTACT_RESULTS, "outcomes": rules.CASE_OUTCOMES,
        "classes": rules.CLASSES, "errors": {}, "values": {}, "done": None, **helpers(),
        "panels": review_panels(session, review, found, viewer),  # other domains' sections (the desk's ticket)
    }


# --- actions -------------------------------------------------------------------------------------------------


def _case(session: Session, review_id: int):
    review = service.get_review(session, review_id)
    found = service.case_for_review(session, review)
    if found is None:
        raise NotFound("case_not_found", "case: this review has no care case yet; open one first", field="case")
    return review, found


def _owner(text: str):
    return form_int(text, "owner_id", low=1, high=2**63 - 1)


def reply(session: Session, review_id: int, text: str, *, actor: Actor) -> None:
    """Store the seller's reply (the guard refuses incentives for a revision)."""
    service.reply(session, service.get_review(session, review_id), text, actor=actor)


def open_case(session: Session, review_id: int, owner: str, due: str, *, actor: Actor) -> None:
    """Open a care case (差评) or follow-up task (中评) with an owner and a deadline (default: the platform's)."""
    review = service.get_review(session, review_id)
    tz = shops.get_shop_by_id(session, review.shop_id).timezone
    service.open_case(session, review, actor=actor, owner_id=_owner(owner), due_at=form_datetime(due, "due_at", tz))


def assign(session: Session, review_id: int, owner: str, *, actor: Actor) -> None:
    """Give the case to someone (an empty choice unassigns)."""
    _, found = _case(session, review_id)
    service.assign(session, found, _owner(owner), actor=actor)


def log_contact(session: Session, review_id: int, channel: str, result: str, note: str, at: str, *,
                actor: Actor) -> None:
    """Record a contact with the buyer (opening the case first when there is none yet)."""
    review = service.get_review(session, review_id)
    found = service.case_for_review(session, review)
    tz = shops.get_shop_by_id(session, review.shop_id).timezone
    data = validated(ContactIn, channel=channel, result=result, note=note.strip() or None,
                     at=form_datetime(at, "at", tz))
    if found is None:
        found = service.open_case(session, review, actor=actor)
    service.log_contact(session, found, data, actor=actor)


def resolve(session: Session, review_id: int, resolution: str, compensation: str, *, actor: Actor) -> None:
    """Record the resolution and any compensation (entered in yuan, stored in minor units)."""
    _, found = _case(session, review_id)
    amount = None
    if compensation.strip():
        amount = to_minor(compensation, found.currency or "CNY", "compensation_amount")
        if not 0 <= amount <= MAX_COMPENSATION:
            raise InvalidInput("invalid_input", "compensation_amount: cannot be negative or that large",
                               field="compensation_amount")
    data = validated(ResolveIn, resolution=resolution.strip(), compensation_amount=amount)
    service.resolve(session, found, data, actor=actor)


def revise(session: Session, review_id: int, rating: str, stars: str, text: str, at: str, *,
           actor: Actor) -> None:
    """Record that the buyer revised the review (new class and/or stars), inside the platform's window."""
    review = service.get_review(session, review_id)
    tz = shops.get_shop_by_id(session, review.shop_id).timezone
    data = validated(RevisionIn, rating=rating or None, stars=form_int(stars, "stars", low=1, high=5),
                     text=text.strip() or None, revised_at=form_datetime(at, "revised_at", tz))
    service.revise(session, review, data, actor=actor)


def close(session: Session, review_id: int, outcome: str, *, actor: Actor) -> None:
    """Close the case with its outcome (default: revised if the buyer did, else not revised)."""
    _, found = _case(session, review_id)
    if outcome and outcome not in rules.CASE_OUTCOMES:
        raise InvalidInput("invalid_input", f"outcome: one of {', '.join(rules.CASE_OUTCOMES)}", field="outcome")
    service.close(session, found, outcome or None, actor=actor)


router = APIRouter()


@router.get("/reviews/{review_id}")
def review_page(request: Request, review_id: RowId, done: str = "", viewer: Viewer = Reader,
                session: Session = PageSession):
    """One review with its order, delivery, history, the buyer's other reviews and contacts, and the actions."""
    context = review_context(session, viewer, review_id) | {"done": done or None}
    return render(request, "reviews/review.html", context, viewer=viewer)


def _acted(request: Request, session: Session, viewer: Viewer, review_id: int, form_name: str, values: dict,
           action: Callable[[], None]):
    """Run one staff action on a review; answer with the review's body (HTMX) or the page, the refusal inline."""
    return acted(request, session, viewer, form_name=form_name, values=values, action=action,
                 context=lambda: review_context(session, viewer, review_id), body="reviews/_review_body.html",
                 page="reviews/review.html", done_url=f"/reviews/{review_id}")


@router.post("/reviews/{review_id}/reply")
def review_reply(request: Request, review_id: RowId, text: str = Form(""), viewer: Viewer = Writer,
                 session: Session = PageSession):
    """Store the seller's public reply; an offer for a revision is refused with the reason."""
    return _acted(request, session, viewer, review_id, "reply", {"text": text},
                  lambda: reply(session, review_id, text, actor=viewer.actor))


@router.post("/reviews/{review_id}/case")
def review_case_open(request: Request, review_id: RowId, owner_id: str = Form(""), due_at: str = Form(""),
                     viewer: Viewer = Writer, session: Session = PageSession):
    """Open a care case (差评) or follow-up task (中评) with an owner and a deadline."""
    return _acted(request, session, viewer, review_id, "case", {"owner_id": owner_id, "due_at": due_at},
                  lambda: open_case(session, review_id, owner_id, due_at, actor=viewer.actor))


@router.post("/reviews/{review_id}/assign")
def review_case_assign(request: Request, review_id: RowId, owner_id: str = Form(""), viewer: Viewer = Writer,
                       session: Session = PageSession):
    """Give the review's case to a staff member (empty: unassign)."""
    return _acted(request, session, viewer, review_id, "assign", {"owner_id": owner_id},
                  lambda: assign(session, review_id, owner_id, actor=viewer.actor))


@router.post("/reviews/{review_id}/contact")
def review_contact(request: Request, review_id: RowId, channel: str = Form(""), result: str = Form(""),
                   note: str = Form(""), at: str = Form(""), viewer: Viewer = Writer, session: Session = PageSession):
    """Log a contact with the buyer: channel, note, outcome (the guard checks the note)."""
    values = {"channel": channel, "result": result, "note": note, "at": at}
    return _acted(request, session, viewer, review_id, "contact", values,
                  lambda: log_contact(session, review_id, channel, result, note, at,
                                                   actor=viewer.actor))


@router.post("/reviews/{review_id}/resolve")
def review_resolve(request: Request, review_id: RowId, resolution: str = Form(""), compensation: str = Form(""),
                   viewer: Viewer = Writer, session: Session = PageSession):
    """Record what was done for the buyer (and any compensation for the real problem)."""
    values = {"resolution": resolution, "compensation": compensation}
    return _acted(request, session, viewer, review_id, "resolve", values,
                  lambda: resolve(session, review_id, resolution, compensation, actor=viewer.actor))


@router.post("/reviews/{review_id}/revision")
def review_revision(request: Request, review_id: RowId, rating: str = Form(""), stars: str = Form(""),
                    text: str = Form(""), revised_at: str = Form(""), viewer: Viewer = Writer,
                    session: Session = PageSession):
    """Record that the buyer revised the review (new class and/or stars) inside the platform's window."""
    values = {"rating": rating, "stars": stars, "text": text, "revised_at": revised_at}
    return _acted(request, session, viewer, review_id, "revision", values,
                  lambda: revise(session, review_id, rating, stars, text, revised_at,
                                              actor=viewer.actor))


@router.post("/reviews/{review_id}/close")
def review_case_close(request: Request, review_id: RowId, outcome: str = Form(""), viewer: Viewer = Writer,
                      session: Session = PageSession):
    """Close the case with its outcome."""
    return _acted(request, session, viewer, review_id, "close", {"outcome": outcome},
                  lambda: close(session, review_id, outcome, actor=viewer.actor))
