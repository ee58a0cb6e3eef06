"""Shopify's webhook bodies (Admin REST API resources: Order, Refund, Customer) as ShopCX orders and customers.

Topics: orders/create, orders/updated, orders/paid, orders/cancelled, orders/fulfilled (an Order body),
refunds/create (a Refund body with its `order_id`), customers/create and customers/update (a Customer body).
Money is read in the shop's currency (`total_price`, `subtotal_price`, … not the presentment sets). The order
id ShopCX keeps is its `name` (#1001), as in Shopify's CSV export, so an exported and a pushed order are one.
The buyer is known by e-mail, or by phone (E.164) when there is none (cash-on-delivery stores).
"""

from __future__ import annotations

from ...customers.schemas import CustomerIn
from ...orders.schemas import LineIn, OrderIn, RefundIn, RefundLineIn, ShipmentIn
from .base import Mapped, WebhookReject, money, need_object, object_id, phone, text, when, whole

PLATFORM = "shopify"
SOURCE = "shopify"
# orders/edited is not here: its body is an OrderEdit, not an Order (the orders/updated that follows carries it).
ORDER_TOPICS = ("orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled",
                "orders/partially_fulfilled")
TOPICS = (*ORDER_TOPICS, "refunds/create", "customers/create", "customers/update")
PENDING = {"pending", "authorized", "partially_paid", "expired", ""}


def status_of(financial: str | None, fulfillment: str | None, cancelled: bool) -> str:
    """The ShopCX status from Shopify's financial status, fulfillment status and whether it was cancelled.

    Raises ValueError for a financial status Shopify does not have."""
    financial, fulfillment = (financial or "").strip().lower(), (fulfillment or "").strip().lower()
    if financial == "refunded":
        return "refunded"
    if cancelled or financial == "voided":
        return "cancelled"
    if financial in PENDING:
        return "pending"
    if financial in ("paid", "partially_refunded"):
        return "shipped" if fulfillment in ("fulfilled", "partial", "shipped") else "paid"
    raise ValueError(financial)


def taxes_included_from_totals(total: int, subtotal: int, shipping: int, tax: int) -> bool:
    """Whether the tax is inside the prices: an export has no flag, but Total = Subtotal + Shipping (+ Taxes when
    the tax was added on top)."""
    return not (tax and total == subtotal + shipping + tax and total != subtotal + shipping)


def customer_of(body: dict, region: str | None, *, order: dict | None = None) -> CustomerIn | None:
    """The buyer: known by e-mail, else by phone; neither makes a guest (None)."""
    person = body if order is None else (order.get("customer") or {})
    order = order or {}
    if not isinstance(person, dict):
        person = {}
    billing = order.get("billing_address") or {}
    shipping = order.get("shipping_address") or {}
    address = person.get("default_address") or shipping or billing or {}
    email = text(order.get("email") or order.get("contact_email") or person.get("email"), 254)
    number = None
    for candidate in (order.get("phone"), person.get("phone"), billing.get("phone"), shipping.get("phone"),
                      address.get("phone") if isinstance(address, dict) else None):
        number = phone(candidate, region)
        if number:
            break
    key = (email or "").lower() or number
    if not key:
        return None
    name = " ".join(part for part in (text(person.get("first_name")), text(person.get("last_name"))) if part) or \
        text(billing.get("name")) or text(shipping.get("name"))
    # Only what the platform says is set: a delivery without a phone does not clear the one stored.
    data = {"source": SOURCE, "external_id": key} | ({"email": email} if email else {}) | \
        ({"phone": number} if number else {})
    if name:
        data["name"] = name[:120]
    if isinstance(address, dict):
        for mine, theirs in (("country", "country"), ("province", "province"), ("city", "city")):
            if text(address.get(theirs)):
                data[mine] = text(address.get(theirs), 64)
    consent = person.get("email_marketing_consent")
    if isinstance(consent, dict) and consent.get("state"):
        data["consents"] = {"email": consent["state"] == "subscribed"}
    elif isinstance(person.get("accepts_marketing"), bool):
        data["consents"] = {"email": person["accepts_marketing"]}
    return CustomerIn.model_validate(data)


