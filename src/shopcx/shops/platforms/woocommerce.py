"""WooCommerce's webhook bodies (REST API v3 Order resource) as ShopCX orders.

Topics: order.created, order.updated (an Order body), order.deleted (`{"id": …}`), order.restored. Times are read
from the `*_gmt` fields (UTC without an offset); the order id ShopCX keeps is its `number` (its `id` unless a
plugin numbers orders), as in the CSV exports. Refunds come in the order's `refunds` array (`total` negative);
status `refunded` without that array refunds everything paid. The buyer is known by billing e-mail, else phone.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ...customers.schemas import CustomerIn
from ...orders.schemas import LineIn, OrderIn, RefundIn
from .base import Mapped, WebhookReject, money, need_object, object_id, phone, text, when, whole

PLATFORM = "woocommerce"
SOURCE = "woocommerce"
TOPICS = ("order.created", "order.updated", "order.deleted", "order.restored")
STATUS = {"pending": "pending", "on-hold": "pending", "checkout-draft": "pending", "processing": "paid",
          "completed": "completed", "cancelled": "cancelled", "failed": "cancelled", "refunded": "refunded",
          "trash": "cancelled"}


def status_of(status: str | None) -> str:
    """The ShopCX status of a WooCommerce order status (with or without its 'wc-' prefix); ValueError if unknown."""
    value = (status or "").strip().lower()
    value = value[3:] if value.startswith("wc-") else value
    if value not in STATUS:
        raise ValueError(value)
    return STATUS[value]


def is_ping(headers: dict[str, str], body: bytes) -> bool:
    """The form-encoded `webhook_id=N` WooCommerce posts once when a webhook is saved, unsigned."""
    return body.startswith(b"webhook_id=") and not headers.get("x-wc-webhook-signature")


def _gmt(body: dict, name: str) -> datetime | None:
    """`<name>_gmt` (UTC, written without an offset), else `<name>` if it carries one."""
    value = body.get(f"{name}_gmt")
    if value:
        moment = when(str(value).strip().replace("Z", "") + "+00:00", f"{name}_gmt")
        return moment.astimezone(UTC)
    return when(body.get(name), name) if body.get(name) and ("+" in str(body[name]) or "Z" in str(body[name])) \
        else None


def customer_of(body: dict, region: str | None) -> CustomerIn | None:
    billing = body.get("billing") if isinstance(body.get("billing"), dict) else {}
    shipping = body.get("shipping") if isinstance(body.get("shipping"), dict) else {}
    email = text(billing.get("email"), 254)
    number = phone(billing.get("phone"), region) or phone(shipping.get("phone"), region)
    key = (email or "").lower() or number
    if not key:
        return None
    name = " ".join(p for p in (text(billing.get("first_name")), text(billing.get("last_name"))) if p)
    # Only what the platform says is set: a delivery without a phone does not clear the one stored.
    data = {"source": SOURCE, "external_id": key} | ({"email": email} if email else {}) | \
        ({"phone": number} if number else {})
    if name:
        data["name"] = name[:120]
    place = shipping if text(shipping.get("city")) else billing
    for mine, theirs in (("country", "country"), ("province", "state"), ("city", "city")):
        if text(place.get(theirs)):
            data[mine] = text(place.get(theirs), 64)
    return CustomerIn.model_validate(data)


def order_of(body: dict, currency: str, region: str | None) -> OrderIn:
    """A WooCommerce Order resource as an OrderIn."""
    number = text(body.get("number"), 128) or object_id(body)
    currency = (text(body.get("currency")) or currency).upper()
    try:
        status = status_of(body.get("status"))
    except ValueError:
        raise WebhookReject("invalid_input", "status", f"'{body.get('status')}' is not a WooCommerce order status",
                            f"'{body.get('status')}' 不是 WooCommerce 的订单状态") from None
    placed = _gmt(body, "date_created")
    if placed is None:
        raise WebhookReject("invalid_input", "date_created_gmt", "is missing", "缺少该字段")
    included = bool(body.get("prices_include_tax"))
    lines = []
    for index, item in enumerate(body.get("line_items") or []):
        at = f"line_items.{index}"
        if not isinstance(item, dict):
            raise WebhookReject("invalid_input", at, "must be an object", "必须是对象")
        quantity = whole(item.get("quantity"), f"{at}.quantity")
        # `total` is after discounts and before tax; a tax-inclusive shop's price includes the line's tax.
        total = money(item.get("total"), currency, f"{at}.total")
        if included:
            total += money(item.get("total_tax"), currency, f"{at}.total_tax")
        unit = total // quantity if quantity else total
        lines.append(LineIn(sku=text(item.get("sku"), 64), name=text(item.get("name"), 255), quantity=quantity,
                            unit_price_amount=unit, total_amount=total))
    shipping = money(body.get("shipping_total"), currency, "shipping_total")
    tax = money(body.get("total_tax"), currency, "total_tax")
    if included:
        shipping += money(body.get("shipping_tax"), currency, "shipping_tax")
    total = money(body.get("total"), currency, "total", default=-1)
    refunds = []
    for index, refund in enumerate(body.get("refunds") or []):
        if not isinstance(refund, dict):
            continue
        amount = abs(money(refund.get("total"), currency, f"refunds.{index}.total"))
        if amount:
            refunds.append(RefundIn(external_id=object_id(refund)[:128], amount=amount,
                                    reason=text(refund.get("reason"), 255)))
    paid_at = _gmt(body, "date_paid")
    if status == "refunded":
        if not refunds and total > 0:
            refunds = [RefundIn(external_id="refunded", amount=total, reason="order status refunded")]
        status = "paid"  # the refunds recorded make it refunded
    if status == "cancelled":
        refunds = []
    billing = body.get("billing") if isinstance(body.get("billing"), dict) else {}
    ship_to = body.get("shipping") if isinstance(body.get("shipping"), dict) and body["shipping"].get("city") \
        else billing
    return OrderIn(
        source=SOURCE, external_id=number, status=status, currency=currency, customer=customer_of(body, region),
        placed_at=placed, paid_at=paid_at if status not in ("pending", "cancelled") else None,
        completed_at=_gmt(body, "date_completed") if status == "completed" else None,
        shipping_amount=shipping, discount_amount=money(body.get("discount_total"), currency, "discount_total"),
        paid_amount=None if total < 0 else total, tax_amount=tax, taxes_included=included,
        buyer_note=text(body.get("customer_note")), ship_country=text(ship_to.get("country"), 64),
        ship_province=text(ship_to.get("state"), 64), ship_city=text(ship_to.get("city"), 64),
        lines=lines, refunds=refunds)


def map_delivery(topic: str, body, *, currency: str, region: str | None) -> Mapped:
    """One verified WooCommerce delivery in ShopCX's terms (a WebhookReject names the first unusable field)."""
    body = need_object(body)
    if topic == "order.deleted":
        return Mapped("order", object_id(body), None, deleted=True)
    if topic in ("order.created", "order.updated", "order.restored"):
        return Mapped("order", object_id(body), _gmt(body, "date_modified"), order=order_of(body, currency, region))
    raise WebhookReject("unknown_topic", "X-WC-Webhook-Topic", f"'{topic}' is not one of {', '.join(TOPICS)}",
                        f"'{topic}' 不是支持的主题（{', '.join(TOPICS)}）")
