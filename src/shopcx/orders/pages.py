"""Order pages: the filtered list and one order with its lines, history, shipments and refunds."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from ..core.errors import InvalidInput
from ..core.settings import get_settings
from ..shops import service as shops
from ..web.auth import PageSession, Viewer, require, verify_csrf
from ..web.deps import RowId, parse_id
from ..web.pagination import Page, page_number
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


@router.get("/orders")
def order_list(request: Request, q: str = "", status: str = "", kind: str = "", shop: str = "",
               date_from: str = "", date_to: str = "", customer: str = "", page: str = "1",
               viewer: Viewer = Depends(require("orders:read")), session: Session = PageSession):
    """Orders filtered by status, kind, shop, local dates, customer or number (the table alone for HTMX)."""
    shop_map = {s.id: s for s in shops.list_shops(session)}
    shop_id = parse_id(shop)
    chosen = shop_map.get(shop_id) or next(iter(shop_map.values()), None)
    tz = chosen.timezone if chosen else get_settings().default_timezone
    flt = OrderFilter(query=q.strip() or None, shop_id=shop_id,
                      customer_id=parse_id(customer),
                      status=status if status in STATUSES else None, kind=kind if kind in KINDS else None,
                      placed_from=_day_start(date_from, "date_from", tz),
                      placed_to=_day_start(date_to, "date_to", tz, days=1))
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


@router.get("/orders/{order_id}")
def order_page(request: Request, order_id: RowId, viewer: Viewer = Depends(require("orders:read")),
               session: Session = PageSession):
    """One order with its lines, status history, shipments and refunds, in its shop's timezone."""
    order = service.get_order(session, order_id)
    shop = shops.get_shop_by_id(session, order.shop_id)
    return render(request, "orders/detail.html", {"order": order, "shop": shop, "tz": shop.timezone},
                  viewer=viewer)