def _line_discount(item: dict, currency: str, at: str) -> int:
    allocations = item.get("discount_allocations")
    if isinstance(allocations, list) and allocations:
        return sum(money(a.get("amount"), currency, f"{at}.discount_allocations.amount") for a in allocations
                   if isinstance(a, dict))
    return money(item.get("total_discount"), currency, f"{at}.total_discount")


def _lines(order: dict, currency: str) -> tuple[list[LineIn], dict[str, int], int]:
    """The lines (net of their own discounts), line_item id -> line number, and Σ line discounts."""
    items = order.get("line_items") or []
    if not isinstance(items, list):
        raise WebhookReject("invalid_input", "line_items", "must be a list", "必须是列表")
    lines, numbers, discounts = [], {}, 0
    for index, item in enumerate(items):
        at = f"line_items.{index}"
        if not isinstance(item, dict):
            raise WebhookReject("invalid_input", at, "must be an object", "必须是对象")
        quantity = whole(item.get("quantity"), f"{at}.quantity")
        unit = money(item.get("price"), currency, f"{at}.price")
        discount = _line_discount(item, currency, at)
        discounts += discount
        lines.append(LineIn(sku=text(item.get("sku"), 64), name=text(item.get("name") or item.get("title"), 255),
                            quantity=quantity, unit_price_amount=unit, total_amount=quantity * unit - discount))
        if item.get("id") is not None:
            numbers[str(item["id"])] = index + 1
    return lines, numbers, discounts


def refund_of(refund: dict, currency: str, line_numbers: dict[str, int] | None, at: str) -> tuple[RefundIn | None,
                                                                                                   list[dict]]:
    """A Shopify refund as a RefundIn (None when no money went back), and its lines as Shopify names them."""
    transactions = refund.get("transactions") or []
    amount = sum(money(t.get("amount"), currency, f"{at}.transactions.amount") for t in transactions
                 if isinstance(t, dict) and (t.get("kind") or "refund") == "refund"
                 and (t.get("status") or "success") == "success")
    items, lines, kind = [], [], "refund_only"
    for index, entry in enumerate(refund.get("refund_line_items") or []):
        if not isinstance(entry, dict):
            continue
        quantity = whole(entry.get("quantity"), f"{at}.refund_line_items.{index}.quantity")
        subtotal = money(entry.get("subtotal"), currency, f"{at}.refund_line_items.{index}.subtotal")
        if entry.get("restock_type") == "return":
            kind = "return_refund"
        item = entry.get("line_item") if isinstance(entry.get("line_item"), dict) else {}
        line_id = str(entry.get("line_item_id") or item.get("id") or "")
        items.append({"line_item_id": line_id, "sku": text(item.get("sku")), "name": text(item.get("name")),
                      "quantity": quantity, "amount": max(0, subtotal)})
        if line_numbers is not None and line_id in line_numbers and quantity >= 1:
            lines.append(RefundLineIn(line_no=line_numbers[line_id], quantity=quantity, amount=max(0, subtotal)))
    if amount <= 0:
        return None, items
    return RefundIn(external_id=object_id(refund)[:128], kind=kind, amount=amount,
                    reason=text(refund.get("note"), 255),
                    requested_at=when(refund.get("created_at"), f"{at}.created_at"),
                    completed_at=when(refund.get("processed_at"), f"{at}.processed_at")
                    or when(refund.get("created_at"), f"{at}.created_at"), lines=lines), items


def _shipments(order: dict) -> list[ShipmentIn]:
    out = []
    for index, fulfilment in enumerate(order.get("fulfillments") or []):
        if not isinstance(fulfilment, dict) or fulfilment.get("status") in ("cancelled", "error", "failure"):
            continue
        at = f"fulfillments.{index}"
        numbers = fulfilment.get("tracking_numbers") or []
        tracking = text(fulfilment.get("tracking_number")) or (text(numbers[0]) if numbers else None)
        delivered = when(fulfilment.get("updated_at"), f"{at}.updated_at") \
            if fulfilment.get("shipment_status") == "delivered" else None
        out.append(ShipmentIn(carrier=text(fulfilment.get("tracking_company"), 60), tracking_no=text(tracking, 80),
                              shipped_at=when(fulfilment.get("created_at"), f"{at}.created_at"),
                              delivered_at=delivered))
    return out


