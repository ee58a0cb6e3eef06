"""All review queries: lookups, lists, the inbox, and the aggregates the metrics are computed from.

Metric queries return per-day or per-group sums and counts; the formulas live in rules.py. Days are the
review's `reviewed_on` (its date in the shop's timezone), so windows are whole local days on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, lazyload

from ..core.search import contains
from ..customers.models import Customer
from ..orders.models import Order, OrderLine, Product, Shipment
from ..staff.models import StaffUser
from .models import ReplyTemplate, Review, ReviewCase, ReviewContact, ReviewRevision, ReviewSettings

ID_CHUNK = 5_000


# --- lookups -------------------------------------------------------------------------------------------------


def by_external_id(session: Session, shop_id: int, platform: str, external_id: str) -> Review | None:
    stmt = select(Review).where(Review.shop_id == shop_id, Review.platform == platform,
                                Review.external_id == external_id)
    return session.scalar(stmt)


# Reviews need an order's lines, never its shipments, refunds or history: those load only when touched.
_ORDER_FOR_REVIEW = (lazyload(Order.shipments), lazyload(Order.refunds), lazyload(Order.history))


def order_by_external_id(session: Session, shop_id: int, external_id: str, platform: str) -> Order | None:
    """The shop's order with this platform id; one from the same source wins when several sources share it."""
    same = session.scalar(select(Order).where(Order.shop_id == shop_id, Order.source == platform,
                                              Order.external_id == external_id).options(*_ORDER_FOR_REVIEW))
    if same is not None:
        return same
    stmt = (select(Order).where(Order.shop_id == shop_id, Order.external_id == external_id)
            .order_by(Order.id).limit(1).options(*_ORDER_FOR_REVIEW))
    return session.scalar(stmt)


def orders_by_external_ids(session: Session, shop_id: int, external_ids: set[str],
                           platform: str) -> dict[str, Order]:
    """external id -> the shop's order (from the platform's source when several sources share the id)."""
    found: dict[str, Order] = {}
    chunk = ID_CHUNK // 5
    ids = sorted(external_ids)
    # With the source the whole unique key is known: index lookups, not a scan of the shop's orders.
    for start in range(0, len(ids), chunk):
        stmt = select(Order).where(Order.shop_id == shop_id, Order.source == platform,
                                   Order.external_id.in_(ids[start:start + chunk])).options(*_ORDER_FOR_REVIEW)
        found.update({order.external_id: order for order in session.scalars(stmt)})
    rest = sorted(external_ids - found.keys())
    for start in range(0, len(rest), chunk):
        stmt = (select(Order).where(Order.shop_id == shop_id, Order.external_id.in_(rest[start:start + chunk]))
                .order_by(Order.id).options(*_ORDER_FOR_REVIEW))
        for order in session.scalars(stmt):
            found.setdefault(order.external_id, order)
    return found


