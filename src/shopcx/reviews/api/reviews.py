"""Reviews over JSON: idempotent upserts (one or a batch), lists, one review in full, the seller's reply,
追评 and revisions."""


from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from ...core.errors import ShopCXError
from ...customers import service as customers
from ...shops import service as shops
from ...web.api import PageDep, SessionDep
from ...web.deps import MAX_ID, RowId, require_scope
from .. import repository, service
from ..schemas import (
    BatchItemResult,
    BatchResult,
    FollowupIn,
    ReplyIn,
    ReviewBatchIn,
    ReviewDetailOut,
    ReviewIn,
    ReviewOut,
    ReviewPage,
    RevisionIn,
    RevisionOut,
    Suggestion,
    UpsertResult,
)
from .base import (
    CONFLICT,
    ClassQuery,
    Reader,
    Since,
    Until,
    Writer,
    review_detail,
    review_out,
    shop_or_none,
)

router = APIRouter()


@router.post("/shops/{shop_code}/reviews", response_model=UpsertResult, status_code=201,
             responses={200: {"model": UpsertResult, "description": "The review existed; see `changed`/`revised`"},
                        **CONFLICT})
def upsert_review(shop_code: str, data: ReviewIn, response: Response, actor: Writer,
                  session: SessionDep) -> UpsertResult:
    """Store a review (201) or bring it up to date (200); its order must exist; replays change nothing."""
    result = service.record_review(session, shops.get_shop(session, shop_code), data, actor=actor, source="api")
    response.status_code = 201 if result.created else 200
    return result


@router.post("/shops/{shop_code}/reviews/batch", response_model=BatchResult)
def upsert_reviews(shop_code: str, data: ReviewBatchIn, actor: Writer, session: SessionDep) -> BatchResult:
    """Up to 500 reviews; each is stored or refused on its own (`items[i].error` says why)."""
    shop = shops.get_shop(session, shop_code)
    items: list[BatchItemResult] = []
    counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    context = service.prefetch(session, shop, data.reviews)
    for index, item in enumerate(data.reviews):
        savepoint = session.begin_nested()
        try:
            result = service.record_review(session, shop, item, actor=actor, source="api", batch=context)
        except ShopCXError as exc:
            savepoint.rollback()
            counts["rejected"] += 1
            items.append(BatchItemResult(index=index, ok=False, error=exc.code, message=exc.message,
                                         field=exc.field))
            continue
        savepoint.commit()
        counts["created" if result.created else "updated" if result.changed else "unchanged"] += 1
        items.append(BatchItemResult(index=index, ok=True, result=result))
    return BatchResult(**counts, items=items)


@router.get("/reviews", response_model=ReviewPage)
def list_reviews(actor: Reader, session: SessionDep, page: PageDep,
                 shop: Annotated[str | None, Query(description="Shop code")] = None, rating: ClassQuery = None,
                 customer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                 order_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                 product_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                 has_text: bool | None = None,
                 hidden_negative: Annotated[bool | None, Query(description="好评 whose text is negative")] = None,
                 is_default: Annotated[bool | None, Query(description="系统默认好评")] = None,
                 replied: bool | None = None, since: Since = None, until: Until = None,
                 q: Annotated[str | None, Query(description="Review id, order id or words of the text")] = None,
                 ) -> ReviewPage:
    """One page of reviews, newest first, with the total that match."""
    flt = repository.ReviewFilter(shop_id=shop_or_none(session, shop).id if shop else None, rating_class=rating,
                                  customer_id=customer_id, order_id=order_id, product_id=product_id,
                                  has_text=has_text, hidden_negative=hidden_negative, is_default=is_default,
                                  replied=replied, since=since, until=until, query=q)
    rows, total = service.search_reviews(session, flt, offset=page.offset, limit=page.page_size)
    return ReviewPage(items=[review_out(r, actor) for r in rows], total=total, page=page.page,
                      page_size=page.page_size)


@router.get("/customers/{customer_id}/reviews", response_model=ReviewPage, tags=["customers"],
            dependencies=[Depends(require_scope("customers:read"))])
def list_customer_reviews(customer_id: RowId, actor: Reader, session: SessionDep, page: PageDep) -> ReviewPage:
    """One page of a customer's reviews, newest first (scopes customers:read and reviews:read)."""
    customers.get_customer(session, customer_id)
    rows, total = service.search_reviews(session, repository.ReviewFilter(customer_id=customer_id),
                                         offset=page.offset, limit=page.page_size)
    return ReviewPage(items=[review_out(r, actor) for r in rows], total=total, page=page.page,
                      page_size=page.page_size)


@router.get("/reviews/{review_id}", response_model=ReviewDetailOut)
def get_review(review_id: RowId, actor: Reader, session: SessionDep) -> ReviewDetailOut:
    """One review with its order, the shipments' promised vs actual delivery, revisions, 追评 and care case."""
    return review_detail(session, service.get_review(session, review_id), actor)


@router.post("/reviews/{review_id}/reply", response_model=ReviewOut, responses=CONFLICT)
def reply(review_id: RowId, data: ReplyIn, actor: Writer, session: SessionDep) -> ReviewOut:
    """Store the seller's public reply (refused if it offers anything for a review change)."""
    return review_out(service.reply(session, service.get_review(session, review_id), data.text, actor=actor), actor)


@router.get("/reviews/{review_id}/reply-suggestions", response_model=list[Suggestion])
def reply_suggestions(review_id: RowId, actor: Reader, session: SessionDep,
                      locale: Annotated[Literal["zh", "en"] | None, Query(
                          description="Default: the buyer's language (their text, else the platform's)")] = None,
                      ) -> list[Suggestion]:
    """Replies from the shop's templates for the review's class (or the built-in ones), addressing the buyer
    politely (never by nickname) and naming the product."""
    review = service.get_review(session, review_id)
    shop = shops.get_shop_by_id(session, review.shop_id)
    return [Suggestion(template_id=s.template_id, text=s.text)
            for s in service.suggest_replies(session, review, shop, locale)]


@router.post("/reviews/{review_id}/followups", response_model=ReviewOut)
def add_followup(review_id: RowId, data: FollowupIn, actor: Writer, session: SessionDep) -> ReviewOut:
    """Record a 追评 (kept as history; the text is analysed again)."""
    review = service.add_followup(session, service.get_review(session, review_id), data.text, data.followed_at,
                                  actor=actor)
    return review_out(review, actor)


@router.post("/reviews/{review_id}/revisions", response_model=RevisionOut, status_code=201, responses=CONFLICT)
def revise(review_id: RowId, data: RevisionIn, actor: Writer, session: SessionDep) -> RevisionOut:
    """Record that the buyer revised the review, inside the platform's window (409 outside it)."""
    revision = service.revise(session, service.get_review(session, review_id), data, actor=actor)
    return RevisionOut.model_validate(revision)
