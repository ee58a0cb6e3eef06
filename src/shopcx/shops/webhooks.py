"""Order events a shop platform pushes: signature check, parsing, the idempotent upsert; secret rotation."""

from __future__ import annotations

import secrets

from pydantic import ValidationError
from sqlalchemy.orm import Session

from ..core import security
from ..core.errors import AuthError, Conflict, InvalidInput, ShopCXError
from ..orders import service as orders
from ..orders.schemas import OrderIn, UpsertResult
from ..staff.service import Actor, audit
from . import service as shops
from .models import Shop

MAX_BODY_BYTES = 1_000_000


def too_large() -> ShopCXError:
    return ShopCXError("payload_too_large", f"body: larger than {MAX_BODY_BYTES} bytes", status=413,
                       field="body")


def webhook_actor(shop: Shop) -> Actor:
    """Who the audit log names for changes a shop's webhook makes."""
    return Actor(label=f"webhook:{shop.code}")


def verify_signature(shop: Shop, body: bytes, signatures: list[str | None]) -> None:
    """Refuse unless one of the given headers is the HMAC-SHA256 of the raw body with the shop's secret."""
    if not shop.webhook_secret:
        raise AuthError("webhook_not_configured", f"signature: shop {shop.code} has no webhook secret yet",
                        field="signature")
    if not any(security.signature_matches(shop.webhook_secret, body, given) for given in signatures):
        raise AuthError("invalid_signature", "signature: missing, or not the HMAC-SHA256 of the body with "
                        "the shop's webhook secret (X-ShopCX-Signature: sha256=<hex>)", field="signature")


def parse_order(body: bytes) -> OrderIn:
    """The body as an OrderIn, or an InvalidInput naming the first bad field."""
    try:
        return OrderIn.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        message = f"{field}: {first['msg']}" if field else first["msg"]
        raise InvalidInput("invalid_input", message, field=field or None) from None


def receive_order(session: Session, shop_code: str, body: bytes,
                  signatures: list[str | None]) -> UpsertResult:
    """Store the order a signed delivery (unsigned ones are not even parsed); replays change nothing."""
    shop = shops.get_shop(session, shop_code)
    if not shop.is_active:
        raise Conflict("shop_inactive", f"shop: {shop_code} is switched off and takes no deliveries", field="shop")
    if len(body) > MAX_BODY_BYTES:
        raise too_large()
    verify_signature(shop, body, signatures)
    return orders.upsert_order(session, shop, parse_order(body), actor=webhook_actor(shop))


def rotate_secret(session: Session, shop: Shop, *, actor: Actor) -> str:
    """Give the shop a new webhook secret (returned once; the old one stops working at once); audited."""
    shop.webhook_secret = secrets.token_urlsafe(32)
    session.flush()
    audit(session, actor, "shop.webhook_secret_rotate", "shop", shop.id, {"code": shop.code})
    return shop.webhook_secret
