"""WooCommerce order exports: the headers of the common export plugins, one row per order item.

WooCommerce has no built-in order export; shops use a plugin, and each names its columns its own way. A column
is found under any of the names `ALIASES` lists for its field (case-insensitive), e.g. the order id under Order
Number, Order ID, order_number or order_id; the date under Order Date or Date Created; the buyer under Email /
Billing Email and Billing Phone; the item under Product Name / Item Name and SKU; its Quantity; its price under
Item Cost (or Item Total, divided by the quantity); and the order's money under Order Total / Total Amount, Order
Shipping, Order Tax, Cart Discount and Refund Amount, with Currency. Required: an order id, a date, a quantity, a
name or SKU, and a price or line total.

Dates without an offset are the shop's local time (WooCommerce writes the site's time). The buyer is known by
e-mail, else by phone (E.164 in the shop's country); neither makes a guest order. Status processing → paid,
on-hold/pending → pending, failed → cancelled. A tax is counted as added on top of the prices when Order Total =
items − discount + shipping + tax.
"""

from __future__ import annotations

from ...shops.platforms import shopify as shopify_rules
from ...shops.platforms import woocommerce as platform
from ..errors import ImportFileError
from . import fields
from .base import Collector, Context, Line, OrderHead, Parsed, RowError, ShopDefaults, TextCache, clip, line_total

NAME = "woocommerce"
SOURCE = "woocommerce"
DELIMITER = ","
DEFAULT_SHOP = ShopDefaults(code="woocommerce", name="WooCommerce store", platform="woocommerce")

ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": ("Order Number", "Order ID", "order_number", "order_id", "Order #"),
    "placed_at": ("Order Date", "Date Created", "order_date", "date_created", "Created Date"),
    "paid_at": ("Paid Date", "Date Paid", "paid_date", "date_paid", "Order Paid Date"),
    "completed_at": ("Completed Date", "Date Completed", "completed_date", "date_completed"),
    "status": ("Order Status", "Status", "order_status"),
    "email": ("Email", "Billing Email", "Billing Email Address", "billing_email", "Customer Email", "customer_email"),
    "phone": ("Billing Phone", "Phone", "billing_phone", "Billing Phone Number", "Shipping Phone"),
    "first_name": ("Billing First Name", "billing_first_name", "First Name"),
    "last_name": ("Billing Last Name", "billing_last_name", "Last Name"),
    "customer_name": ("Customer Name", "Billing Full Name", "Full Name (Billing)"),
    "name": ("Product Name", "Item Name", "item_name", "Item", "Product"),
    "sku": ("SKU", "Item SKU", "item_sku", "Product SKU"),
    "quantity": ("Quantity", "Qty", "Item Quantity", "item_quantity", "Quantity (- Refund)"),
    "unit_price": ("Item Cost", "Item Price", "Price", "item_cost", "Product Price"),
    "line_total": ("Item Total", "Line Total", "item_total", "Order Line Total"),
    "total": ("Order Total", "Total Amount", "Order Total Amount", "order_total", "Total"),
    "shipping": ("Order Shipping", "Shipping Total", "Order Shipping Amount", "shipping_total", "Shipping",
                 "order_shipping"),
    "tax": ("Order Tax", "Tax Total", "Order Total Tax Amount", "tax_total", "Order Total Tax", "order_tax"),
    "discount": ("Cart Discount", "Discount Total", "Cart Discount Amount", "discount_total", "Order Discount",
                 "cart_discount"),
    "refunded": ("Refund Amount", "Order Refund Amount", "Refunded Total", "refunded_total", "Order Refunds"),
    "currency": ("Currency", "Order Currency", "order_currency"),
    "city": ("Shipping City", "Billing City", "shipping_city", "billing_city"),
    "province": ("Shipping State", "Billing State", "shipping_state", "billing_state"),
    "country": ("Shipping Country", "Billing Country", "shipping_country", "billing_country"),
    "note": ("Customer Note", "customer_note", "Order Notes"),
}
REQUIRED = ("order_id", "placed_at", "quantity")


def _columns(out: Collector) -> dict[str, int]:
    """Field -> column index, taking each field's first name the header has; blank cell for absent ones."""
    every = tuple(dict.fromkeys(name for names in ALIASES.values() for name in names))
    present = out.header((), every)
    found = {field: present[name] for field, names in ALIASES.items() for name in reversed(names)
             if name in present}
    # reversed above so the first listed name wins when a header has several of them
    missing = [ALIASES[field][0] for field in REQUIRED if field not in found]
    if "name" not in found and "sku" not in found:
        missing.append("Product Name (or SKU)")
    if "unit_price" not in found and "line_total" not in found:
        missing.append("Item Cost (or Item Total)")
    if missing:
        raise ImportFileError("missing_columns", f"line 1: the header lacks the column(s) {', '.join(missing)} "
                              "(see the WooCommerce format's column names)", field="header")
    return {field: found.get(field, out.width) for field in ALIASES}


