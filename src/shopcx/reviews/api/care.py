"""Review care over JSON: care cases with owners, contacts, resolution and closing, the inbox, and orders
awaiting a rating."""


from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ...shops import service as shops
from ...web.api import PageDep, SessionDep
from ...web.deps import MAX_ID, RowId
from .. import service
from ..schemas import (
    AssignIn,
    CaseOpenIn,
    CaseOut,
    CloseIn,
    ContactIn,
    ContactOut,
    InboxItem,
    InboxPage,
    ResolveIn,
)
from .base import (
    CONFLICT,
    ClassQuery,
    Reader,
    Writer,
    case_out,
    masked,
    review_out,
    shop_or_none,
)

router = APIRouter()


@router.post("/reviews/{review_id}/case", response_model=CaseOut, status_code=201, responses=CONFLICT)
def open_case(review_id: RowId, data: CaseOpenIn, actor: Writer, session: SessionDep) -> CaseOut:
    """Open a care case (差评, or a 好评 with negative text) or follow-up task (中评) by hand."""
    found = service.open_case(session, service.get_review(session, review_id), actor=actor, owner_id=data.owner_id,
                              due_at=data.due_at)
    return case_out(found, actor)


@router.get("/review-cases/{case_id}", response_model=CaseOut)
def get_case(case_id: RowId, actor: Reader, session: SessionDep) -> CaseOut:
    """One case with its contacts."""
    return case_out(service.get_case(session, case_id), actor)


@router.post("/review-cases/{case_id}/assign", response_model=CaseOut, responses=CONFLICT)
def assign(case_id: RowId, data: AssignIn, actor: Writer, session: SessionDep) -> CaseOut:
    """Give the case to a staff member who may answer reviews (null unassigns)."""
    return case_out(service.assign(session, service.get_case(session, case_id), data.owner_id, actor=actor), actor)


@router.post("/review-cases/{case_id}/contacts", response_model=ContactOut, status_code=201, responses=CONFLICT)
def add_contact(case_id: RowId, data: ContactIn, actor: Writer, session: SessionDep) -> ContactOut:
    """Log a contact with the buyer (refused if the note offers anything for a review change)."""
    contact = service.log_contact(session, service.get_case(session, case_id), data, actor=actor)
    out = ContactOut.model_validate(contact)
    return out.model_copy(update={"note": masked(out.note, actor)})


@router.post("/review-cases/{case_id}/resolve", response_model=CaseOut, responses=CONFLICT)
def resolve(case_id: RowId, data: ResolveIn, actor: Writer, session: SessionDep) -> CaseOut:
    """Record the resolution (and any compensation for the real problem)."""
    return case_out(service.resolve(session, service.get_case(session, case_id), data, actor=actor), actor)


@router.post("/review-cases/{case_id}/close", response_model=CaseOut, responses=CONFLICT)
def close(case_id: RowId, data: CloseIn, actor: Writer, session: SessionDep) -> CaseOut:
    """Close the case with its outcome (revised only if the buyer did)."""
    return case_out(service.close(session, service.get_case(session, case_id), data.outcome, actor=actor), actor)


@router.get("/review-inbox", response_model=InboxPage)
def inbox(actor: Reader, session: SessionDep, page: PageDep,
          shop: Annotated[str | None, Query(description="Shop code")] = None, rating: ClassQuery = None,
          owner_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
          overdue: Annotated[bool, Query(description="Only cases whose first contact is overdue")] = False,
          hidden_negative: bool | None = None) -> InboxPage:
    """Reviews inside the revision window that need action: 差评 (care), 中评 (apologise), 好评 (thank)."""
    entries, total, counts = service.inbox(session, shop_id=shop_or_none(session, shop).id if shop else None,
                                           rating_class=rating, owner_id=owner_id, overdue=overdue,
                                           hidden_negative=hidden_negative, offset=page.offset,
                                           limit=page.page_size)
    items = [InboxItem(review=review_out(e.review, actor), action=e.action, case=case_out(e.case, actor, False),
                       due_at=e.case.due_at if e.case else None, revision_due_at=e.revision_due_at,
                       overdue=e.overdue) for e in entries]
    return InboxPage(items=items, total=total, page=page.page, page_size=page.page_size, counts=counts)


class AwaitingItem(BaseModel):
    order_id: int
    external_id: str
    customer_id: int | None
    completed_at: str
    rating_deadline: str


class AwaitingPage(BaseModel):
    items: list[AwaitingItem]
    total: int
    page: int
    page_size: int


@router.get("/shops/{shop_code}/awaiting-rating", response_model=AwaitingPage)
def awaiting_rating(shop_code: str, actor: Reader, session: SessionDep, page: PageDep) -> AwaitingPage:
    """Completed orders not yet rated whose rating window is still open, the soonest deadline first."""
    shop = shops.get_shop(session, shop_code)
    rows, total = service.awaiting_rating(session, shop.id, offset=page.offset, limit=page.page_size)
    return AwaitingPage(items=[AwaitingItem(order_id=o.id, external_id=o.external_id, customer_id=o.customer_id,
                                            completed_at=o.completed_at.isoformat(),
                                            rating_deadline=deadline.isoformat()) for o, deadline in rows],
                        total=total, page=page.page, page_size=page.page_size)
