"""Generic orders CSV/XLSX: one row per order line, for shops whose platform has no format of its own.

Columns (header names, any order, case-insensitive; * = required):

| column | meaning |
|---|---|
| order_id* | the shop's order number; rows with the same order_id are one order, lines in file order |
| placed_at* | when the order was placed: `YYYY-MM-DD HH:MM[:SS]` in the shop's timezone, or ISO 8601 with offset |
| quantity* | whole number (negative on a return) |
| unit_price* | price of one unit in major units (`49.90`) |
| sku / product_name | at least one of them; products are matched by (shop, sku) |
| category | product category |
| customer_id | the shop's buyer id; empty = guest order |
| customer_name, phone, email | the buyer (used when the customer is new) |
| status | pending, paid (default), shipped, delivered, completed, cancelled, refunded |
| kind | sale (default), return, adjustment |
| currency | ISO code; default the shop's |
| paid_at, completed_at, shipped_at | timestamps as placed_at |
| shipping, discount, paid_amount, refunded_amount | order money in major units |
| country, province, city, note | shipping address parts and the buyer's note |
| carrier, tracking_no | the shipment |

Order-level columns are read from the order's first row; later rows may repeat them or leave them empty,
but a later row naming another customer_id or currency rejects the order. A generic file describes one
shop's own orders, so its order and customer ids are scoped by the shop's code (the identity source).
"""

from __future__ import annotations

from ...orders.rules import PAID_STATUSES, STATUSES
from ...orders.schemas import KINDS
from ..errors import ImportFileError
from . import fields
from .base import Collector, Context, OrderHead, Parsed, RowError, ShopDefaults, TextCache, clip, line_total

NAME = "generic"
SOURCE = None  # the shop's code
DELIMITER = ","
DEFAULT_SHOP = ShopDefaults(code="main", name="Main shop")
REQUIRED = ("order_id", "placed_at", "quantity", "unit_price")
LINE_FIELDS = ("sku", "product_name", "category")
# The order-level columns, in the order `_head` unpacks them.
HEAD_FIELDS = ("placed_at", "customer_id", "customer_name", "phone", "email", "status", "kind", "currency",
               "paid_at", "completed_at", "shipped_at", "shipping", "discount", "paid_amount", "refunded_amount",
               "country", "province", "city", "note", "carrier", "tracking_no", "accepts_marketing")
OPTIONAL = tuple(dict.fromkeys(LINE_FIELDS + HEAD_FIELDS[1:]))


def _head(values: list[str], key: str, ctx: Context) -> OrderHead:
    (placed_at, customer_id, customer_name, phone, email, status, kind, currency, paid_at, completed_at,
     shipped_at, shipping, discount, paid_amount, refunded_amount, country, province, city, note, carrier,
     tracking_no, accepts_marketing) = values
    p = ctx.parsers
    currency = fields.currency(currency, "currency", ctx.currency)
    state = status.strip().lower() or "paid"
    if state not in STATUSES:
        raise RowError("status", f"status '{status}' is not one of {', '.join(STATUSES)}")
    sort = kind.strip().lower() or "sale"
    if sort not in KINDS:
        raise RowError("kind", f"kind '{kind}' is not one of {', '.join(KINDS)}")
    placed = p.when(placed_at, "placed_at")
    customer = p.customer_id(customer_id) or None
    if customer is not None and len(customer) > 128:
        raise RowError("customer_id", "customer_id is longer than 128 characters")
    name, country, province, city = clip(customer_name, 120), clip(country, 64), clip(province, 64), clip(city, 64)
    return OrderHead(
        external_id=key, placed_at=placed, kind=sort, status=state, currency=currency, customer_key=customer,
        customer_name=name, customer_phone=fields.phone(phone, "phone"), customer_email=fields.email(email, "email"),
        customer_country=country, customer_province=province, customer_city=city,
        accepts_marketing=fields.yes_no(accepts_marketing, "accepts_marketing"), buyer_name=name,
        ship_country=country, ship_province=province, ship_city=city, buyer_note=note.strip() or None,
        paid_at=p.maybe_when(paid_at, "paid_at") or (placed if state in PAID_STATUSES else None),
        completed_at=p.maybe_when(completed_at, "completed_at"),
        shipping_amount=p.amount(shipping, currency, "shipping"),
        discount_amount=p.amount(discount, currency, "discount"),
        paid_amount=p.amount(paid_amount, currency, "paid_amount", default=None),
        refunded_amount=p.amount(refunded_amount, currency, "refunded_amount"),
        carrier=clip(carrier, 60), tracking_no=clip(fields.excel_text(tracking_no), 80) if tracking_no else None,
        shipped_at=p.maybe_when(shipped_at, "shipped_at"))


def _sku(raw: str) -> str | None:
    sku = raw.strip()
    if len(sku) > 64:
        raise RowError("sku", f"sku '{sku[:20]}…' is longer than 64 characters")
    return sku or None


def parse(table, ctx: Context) -> Parsed:
    """Group the rows by order_id."""
    out = Collector(table)
    present = out.header(REQUIRED, OPTIONAL)
    if "sku" not in present and "product_name" not in present:
        raise ImportFileError("missing_columns", "line 1: the header needs a sku or a product_name column",
                              field="header")
    c = out.with_blanks(present, OPTIONAL)
    head_at = [c[name] for name in HEAD_FIELDS]
    i_key, i_qty, i_price, i_sku, i_name, i_cat = (c[name] for name in ("order_id", "quantity", "unit_price",
                                                                        *LINE_FIELDS))
    i_cust, i_cur = c["customer_id"], c["currency"]
    p, orders, width = ctx.parsers, out.orders, out.width
    currency, prices = ctx.currency, p.price_cache(ctx.currency)
    keys = TextCache(lambda raw: fields.order_id(raw, "order_id"))
    skus, names, categories = TextCache(_sku), TextCache(lambda raw: clip(raw, 255)), TextCache(lambda r: clip(r, 80))
    for line_no, f, problem in out.fitted_rows():
        key = None
        try:
            key = keys[f[i_key]]
            if problem:
                raise RowError(None, problem)
            order = orders.get(key)
            if order is None or order.head is None:
                head = _head([f[i] for i in head_at], key, ctx)
                order = out.pending(key)
                order.head = head
                order.mark = f[i_cust]
            else:
                head = order.head
                if f[i_cust] != order.mark and f[i_cust].strip() and p.customer_id(f[i_cust]) != head.customer_key:
                    raise RowError("customer_id", f"customer_id '{f[i_cust]}' differs from the order's first row "
                                   f"('{head.customer_key or ''}')")
                if f[i_cur].strip() and f[i_cur].strip().upper() != head.currency:
                    raise RowError("currency", f"currency '{f[i_cur]}' differs from the order's ({head.currency})")
            sku, name = skus[f[i_sku]], names[f[i_name]]
            if sku is None and name is None:
                raise RowError("sku", "sku and product_name are both missing")
            text = f[i_qty]
            try:
                quantity = int(text)
            except ValueError:
                quantity = p.whole(text, "quantity")
            if head.currency != currency:
                currency, prices = head.currency, p.price_cache(head.currency)
            text = f[i_price]
            unit, exact = prices.get(text) or p.price(text, currency, "unit_price")
            order.lines.append((line_no, sku, name or sku, categories[f[i_cat]], quantity, unit,
                                quantity * unit if exact is None else line_total(quantity, unit, exact, currency)))
        except RowError as exc:
            out.reject(key, line_no, exc.field, exc.message, f[:width])
    return out.finish()