def reviews_of_orders(session: Session, shop_id: int, platform: str, order_ids: set[int]) -> dict[str, Review]:
    """external id -> stored review of these orders on the platform (by the order index: the review table may
    have no statistics yet in the middle of a big import, and a scan of it per batch is what that costs)."""
    found: dict[str, Review] = {}
    ids = sorted(order_ids)
    for start in range(0, len(ids), ID_CHUNK // 5):
        stmt = select(Review).where(Review.order_id.in_(ids[start:start + ID_CHUNK // 5]))
        found.update({r.external_id: r for r in session.scalars(stmt)
                      if r.shop_id == shop_id and r.platform == platform})
    return found


def product_by_sku(session: Session, shop_id: int, sku: str) -> Product | None:
    return session.scalar(select(Product).where(Product.shop_id == shop_id, Product.sku == sku))


def case_for_review(session: Session, review_id: int) -> ReviewCase | None:
    return session.scalar(select(ReviewCase).where(ReviewCase.review_id == review_id))


def lock_review(session: Session, review: Review) -> None:
    """Lock the review row until commit (PostgreSQL), so two revisions cannot both pass the one-revision rule."""
    session.flush()
    session.refresh(review, ["rating_class", "stars", "revision_count", "text"], with_for_update=True)


def latest_contact_before(session: Session, review_id: int, at: datetime) -> ReviewContact | None:
    stmt = (select(ReviewContact).where(ReviewContact.review_id == review_id, ReviewContact.at <= at)
            .order_by(ReviewContact.at.desc(), ReviewContact.id.desc()).limit(1))
    return session.scalar(stmt)


def settings_row(session: Session, shop_id: int, platform: str) -> ReviewSettings | None:
    return session.scalar(select(ReviewSettings).where(ReviewSettings.shop_id == shop_id,
                                                       ReviewSettings.platform == platform))


def templates(session: Session, shop_id: int, rating_class: str | None = None, locale: str | None = None,
              active_only: bool = True) -> list[ReplyTemplate]:
    stmt = select(ReplyTemplate).where(ReplyTemplate.shop_id == shop_id)
    if rating_class:
        stmt = stmt.where(ReplyTemplate.rating_class == rating_class)
    if locale:
        stmt = stmt.where(ReplyTemplate.locale == locale)
    if active_only:
        stmt = stmt.where(ReplyTemplate.is_active.is_(True))
    return list(session.scalars(stmt.order_by(ReplyTemplate.id)))


def staff_user(session: Session, user_id: int) -> StaffUser | None:
    return session.get(StaffUser, user_id)


def customer_name(session: Session, customer_id: int | None) -> str | None:
    if customer_id is None:
        return None
    return session.scalar(select(Customer.name).where(Customer.id == customer_id, Customer.erased_at.is_(None)))


def line_name(session: Session, review: Review) -> str | None:
    """The name of what was reviewed: the line, else its product, else the order's first line."""
    if review.order_line_id:
        name = session.scalar(select(OrderLine.name).where(OrderLine.id == review.order_line_id))
        if name:
            return name
    if review.product_id:
        name = session.scalar(select(Product.name).where(Product.id == review.product_id))
        if name:
            return name
    return session.scalar(select(OrderLine.name).where(OrderLine.order_id == review.order_id)
                          .order_by(OrderLine.line_no).limit(1))


def count_customer_reviews(session: Session, customer_id: int) -> int:
    return session.scalar(select(func.count(Review.id)).where(Review.customer_id == customer_id)) or 0


# --- lists ---------------------------------------------------------------------------------------------------


@dataclass
class ReviewFilter:
    shop_id: int | None = None
    rating_class: str | None = None
    customer_id: int | None = None
    order_id: int | None = None
    product_id: int | None = None
    has_text: bool | None = None
    hidden_negative: bool | None = None
    is_default: bool | None = None
    replied: bool | None = None
    since: date | None = None
    until: date | None = None
    query: str | None = None


def _filtered(stmt, flt: ReviewFilter):
    conditions = []
    if flt.shop_id:
        conditions.append(Review.shop_id == flt.shop_id)
    if flt.rating_class:
        conditions.append(Review.rating_class == flt.rating_class)
    if flt.customer_id:
        conditions.append(Review.customer_id == flt.customer_id)
    if flt.order_id:
        conditions.append(Review.order_id == flt.order_id)
    if flt.product_id:
        conditions.append(Review.product_id == flt.product_id)
    if flt.has_text is not None:
        has = and_(Review.text.is_not(None), Review.text != "")
        conditions.append(has if flt.has_text else ~has)
    if flt.hidden_negative is not None:
        conditions.append(Review.hidden_negative.is_(flt.hidden_negative))
    if flt.is_default is not None:
        conditions.append(Review.is_default.is_(flt.is_default))
    if flt.replied is not None:
        conditions.append(Review.replied_at.is_not(None) if flt.replied else Review.replied_at.is_(None))
    if flt.since:
        conditions.append(Review.reviewed_on >= flt.since)
    if flt.until:
        conditions.append(Review.reviewed_on <= flt.until)
    if flt.query and flt.query.strip():
        text = flt.query.strip()
        order_ids = select(Order.id).where(Order.external_id == text)
        conditions.append(or_(Review.external_id == text, Review.order_id.in_(order_ids),
                              contains(Review.text, text)))
    return stmt.where(*conditions) if conditions else stmt


def search(session: Session, flt: ReviewFilter, *, offset: int, limit: int) -> tuple[list[Review], int]:
    """One page of reviews, newest first, and the total count."""
    total = session.scalar(_filtered(select(func.count(Review.id)), flt)) or 0
    stmt = _filtered(select(Review), flt).order_by(Review.reviewed_at.desc(), Review.id.desc())
    return list(session.scalars(stmt.offset(offset).limit(limit))), total


def customers_with_text_good_review(session: Session, shop_id: int | None) -> set[int]:
    stmt = select(Review.customer_id).where(Review.rating_class == "good", Review.is_default.is_(False),
                                            Review.customer_id.is_not(None), Review.text.is_not(None),
                                            Review.text != "").distinct()
    if shop_id:
        stmt = stmt.where(Review.shop_id == shop_id)
    return set(session.scalars(stmt))


def training_rows(session: Session, shop_id: int) -> Iterator[tuple[str, int | None, str, int, bool, str | None]]:
    """(text, stars, class, revisions, is_default, product category) of the shop's reviews that have text."""
    stmt = (select(Review.text, Review.stars, Review.rating_class, Review.revision_count, Review.is_default,
                   Product.category)
            .outerjoin(Product, Product.id == Review.product_id)
            .where(Review.shop_id == shop_id, Review.text.is_not(None), Review.text != "")
            .order_by(Review.id).execution_options(yield_per=ID_CHUNK))
    yield from session.execute(stmt)


def _with_text(shop_id: int | None):
    """Reviews with text or a 追评 (what text analysis reads), of one shop or of all."""
    found = or_(and_(Review.text.is_not(None), Review.text != ""), Review.followup_text.is_not(None))
    return and_(found, Review.shop_id == shop_id) if shop_id is not None else found


def count_with_text(session: Session, shop_id: int | None) -> int:
    return session.scalar(select(func.count()).select_from(Review).where(_with_text(shop_id))) or 0


def with_text_after(session: Session, shop_id: int | None, after_id: int, limit: int) -> list[Review]:
    """The next reviews with text by id after after_id (keyset paging for re-analysis)."""
    stmt = select(Review).where(_with_text(shop_id), Review.id > after_id).order_by(Review.id).limit(limit)
    return list(session.scalars(stmt))


def reviews_by_ids(session: Session, ids: list[int]) -> list[Review]:
    """These reviews, by id (a batch read earlier, re-read in the transaction that writes it)."""
    return list(session.scalars(select(Review).where(Review.id.in_(ids)).order_by(Review.id))) if ids else []


def unanalyzed(session: Session, limit: int) -> list[Review]:
    """Reviews with text or a 追评 that have no text analysis yet."""
    stmt = select(Review).where(Review.analyzed_at.is_(None), _with_text(None)).order_by(Review.id).limit(limit)
    return list(session.scalars(stmt))


# --- the inbox -----------------------------------------------------------------------------------------------


@dataclass
class InboxFilter:
    shop_id: int | None = None
    since: datetime | None = None  # reviews older than the revision window need no more action
    rating_class: str | None = None
    owner_id: int | None = None
    overdue_at: datetime | None = None  # only cases whose first contact is overdue at this time
    hidden_negative: bool | None = None


_OPEN = ("open", "contacted", "resolved")


def _needs_action():
    unreplied = Review.replied_at.is_(None)
    open_case = ReviewCase.status.in_(_OPEN)
    return or_(and_(Review.rating_class == "good", Review.is_default.is_(False), or_(unreplied, open_case)),
               and_(Review.rating_class.in_(("neutral", "bad")), or_(unreplied, open_case)))


def _inbox_stmt(stmt, flt: InboxFilter):
    stmt = stmt.select_from(Review).outerjoin(ReviewCase, ReviewCase.review_id == Review.id).where(_needs_action())
    if flt.shop_id:
        stmt = stmt.where(Review.shop_id == flt.shop_id)
    if flt.since:
        stmt = stmt.where(Review.reviewed_at >= flt.since)
    if flt.rating_class:
        stmt = stmt.where(Review.rating_class == flt.rating_class)
    if flt.owner_id:
        stmt = stmt.where(ReviewCase.owner_id == flt.owner_id)
    if flt.overdue_at:
        stmt = stmt.where(ReviewCase.status == "open", ReviewCase.due_at < flt.overdue_at)
    if flt.hidden_negative is not None:
        stmt = stmt.where(Review.hidden_negative.is_(flt.hidden_negative))
    return stmt


def inbox(session: Session, flt: InboxFilter, *, offset: int, limit: int) -> tuple[list[tuple[Review,
                                                                                            ReviewCase | None]], int]:
    """Reviews that need action: 差评 first, then 中评, then 好评; within a class the earliest deadline first."""
    total = session.scalar(_inbox_stmt(select(func.count(Review.id)), flt)) or 0
    return inbox_rows(session, flt, offset=offset, limit=limit), total


def inbox_rows(session: Session, flt: InboxFilter, *, offset: int,
               limit: int) -> list[tuple[Review, ReviewCase | None]]:
    """One page of `inbox` without the count."""
    rank = case((Review.rating_class == "bad", 0), (Review.rating_class == "neutral", 1), else_=2)
    hidden_first = case((Review.hidden_negative.is_(True), 0), else_=1)
    stmt = (_inbox_stmt(select(Review, ReviewCase), flt)
            .order_by(rank, hidden_first, ReviewCase.due_at.is_(None), ReviewCase.due_at, Review.reviewed_at,
                      Review.id)
            .offset(offset).limit(limit))
    return [(review, case_) for review, case_ in session.execute(stmt)]


def inbox_counts(session: Session, flt: InboxFilter, now: datetime) -> dict[str, int]:
    base = InboxFilter(shop_id=flt.shop_id, since=flt.since, owner_id=flt.owner_id,
                       hidden_negative=flt.hidden_negative)
    rows = session.execute(_inbox_stmt(select(Review.rating_class, func.count(Review.id)), base)
                           .group_by(Review.rating_class)).all()
    counts = {"good": 0, "neutral": 0, "bad": 0}
    counts.update({cls: n for cls, n in rows})
    overdue = InboxFilter(**{**base.__dict__, "overdue_at": now})
    counts["overdue"] = session.scalar(_inbox_stmt(select(func.count(Review.id)), overdue)) or 0
    return counts


def awaiting_rating(session: Session, shop_id: int, completed_since: datetime, *, offset: int,
                    limit: int) -> tuple[list[Order], int]:
    """Completed sale orders still inside the rating window and without any review, oldest completion first."""
    stmt = select(Order).where(Order.shop_id == shop_id, Order.kind == "sale", Order.status == "completed",
                               Order.completed_at >= completed_since,
                               ~exists().where(Review.order_id == Order.id))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Order.completed_at, Order.id).offset(offset).limit(limit))
    return list(rows), total


# --- metric aggregates ---------------------------------------------------------------------------------------


@dataclass
class Scope:
    """Which reviews a metric covers: one shop, optionally one product, category or carrier."""

    shop_id: int
    product_id: int | None = None
    category: str | None = None
    carrier: str | None = None


def _scoped(stmt, scope: Scope):
    stmt = stmt.where(Review.shop_id == scope.shop_id)
    if scope.product_id:
        stmt = stmt.where(Review.product_id == scope.product_id)
    if scope.category:
        stmt = stmt.where(Review.product_id.in_(select(Product.id).where(Product.shop_id == scope.shop_id,
                                                                         Product.category == scope.category)))
    if scope.carrier:
        # An alias, so a query that already joins Shipment (by carrier, late vs rating) keeps its own FROM.
        parcel = aliased(Shipment)
        stmt = stmt.where(exists().where(parcel.order_id == Review.order_id, parcel.carrier == scope.carrier)
                          .correlate(Review))
    return stmt


def dsr_daily(session: Session, scope: Scope, first: date, last: date) -> dict[str, dict[date, tuple[int, int]]]:
    """Per DSR dimension: day -> (Σ ratings, count); default good reviews never count (DESIGN.md §4)."""
    columns = (Review.dsr_description, Review.dsr_service, Review.dsr_logistics)
    stmt = select(Review.reviewed_on, *[func.coalesce(func.sum(c), 0) for c in columns],
                  *[func.count(c) for c in columns])
    stmt = _scoped(stmt, scope).where(Review.is_default.is_(False), Review.reviewed_on >= first,
                                      Review.reviewed_on <= last).group_by(Review.reviewed_on)
    out: dict[str, dict[date, tuple[int, int]]] = {"description": {}, "service": {}, "logistics": {}}
    for day, s1, s2, s3, n1, n2, n3 in session.execute(stmt):
        for name, s, n in (("description", s1, n1), ("service", s2, n2), ("logistics", s3, n3)):
            if n:
                out[name][day] = (int(s), int(n))
    return out


def class_daily(session: Session, scope: Scope, first: date, last: date) -> list[tuple[date, str, bool, bool, bool,
                                                                                      int]]:
    """(day, class, is_default, hidden_negative, has_text, count) for the reviews of each day."""
    has_text = and_(Review.text.is_not(None), Review.text != "")
    text_flag = case((has_text, True), else_=False)
    stmt = select(Review.reviewed_on, Review.rating_class, Review.is_default, Review.hidden_negative, text_flag,
                  func.count(Review.id))
    stmt = _scoped(stmt, scope).where(Review.reviewed_on >= first, Review.reviewed_on <= last).group_by(
        Review.reviewed_on, Review.rating_class, Review.is_default, Review.hidden_negative, text_flag)
    return [(day, cls, bool(default), bool(hidden), bool(text), int(n))
            for day, cls, default, hidden, text, n in session.execute(stmt)]


def class_by_group(session: Session, scope: Scope, first: date, last: date,
                   by: str) -> list[tuple[object, str | None, str, bool, bool, int]]:
    """(key, label, class, is_default, hidden_negative, count) grouped by product, category or carrier."""
    base = [Review.rating_class, Review.is_default, Review.hidden_negative]
    if by == "product":
        stmt = (select(Review.product_id, Product.name, *base, func.count(Review.id))
                .outerjoin(Product, Product.id == Review.product_id)
                .group_by(Review.product_id, Product.name, *base))
    elif by == "category":
        stmt = (select(Product.category, Product.category, *base, func.count(Review.id))
                .outerjoin(Product, Product.id == Review.product_id).group_by(Product.category, *base))
    elif by == "carrier":
        # An order shipped in two parcels by one carrier is one review for that carrier: count distinct reviews.
        stmt = (select(Shipment.carrier, Shipment.carrier, *base, func.count(func.distinct(Review.id)))
                .select_from(Review).join(Shipment, Shipment.order_id == Review.order_id)
                .where(Shipment.carrier.is_not(None)).group_by(Shipment.carrier, *base))
        if scope.carrier:  # only that carrier's row, not the other carriers of a split order
            stmt = stmt.where(Shipment.carrier == scope.carrier)
    else:
        raise ValueError(f"unknown grouping {by}")
    stmt = _scoped(stmt, scope).where(Review.reviewed_on >= first, Review.reviewed_on <= last)
    return [(key, label, cls, bool(default), bool(hidden), int(n))
            for key, label, cls, default, hidden, n in session.execute(stmt)]


def negative_aspects(session: Session, scope: Scope, first: date, last: date) -> Iterator[tuple[str, bool, list]]:
    """(class, hidden_negative, aspects) of the 中/差评 and hidden negatives in the window."""
    stmt = select(Review.rating_class, Review.hidden_negative, Review.aspects)
    stmt = _scoped(stmt, scope).where(Review.reviewed_on >= first, Review.reviewed_on <= last,
                                      or_(Review.rating_class.in_(("neutral", "bad")),
                                          Review.hidden_negative.is_(True)))
    for cls, hidden, aspects in session.execute(stmt.execution_options(yield_per=10_000)):
        yield cls, bool(hidden), list(aspects or [])


def delivery_groups(session: Session, scope: Scope, first: date, last: date) -> list[tuple]:
    """(group, class, reviews, Σ stars, stars counted, Σ 物流服务, 物流服务 counted) of the window's reviews (default
    good reviews left out) by their order's delivery: "no_shipment", "no_promise" (no parcel had a promised time),
    "late" (a parcel came after its promised time, or had not come by the review: orders.rules.shipment_is_late,
    here in SQL) or "on_time". Counted in the database: a million-customer shop has ~10⁵ reviews in a window."""
    parcels = Shipment.order_id == Review.order_id
    if scope.carrier:  # for one carrier, only its parcels decide whether the order was late
        parcels = and_(parcels, Shipment.carrier == scope.carrier)
    late = and_(Shipment.promised_at.is_not(None),
                func.coalesce(Shipment.delivered_at, Review.reviewed_at) > Shipment.promised_at)
    per_review = (select(Review.id, Review.stars, Review.rating_class, Review.dsr_logistics,
                         func.count(Shipment.id).label("parcels"), func.count(Shipment.promised_at).label("promised"),
                         func.max(case((late, 1), else_=0)).label("late"))
                  .select_from(Review).outerjoin(Shipment, parcels))
    per_review = (_scoped(per_review, scope)
                  .where(Review.reviewed_on >= first, Review.reviewed_on <= last, Review.is_default.is_(False))
                  .group_by(Review.id, Review.stars, Review.rating_class, Review.dsr_logistics).subquery())
    r = per_review.c
    group = case((r.parcels == 0, "no_shipment"), (r.promised == 0, "no_promise"), (r.late == 1, "late"),
                 else_="on_time").label("delivery")
    stmt = (select(group, r.rating_class, func.count(), func.coalesce(func.sum(r.stars), 0), func.count(r.stars),
                   func.coalesce(func.sum(r.dsr_logistics), 0), func.count(r.dsr_logistics))
            .group_by(group, r.rating_class))
    return [tuple(row) for row in session.execute(stmt)]


def negative_rows(session: Session, scope: Scope, first: date, last: date) -> Iterator[tuple]:
    """Per 中/差评 as it arrived: (id, first_class, class, reviewed_at, replied_at, replied_by_id, case owner,
    first contact at, first contact's staff id)."""
    first_contact = (select(ReviewContact.review_id, func.min(ReviewContact.at).label("at"))
                     .group_by(ReviewContact.review_id).subquery())
    contact_staff = (select(ReviewContact.staff_id).where(ReviewContact.review_id == Review.id)
                     .order_by(ReviewContact.at, ReviewContact.id).limit(1).scalar_subquery())
    stmt = (select(Review.id, Review.first_class, Review.rating_class, Review.reviewed_at, Review.replied_at,
                   Review.replied_by_id, ReviewCase.owner_id, first_contact.c.at, contact_staff)
            .select_from(Review).outerjoin(ReviewCase, ReviewCase.review_id == Review.id)
            .outerjoin(first_contact, first_contact.c.review_id == Review.id))
    stmt = _scoped(stmt, scope).where(Review.reviewed_on >= first, Review.reviewed_on <= last,
                                      Review.is_default.is_(False), Review.first_class.in_(("neutral", "bad")))
    yield from session.execute(stmt.execution_options(yield_per=10_000))


def first_improvements(session: Session, review_ids: list[int]) -> dict[int, tuple[datetime, int | None]]:
    """review id -> (when, contact id) of its first revision to a better class."""
    rank = {"bad": 0, "neutral": 1, "good": 2}
    out: dict[int, tuple[datetime, int | None]] = {}
    for start in range(0, len(review_ids), ID_CHUNK):
        chunk = review_ids[start:start + ID_CHUNK]
        stmt = (select(ReviewRevision.review_id, ReviewRevision.from_class, ReviewRevision.to_class,
                       ReviewRevision.revised_at, ReviewRevision.contact_id)
                .where(ReviewRevision.review_id.in_(chunk)).order_by(ReviewRevision.revised_at, ReviewRevision.id))
        for review_id, from_class, to_class, at, contact_id in session.execute(stmt):
            if review_id not in out and rank[to_class] > rank[from_class]:
                out[review_id] = (at, contact_id)
    return out


def staff_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {uid: name for uid, name in session.execute(select(StaffUser.id, StaffUser.display_name)
                                                       .where(StaffUser.id.in_(ids)))}
