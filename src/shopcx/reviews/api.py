"""Reviews over JSON: idempotent upserts (one or a batch), lists, one review in full, reply, 追评, revisions,
care cases and contacts, the inbox, ratings metrics, settings and reply templates.

Scopes: `reviews:read` for reading, `reviews:write` for changes (settings and templates included: API tokens
are issued by managers). Text written by buyers or staff is masked (phones, emails) without `pii`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ..core import clock
from ..core.errors import ShopCXError
from ..customers import service as customers
from ..orders import service as orders
from ..orders.rules import shipment_is_late
from ..shops import service as shops
from ..shops.models import Shop
from ..staff.service import Actor
from ..web.api import API_ERRORS, ErrorOut, PageDep, SessionDep, bearer_scheme
from ..web.deps import MAX_ID, RowId, require_scope
from ..web.format import mask_text
from . import repository, service
from .models import Review, ReviewCase
from .schemas import (
    AssignIn,
    BatchItemResult,
    BatchResult,
    CaseOpenIn,
    CaseOut,
    CloseIn,
    ContactIn,
    ContactOut,
    FollowupIn,
    FollowupOut,
    InboxItem,
    InboxPage,
    OrderView,
    ReplyIn,
    ResolveIn,
    ReviewBatchIn,
    ReviewDetailOut,
    ReviewIn,
    ReviewOut,
    ReviewPage,
    RevisionIn,
    RevisionOut,
    SettingsIn,
    SettingsOut,
    ShipmentView,
    Suggestion,
    TemplateIn,
    TemplateOut,
    UpsertResult,
)

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["reviews"])

Reader = Annotated[Actor, Depends(require_scope("reviews:read"))]
Writer = Annotated[Actor, Depends(require_scope("reviews:write"))]
ClassQuery = Annotated[Literal["good", "neutral", "bad"] | None, Query(description="good=好评, neutral=中评, bad=差评")]
Since = Annotated[date | None, Query(description="First day (shop's local date), inclusive")]
Until = Annotated[date | None, Query(description="Last day (shop's local date), inclusive; default today")]
_CONFLICT = {409: {"model": ErrorOut, "description": "The review or case does not allow this now"}}


def _masked(text: str | None, actor: Actor) -> str | None:
    return text if actor.allows("pii") else mask_text(text)


def _review(review: Review, actor: Actor) -> ReviewOut:
    out = ReviewOut.model_validate(review)
    return out.model_copy(update={"text": _masked(out.text, actor), "followup_text": _masked(out.followup_text, actor),
                                  "reply_text": _masked(out.reply_text, actor)})


def _case(found: ReviewCase | None, actor: Actor, with_contacts: bool = True) -> CaseOut | None:
    if found is None:
        return None
    out = CaseOut.model_validate(found)
    contacts = [c.model_copy(update={"note": _masked(c.note, actor)}) for c in out.contacts] if with_contacts else []
    return out.model_copy(update={"overdue": service.is_overdue(found, clock.now()), "contacts": contacts,
                                  "resolution": _masked(out.resolution, actor)})


def _shop(session: Session, code: str | None) -> Shop | None:
    return shops.get_shop(session, code) if code else None


def _detail(session: Session, review: Review, actor: Actor) -> ReviewDetailOut:
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
        **_review(review, actor).model_dump(), order=view,
        revisions=[RevisionOut.model_validate(r).model_copy(update={"previous_text": _masked(r.previous_text, actor)})
                   for r in review.revisions],
        followups=[FollowupOut(id=f.id, text=_masked(f.text, actor) or "", followed_at=f.followed_at)
                   for f in review.followups],
        case=_case(service.case_for_review(session, review), actor),
        revision_deadline=service.revision_deadline(session, review), earlier_reviews=max(earlier, 0))


# --- reviews -------------------------------------------------------------------------------------------------


@router.post("/shops/{shop_code}/reviews", response_model=UpsertResult, status_code=201,
             responses={200: {"model": UpsertResult, "description": "The review existed; see `changed`/`revised`"},
                        **_CONFLICT})
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
    flt = repository.ReviewFilter(shop_id=_shop(session, shop).id if shop else None, rating_class=rating,
                                  customer_id=customer_id, order_id=order_id, product_id=product_id,
                                  has_text=has_text, hidden_negative=hidden_negative, is_default=is_default,
                                  replied=replied, since=since, until=until, query=q)
    rows, total = service.search_reviews(session, flt, offset=page.offset, limit=page.page_size)
    return ReviewPage(items=[_review(r, actor) for r in rows], total=total, page=page.page,
                      page_size=page.page_size)


@router.get("/customers/{customer_id}/reviews", response_model=ReviewPage, tags=["customers"],
            dependencies=[Depends(require_scope("customers:read"))])
def list_customer_reviews(customer_id: RowId, actor: Reader, session: SessionDep, page: PageDep) -> ReviewPage:
    """One page of a customer's reviews, newest first (scopes customers:read and reviews:read)."""
    customers.get_customer(session, customer_id)
    rows, total = service.search_reviews(session, repository.ReviewFilter(customer_id=customer_id),
                                         offset=page.offset, limit=page.page_size)
    return ReviewPage(items=[_review(r, actor) for r in rows], total=total, page=page.page,
                      page_size=page.page_size)


