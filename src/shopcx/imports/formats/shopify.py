"""Shopify orders export (Admin → Orders → Export, 'CSV for Excel' or plain CSV).

One row per line item; the order's own fields (Financial Status, Paid at, Currency, Subtotal, Shipping,
Discount Amount, Total, Created at, Billing …, Refunded Amount …) are filled on its first row only, and
that row is the one read. Name (`#1001`) is the order id. Timestamps carry their offset
(`2024-03-01 10:15:30 +0800`). The customer is identified by Email (source 'shopify'); no email means a
guest order unless there is a phone (Billing Phone, Phone, Shipping Phone; E.164 in the shop's country), which
identifies the buyer then (cash-on-delivery stores). Taxes is kept, and counted as added on top when Total =
Subtotal + Shipping + Taxes; Outstanding Balance is taken off what was paid; Lineitem discount off its line.
Status: Cancelled at or voided → cancelled, refunded → refunded, pending/authorized/partially_paid → pending,
paid or partially_refunded → paid, or shipped once Fulfillment Status is fulfilled/partial. Total is the paid
amount; Fulfilled at becomes a shipment.
"""

from __future__ import annotations

from ...shops.platforms import shopify as platform
from . import fields
from .base import Collector, Context, Line, OrderHead, Parsed, RowError, ShopDefaults, TextCache, clip, line_total

