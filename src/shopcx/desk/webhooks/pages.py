"""The webhooks tab of the desk settings (managers): the shop's subscriptions (address, events, on/off, contacts,
a new secret) and the delivery log with each try's outcome; a failed delivery can be sent again."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ...core import i18n
from ...core.errors import ShopCXError
from ...shops import service as shops
from ...web.auth import PageSession, Viewer, require, verify_csrf
from ...web.deps import RowId
from ...web.pagination import Page, page_number
from ...web.templating import is_htmx, render
from ..pages.tickets import _shop
from . import service

Manager = Depends(require("desk:settings"))
PAGE_SIZE = 50


def webhooks_context(session: Session, shop_code: str, page: str | int | None = 1) -> dict:
    shop = _shop(session, shop_code)
    number = page_number(page)
    rows, total = service.deliveries(session, shop.id, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return {"shop": shop, "shops": shops.list_shops(session), "hooks": service.subscriptions(session, shop.id),
            "deliveries": rows, "page": Page(number, PAGE_SIZE, total), "events": service.EVENTS, "errors": {},
            "values": {}, "done": None, "secret": None, "tab": "webhooks"}


router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/desk/settings/webhooks")
def desk_webhooks(request: Request, shop: str = "", page: str = "1", done: str = "", viewer: Viewer = Manager,
                  session: Session = PageSession):
    """The shop's webhook subscriptions and their delivery log (the log alone for the pager's HTMX request)."""
    context = webhooks_context(session, shop, page) | {"done": done or None}
    template = "desk/_webhook_log.html" if is_htmx(request) else "desk/webhooks.html"
    return render(request, template, context, viewer=viewer)


async def _save(request: Request, viewer: Viewer, session: Session, webhook_id: int | None):
    form = await request.form()
    shop = str(form.get("shop", ""))
    name = f"hook-{webhook_id}" if webhook_id else "new"
    values = {"url": str(form.get("url", "")), "events": [str(e) for e in form.getlist("events")],
              "active": form.get("active") == "1", "pii": form.get("pii") == "1"}
    try:
        row, secret = service.save_subscription(
            session, _shop(session, shop), webhook_id=webhook_id, url=values["url"], events=values["events"],
            is_active=values["active"], pii=values["pii"], new_secret=form.get("new_secret") == "1",
            secret=str(form.get("secret", "")) or None, actor=viewer.actor)
    except ShopCXError as exc:
        session.rollback()
        shown = webhooks_context(session, shop) | {"errors": {name: i18n.error_text(exc, viewer.locale)},
                                                   "values": {name: values}}
        return render(request, "desk/webhooks.html", shown, viewer=viewer, status=exc.status)
    # the secret is shown on this answer only (never in a URL, never again): the page is drawn, not redirected to
    return render(request, "desk/webhooks.html", webhooks_context(session, shop) | {
        "done": "saved", "secret": (row.id, secret) if secret else None}, viewer=viewer)


@router.post("/desk/settings/webhooks")
async def desk_webhook_add(request: Request, viewer: Viewer = Manager, session: Session = PageSession):
    """Subscribe an address to desk events (the secret generated unless given, shown once)."""
    return await _save(request, viewer, session, None)


@router.post("/desk/settings/webhooks/{webhook_id}")
async def desk_webhook_save(request: Request, webhook_id: RowId, viewer: Viewer = Manager,
                            session: Session = PageSession):
    """Change one subscription: address, events, on/off, contacts, or a new secret."""
    return await _save(request, viewer, session, webhook_id)


@router.post("/desk/settings/webhooks/deliveries/{delivery_id}/retry")
async def desk_webhook_retry(request: Request, delivery_id: RowId, viewer: Viewer = Manager,
                             session: Session = PageSession):
    """Send a failed delivery again at the worker's next run."""
    form = await request.form()
    shop = str(form.get("shop", ""))
    try:
        service.retry_delivery(session, delivery_id, shop_id=_shop(session, shop).id, actor=viewer.actor)
    except ShopCXError as exc:
        session.rollback()
        shown = webhooks_context(session, shop) | {"errors": {"log": i18n.error_text(exc, viewer.locale)}}
        return render(request, "desk/webhooks.html", shown, viewer=viewer, status=exc.status)
    return RedirectResponse(f"/desk/settings/webhooks?shop={shop}&done=retry#log", status_code=303)