def status_of(text: str) -> str:
    value = text.strip().lower().replace("_", "-")
    value = {"pending payment": "pending", "on hold": "on-hold", "": "completed"}.get(value, value.replace(" ", "-"))
    try:
        return platform.status_of(value)
    except ValueError:
        raise RowError("Status", f"Status '{text}' is not a WooCommerce order status (pending, processing, on-hold, "
                       "completed, cancelled, refunded, failed)") from None


def _head(f: list[str], c: dict[str, int], key: str, ctx: Context) -> OrderHead:
    p = ctx.parsers

    def get(field: str) -> str:
        return f[c[field]]

    currency = fields.currency(get("currency"), "Currency", ctx.currency)
    status = status_of(get("status"))
    placed = p.when(get("placed_at"), "Order Date")
    email = fields.email(get("email"), "Email")
    phone = fields.phone(get("phone"), "Billing Phone", ctx.region)
    name = clip(get("customer_name"), 120) or clip(" ".join(part for part in (get("first_name").strip(),
                                                                              get("last_name").strip()) if part), 120)
    city, province, country = clip(get("city"), 64), clip(get("province"), 64), clip(get("country"), 64)
    total = p.amount(get("total"), currency, "Order Total", default=None)
    refunded = abs(p.amount(get("refunded"), currency, "Refund Amount"))
    if status == "refunded" and not refunded and total:
        refunded = total  # refunded in full, without the amount written down
    paid_at = p.maybe_when(get("paid_at"), "Paid Date")
    if paid_at is None and status not in ("pending", "cancelled"):
        paid_at = placed
    return OrderHead(
        external_id=key, placed_at=placed, status=status, currency=currency, customer_key=email or phone,
        customer_name=name, customer_phone=phone, customer_email=email, customer_country=country,
        customer_province=province, customer_city=city, buyer_name=name, ship_country=country,
        ship_province=province, ship_city=city, buyer_note=get("note").strip() or None, paid_at=paid_at,
        completed_at=p.maybe_when(get("completed_at"), "Completed Date"),
        shipping_amount=p.amount(get("shipping"), currency, "Order Shipping"),
        discount_amount=p.amount(get("discount"), currency, "Cart Discount"), paid_amount=total,
        refunded_amount=refunded, tax_amount=p.amount(get("tax"), currency, "Order Tax"))


def check(head: OrderHead, lines: list[Line]) -> str | None:
    """Whether the tax was added on top, from the totals (the exports carry no flag)."""
    if head.paid_amount is not None and head.tax_amount:
        goods = sum(line[6] for line in lines)
        head.taxes_included = shopify_rules.taxes_included_from_totals(
            head.paid_amount, goods - head.discount_amount, head.shipping_amount, head.tax_amount)
    return None


def parse(table, ctx: Context) -> Parsed:
    """Group the item rows by order number."""
    out = Collector(table)
    c = _columns(out)
    p, orders, width = ctx.parsers, out.orders, out.width
    keys = TextCache(lambda raw: fields.order_id(raw, "Order Number"))
    names, skus = TextCache(lambda raw: clip(raw, 255)), TextCache(lambda raw: clip(raw, 64))
    i_key, i_qty, i_price, i_total, i_name, i_sku = (c[name] for name in (
        "order_id", "quantity", "unit_price", "line_total", "name", "sku"))
    for line_no, f, problem in out.fitted_rows():
        key = None
        try:
            key = keys[f[i_key]]
            if problem:
                raise RowError(None, problem)
            order = orders.get(key)
            if order is None:
                order = out.pending(key, _head(f, c, key, ctx))
            currency = order.head.currency if order.head is not None else ctx.currency
            name, sku = names[f[i_name]], skus[f[i_sku]]
            if name is None and sku is None:
                raise RowError("Product Name", "Product Name and SKU are both missing")
            quantity = p.whole(f[i_qty], "Quantity")
            if f[i_price].strip():
                unit, exact = p.price(f[i_price], currency, "Item Cost")
                total = line_total(quantity, unit, exact, currency)
                if f[i_total].strip():
                    total = p.amount(f[i_total], currency, "Item Total")
            else:
                total = p.amount(f[i_total], currency, "Item Total")
                unit = total // quantity if quantity else total
            order.lines.append((line_no, sku, name or sku, None, quantity, unit, total))
        except RowError as exc:
            out.reject(key, line_no, exc.field, exc.message, f[:width])
    return out.finish(check)
