"""Customer pages: the searchable list, one customer's profile and orders, consent and tag changes (HTMX)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ..core import i18n
from ..core.settings import get_settings
from ..insights import service as insights
from ..insights.pages.format import value_card
from ..loyalty.pages.members import member_cards

# Pages compose what a screen shows; the customer page shows the customer's orders, so it reads them here.
from ..orders import repository as order_queries
from ..orders.repository import OrderFilter
from ..reviews.pages.parts import customer_reviews
from ..shops import service as shops
from ..web import exports
from ..web.auth import PageSession, Viewer, require, verify_csrf
from ..web.deps import RowId, parse_id
from ..web.pagination import Page, page_number
from ..web.panels import customer_panels
from ..web.sheets import Column, Sheet
from ..web.templating import is_htmx, render, wants_fragment
from . import repository, service
from .models import CONSENT_CHANNELS
from .repository import CustomerFilter

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

TIMELINE_SIZE = 20
OPEN_ORDERS = 3  # the customer page shows this many latest orders in full, the others folded
HAS_ORDERS = {"yes": True, "no": False}


def _filter(q: str, tag: str, shop: str, consent: str, has_orders: str, country: str, *,
            by_contacts: bool) -> CustomerFilter:
    """The list's query parameters as a filter; values that cannot match anything are ignored."""
    return CustomerFilter(query=q.strip() or None, tag=tag or None, by_contacts=by_contacts,
                          shop_id=parse_id(shop),
                          consent_channel=consent if consent in CONSENT_CHANNELS else None,
                          has_orders=HAS_ORDERS.get(has_orders), country=country or None)


def looks_like_contact(q: str) -> bool:
    """Whether a search text is a phone number or an e-mail address (what only contact-seeing roles search by)."""
    text = q.strip()
    if "@" in text:
        return True
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 5 and all(ch.isdigit() or ch in "+-() " for ch in text)


@router.get("/customers")
def customer_list(request: Request, q: str = "", tag: str = "", shop: str = "", consent: str = "",
                  has_orders: str = "", country: str = "", page: str = "1",
                  viewer: Viewer = Depends(require("customers:read")), session: Session = PageSession):
    """The searchable, filtered, paginated customer list (the table alone for HTMX)."""
    size = get_settings().page_size
    number = page_number(page)
    rows, total = repository.search(session, _filter(q, tag, shop, consent, has_orders, country,
                                                     by_contacts=viewer.can("pii")),
                                    offset=(number - 1) * size, limit=size)
    shop_list = shops.list_shops(session)
    context = {"customers": rows, "page": Page(number, size, total),
               # Say why a search by phone or e-mail finds nothing for a role that may not see contacts.
               "contact_search_refused": not viewer.can("pii") and looks_like_contact(q),
               "stats": repository.order_stats(session, [c.id for c in rows]),
               "currency": shop_list[0].currency if shop_list else get_settings().default_currency,
               "tz": shop_list[0].timezone if shop_list else None}
    if wants_fragment(request, "results"):
        return render(request, "customers/_table.html", context, viewer=viewer)
    context |= {"form": {"q": q, "tag": tag, "shop": shop, "consent": consent, "has_orders": has_orders,
                         "country": country},
                "tags": repository.all_tags(session), "shops": shop_list, "channels": CONSENT_CHANNELS,
                "countries": repository.all_countries(session)}
    return render(request, "customers/list.html", context, viewer=viewer)


EXPORT_COLUMNS = [
    Column("id", "customers.export_id", "int", 9), Column("name", "customers.name", width=16),
    Column("nickname", "customers.nickname", width=16), Column("phone", "customers.phone", width=16, pii="phone"),
    Column("email", "customers.email", width=26, pii="email"), Column("country", "customers.country", width=10),
    Column("province", "customers.province", width=10), Column("city", "customers.city", width=10),
    Column("orders", "customers.orders", "int", 8), Column("paid", "customers.total_paid", "money", 14),
    Column("last_order", "customers.last_order", "datetime", 17), Column("tags", "customers.tags", width=24),
    Column("created_at", "customers.created_at", "datetime", 17)]


