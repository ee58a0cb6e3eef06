"""Shop pages: the shops, where each one's webhooks go, and the key its platform signs them with."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from ..web.auth import PageSession, Viewer, require, verify_csrf
from ..web.templating import render
from . import service, webhooks

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _page(request: Request, viewer: Viewer, session: Session, *, shown: tuple[str, str] | None = None,
          status: int = 200):
    rows = [{"shop": shop, "url": str(request.url_for("receive_order_webhook", shop_code=shop.code)),
             "has_key": bool(shop.webhook_secret)} for shop in service.list_shops(session)]
    return render(request, "shops/index.html", {"rows": rows, "shown": shown}, viewer=viewer, status=status)


@router.get("/shops")
def shops_page(request: Request, viewer: Viewer = Depends(require("orders:write")), session: Session = PageSession):
    """Each shop with its webhook address and a form to enter its platform's signing key."""
    return _page(request, viewer, session)


@router.post("/shops/{shop_code}/webhook-key")
def shops_webhook_key(request: Request, shop_code: str, webhook_secret: str = Form(""), random: str = Form(""),
                      viewer: Viewer = Depends(require("orders:write")), session: Session = PageSession):
    """Store the entered key (or a random one), encrypted; the page shows it this once."""
    shop = service.get_shop(session, shop_code)
    if random:
        key = webhooks.rotate_secret(session, shop, actor=viewer.actor)
    else:
        key = webhooks.set_secret(session, shop, webhook_secret, actor=viewer.actor)
    return _page(request, viewer, session, shown=(shop.code, key))
