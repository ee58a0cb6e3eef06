"""The review inbox page: tabs by class (差评 / 中评 / 好评 / hidden dissatisfaction / awaiting rating), filters,
and one page of rows with the buyer, product, stars, DSR, text tags, age, deadlines and owner."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from ...core import clock
from ...core.settings import get_settings
from ...shops.models import PLATFORMS
from ...web.auth import PageSession, Viewer
from ...web.deps import parse_id
from ...web.pagination import Page, page_number
from ...web.templating import render, wants_fragment
from .. import service
from ..service import views
from ..service.views import INBOX_TABS, UNASSIGNED, InboxQuery
from .base import Reader
from .parts import age_label, excerpt, helpers, review_owners, shop_choice, shown_name

TRUE_WORDS = ("1", "on", "true", "yes")


def _query(session: Session, shop: str, platform: str, product: str, owner: str, overdue: str):
    listed, chosen = shop_choice(session, shop, default_first=False)
    owner_value = UNASSIGNED if owner == UNASSIGNED else parse_id(owner) if owner else None
    query = InboxQuery(shop=chosen, platform=platform if platform in PLATFORMS else None,
                       product_id=parse_id(product) if product else None, owner=owner_value,
                       overdue=overdue.strip().lower() in TRUE_WORDS)
    return listed, query


def _review_rows(session: Session, entries, viewer: Viewer, zones: dict[int, str]) -> list[dict]:
    reviews = [e.review for e in entries]
    products = views.product_names(session, reviews)
    buyers = views.customer_names(session, {r.customer_id for r in reviews})
    owners = views.staff_names(session, {e.case.owner_id for e in entries if e.case})
    reveal = viewer.can("pii")
    now = clock.now()
    rows = []
    for e in entries:
        r = e.review
        due = e.case.due_at if e.case and e.case.first_contact_at is None and e.case.status == "open" else None
        rows.append({"review": r, "case": e.case, "action": e.action, "overdue": e.overdue,
                     "buyer": shown_name(r.reviewer_name or buyers.get(r.customer_id), reveal),
                     "product": products.get(r.id), "excerpt": excerpt(r.text, reveal),
                     "age": age_label(r.reviewed_at, viewer.locale, now), "revision_due": e.revision_due_at,
                     "case_due": due, "owner": owners.get(e.case.owner_id) if e.case and e.case.owner_id else None,
                     "tz": zones.get(r.shop_id)})
    return rows


def _awaiting_rows(session: Session, rows, viewer: Viewer, tz: str) -> list[dict]:
    buyers = views.customer_names(session, {order.customer_id for order, _ in rows})
    reveal = viewer.can("pii")
    now = clock.now()
    out = []
    for order, deadline in rows:
        first = order.lines[0] if order.lines else None
        out.append({"order": order, "deadline": deadline, "tz": tz,
                    "buyer": shown_name(order.buyer_name or buyers.get(order.customer_id), reveal),
                    "product": (first.name or first.sku) if first else None,
                    "days_left": max((deadline - now).total_seconds(), 0) / 86400})
    return out


def inbox_context(session: Session, viewer: Viewer, *, tab: str, shop: str, platform: str, product: str,
                  owner: str, overdue: str, page: int) -> dict:
    """Everything the inbox page (or its results fragment) shows."""
    tab = tab if tab in INBOX_TABS else "bad"
    listed, query = _query(session, shop, platform, product, owner, overdue)
    zones = {s.id: s.timezone for s in listed}
    size = get_settings().page_size
    offset = (page - 1) * size
    # "Awaiting rating" is per shop (each has its own rating window): the shop chosen, else the first one.
    awaiting_shop = query.shop or (listed[0] if listed else None)
    context: dict = {"tab": tab, "tabs": INBOX_TABS, "shops": listed, "awaiting_shop": awaiting_shop,
                     "rows": [], "awaiting": [], **helpers()}
    if tab == "awaiting":
        rows, total = (service.awaiting_rating(session, awaiting_shop.id, offset=offset, limit=size)
                       if awaiting_shop else ([], 0))
        counts = views.tab_counts(session, query)
        counts["awaiting"] = total
        context["awaiting"] = _awaiting_rows(session, rows, viewer, awaiting_shop.timezone if awaiting_shop else None)
    else:
        entries, total, counts = views.inbox_page(session, query, tab, offset=offset, limit=size)
        counts["awaiting"] = (service.awaiting_rating(session, awaiting_shop.id, offset=0, limit=1)[1]
                              if awaiting_shop else 0)
        context["rows"] = _review_rows(session, entries, viewer, zones)
    context |= {"counts": counts, "page": Page(page, size, total),
                "tz": query.shop.timezone if query.shop else (listed[0].timezone if listed else None)}
    return context


def filter_context(session: Session, *, shop: str, platform: str, product: str, owner: str, overdue: str) -> dict:
    """The filter form's values and choices (the whole page only)."""
    _, chosen = shop_choice(session, shop, default_first=False)
    return {"form": {"shop": shop, "platform": platform, "product": product, "owner": owner,
                     "overdue": overdue.strip().lower() in TRUE_WORDS},
            "platforms": views.review_platforms(session),
            "products": views.reviewed_products(session, chosen.id if chosen else None),
            "owners": review_owners(session)}


router = APIRouter()


@router.get("/reviews")
def review_inbox(request: Request, tab: str = "bad", shop: str = "", platform: str = "", product: str = "",
                 owner: str = "", overdue: str = "", page: str = "1", viewer: Viewer = Reader,
                 session: Session = PageSession):
    """Reviews that need action, by tab, filtered by shop, platform, product, owner and overdue (HTMX: the rows)."""
    filters = {"shop": shop, "platform": platform, "product": product, "owner": owner, "overdue": overdue}
    context = inbox_context(session, viewer, tab=tab, page=page_number(page), **filters)
    if wants_fragment(request, "results"):
        return render(request, "reviews/_inbox_results.html", context, viewer=viewer)
    context |= filter_context(session, **filters)
    return render(request, "reviews/inbox.html", context, viewer=viewer)
