"""Order exports with one row per item and the order's columns repeated on each (JD, Pinduoduo, Youzan).

A platform's format is a `Layout`: which of its columns hold the order id, times, buyer, money and the item, each
as a tuple of the names the platform has used for it (the first one present is read), plus a function mapping
its status text to a ShopCX status. Money is in 元 unless the layout's shop says otherwise. Order-level fields
are read from the order's first row. A buyer is the platform account when the export has one, else the phone
(when not masked), else a guest. Line refunds, where the export states them per item, add up to the order's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ...orders.rules import PAID_STATUSES
from ..errors import ImportFileError
from . import fields
from .base import Collector, Context, Line, OrderHead, Parsed, RowError, TextCache, clip, line_total

Names = tuple[str, ...]


@dataclass(frozen=True)
class Layout:
    """The columns of one platform's export (see the module docstring)."""

    order_id: Names
    placed_at: Names
    title: Names
    quantity: Names
    status_of: Callable[[str, bool], str]  # (status text, a refund was reported) -> ShopCX status
    unit_price: Names = ()  # one of unit_price and line_total is needed
    line_total: Names = ()  # what the item cost in all (before order discounts); unit = total / quantity
    line_paid: Names = ()  # what the buyer paid for the item; summed when the order has no paid column
    line_refunded: Names = ()
    sku: Names = ()
    status: Names = ()
    buyer: Names = ()  # the platform account id: the customer identity
    phone: Names = ()
    name: Names = ()
    address: Names = ()  # 'province city district …' in one column
    province: Names = ()
    city: Names = ()
    paid_at: Names = ()
    shipped_at: Names = ()
    completed_at: Names = ()
    paid: Names = ()  # the order's paid amount
    shipping: Names = ()
    refunded: Names = ()  # the order's refunded amount
    refund_status: Names = ()  # an after-sale status column; refund_done says which texts mean refunded
    refund_done: tuple[str, ...] = ("退款成功",)
    carrier: Names = ()
    tracking: Names = ()
    note: Names = ()
    extra: dict[str, Names] = field(default_factory=dict)


_HEAD = ("status", "buyer", "phone", "name", "address", "province", "city", "paid_at", "shipped_at", "completed_at",
         "paid", "shipping", "refunded", "refund_status", "carrier", "tracking", "note", "placed_at")
_LINE = ("title", "quantity", "unit_price", "line_total", "line_paid", "line_refunded", "sku")


def _columns(out: Collector, layout: Layout) -> tuple[dict[str, int], dict[str, str]]:
    """role -> column index (the blank cell when absent) and role -> the column name found."""
    first = out.first_row()
    if first is None:
        raise ImportFileError("empty_file", "file: there is no header row and no data", field="file")
    line_no, header, problem = first
    if problem:
        raise ImportFileError("bad_header", f"line {line_no}: the header {problem}", field="header")
    out.width = len(header)
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        found.setdefault(_key(name), index)
    index: dict[str, int] = {}
    named: dict[str, str] = {}
    for role in ("order_id", *_HEAD, *_LINE):
        for name in getattr(layout, role):
            if _key(name) in found:
                index[role], named[role] = found[_key(name)], name
                break
        else:
            index[role] = out.width
    missing = [getattr(layout, role)[0] for role in ("order_id", "placed_at", "title", "quantity")
               if index[role] == out.width]
    if layout.unit_price or layout.line_total:
        if index["unit_price"] == out.width and index["line_total"] == out.width:
            missing.append((layout.unit_price or layout.line_total)[0])
    if missing:
        raise ImportFileError("missing_columns", f"line {line_no}: the header lacks the column(s) "
                              f"{', '.join(missing)}", field="header")
    return index, named


def _key(name: str) -> str:
    return name.replace("\u3000", " ").strip().strip("\ufeff").strip('"').strip().lower()


class _Order:
    __slots__ = ("line_paid", "line_refunded", "paid_column")

    def __init__(self):
        self.line_paid = 0
        self.line_refunded = 0
        self.paid_column = False