@router.get("/reviews/{review_id}", response_model=ReviewDetailOut)
def get_review(review_id: RowId, actor: Reader, session: SessionDep) -> ReviewDetailOut:
    """One review with its order, the shipments' promised vs actual delivery, revisions, 追评 and care case."""
    return _detail(session, service.get_review(session, review_id), actor)


@router.post("/reviews/{review_id}/reply", response_model=ReviewOut, responses=_CONFLICT)
def reply(review_id: RowId, data: ReplyIn, actor: Writer, session: SessionDep) -> ReviewOut:
    """Store the seller's public reply (refused if it offers anything for a review change)."""
    return _review(service.reply(session, service.get_review(session, review_id), data.text, actor=actor), actor)


@router.get("/reviews/{review_id}/reply-suggestions", response_model=list[Suggestion])
def reply_suggestions(review_id: RowId, actor: Reader, session: SessionDep,
                      locale: Literal["zh", "en"] = "zh") -> list[Suggestion]:
    """Replies from the shop's templates for the review's class (or the built-in ones), with name and product."""
    review = service.get_review(session, review_id)
    shop = shops.get_shop_by_id(session, review.shop_id)
    return [Suggestion(template_id=s.template_id, text=s.text)
            for s in service.suggest_replies(session, review, shop, locale)]


@router.post("/reviews/{review_id}/followups", response_model=ReviewOut)
def add_followup(review_id: RowId, data: FollowupIn, actor: Writer, session: SessionDep) -> ReviewOut:
    """Record a 追评 (kept as history; the text is analysed again)."""
    review = service.add_followup(session, service.get_review(session, review_id), data.text, data.followed_at,
                                  actor=actor)
    return _review(review, actor)


@router.post("/reviews/{review_id}/revisions", response_model=RevisionOut, status_code=201, responses=_CONFLICT)
def revise(review_id: RowId, data: RevisionIn, actor: Writer, session: SessionDep) -> RevisionOut:
    """Record that the buyer revised the review, inside the platform's window (409 outside it)."""
    revision = service.revise(session, service.get_review(session, review_id), data, actor=actor)
    return RevisionOut.model_validate(revision)


# --- care ----------------------------------------------------------------------------------------------------


@router.post("/reviews/{review_id}/case", response_model=CaseOut, status_code=201, responses=_CONFLICT)
def open_case(review_id: RowId, data: CaseOpenIn, actor: Writer, session: SessionDep) -> CaseOut:
    """Open a care case (差评, or a 好评 with negative text) or follow-up task (中评) by hand."""
    found = service.open_case(session, service.get_review(session, review_id), actor=actor, owner_id=data.owner_id,
                              due_at=data.due_at)
    return _case(found, actor)


