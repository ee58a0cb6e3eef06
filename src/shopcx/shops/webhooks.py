"""Order events a shop platform pushes: signature check, the platform's own body mapped, the idempotent upsert;
the webhook key (random, or the one the platform gave the owner), kept encrypted with the app's secret key.

Which platform sent a delivery is told by its headers: `X-Shopify-Topic` (Shopify), `X-WC-Webhook-Topic`
(WooCommerce), otherwise the body is ShopCX's own OrderIn. A delivery is done once: its platform delivery id
(`X-Shopify-Webhook-Id`, `X-WC-Webhook-Delivery-ID`), or else its topic, object id and `updated_at`, is kept, and
a state older than one already applied (a late retry) is acknowledged without being applied.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core import clock, security
from ..core.errors import AuthError, Conflict, ShopCXError
from ..customers import service as customers
from ..orders import rules as order_rules
from ..orders import service as orders
from ..orders.schemas import OrderIn, RefundIn, RefundLineIn
from ..staff.service import Actor, audit
from . import repository
from . import service as shops
from .models import Shop, WebhookDelivery
from .platforms import shopify, woocommerce
from .platforms.base import Mapped, WebhookReject

MAX_BODY_BYTES = 1_000_000
KEY_MIN, KEY_MAX = 8, 255
ATTEMPTS = 5  # races with concurrent deliveries for the same order or buyer, each resolved by looking again


class WebhookResult(BaseModel):
    """What a delivery did. A redelivery answers 2xx too, with `duplicate` true and nothing changed."""

    order_id: int | None = None
    created: bool
    changed: bool
    status: str | None = None
    topic: str | None = None
    customer_id: int | None = None
    duplicate: bool = False
    ignored: str | None = None
    changes: list[str] = Field(default_factory=list)  # what a re-sent order changed ('paid_amount: 500 -> 50000')


def too_large() -> ShopCXError:
    return ShopCXError("payload_too_large", f"body: larger than {MAX_BODY_BYTES} bytes", status=413,
                       field="body")


def webhook_actor(shop: Shop) -> Actor:
    """Who the audit log names for changes a shop's webhook makes."""
    return Actor(label=f"webhook:{shop.code}")


# --- the key ------------------------------------------------------------------------------------------------


def secret_of(shop: Shop) -> str | None:
    """The shop's webhook key in clear (it is stored encrypted); None when unset or unreadable."""
    return security.decrypt_text(shop.webhook_secret)


def rotate_secret(session: Session, shop: Shop, *, actor: Actor) -> str:
    """Give the shop a new random webhook key (returned once; the old one stops working at once); audited."""
    secret = secrets.token_urlsafe(32)
    shop.webhook_secret = security.encrypt_text(secret)
    session.flush()
    audit(session, actor, "shop.webhook_secret_rotate", "shop", shop.id, {"code": shop.code})
    return secret


def set_secret(session: Session, shop: Shop, key: str | None, *, actor: Actor) -> str:
    """Store the key the platform signs with (Shopify's or WooCommerce's), encrypted; returned once; audited."""
    key = (key or "").strip()
    if not KEY_MIN <= len(key) <= KEY_MAX or any(ch.isspace() for ch in key):
        raise WebhookReject("invalid_webhook_key", "webhook_secret",
                            f"must be {KEY_MIN}–{KEY_MAX} characters without spaces (paste the key exactly as "
                            "the platform shows it)",
                            f"须为 {KEY_MIN}–{KEY_MAX} 个字符且不含空格（请按平台显示的原样粘贴）")
    shop.webhook_secret = security.encrypt_text(key)
    session.flush()
    audit(session, actor, "shop.webhook_secret_set", "shop", shop.id, {"code": shop.code})
    return key


def verify_signature(shop: Shop, body: bytes, signatures: list[str | None], header: str) -> None:
    """Refuse unless one of the given headers is the HMAC-SHA256 of the raw body with the shop's key."""
    secret = secret_of(shop)
    if not shop.webhook_secret or secret is None:
        raise AuthError("webhook_not_configured", f"signature: shop {shop.code} has no usable webhook key; enter "
                        "the platform's key (shopcx shops webhook-key, or the shop's page)", field="signature")
    if not any(security.signature_matches(secret, body, given) for given in signatures):
        raise AuthError("invalid_signature", "signature: missing, or not the HMAC-SHA256 of the body with "
                        f"the shop's webhook key ({header})", field="signature")


