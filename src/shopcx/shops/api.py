"""Shops over JSON (list, webhook secret rotation) and the signed order webhook a shop platform posts to."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, Field

from ..staff.service import Actor
from ..web.api import API_ERRORS, ErrorOut, PageDep, SessionDep, TokenActor, bearer_scheme
from ..web.deps import require_scope
from . import service, webhooks
from .models import Shop


class ShopOut(BaseModel):
    """A shop (channel); its webhook secret is never shown here."""

    id: int
    code: str
    name: str
    platform: str
    timezone: str
    currency: str
    country: str
    is_active: bool
    created_at: datetime
    has_webhook_secret: bool


class ShopPage(BaseModel):
    items: list[ShopOut]
    total: int
    page: int
    page_size: int


class WebhookSecretIn(BaseModel):
    webhook_secret: str = Field(description="The key the platform signs with: Shopify's webhook signing key "
                                "(Settings → Notifications → Webhooks) or the Secret of a WooCommerce webhook")


class WebhookSecretOut(BaseModel):
    shop: str
    webhook_secret: str = Field(description="Shown once; store it in the shop platform's webhook settings")
    webhook_url: str


def _shop_out(shop: Shop) -> ShopOut:
    return ShopOut(
        id=shop.id, code=shop.code, name=shop.name, platform=shop.platform, timezone=shop.timezone,
        currency=shop.currency, country=shop.country, is_active=shop.is_active, created_at=shop.created_at,
        has_webhook_secret=bool(shop.webhook_secret))


shops_router = APIRouter(tags=["shops"], dependencies=[Depends(bearer_scheme)], responses=API_ERRORS)


@shops_router.get("/shops", response_model=ShopPage)
def list_shops(actor: TokenActor, session: SessionDep, page: PageDep) -> ShopPage:
    """The shops (channels), without their webhook secrets (any valid token)."""
    everything = service.list_shops(session)
    rows = everything[page.offset:page.offset + page.page_size]
    return ShopPage(items=[_shop_out(shop) for shop in rows], total=len(everything), page=page.page,
                    page_size=page.page_size)


@shops_router.post("/shops/{shop_code}/webhook-secret", response_model=WebhookSecretOut)
def rotate_webhook_secret(shop_code: str, request: Request,
                          actor: Annotated[Actor, Depends(require_scope("settings:manage"))],
                          session: SessionDep) -> WebhookSecretOut:
    """Give the shop a new webhook secret, shown once; the old one stops working (scope settings:manage)."""
    shop = service.get_shop(session, shop_code)
    secret = webhooks.rotate_secret(session, shop, actor=actor)
    return WebhookSecretOut(shop=shop.code, webhook_secret=secret,
                            webhook_url=str(request.url_for("receive_order_webhook", shop_code=shop.code)))


@shops_router.put("/shops/{shop_code}/webhook-secret", response_model=WebhookSecretOut)
def set_webhook_secret(shop_code: str, data: WebhookSecretIn, request: Request,
                       actor: Annotated[Actor, Depends(require_scope("settings:manage"))],
                       session: SessionDep) -> WebhookSecretOut:
    """Store the key the shop platform signs its webhooks with (encrypted; shown back once; scope
    settings:manage, as on the shops page)."""
    shop = service.get_shop(session, shop_code)
    secret = webhooks.set_secret(session, shop, data.webhook_secret, actor=actor)
    return WebhookSecretOut(shop=shop.code, webhook_secret=secret,
                            webhook_url=str(request.url_for("receive_order_webhook", shop_code=shop.code)))


webhook_router = APIRouter(tags=["webhooks"])


async def _raw_body(request: Request) -> bytes:
    """The body exactly as sent: the signature covers these bytes, not a re-serialisation.

    Reading stops as soon as it passes the limit, so an oversized delivery is refused without holding it all.
    """
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > webhooks.MAX_BODY_BYTES:
        raise webhooks.too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > webhooks.MAX_BODY_BYTES:
            raise webhooks.too_large()
    return bytes(body)


_WEBHOOK_DOC = """
One endpoint per shop takes three kinds of delivery, told apart by their headers:

* **Shopify** (`X-Shopify-Topic`): Shopify's own Order, Refund or Customer JSON for orders/create, orders/updated,
  orders/paid, orders/cancelled, orders/fulfilled, refunds/create, customers/create, customers/update; signed
  `X-Shopify-Hmac-Sha256: <base64>`; `X-Shopify-Webhook-Id` makes a redelivery a no-op.
* **WooCommerce** (`X-WC-Webhook-Topic`): the Order JSON for order.created, order.updated, order.deleted; signed
  `X-WC-Webhook-Signature: <base64>`.
* otherwise one **OrderIn** JSON object (as `POST /api/v1/shops/{shop_code}/orders`), signed
  `X-ShopCX-Signature: sha256=<hex>`.

The key is the shop's webhook key: the platform's own (`PUT /api/v1/shops/{shop_code}/webhook-secret`) or a
random one (`POST`). Unknown shop → 404; missing or wrong signature → 401 and nothing is stored; an unusable body →
422 whose `field` names the field and whose `message` (English) and `message_zh` (Chinese) start with it; a redelivery
→ 200 with `duplicate` true and nothing changed; a state older than one already received, or a refund of an order
not received yet (the order's own orders/updated carries it) → 200 with `ignored`.
"""


@webhook_router.post(
    "/webhooks/{shop_code}/orders", response_model=webhooks.WebhookResult, description=_WEBHOOK_DOC,
    responses={401: {"model": ErrorOut, "description": "Missing or wrong signature; nothing stored"},
               404: {"model": ErrorOut, "description": "No shop with this code"},
               422: {"model": ErrorOut, "description": "Invalid body; the message names the field"}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/OrderIn"}}}}})
def receive_order_webhook(
    shop_code: str, request: Request, body: Annotated[bytes, Depends(_raw_body)], session: SessionDep,
    x_shopcx_signature: Annotated[str | None, Header(description="sha256=<hex HMAC-SHA256>")] = None,
    x_shopify_hmac_sha256: Annotated[str | None, Header(description="base64 HMAC-SHA256 (Shopify)")] = None,
    x_shopify_topic: Annotated[str | None, Header(description="Shopify's topic, e.g. orders/create")] = None,
    x_wc_webhook_topic: Annotated[str | None, Header(description="WooCommerce's topic, e.g. order.updated")] = None,
) -> webhooks.WebhookResult:
    """Receive an event from a shop platform, verified by the HMAC-SHA256 signature of the raw body."""
    return webhooks.receive_order(session, shop_code, body, request.headers)


router = APIRouter(prefix="/api/v1")
router.include_router(shops_router)
router.include_router(webhook_router)