@router.get("/customers/export.xlsx")
def customer_export(request: Request, q: str = "", tag: str = "", shop: str = "", consent: str = "",
                    has_orders: str = "", country: str = "", viewer: Viewer = Depends(require("customers:read")),
                    session: Session = PageSession):
    """The filtered customer list as an Excel workbook (contacts masked for roles without `pii`)."""
    flt = _filter(q, tag, shop, consent, has_orders, country, by_contacts=viewer.can("pii"))
    shop_list = shops.list_shops(session)
    first = shop_list[0] if shop_list else None
    sheet = Sheet(i18n.t("customers.title", viewer.locale), EXPORT_COLUMNS,
                  tz=first.timezone if first else get_settings().default_timezone,
                  currency=first.currency if first else get_settings().default_currency,
                  locale=viewer.locale, reveal_pii=viewer.can("pii"))

    def rows(s: Session, offset: int, limit: int) -> list[dict]:
        found, _ = repository.search(s, flt, offset=offset, limit=limit)
        stats = repository.order_stats(s, [c.id for c in found])
        return [{"id": c.id, "name": c.name, "nickname": c.nickname, "phone": c.phone, "email": c.email,
                 "country": c.country, "province": c.province, "city": c.city,
                 "orders": stats.get(c.id, (0, 0, None))[0], "paid": stats.get(c.id, (0, 0, None))[1],
                 "last_order": stats.get(c.id, (0, 0, None))[2],
                 "tags": " ".join(sorted(tag.tag for tag in c.tags)), "created_at": c.created_at} for c in found]

    _, total = repository.search(session, flt, offset=0, limit=0)
    return exports.respond(request, viewer, session, exports.Export(
        "customers", sheet, total, rows, filters={k: v for k, v in request.query_params.items()},
        customer_key="id"))


def _fragment(request: Request, name: str, context: dict, viewer: Viewer):
    """The changed part for HTMX; without JavaScript, back to the customer page."""
    if not is_htmx(request):
        return RedirectResponse(f"/customers/{context['customer'].id}", status_code=303)
    return render(request, name, context, viewer=viewer)


def _consent_context(customer) -> dict:
    return {"customer": customer, "channels": CONSENT_CHANNELS,
            "consents": {c.channel: c for c in customer.consents}}


@router.get("/customers/{customer_id}")
def customer_page(request: Request, customer_id: RowId, viewer: Viewer = Depends(require("customers:read")),
                  session: Session = PageSession):
    """One customer: profile, value (latest analysis), consent, tags, identities and the latest orders."""
    customer = service.get_customer(session, customer_id)
    orders, order_total = order_queries.search(session, OrderFilter(customer_id=customer.id), offset=0,
                                               limit=TIMELINE_SIZE)
    shop_map = {s.id: s for s in shops.list_shops(session)}
    count, paid, last = repository.order_stats(session, [customer.id]).get(customer.id, (0, 0, None))
    first_shop = next(iter(shop_map.values()), None)
    return render(request, "customers/detail.html", _consent_context(customer) | {
        "orders": orders, "order_total": order_total, "shops": shop_map, "open_orders": OPEN_ORDERS,
        "summary": {"orders": count, "paid": paid, "last": last},
        "value": value_card(insights.customer_value(session, customer.id), viewer.locale),
        "loyalty_cards": member_cards(session, customer.id, viewer.locale),
        "customer_reviews": customer_reviews(session, customer.id, viewer),
        "panels": customer_panels(session, customer, viewer),
        "currency": first_shop.currency if first_shop else get_settings().default_currency,
        "tz": first_shop.timezone if first_shop else None}, viewer=viewer)


@router.post("/customers/{customer_id}/consent")
def change_consent(request: Request, customer_id: RowId, channel: str = Form(...), granted: str = Form(...),
                   viewer: Viewer = Depends(require("customers:write")), session: Session = PageSession):
    """Grant or withdraw marketing consent for one channel (audited by the service)."""
    customer = service.get_customer(session, customer_id)
    service.set_consent(session, customer, channel, granted == "true", source="staff", actor=viewer.actor)
    return _fragment(request, "customers/_consent.html", _consent_context(customer), viewer)


@router.post("/customers/{customer_id}/tags")
def add_tag(request: Request, customer_id: RowId, tag: str = Form(""),
            viewer: Viewer = Depends(require("customers:write")), session: Session = PageSession):
    """Tag the customer (audited by the service)."""
    customer = service.get_customer(session, customer_id)
    service.add_tag(session, customer, tag, actor=viewer.actor)
    return _fragment(request, "customers/_tags.html", {"customer": customer}, viewer)


@router.post("/customers/{customer_id}/tags/remove")
def remove_tag(request: Request, customer_id: RowId, tag: str = Form(...),
               viewer: Viewer = Depends(require("customers:write")), session: Session = PageSession):
    """Take a tag off the customer (audited by the service)."""
    customer = service.get_customer(session, customer_id)
    service.remove_tag(session, customer, tag, actor=viewer.actor)
    return _fragment(request, "customers/_tags.html", {"customer": customer}, viewer)