def parse(table, ctx: Context, layout: Layout) -> Parsed:
    """Group the item rows by order id (see the module docstring)."""
    out = Collector(table)
    c, named = _columns(out, layout)
    p, currency, width = ctx.parsers, ctx.currency, out.width

    def name_of(role: str) -> str:
        return named.get(role) or (getattr(layout, role) or (role,))[0]

    keys = TextCache(lambda raw: fields.order_id(raw, name_of("order_id")))
    extra: dict[str, _Order] = {}

    def head(f: list[str], key: str) -> OrderHead:
        get = lambda role: f[c[role]]  # noqa: E731
        refund_done = any(word in get("refund_status") for word in layout.refund_done) \
            if get("refund_status").strip() else False
        refunded = p.amount(get("refunded"), currency, name_of("refunded"))
        status = layout.status_of(get("status"), refund_done or refunded > 0) if get("status").strip() else None
        if status is None:
            raise RowError(name_of("status"), f"{name_of('status')} is missing")
        placed = p.when(get("placed_at"), name_of("placed_at"))
        paid_at = p.maybe_when(get("paid_at"), name_of("paid_at"))
        if status in PAID_STATUSES:
            paid_at = paid_at or placed
        phone = fields.phone(get("phone"), name_of("phone"))
        buyer = get("buyer").strip() or phone
        if buyer is not None and len(buyer) > 128:
            raise RowError(name_of("buyer"), f"{name_of('buyer')} is longer than 128 characters")
        if get("address").strip():
            province, city = fields.address_parts(get("address"))
        else:
            province, city = clip(get("province"), 64), clip(get("city"), 64)
        name = clip(get("name"), 120)
        tracking = get("tracking")
        paid = p.amount(get("paid"), currency, name_of("paid"), default=None)
        state = extra[key] = _Order()
        state.paid_column = paid is not None
        return OrderHead(
            external_id=key, placed_at=placed, status=status, currency=currency, customer_key=buyer,
            customer_name=name, customer_phone=phone, customer_country="中国", customer_province=province,
            customer_city=city, buyer_name=name, ship_country="中国", ship_province=province, ship_city=city,
            buyer_note=get("note").strip() or None, paid_at=paid_at,
            completed_at=p.maybe_when(get("completed_at"), name_of("completed_at")),
            shipping_amount=p.amount(get("shipping"), currency, name_of("shipping")), paid_amount=paid,
            refunded_amount=refunded, carrier=clip(get("carrier"), 60),
            tracking_no=clip(fields.excel_text(tracking), 80) if tracking.strip() else None,
            shipped_at=p.maybe_when(get("shipped_at"), name_of("shipped_at")))

    for line_no, f, problem in out.fitted_rows():
        key = None
        try:
            key = keys[f[c["order_id"]]]
            if problem:
                raise RowError(None, problem)
            order = out.orders.get(key)
            if order is None or order.head is None:
                order = out.pending(key)
                order.head = head(f, key)
            title = clip(f[c["title"]], 255)
            if title is None:
                raise RowError(name_of("title"), f"{name_of('title')} is missing")
            sku = fields.excel_text(f[c["sku"]]) or None
            if sku is not None and len(sku) > 64:
                raise RowError(name_of("sku"), f"{name_of('sku')} '{sku[:20]}…' is longer than 64 characters")
            quantity = p.whole(f[c["quantity"]], name_of("quantity"))
            if f[c["unit_price"]].strip() or not f[c["line_total"]].strip():
                unit, exact = p.price(f[c["unit_price"]], currency, name_of("unit_price"))
                total = line_total(quantity, unit, exact, currency)
            else:
                total = p.amount(f[c["line_total"]], currency, name_of("line_total"))
                if quantity == 0:
                    raise RowError(name_of("quantity"), f"{name_of('quantity')} is 0 on a line that cost {total}")
                unit = total // quantity if total % quantity == 0 else round(total / quantity)
            state = extra[key]
            state.line_paid += p.amount(f[c["line_paid"]], currency, name_of("line_paid")) or 0
            state.line_refunded += p.amount(f[c["line_refunded"]], currency, name_of("line_refunded")) or 0
            order.lines.append((line_no, sku, title, None, quantity, unit, total))
        except RowError as exc:
            out.reject(key, line_no, exc.field, exc.message, f[:width])

    def check(order_head: OrderHead, lines: list[Line]) -> str | None:
        state = extra.get(order_head.external_id)
        if state is not None:
            if not state.paid_column and c["line_paid"] != width:
                order_head.paid_amount = state.line_paid + order_head.shipping_amount
            if state.line_refunded and not order_head.refunded_amount:
                order_head.refunded_amount = state.line_refunded
        goods = sum(line[6] for line in lines)
        if order_head.status == "cancelled" and order_head.refunded_amount > 0:
            # Closed after payment with items refunded (the refunds were stated per item).
            order_head.status = "refunded"
            order_head.paid_at = order_head.paid_at or order_head.placed_at
        if order_head.status not in PAID_STATUSES:
            order_head.paid_at, order_head.paid_amount, order_head.refunded_amount = None, 0, 0
        elif order_head.paid_amount is not None:
            order_head.discount_amount = max(goods + order_head.shipping_amount - order_head.paid_amount, 0)
        if order_head.status == "refunded" and not order_head.refunded_amount:
            # An after-sale marked done without an amount: the whole payment went back.
            order_head.refunded_amount = order_head.paid_amount if order_head.paid_amount is not None else \
                goods + order_head.shipping_amount
        return None

    return out.finish(check)
