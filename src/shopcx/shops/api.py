"""Shops over JSON (list, webhook secret rotation) and the signed order webhook a shop platform posts to."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, Field

from ..orders.schemas import UpsertResult
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
    is_active: bool
    created_at: datetime
    has_webhook_secret: bool


class ShopPage(BaseModel):
    items: list[ShopOut]
    total: int
    page: int
    page_size: int


class WebhookSecretOut(BaseModel):
    shop: str
    webhook_secret: str = Field(description="Shown once; store it in the shop platform's webhook settings")
    webhook_url: str


def _shop_out(shop: Shop) -> ShopOut:
    return ShopOut(
        id=shop.id, code=shop.code, name=shop.name, platform=shop.platform, timezone=shop.timezone,
        currency=shop.currency, is_active=shop.is_active, created_at=shop.created_at,
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
The body is one **OrderIn** JSON object (the same as `POST /api/v1/shops/{shop_code}/orders`), no envelope:
the order's current `status`, `shipments` and `refunds` say what happened. Sign the raw body with
HMAC-SHA256 using the shop's webhook secret and send it as `X-ShopCX-Signature: sha256=<hex>`
(Shopify's `X-Shopify-Hmac-Sha256: <base64>` is accepted too).

* unknown shop → 404; missing or wrong signature → 401 and nothing is stored;
* invalid body → 422 whose `message` and `field` name the first bad field;
* a replayed delivery → 200 with `created` and `changed` false, and nothing changes.
"""


@webhook_router.post(
    "/webhooks/{shop_code}/orders", response_model=UpsertResult, description=_WEBHOOK_DOC,
    responses={401: {"model": ErrorOut, "description": "Missing or wrong signature; nothing stored"},
               404: {"model": ErrorOut, "description": "No shop with this code"},
               422: {"model": ErrorOut, "description": "Invalid body; the message names the field"}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/OrderIn"}}}}})
def receive_order_webhook(
    shop_code: str, body: Annotated[bytes, Depends(_raw_body)], session: SessionDep,
    x_shopcx_signature: Annotated[str | None, Header(description="sha256=<hex HMAC-SHA256>")] = None,
    x_shopify_hmac_sha256: Annotated[str | None, Header(description="base64 HMAC-SHA256 (Shopify)")] = None,
) -> UpsertResult:
    """Receive an order event from a shop platform, verified by the HMAC-SHA256 signature of the raw body."""
    return webhooks.receive_order(session, shop_code, body, [x_shopcx_signature, x_shopify_hmac_sha256])


router = APIRouter(prefix="/api/v1")
router.include_router(shops_router)
router.include_router(webhook_router)
