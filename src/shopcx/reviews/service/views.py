"""Read-only queries for the review pages: the inbox with the page's extra filters, names for a page of rows,
the customer's contacts about other reviews, and the choices the filters offer. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ...core import clock
from ...customers.models import Customer
from ...orders.models import Order, OrderLine, Product, Shipment
from ...shops.models import Shop
from .. import repository, rules
from ..models import Review, ReviewCase, ReviewContact
from .care import InboxEntry, action_for, is_overdue
from .settings import settings_for

INBOX_TABS = ("bad", "neutral", "good", "hidden", "awaiting")
UNASSIGNED = "unassigned"
CHOICES_LIMIT = 300


@dataclass(frozen=True)
class InboxQuery:
    """The inbox filters of the page: shop, platform, product, case owner (an id or 'unassigned'), overdue only."""

    shop: Shop | None = None
    platform: str | None = None
    product_id: int | None = None
    owner: int | str | None = None
    overdue: bool = False


def _windows(session: Session, query: InboxQuery) -> rules.PlatformWindows:
    if query.shop is None:
        return rules.PlatformWindows()
    return settings_for(session, query.shop.id, query.platform or query.shop.platform).windows


def _base(session: Session, query: InboxQuery, now, *, overdue: bool):
    """What needs action under the filters, as a function that adds it to a select (the inbox's own rules)."""
    windows = _windows(session, query)
    owner_id = query.owner if isinstance(query.owner, int) else None
    flt = repository.InboxFilter(shop_id=query.shop.id if query.shop else None,
                                 since=now - timedelta(days=max(windows.revision_days, 1)), owner_id=owner_id,
                                 overdue_at=now if overdue else None)

    def apply(stmt):
        # The repository's inbox statement defines "needs action"; the page adds platform, product and unassigned.
        stmt = repository._inbox_stmt(stmt, flt)
        if query.platform:
            stmt = stmt.where(Review.platform == query.platform)
        if query.product_id:
            stmt = stmt.where(Review.product_id == query.product_id)
        if query.owner == UNASSIGNED:
            stmt = stmt.where(ReviewCase.id.is_not(None), ReviewCase.owner_id.is_(None))
        return stmt

    return apply, windows


def _tab_condition(tab: str):
    if tab == "hidden":
        return Review.hidden_negative.is_(True)
    if tab == "good":
        return and_(Review.rating_class == "good", Review.hidden_negative.is_(False))
    return Review.rating_class == tab


def inbox_page(session: Session, query: InboxQuery, tab: str, *, offset: int,
               limit: int) -> tuple[list[InboxEntry], int, dict[str, int]]:
    """One page of a review tab of the inbox (差评 first by deadline), its total, and the count of every tab."""
    now = clock.now()
    apply, windows = _base(session, query, now, overdue=query.overdue)
    condition = _tab_condition(tab)
    total = session.scalar(apply(select(func.count(Review.id))).where(condition)) or 0
    stmt = (apply(select(Review, ReviewCase)).where(condition)
            .order_by(ReviewCase.due_at.is_(None), ReviewCase.due_at, Review.reviewed_at, Review.id)
            .offset(offset).limit(limit))
    entries = []
    for review, found in session.execute(stmt):
        action = action_for(review)
        deadline = found.revision_due_at if found else (
            None if review.rating_class == "good" else rules.revision_deadline(review.reviewed_at, windows))
        entries.append(InboxEntry(review=review, case=found, action=action, revision_due_at=deadline,
                                  overdue=is_overdue(found, now)))
    return entries, total, tab_counts(session, query)


def tab_counts(session: Session, query: InboxQuery) -> dict[str, int]:
    """Items per review tab under the filters, and how many of them are overdue (whatever the overdue filter)."""
    now = clock.now()
    apply, _ = _base(session, query, now, overdue=query.overdue)
    hidden = case((Review.hidden_negative.is_(True), True), else_=False)
    rows = session.execute(apply(select(Review.rating_class, hidden, func.count(Review.id)))
                           .group_by(Review.rating_class, hidden)).all()
    counts = {"bad": 0, "neutral": 0, "good": 0, "hidden": 0}
    for cls, is_hidden, n in rows:
        counts["hidden" if is_hidden else cls] += n
    late, _ = _base(session, query, now, overdue=True)
    counts["overdue"] = session.scalar(late(select(func.count(Review.id)))) or 0
    return counts


def product_names(session: Session, reviews: list[Review]) -> dict[int, str | None]:
    """review id -> what was reviewed (the line, else its product, else the order's first line), in 3 queries."""
    line_ids = {r.order_line_id for r in reviews if r.order_line_id}
    product_ids = {r.product_id for r in reviews if r.product_id}
    order_ids = {r.order_id for r in reviews}
    lines = dict(session.execute(select(OrderLine.id, OrderLine.name).where(OrderLine.id.in_(line_ids))).all()) \
        if line_ids else {}
    products = dict(session.execute(select(Product.id, Product.name).where(Product.id.in_(product_ids))).all()) \
        if product_ids else {}
    first: dict[int, str | None] = {}
    if order_ids:
        for order_id, name in session.execute(select(OrderLine.order_id, OrderLine.name)
                                              .where(OrderLine.order_id.in_(order_ids))
                                              .order_by(OrderLine.order_id, OrderLine.line_no)):
            first.setdefault(order_id, name)
    return {r.id: lines.get(r.order_line_id) or products.get(r.product_id) or first.get(r.order_id)
            for r in reviews}


def customer_names(session: Session, customer_ids: set[int | None]) -> dict[int, str]:
    """customer id -> name, for customers not erased."""
    ids = {i for i in customer_ids if i is not None}
    if not ids:
        return {}
    stmt = select(Customer.id, Customer.name).where(Customer.id.in_(ids), Customer.erased_at.is_(None),
                                                    Customer.name.is_not(None))
    return dict(session.execute(stmt).all())


def staff_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    """staff id -> display name."""
    return repository.staff_names(session, {i for i in ids if i is not None})


def other_contacts(session: Session, customer_id: int | None, review_id: int,
                   limit: int = 20) -> list[tuple[ReviewContact, Review]]:
    """The customer's contacts about their other reviews, newest first."""
    if customer_id is None:
        return []
    stmt = (select(ReviewContact, Review).join(Review, Review.id == ReviewContact.review_id)
            .where(Review.customer_id == customer_id, Review.id != review_id)
            .order_by(ReviewContact.at.desc(), ReviewContact.id.desc()).limit(limit))
    return [(contact, review) for contact, review in session.execute(stmt)]


def reviewed_products(session: Session, shop_id: int | None) -> list[tuple[int, str]]:
    """(id, name) of the products that have reviews, by name (the product filter)."""
    stmt = select(Product.id, Product.name).where(Product.id.in_(select(Review.product_id).distinct()))
    if shop_id:
        stmt = stmt.where(Product.shop_id == shop_id)
    return [(pid, name) for pid, name in session.execute(stmt.order_by(Product.name, Product.id)
                                                         .limit(CHOICES_LIMIT))]


def review_platforms(session: Session) -> list[str]:
    """The platforms reviews came from."""
    return list(session.scalars(select(Review.platform).distinct().order_by(Review.platform)))


def categories(session: Session, shop_id: int) -> list[str]:
    """The shop's product categories (the dashboard's category scope)."""
    stmt = (select(Product.category).where(Product.shop_id == shop_id, Product.category.is_not(None)).distinct()
            .order_by(Product.category).limit(CHOICES_LIMIT))
    return list(session.scalars(stmt))


def carriers(session: Session, shop_id: int) -> list[str]:
    """The carriers that shipped the shop's orders (the dashboard's carrier scope)."""
    stmt = (select(Shipment.carrier).join(Order, Order.id == Shipment.order_id)
            .where(Order.shop_id == shop_id, Shipment.carrier.is_not(None)).distinct()
            .order_by(Shipment.carrier).limit(CHOICES_LIMIT))
    return list(session.scalars(stmt))