# --- reading a delivery -------------------------------------------------------------------------------------


def parse_order(body: bytes) -> OrderIn:
    """The body as an OrderIn, or an InvalidInput naming the first bad field."""
    try:
        return OrderIn.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise WebhookReject("invalid_input", field, first["msg"], f"取值无效（{first['msg']}）") from None


def _json(body: bytes):
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookReject("invalid_input", "body", "is not JSON", "不是 JSON") from None


def _mapped(module, topic: str, body: bytes, shop: Shop) -> Mapped:
    try:
        return module.map_delivery(topic, _json(body), currency=shop.currency, region=shop.country)
    except ValidationError as exc:  # a value the platform sent that ShopCX's own schema refuses
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise WebhookReject("invalid_input", field, first["msg"], f"取值无效（{first['msg']}）") from None


# --- storing it ---------------------------------------------------------------------------------------------


def _refund_lines(order, items: list[dict]) -> list[RefundLineIn]:
    """A refund's platform lines matched to the stored order's lines by SKU, else by name."""
    lines, used = [], set()
    for item in items:
        for line in order.lines:
            if line.line_no in used or item["quantity"] < 1 or item["quantity"] > line.quantity:
                continue
            if (item["sku"] and line.sku == item["sku"]) or (not item["sku"] and item["name"] and
                                                             line.name == item["name"]):
                used.add(line.line_no)
                lines.append(RefundLineIn(line_no=line.line_no, quantity=item["quantity"], amount=item["amount"]))
                break
    return lines


def _apply_refund(session: Session, shop: Shop, mapped: Mapped, actor: Actor) -> WebhookResult:
    order_id = repository.order_of_object(session, shop.id, mapped.order_ref)
    if order_id is None:
        # Acknowledged, not refused: the orders/updated Shopify sends for the refund carries it in the order's
        # refunds, and refusing would make Shopify retry and finally drop the subscription (an order imported
        # from a CSV export is never known by its Shopify id).
        return WebhookResult(created=False, changed=False,
                             ignored=f"order {mapped.order_ref} not received yet; its orders/updated carries the "
                             "refund")
    order = orders.get_order(session, order_id)
    refund: RefundIn | None = mapped.refund
    if refund is None:
        return WebhookResult(order_id=order.id, created=False, changed=False, status=order.status,
                             ignored="no money was refunded")
    if not refund.lines and mapped.refund_items:
        refund = refund.model_copy(update={"lines": _refund_lines(order, mapped.refund_items)})
    made = orders.record_refund(session, order, refund, actor=actor)
    if made is not None:
        audit(session, actor, "order.update", "order", order.id, {"external_id": order.external_id,
                                                                  "refund": refund.external_id})
    return WebhookResult(order_id=order.id, created=False, changed=made is not None, status=order.status)


def _cancel_deleted(session: Session, shop: Shop, mapped: Mapped, actor: Actor) -> WebhookResult:
    """An order the platform deleted: cancelled when its status allows it, otherwise kept as it is."""
    order_id = repository.order_of_object(session, shop.id, mapped.object_id)
    if order_id is None:
        return WebhookResult(created=False, changed=False, ignored="unknown order")
    order = orders.get_order(session, order_id)
    if order.status == "cancelled" or not order_rules.can_transition(order.status, "cancelled"):
        return WebhookResult(order_id=order.id, created=False, changed=False, status=order.status,
                             ignored=f"a {order.status} order is kept")
    orders.transition(session, order, "cancelled", actor=actor, reason="deleted on the platform")
    return WebhookResult(order_id=order.id, created=False, changed=True, status=order.status)