@router.get("/review-cases/{case_id}", response_model=CaseOut)
def get_case(case_id: RowId, actor: Reader, session: SessionDep) -> CaseOut:
    """One case with its contacts."""
    return _case(service.get_case(session, case_id), actor)


@router.post("/review-cases/{case_id}/assign", response_model=CaseOut, responses=_CONFLICT)
def assign(case_id: RowId, data: AssignIn, actor: Writer, session: SessionDep) -> CaseOut:
    """Give the case to a staff member who may answer reviews (null unassigns)."""
    return _case(service.assign(session, service.get_case(session, case_id), data.owner_id, actor=actor), actor)


@router.post("/review-cases/{case_id}/contacts", response_model=ContactOut, status_code=201, responses=_CONFLICT)
def add_contact(case_id: RowId, data: ContactIn, actor: Writer, session: SessionDep) -> ContactOut:
    """Log a contact with the buyer (refused if the note offers anything for a review change)."""
    contact = service.log_contact(session, service.get_case(session, case_id), data, actor=actor)
    out = ContactOut.model_validate(contact)
    return out.model_copy(update={"note": _masked(out.note, actor)})


@router.post("/review-cases/{case_id}/resolve", response_model=CaseOut, responses=_CONFLICT)
def resolve(case_id: RowId, data: ResolveIn, actor: Writer, session: SessionDep) -> CaseOut:
    """Record the resolution (and any compensation for the real problem)."""
    return _case(service.resolve(session, service.get_case(session, case_id), data, actor=actor), actor)


@router.post("/review-cases/{case_id}/close", response_model=CaseOut, responses=_CONFLICT)
def close(case_id: RowId, data: CloseIn, actor: Writer, session: SessionDep) -> CaseOut:
    """Close the case with its outcome (revised only if the buyer did)."""
    return _case(service.close(session, service.get_case(session, case_id), data.outcome, actor=actor), actor)