def order_of(body: dict, currency: str, region: str | None) -> OrderIn:
    """A Shopify Order resource as an OrderIn."""
    name = text(body.get("name"), 128) or object_id(body)
    currency = (text(body.get("currency")) or currency).upper()
    placed = when(body.get("created_at") or body.get("processed_at"), "created_at", required=True)
    try:
        status = status_of(body.get("financial_status"), body.get("fulfillment_status"),
                           bool(body.get("cancelled_at")))
    except ValueError:
        raise WebhookReject("invalid_input", "financial_status", f"'{body.get('financial_status')}' is not a "
                            "Shopify financial status", f"'{body.get('financial_status')}' 不是 Shopify 的付款状态") \
            from None
    lines, numbers, line_discounts = _lines(body, currency)
    shipping_lines = body.get("shipping_lines") or []
    shipping = sum(money(s.get("price"), currency, "shipping_lines.price") for s in shipping_lines
                   if isinstance(s, dict))
    total = money(body.get("total_price"), currency, "total_price", default=-1)
    outstanding = money(body.get("total_outstanding"), currency, "total_outstanding")
    tax = money(body.get("total_tax"), currency, "total_tax")
    included = body.get("taxes_included")
    refunds = []
    for index, refund in enumerate(body.get("refunds") or []):
        if isinstance(refund, dict):
            made, _ = refund_of(refund, currency, numbers, f"refunds.{index}")
            if made is not None:
                refunds.append(made)
    shipments = _shipments(body)
    if status == "refunded" and refunds:
        status = "shipped" if shipments else "paid"  # the refunds recorded below make it refunded
    if status == "cancelled":
        refunds = []  # a cancelled order counts neither its payment nor its refunds
    if status == "shipped" and shipments and all(s.delivered_at for s in shipments):
        status = "delivered"
    paid = None if total < 0 else total
    if paid is not None and status not in ("pending", "cancelled") and 0 < outstanding < paid:
        paid -= outstanding  # money still owed is not paid
    billing = body.get("billing_address") or {}
    ship_to = body.get("shipping_address") or billing
    processed = when(body.get("processed_at"), "processed_at")
    return OrderIn(
        source=SOURCE, external_id=name, status=status, currency=currency,
        customer=customer_of(body, region, order=body), placed_at=placed,
        paid_at=(processed or placed) if status not in ("pending", "cancelled") else None,
        shipping_amount=shipping, discount_amount=max(0, money(body.get("total_discounts"), currency,
                                                               "total_discounts") - line_discounts),
        paid_amount=paid, tax_amount=tax, taxes_included=included if isinstance(included, bool) else True,
        buyer_note=text(body.get("note")),
        ship_country=text(ship_to.get("country"), 64) if isinstance(ship_to, dict) else None,
        ship_province=text(ship_to.get("province"), 64) if isinstance(ship_to, dict) else None,
        ship_city=text(ship_to.get("city"), 64) if isinstance(ship_to, dict) else None,
        lines=lines, shipments=shipments, refunds=refunds)


def map_delivery(topic: str, body, *, currency: str, region: str | None) -> Mapped:
    """One verified Shopify delivery in ShopCX's terms (a WebhookReject names the first unusable field)."""
    body = need_object(body)
    if topic in ORDER_TOPICS:
        return Mapped("order", object_id(body), when(body.get("updated_at"), "updated_at"),
                      order=order_of(body, currency, region))
    if topic == "refunds/create":
        refund, items = refund_of(body, currency, None, "refund")
        return Mapped("refund", object_id(body), when(body.get("created_at"), "created_at"),
                      order_ref=object_id(body, "order_id"), refund=refund, refund_items=items)
    if topic in ("customers/create", "customers/update"):
        customer = customer_of(body, region, order=None)
        return Mapped("customer", object_id(body), when(body.get("updated_at"), "updated_at"), customer=customer,
                      ignored=None if customer else "no e-mail and no phone")
    raise WebhookReject("unknown_topic", "X-Shopify-Topic", f"'{topic}' is not one of {', '.join(TOPICS)}",
                        f"'{topic}' 不是支持的主题（{', '.join(TOPICS)}）")