NAME = "shopify"
SOURCE = "shopify"
DELIMITER = ","
DEFAULT_SHOP = ShopDefaults(code="shopify", name="Shopify store", platform="shopify")
REQUIRED = ("Name", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price")
OPTIONAL = ("Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Currency", "Subtotal",
            "Shipping", "Taxes", "Total", "Discount Amount", "Lineitem sku", "Billing Name", "Billing Phone",
            "Billing City", "Billing Province", "Billing Country", "Shipping Name", "Shipping Phone",
            "Shipping City", "Shipping Province Name", "Shipping Province", "Shipping Country", "Phone", "Notes",
            "Cancelled at", "Refunded Amount", "Accepts Marketing", "Outstanding Balance", "Lineitem discount")


def status_of(financial: str, fulfillment: str, cancelled: bool) -> str:
    """The ShopCX status from Shopify's Financial Status, Fulfillment Status and Cancelled at."""
    try:
        return platform.status_of(financial, fulfillment, cancelled)
    except ValueError:
        raise RowError("Financial Status", f"Financial Status '{financial.strip().lower()}' is not one of paid, "
                       "pending, authorized, partially_paid, partially_refunded, refunded, voided") from None


def _head(f: list[str], c: dict[str, int], key: str, ctx: Context) -> OrderHead:
    p = ctx.parsers

    def get(name: str) -> str:
        return f[c[name]]

    if not get("Created at").strip():
        raise RowError("Created at", "Created at is missing on the order's first row (where Shopify puts the "
                       "order's own fields)")
    currency = fields.currency(get("Currency"), "Currency", ctx.currency)
    placed = p.when(get("Created at"), "Created at")
    status = status_of(get("Financial Status"), get("Fulfillment Status"), bool(get("Cancelled at").strip()))
    email = fields.email(get("Email"), "Email")
    name = clip(get("Billing Name"), 120) or clip(get("Shipping Name"), 120)
    region = ctx.region
    phone = (fields.phone(get("Billing Phone"), "Billing Phone", region) or fields.phone(get("Phone"), "Phone", region)
             or fields.phone(get("Shipping Phone"), "Shipping Phone", region))
    country = clip(get("Shipping Country"), 64) or clip(get("Billing Country"), 64)
    province = clip(get("Shipping Province Name"), 64) or clip(get("Shipping Province"), 64) \
        or clip(get("Billing Province"), 64)
    city = clip(get("Shipping City"), 64) or clip(get("Billing City"), 64)
    paid_at = p.maybe_when(get("Paid at"), "Paid at")
    if paid_at is None and status in ("paid", "shipped", "refunded"):
        paid_at = placed
    shipping = p.amount(get("Shipping"), currency, "Shipping")
    total = p.amount(get("Total"), currency, "Total", default=None)
    tax = p.amount(get("Taxes"), currency, "Taxes")
    subtotal = p.amount(get("Subtotal"), currency, "Subtotal", default=None)
    included = True if total is None or subtotal is None else \
        platform.taxes_included_from_totals(total, subtotal, shipping, tax)
    outstanding = p.amount(get("Outstanding Balance"), currency, "Outstanding Balance")
    paid = total
    if paid is not None and status not in ("pending", "cancelled") and 0 < outstanding < paid:
        paid -= outstanding  # money still owed is not paid
    return OrderHead(
        external_id=key, placed_at=placed, status=status, currency=currency, customer_key=email or phone,
        customer_name=name, customer_phone=phone, customer_email=email, customer_country=country,
        customer_province=province, customer_city=city,
        accepts_marketing=fields.yes_no(get("Accepts Marketing"), "Accepts Marketing"), buyer_name=name,
        ship_country=country, ship_province=province, ship_city=city, buyer_note=get("Notes").strip() or None,
        paid_at=paid_at, shipping_amount=shipping,
        discount_amount=p.amount(get("Discount Amount"), currency, "Discount Amount"),
        paid_amount=paid, tax_amount=tax, taxes_included=included,
        refunded_amount=p.amount(get("Refunded Amount"), currency, "Refunded Amount"),
        shipped_at=p.maybe_when(get("Fulfilled at"), "Fulfilled at"))


def check(head: OrderHead, lines: list[Line]) -> str | None:
    """A paid order with a fulfilment time has shipped, whatever its Fulfillment Status column says."""
    if head.shipped_at is not None and head.status == "paid":
        head.status = "shipped"
    # Discount Amount counts the line discounts too, which the lines' totals already took off.
    head.discount_amount = max(0, head.discount_amount - sum(line[4] * line[5] - line[6] for line in lines))
    return None


def _sku(raw: str) -> str | None:
    sku = raw.strip()
    if len(sku) > 64:
        raise RowError("Lineitem sku", f"Lineitem sku '{sku[:20]}…' is longer than 64 characters")
    return sku or None


def _name(raw: str) -> str:
    name = clip(raw, 255)
    if name is None:
        raise RowError("Lineitem name", "Lineitem name is missing")
    return name


def parse(table, ctx: Context) -> Parsed:
    """Group the line-item rows by Name."""
    out = Collector(table)
    c = out.with_blanks(out.header(REQUIRED, OPTIONAL), OPTIONAL)
    i_key, i_sku, i_name, i_qty, i_price, i_off = (c[name] for name in (
        "Name", "Lineitem sku", "Lineitem name", "Lineitem quantity", "Lineitem price", "Lineitem discount"))
    p, orders, width = ctx.parsers, out.orders, out.width
    keys = TextCache(lambda raw: fields.order_id(raw, "Name"))
    skus, names = TextCache(_sku), TextCache(_name)
    for line_no, f, problem in out.fitted_rows():
        key = None
        try:
            key = keys[f[i_key]]
            if problem:
                raise RowError(None, problem)
            order = orders.get(key)
            if order is None:
                order = out.pending(key, _head(f, c, key, ctx))
            # Lines of an order whose first row was rejected are still read, to be rejected with it.
            currency = order.head.currency if order.head is not None else ctx.currency
            sku, name = skus[f[i_sku]], names[f[i_name]]
            quantity = p.whole(f[i_qty], "Lineitem quantity")
            unit, exact = p.price(f[i_price], currency, "Lineitem price")
            off = p.amount(f[i_off], currency, "Lineitem discount")
            order.lines.append((line_no, sku, name, None, quantity, unit,
                                line_total(quantity, unit, exact, currency) - off))
        except RowError as exc:
            out.reject(key, line_no, exc.field, exc.message, f[:width])
    return out.finish(check)