@router.get("/review-inbox", response_model=InboxPage)
def inbox(actor: Reader, session: SessionDep, page: PageDep,
          shop: Annotated[str | None, Query(description="Shop code")] = None, rating: ClassQuery = None,
          owner_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
          overdue: Annotated[bool, Query(description="Only cases whose first contact is overdue")] = False,
          hidden_negative: bool | None = None) -> InboxPage:
    """Reviews inside the revision window that need action: 差评 (care), 中评 (apologise), 好评 (thank)."""
    entries, total, counts = service.inbox(session, shop_id=_shop(session, shop).id if shop else None,
                                           rating_class=rating, owner_id=owner_id, overdue=overdue,
                                           hidden_negative=hidden_negative, offset=page.offset,
                                           limit=page.page_size)
    items = [InboxItem(review=_review(e.review, actor), action=e.action, case=_case(e.case, actor, False),
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


# --- metrics -------------------------------------------------------------------------------------------------


def _scope(shop: Shop, product_id: int | None, category: str | None, carrier: str | None):
    return service.metrics.scope(shop, product_id=product_id, category=category, carrier=carrier)


ProductQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this product's reviews")]
CategoryQuery = Annotated[str | None, Query(max_length=80, description="Only this product category")]
CarrierQuery = Annotated[str | None, Query(max_length=60, description="Only orders shipped by this carrier")]


@router.get("/shops/{shop_code}/ratings/dsr", tags=["ratings"])
def dsr(shop_code: str, actor: Reader, session: SessionDep, as_of: Until = None, product_id: ProductQuery = None,
        category: CategoryQuery = None, carrier: CarrierQuery = None) -> dict:
    """DSR per dimension over the 180 days to as_of, with the benchmark and the gap as ±%."""
    shop = shops.get_shop(session, shop_code)
    return service.dsr_summary(session, shop, as_of=as_of, sc=_scope(shop, product_id, category, carrier))


@router.get("/shops/{shop_code}/ratings/dsr-series", tags=["ratings"])
def dsr_series(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
               product_id: ProductQuery = None, category: CategoryQuery = None, carrier: CarrierQuery = None) -> dict:
    """Each day's 180-day DSR per dimension (default: the last 90 days)."""
    shop = shops.get_shop(session, shop_code)
    return service.dsr_series(session, shop, start=start, end=end, sc=_scope(shop, product_id, category, carrier))


@router.get("/shops/{shop_code}/ratings/forecast", tags=["ratings"])
def forecast(shop_code: str, actor: Reader, session: SessionDep, as_of: Until = None,
             horizon: Annotated[int, Query(ge=1, le=180)] = 30, product_id: ProductQuery = None,
             category: CategoryQuery = None, carrier: CarrierQuery = None) -> dict:
    """Ratings leaving the 180-day window in the next days, the DSR after, and the 5-star ratings to gain 0.1."""
    shop = shops.get_shop(session, shop_code)
    return service.dsr_forecast(session, shop, as_of=as_of, horizon=horizon,
                                sc=_scope(shop, product_id, category, carrier))


@router.get("/shops/{shop_code}/ratings/counts", tags=["ratings"])
def counts(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
           by: Annotated[Literal["product", "category", "carrier"] | None, Query()] = None,
           product_id: ProductQuery = None, category: CategoryQuery = None, carrier: CarrierQuery = None) -> dict:
    """Reviews by class and 好评率 in the window (default 180 days), overall or per product/category/carrier."""
    shop = shops.get_shop(session, shop_code)
    sc = _scope(shop, product_id, category, carrier)
    if by:
        return service.class_counts_by(session, shop, by=by, start=start, end=end, sc=sc)
    return service.class_counts(session, shop, start=start, end=end, sc=sc)


@router.get("/shops/{shop_code}/ratings/good-rate", tags=["ratings"])
def good_rate(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
              period: Literal["day", "week", "month"] = "week", product_id: ProductQuery = None,
              category: CategoryQuery = None, carrier: CarrierQuery = None) -> dict:
    """好评率 per day, week or month (default: the last 26 weeks)."""
    shop = shops.get_shop(session, shop_code)
    return service.good_rate_trend(session, shop, start=start, end=end, period=period,
                                   sc=_scope(shop, product_id, category, carrier))


@router.get("/shops/{shop_code}/ratings/drivers", tags=["ratings"])
def drivers(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
            product_id: ProductQuery = None, category: CategoryQuery = None, carrier: CarrierQuery = None) -> dict:
    """中/差评 and hidden negatives per driver their text is about."""
    shop = shops.get_shop(session, shop_code)
    return service.negatives_by_driver(session, shop, start=start, end=end,
                                       sc=_scope(shop, product_id, category, carrier))


@router.get("/shops/{shop_code}/ratings/ranking", tags=["ratings"])
def ranking(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
            by: Literal["product", "category", "carrier"] = "product",
            min_count: Annotated[int, Query(ge=1, le=100_000)] = 5,
            limit: Annotated[int, Query(ge=1, le=200)] = 20) -> dict:
    """Products, categories or carriers ranked by 差评 rate, those with at least min_count reviews."""
    return service.bad_rate_ranking(session, shops.get_shop(session, shop_code), by=by, start=start, end=end,
                                    min_count=min_count, limit=limit)


@router.get("/shops/{shop_code}/ratings/late-vs-rating", tags=["ratings"])
def late_vs_rating(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
                   product_id: ProductQuery = None, category: CategoryQuery = None,
                   carrier: CarrierQuery = None) -> dict:
    """Mean stars and 物流服务 of reviews whose delivery was late, on time, without promise or without shipment."""
    shop = shops.get_shop(session, shop_code)
    return service.late_vs_rating(session, shop, start=start, end=end, sc=_scope(shop, product_id, category, carrier))


@router.get("/shops/{shop_code}/ratings/revisions", tags=["ratings"])
def revisions(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
              by_agent: bool = False, product_id: ProductQuery = None, category: CategoryQuery = None,
              carrier: CarrierQuery = None) -> dict:
    """Revision rate of the 中/差评 of the window, per class and (by_agent) per case owner."""
    shop = shops.get_shop(session, shop_code)
    return service.revision_stats(session, shop, start=start, end=end, by_agent=by_agent,
                                  sc=_scope(shop, product_id, category, carrier))


@router.get("/shops/{shop_code}/ratings/response-times", tags=["ratings"])
def response_times(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
                   by_agent: bool = False, product_id: ProductQuery = None, category: CategoryQuery = None,
                   carrier: CarrierQuery = None) -> dict:
    """Hours from a 中/差评 to the first reply or contact: mean, median, 90th percentile, unanswered."""
    shop = shops.get_shop(session, shop_code)
    return service.response_times(session, shop, start=start, end=end, by_agent=by_agent,
                                  sc=_scope(shop, product_id, category, carrier))


# --- settings and templates ----------------------------------------------------------------------------------


def _settings_out(shop: Shop, current) -> SettingsOut:
    w = current.windows
    return SettingsOut(shop=shop.code, platform=current.platform, stored=current.stored, rating_days=w.rating_days,
                       revision_days=w.revision_days, max_revisions=w.max_revisions, reply_allowed=w.reply_allowed,
                       care_due_hours=w.care_due_hours, followup_due_hours=w.followup_due_hours,
                       benchmark_description=current.benchmarks["description"],
                       benchmark_service=current.benchmarks["service"],
                       benchmark_logistics=current.benchmarks["logistics"])


PlatformQuery = Annotated[str | None, Query(description="Default: the shop's platform")]


@router.get("/shops/{shop_code}/review-settings", response_model=SettingsOut, tags=["settings"])
def get_settings(shop_code: str, actor: Reader, session: SessionDep, platform: PlatformQuery = None) -> SettingsOut:
    """The rating and revision windows, reply rule, care deadlines and DSR benchmarks (or the defaults)."""
    shop = shops.get_shop(session, shop_code)
    name = service.settings.check_platform(platform or shop.platform)
    return _settings_out(shop, service.settings_for(session, shop.id, name))


@router.put("/shops/{shop_code}/review-settings", response_model=SettingsOut, tags=["settings"])
def put_settings(shop_code: str, data: SettingsIn, actor: Writer, session: SessionDep,
                 platform: PlatformQuery = None) -> SettingsOut:
    """Change the given settings of the shop on the platform; the others keep their value."""
    shop = shops.get_shop(session, shop_code)
    current = service.update_settings(session, shop, platform or shop.platform, data, actor=actor)
    return _settings_out(shop, current)


@router.get("/shops/{shop_code}/reply-templates", response_model=list[TemplateOut], tags=["settings"])
def list_templates(shop_code: str, actor: Reader, session: SessionDep) -> list[TemplateOut]:
    """The shop's active reply templates (none: the built-in ones are suggested)."""
    return [TemplateOut.model_validate(t) for t in service.list_templates(session, shops.get_shop(session,
                                                                                                   shop_code))]


@router.post("/shops/{shop_code}/reply-templates", response_model=TemplateOut, status_code=201, tags=["settings"])
def add_template(shop_code: str, data: TemplateIn, actor: Writer, session: SessionDep) -> TemplateOut:
    """Add a reply template; it may use {name}, {product} and {shop} and must pass the platform-rule guard."""
    return TemplateOut.model_validate(service.add_template(session, shops.get_shop(session, shop_code), data,
                                                           actor=actor))


@router.delete("/shops/{shop_code}/reply-templates/{template_id}", status_code=204, tags=["settings"])
def retire_template(shop_code: str, template_id: RowId, actor: Writer, session: SessionDep) -> Response:
    """Stop suggesting a template."""
    service.retire_template(session, shops.get_shop(session, shop_code), template_id, actor=actor)
    return Response(status_code=204)
