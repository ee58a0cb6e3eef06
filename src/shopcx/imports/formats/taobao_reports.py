"""The two files of a 千牛 order export, and the order-level report on its own.

千牛 → 交易 → 订单导出 gives two CSVs: the 订单报表 (ExportOrderList…, one row per order: 订单编号, 买家会员名,
买家实际支付金额, 订单状态, 订单创建时间, 宝贝标题 as one text for all items, 物流单号 …) and the 宝贝报表
(ExportOrderDetailList…, one row per item: 订单编号, 标题, 价格, 购买数量, 商家编码 …). `JoinedTable` joins them
on 订单编号 into the combined layout `taobao.parse` reads (the item's 标题 becomes the line's 宝贝标题), one row per
item, numbered by the 宝贝报表's lines (reject line numbers are the 宝贝报表's). An order with no item row is rejected
at its 订单报表 line, saying so; an item whose order is not in the 订单报表 is rejected at its 宝贝报表 line as an
order none of whose rows carries the order's own fields.

The 订单报表 alone (or any order-level report: 订单编号, 总金额, 买家实际支付金额, 收货地址, 订单创建时间,
订单付款时间, 退款金额 …) imports orders without lines, marked `lines_missing`: revenue counts them, product
figures cannot. Without 订单状态 the status follows the times and amounts: no 订单付款时间 → pending; refunded
all that was paid → refunded; 确认收货时间 → completed; a 物流单号 or 发货时间 → shipped; else paid.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...orders.rules import PAID_STATUSES
from ..errors import ImportFileError
from . import fields, taobao
from .base import Collector, Context, OrderHead, Parsed, Pending, RowError, clip
from .source import Row, Table, raw_of

KEY = "订单编号"
ITEM_TITLE = "标题"
ITEM_COLUMNS = ("价格", "购买数量")
ITEM_SKU = ("商家编码", "外部系统编号")
ORDER_MARKS = ("订单创建时间", "买家实际支付金额", "总金额")


def _key(name: str) -> str:
    return name.replace("\u3000", " ").strip().strip("\ufeff").strip('"').strip().lower()


def header_of(table: Table) -> list[str]:
    """The file's header row (names as written), read without consuming the table."""
    rows = table.rows()
    try:
        first = next(rows, None)
    finally:
        rows.close()
    if first is None:
        raise ImportFileError("empty_file", f"file: {table.path.name} has no header row and no data", field="file")
    return first[1]


def kind_of(header: list[str]) -> str:
    """'combined' (one row per item with the order's columns), 'orders' (订单报表) or 'items' (宝贝报表)."""
    names = {_key(name) for name in header}
    if KEY not in names:
        raise ImportFileError("missing_columns", "line 1: the header lacks the column 订单编号", field="header")
    has_items = all(name in names for name in ITEM_COLUMNS)
    if has_items and "宝贝标题" in names and "买家会员名" in names:
        return "combined"
    if has_items and ITEM_TITLE in names:
        return "items"
    if any(name in names for name in ORDER_MARKS):
        return "orders"
    raise ImportFileError("missing_columns", "line 1: the header is neither a 订单报表 (订单创建时间, "
                          "买家实际支付金额 …) nor a 宝贝报表 (标题, 价格, 购买数量 …)", field="header")


class JoinedTable:
    """The 订单报表 and the 宝贝报表 read as one table in the combined layout (see the module docstring)."""

    def __init__(self, orders: Table, items: Table):
        self.orders, self.items = orders, items
        self.path = items.path
        self.delimiter = items.delimiter
        self.encoding: str | None = None
        self.unmatched: list[tuple[int, str, str]] = []  # (订单报表 line, 订单编号, raw) of orders without items

    def rows(self) -> Iterator[Row]:
        by_key: dict[str, tuple[int, list[str], str | None]] = {}
        order_rows = self.orders.rows()
        _, order_header, _ = next(order_rows)
        order_width = len(order_header)
        order_key = [_key(name) for name in order_header].index(KEY)
        for line_no, values, problem in order_rows:
            key = fields.excel_text(values[order_key]) if order_key < len(values) else ""
            if key and key not in by_key:
                by_key[key] = (line_no, (values + [""] * order_width)[:order_width], problem)
        item_rows = self.items.rows()
        _, item_header, _ = next(item_rows)
        item_names = [_key(name) for name in item_header]
        pick = [item_names.index(name) for name in (ITEM_TITLE, *ITEM_COLUMNS)]
        sku_at = next((item_names.index(name) for name in ITEM_SKU if name in item_names), None)
        item_key = item_names.index(KEY)
        # The order's own columns keep their names, except those the item columns replace.
        replaced = {"宝贝标题", *ITEM_COLUMNS, "商家编码"}
        header = [f"订单报表 {name}" if _key(name) in replaced else name for name in order_header]
        yield 1, [*header, "宝贝标题", *ITEM_COLUMNS, "商家编码"], None
        blank = [""] * order_width
        used: set[str] = set()
        self.encoding = self.items.encoding
        for line_no, values, problem in item_rows:
            values = values + [""] * (len(item_names) - len(values))
            item = [values[i] for i in pick] + [values[sku_at] if sku_at is not None else ""]
            key = fields.excel_text(values[item_key])
            found = by_key.get(key)
            if found is None:
                order = list(blank)
                order[order_key] = values[item_key]
                # Its order's own fields are in no row: the 订单报表 lacks the order.
                problem = problem or ("no row of this order carries the order's own fields" if key else None)
            else:
                used.add(key)
                order = list(found[1])
                problem = problem or (f"its order's row (订单报表 line {found[0]}) {found[2]}" if found[2] else None)
            yield line_no, order + item, problem
        self.unmatched = [(line_no, key, raw_of(values, self.orders.delimiter))
                          for key, (line_no, values, _) in by_key.items() if key not in used]

    def raw_lines(self, wanted: set[int]) -> dict[int, str]:
        """The 宝贝报表 rows on these lines (reject line numbers are the item report's)."""
        return self.items.raw_lines(wanted)


