"""UCI Online Retail: `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country`.

One row per invoice line; the lines of one invoice are not always next to each other. An invoice is an
order: numbers starting with 'C' are cancellations (kind 'return', negative quantities), 'A' bad-debt
adjustments (kind 'adjustment'), the rest sales. All are stored as completed and paid when placed.
An invoice whose lines carry different times is placed at the earliest. CustomerID is written as a float
('17850.0' → customer '17850'); empty means a guest order. UnitPrice is GBP: a price below a penny
(0.001) makes a line total that rounds half-even to 0 pence, so such lines are stored with total 0.
InvoiceDate is the shop's local time (Europe/London by default).
"""

from __future__ import annotations

from .base import MAX_QUANTITY, Collector, Context, OrderHead, Parsed, RowError, ShopDefaults, clip, line_total
from .source import Table

NAME = "online-retail"
SOURCE = "online-retail"
DELIMITER = ","
DEFAULT_SHOP = ShopDefaults(code="online-retail", name="UCI Online Retail", platform="other",
                            timezone="Europe/London", currency="GBP")
COLUMNS = ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country")
KINDS = {"C": "return", "A": "adjustment"}


def parse(table: Table, ctx: Context) -> Parsed:
    """Group the file's lines by invoice."""
    out = Collector(table)
    out.free_lines = True  # the dataset's own zero-price and write-off lines are part of its figures
    col = out.header(COLUMNS)
    i_no, i_sku, i_name, i_qty, i_when, i_price, i_cust, i_country = (col[name] for name in COLUMNS)
    currency = ctx.currency
    parsers = ctx.parsers
    # The parsers' caches are read inline: this loop runs once per line of files with millions of lines.
    when, price, customer_id = parsers.when, parsers.price, parsers.customer_id
    times, prices = parsers.when_cache, parsers.price_cache(currency)
    orders = out.orders
    names: dict[str, str] = {}  # one string object per distinct description keeps memory down
    skus: dict[str, str] = {}
    width = max(col.values()) + 1
    for line_no, f, problem in out.rows:
        if len(f) < width:
            f = f + [""] * (width - len(f))
        key = f[i_no].strip()
        try:
            if problem:
                raise RowError(None, problem)
            if not key:
                raise RowError("InvoiceNo", "InvoiceNo is missing")
            text = f[i_sku]
            sku = skus.get(text)
            if sku is None:
                sku = text.strip()
                if not sku:
                    raise RowError("StockCode", "StockCode is missing")
                if len(sku) > 64:
                    raise RowError("StockCode", f"StockCode '{sku[:20]}…' is longer than 64 characters")
                skus[text] = sku
            text = f[i_qty]
            try:
                quantity = int(text)
            except ValueError:
                quantity = parsers.whole(text, "Quantity")
            if not -MAX_QUANTITY <= quantity <= MAX_QUANTITY:
                raise RowError("Quantity", f"Quantity '{text}' is out of range")
            text = f[i_when]
            at = times.get(text) or when(text, "InvoiceDate")
            text = f[i_price]
            unit, exact = prices.get(text) or price(text, currency, "UnitPrice")
            raw_customer = f[i_cust]
            order = orders.get(key)
            if order is None or order.head is None:
                if len(key) > 128:
                    raise RowError("InvoiceNo", "InvoiceNo is longer than 128 characters")
                customer = customer_id(raw_customer) or None
                if customer is not None and len(customer) > 128:
                    raise RowError("CustomerID", "CustomerID is longer than 128 characters")
                country = clip(f[i_country], 64)
                head = OrderHead(external_id=key, placed_at=at, kind=KINDS.get(key[0], "sale"), status="completed",
                                 currency=currency, customer_key=customer, paid_at=at, ship_country=country,
                                 customer_country=country)
                if order is None:
                    order = out.pending(key, head)
                else:
                    order.head = head
                order.mark = raw_customer
            else:
                head = order.head
                if raw_customer != order.mark and (customer_id(raw_customer) or None) != head.customer_key:
                    raise RowError("CustomerID", f"CustomerID '{raw_customer}' differs from the invoice's other "
                                   f"lines ('{head.customer_key or ''}')")
                if at < head.placed_at:
                    head.placed_at = head.paid_at = at
            text = f[i_name]
            name = names.get(text)
            if name is None:
                name = names[text] = text[:255].strip() or sku
            order.lines.append((line_no, sku, name, None, quantity, unit,
                                quantity * unit if exact is None else line_total(quantity, unit, exact, currency)))
        except RowError as exc:
            out.reject(key, line_no, exc.field, exc.message, f)
    return out.finish()