def _apply(session: Session, shop: Shop, topic: str, mapped: Mapped, key: str) -> WebhookResult:
    actor = webhook_actor(shop)
    latest = repository.latest_version(session, shop.id, mapped.object_type, mapped.object_id)
    stale = mapped.updated_at is not None and latest is not None and clock.as_utc(mapped.updated_at) <= latest
    if mapped.ignored or stale:
        order_id = repository.order_of_object(session, shop.id, mapped.object_id) \
            if mapped.object_type == "order" else None
        result = WebhookResult(order_id=order_id, created=False, changed=False,
                               status=orders.get_order(session, order_id).status if order_id else None,
                               ignored=mapped.ignored or "an older state than one already received")
    elif mapped.deleted:
        result = _cancel_deleted(session, shop, mapped, actor)
    elif mapped.object_type == "order":
        upserted = orders.upsert_order(session, shop, mapped.order, actor=actor)
        result = WebhookResult(**upserted.model_dump())
    elif mapped.object_type == "refund":
        result = _apply_refund(session, shop, mapped, actor)
    else:
        known = repository.customer_of_object(session, shop.id, mapped.object_id)
        if known is not None:  # the person changed their e-mail or phone: still the same platform customer
            customer = customers.update_customer(session, customers.get_customer(session, known),
                                                 mapped.customer, shop_id=shop.id, actor=actor)
            created = False
        else:
            customer, created = customers.upsert_customer(session, mapped.customer, shop_id=shop.id, actor=None,
                                                          region=shop.country)
        result = WebhookResult(customer_id=customer.id, created=created, changed=True)
    session.add(WebhookDelivery(shop_id=shop.id, delivery_key=key, topic=topic[:40],
                                object_type=mapped.object_type, object_id=mapped.object_id,
                                object_updated_at=clock.as_utc(mapped.updated_at) if mapped.updated_at else None,
                                order_id=result.order_id, customer_id=result.customer_id,
                                applied=not (mapped.ignored or stale), received_at=clock.now()))
    session.flush()
    return result.model_copy(update={"topic": topic})


def _duplicate(session: Session, seen: WebhookDelivery) -> WebhookResult:
    status = orders.get_order(session, seen.order_id).status if seen.order_id else None
    return WebhookResult(order_id=seen.order_id, customer_id=seen.customer_id, created=False, changed=False,
                         status=status, topic=seen.topic, duplicate=True)


def _receive_platform(session: Session, shop: Shop, module, topic: str, delivery_id: str | None,
                      body: bytes) -> WebhookResult:
    mapped = _mapped(module, topic, body, shop)
    version = clock.as_utc(mapped.updated_at).isoformat() if mapped.updated_at else "-"
    key = (f"id:{delivery_id.strip()}" if delivery_id and delivery_id.strip()
           else f"{topic}:{mapped.object_id}:{version}")[:160]
    for attempt in range(ATTEMPTS):
        seen = repository.delivery(session, shop.id, key)
        if seen is not None:
            return _duplicate(session, seen)
        try:
            with session.begin_nested():
                return _apply(session, shop, topic, mapped, key)
        except IntegrityError:
            # A concurrent request stored this delivery, the same new order or the same new buyer first: look
            # again (its rows are visible now that it committed) and go on from there.
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def receive_order(session: Session, shop_code: str, body: bytes, headers: Mapping[str, str]) -> WebhookResult:
    """Store what a signed delivery says (unsigned ones are not even parsed); redeliveries change nothing."""
    shop = shops.get_shop(session, shop_code)
    if not shop.is_active:
        raise Conflict("shop_inactive", f"shop: {shop_code} is switched off and takes no deliveries", field="shop")
    if len(body) > MAX_BODY_BYTES:
        raise too_large()
    header = {name.lower(): value for name, value in headers.items()}
    if header.get("x-shopify-topic"):
        verify_signature(shop, body, [header.get("x-shopify-hmac-sha256")], "X-Shopify-Hmac-Sha256: <base64>")
        return _receive_platform(session, shop, shopify, header["x-shopify-topic"].strip(),
                                 header.get("x-shopify-webhook-id"), body)
    if woocommerce.is_ping(header, body):  # stores nothing, so it needs no signature
        return WebhookResult(created=False, changed=False, topic="ping", ignored="ping")
    if header.get("x-wc-webhook-topic") or header.get("x-wc-webhook-signature"):
        verify_signature(shop, body, [header.get("x-wc-webhook-signature")], "X-WC-Webhook-Signature: <base64>")
        return _receive_platform(session, shop, woocommerce, (header.get("x-wc-webhook-topic") or "").strip(),
                                 header.get("x-wc-webhook-delivery-id"), body)
    verify_signature(shop, body, [header.get("x-shopcx-signature"), header.get("x-shopify-hmac-sha256")],
                     "X-ShopCX-Signature: sha256=<hex>")
    upserted = orders.upsert_order(session, shop, parse_order(body), actor=webhook_actor(shop))
    return WebhookResult(**upserted.model_dump())
