"""Order pages: the filtered list and one order with its lines, history, shipments and refunds."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from ..core import i18n
from ..core.errors import InvalidInput
from ..core.settings import get_settings
from ..shops import service as shops
from ..web import exports
from ..web.auth import PageSession, Viewer, require, verify_csrf
from ..web.deps import RowId, parse_id
from ..web.pagination import Page, page_number
from ..web.sheets import Column, Sheet
from ..web.templating import render, wants_fragment
from . import repository, service
from .repository import OrderFilter
from .rules import STATUSES
from .schemas import KINDS

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _day_start(text: str, field: str, tz_name: str, days: int = 0) -> datetime | None:
    """The UTC instant a local day (YYYY-MM-DD) starts, `days` later; None for an empty field."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("invalid_date", f"{field}: '{text}' is not a date (YYYY-MM-DD)",
                           field=field) from None
    return datetime.combine(day + timedelta(days=days), time(0), tzinfo=ZoneInfo(tz_name))


def _order_filter(shop_map: dict, q: str, status: str, kind: str, shop: str, date_from: str, date_to: str,
                  customer: str) -> tuple[OrderFilter, str]:
    """The list's query parameters as a filter, and the timezone its dates are read in."""
    shop_id = parse_id(shop)
    chosen = shop_map.get(shop_id) or next(iter(shop_map.values()), None)
    tz = chosen.timezone if chosen else get_settings().default_timezone
    flt = OrderFilter(query=q.strip() or None, shop_id=shop_id,
                      customer_id=parse_id(customer),
                      status=status if status in STATUSES else None, kind=kind if kind in KINDS else None,
                      placed_from=_day_start(date_from, "date_from", tz),
                      placed_to=_day_start(date_to, "date_to", tz, days=1))
    return flt, tz


@router.get("/orders")
def order_list(request: Request, q: str = "", status: str = "", kind: str = "", shop: str = "",
               date_from: str = "", date_to: str = "", customer: str = "", page: str = "1",
               viewer: Viewer = Depends(require("orders:read")), session: Session = PageSession):
    """Orders filtered by status, kind, shop, local dates, customer or number (the table alone for HTMX)."""
    shop_map = {s.id: s for s in shops.list_shops(session)}
    flt, tz = _order_filter(shop_map, q, status, kind, shop, date_from, date_to, customer)
    size = get_settings().page_size
    number = page_number(page)
    rows, total = repository.search(session, flt, offset=(number - 1) * size, limit=size)
    context = {"orders": rows, "page": Page(number, size, total), "shops": shop_map, "tz": tz}
    if wants_fragment(request, "results"):
        return render(request, "orders/_table.html", context, viewer=viewer)
    context |= {"form": {"q": q, "status": status, "kind": kind, "shop": shop, "date_from": date_from,
                         "date_to": date_to, "customer": customer},
                "statuses": STATUSES, "kinds": KINDS}
    return render(request, "orders/list.html", context, viewer=viewer)


EXPORT_COLUMNS = [
    Column("order_no", "orders.order_no", width=22), Column("shop", "orders.shop", width=16),
    Column("kind", "orders.kind", width=8), Column("status", "orders.status", width=10),
    Column("placed_at", "orders.placed", "datetime", 17), Column("paid_at", "orders.paid_at", "datetime", 17),
    Column("buyer", "orders.buyer", width=16), Column("customer_id", "orders.customer_no", "int", 10),
    Column("items", "orders.items", "int", 8), Column("goods", "orders.goods", "money", 12),
    Column("shipping", "orders.shipping", "money", 10), Column("discount", "orders.discount", "money", 10),
    Column("paid", "orders.paid", "money", 12), Column("refunded", "orders.refunded", "money", 12),
    Column("currency", "orders.currency", width=8), Column("ship_to", "orders.ship_to", width=20)]


@router.get("/orders/export.xlsx")
def order_export(request: Request, q: str = "", status: str = "", kind: str = "", shop: str = "",
                 date_from: str = "", date_to: str = "", customer: str = "",
                 viewer: Viewer = Depends(require("orders:read")), session: Session = PageSession):
    """The filtered order list as an Excel workbook, times in each order's shop timezone."""
    shop_map = {s.id: s for s in shops.list_shops(session)}
    flt, tz = _order_filter(shop_map, q, status, kind, shop, date_from, date_to, customer)
    locale = viewer.locale
    names = {s_id: (s.name, s.timezone) for s_id, s in shop_map.items()}
    sheet = Sheet(i18n.t("orders.title", locale), EXPORT_COLUMNS, tz=tz, locale=locale)

    def label(prefix: str, code: str) -> str:
        key = f"{prefix}.{code}"
        return i18n.t(key, locale) if i18n.has(key, locale) else code

    def rows(s: Session, offset: int, limit: int) -> list[dict]:
        found, _ = repository.search(s, flt, offset=offset, limit=limit)
        return [{"order_no": o.external_id, "shop": names.get(o.shop_id, ("", ""))[0],
                 "tz": names.get(o.shop_id, ("", tz))[1], "kind": label("kind", o.kind),
                 "status": label("status", o.status), "placed_at": o.placed_at, "paid_at": o.paid_at,
                 "buyer": o.buyer_name, "customer_id": o.customer_id, "items": o.item_count,
                 "goods": o.goods_amount, "shipping": o.shipping_amount, "discount": o.discount_amount,
                 "paid": o.paid_amount, "refunded": o.refunded_amount, "currency": o.currency,
                 "ship_to": " ".join(p for p in (o.ship_province, o.ship_city) if p)} for o in found]

    _, total = repository.search(session, flt, offset=0, limit=0)
    return exports.respond(request, viewer, session, exports.Export(
        "orders", sheet, total, rows, filters=dict(request.query_params)))


@router.get("/orders/{order_id}")
def order_page(request: Request, order_id: RowId, viewer: Viewer = Depends(require("orders:read")),
               session: Session = PageSession):
    """One order with its lines, status history, shipments and refunds, in its shop's timezone."""
    order = service.get_order(session, order_id)
    shop = shops.get_shop_by_id(session, order.shop_id)
    return render(request, "orders/detail.html", {"order": order, "shop": shop, "tz": shop.timezone},
                  viewer=viewer)