def joined_rejects(table: JoinedTable) -> list[tuple[int, str | None, str, str | None]]:
    """A reject for each 订单报表 order the 宝贝报表 has no item of."""
    name = table.orders.path.name
    return [(line_no, "订单编号", f"line {line_no}: order {key} not imported: the 宝贝报表 ({table.items.path.name}) "
             f"has no item of it (line {line_no} of the 订单报表 {name})"[:255], raw)
            for line_no, key, raw in table.unmatched]


# The order-level report's columns; 订单编号 and 订单创建时间 are required, and one of the two amounts.
ORDER_REQUIRED = ("订单编号", "订单创建时间")
ORDER_OPTIONAL = ("买家会员名", "订单状态", "总金额", "买家实际支付金额", "买家应付货款", "买家应付邮费", "退款金额",
                  "订单付款时间", "确认收货时间", "发货时间", "收货人姓名", "联系手机", "收货地址", "物流公司",
                  "物流单号", "买家留言")


def _status(text: str, paid: int, refunded: int, paid_time: str, received: str, shipped: bool) -> str:
    if text.strip():
        return taobao.status_of(text, paid, refunded)
    if not paid_time.strip():
        return "pending"
    if paid and refunded >= paid:
        return "refunded"
    if received.strip():
        return "completed"
    return "shipped" if shipped else "paid"


def _order_head(f: list[str], c: dict[str, int], key: str, ctx: Context) -> OrderHead:
    p, currency = ctx.parsers, ctx.currency

    def get(name: str) -> str:
        return f[c[name]]

    total = p.amount(get("总金额"), currency, "总金额", default=None)
    paid = p.amount(get("买家实际支付金额"), currency, "买家实际支付金额", default=None)
    if paid is None and total is None:
        raise RowError("买家实际支付金额", "买家实际支付金额 and 总金额 are both missing")
    paid = total if paid is None else paid
    shipping = p.amount(get("买家应付邮费"), currency, "买家应付邮费")
    goods = p.amount(get("买家应付货款"), currency, "买家应付货款", default=None)
    if goods is None:
        goods = max((total if total is not None else paid) - shipping, 0)
    refunded = p.amount(get("退款金额"), currency, "退款金额")
    tracking = clip(fields.excel_text(get("物流单号")), 80) if get("物流单号") else None
    shipped_at = p.maybe_when(get("发货时间"), "发货时间")
    status = _status(get("订单状态"), paid, refunded, get("订单付款时间"), get("确认收货时间"),
                     bool(tracking or shipped_at))
    buyer = get("买家会员名").strip() or None
    if buyer is not None and len(buyer) > 128:
        raise RowError("买家会员名", "买家会员名 is longer than 128 characters")
    placed = p.when(get("订单创建时间"), "订单创建时间")
    paid_at = p.maybe_when(get("订单付款时间"), "订单付款时间")
    if status in PAID_STATUSES:
        paid_at = paid_at or placed
    else:
        paid_at = None
    province, city = fields.address_parts(get("收货地址"))
    name = clip(get("收货人姓名"), 120)
    return OrderHead(
        external_id=key, placed_at=placed, status=status, currency=currency, lines_missing=True, goods_amount=goods,
        customer_key=buyer, customer_name=name, customer_phone=fields.phone(get("联系手机"), "联系手机"),
        customer_country="中国", customer_province=province, customer_city=city, buyer_name=name,
        ship_country="中国", ship_province=province, ship_city=city,
        buyer_note=get("买家留言").strip() or None, paid_at=paid_at,
        completed_at=p.maybe_when(get("确认收货时间"), "确认收货时间"), shipping_amount=shipping,
        discount_amount=max(goods + shipping - paid, 0) if status in PAID_STATUSES else 0,
        paid_amount=paid if status in PAID_STATUSES or status == "refunded" else 0, refunded_amount=refunded,
        carrier=clip(get("物流公司"), 60), tracking_no=tracking, shipped_at=shipped_at)


def parse_order_report(table: Table, ctx: Context) -> Parsed:
    """One order per row, no lines (see the module docstring)."""
    out = Collector(table)
    c = out.with_blanks(out.header(ORDER_REQUIRED, ORDER_OPTIONAL), ORDER_OPTIONAL)
    i_key, width = c[KEY], out.width
    for line_no, f, problem in out.fitted_rows():
        key = None
        try:
            key = fields.order_id(f[i_key], KEY)
            if problem:
                raise RowError(None, problem)
            if key in out.orders:
                # A repeated row: the first one stands, this one is reported alone.
                out.reject(None, line_no, KEY, f"订单编号 {key} already appeared on line "
                           f"{out.orders[key].line_no}", f[:width])
                continue
            out.orders[key] = Pending(_order_head(f, c, key, ctx), key, line_no=line_no)
        except RowError as exc:
            if key is not None and key in out.orders:
                key = None
            out.reject(key, line_no, exc.field, exc.message, f[:width])
            if key is not None:
                out.orders[key].line_no = line_no
    return out.finish()

