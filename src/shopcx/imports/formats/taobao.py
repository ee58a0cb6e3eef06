"""Taobao/Tmall order export: the 订单报表 joined with the 宝贝报表, one row per item (宝贝).

This is the layout ERP tools export (the order's columns repeated on each of its item rows), and what the two
CSVs of 千牛 → 交易 → 订单导出 become when imported together (uploaded at once, zipped, or both paths given to
`shopcx import orders`): `taobao_reports` joins them on 订单编号. The 订单报表 alone imports orders without
lines. Usually GB18030. Header names may carry spaces around them.

| column | use |
|---|---|
| 订单编号* | order id; Excel guards such as `="2024…"` or a leading `'` are removed |
| 买家会员名* | the buyer's Taobao nickname: the customer identity (source 'taobao', shared by all Taobao shops) |
| 订单状态* | mapped by `status_of` (等待买家付款 → pending … 交易成功 → completed) |
| 订单创建时间* | placed_at, shop local time (Asia/Shanghai) |
| 宝贝标题*, 价格*, 购买数量* | the item line: title, unit price in 元, quantity |
| 商家编码 | the seller's SKU (products match on it); empty leaves the line without a product |
| 宝贝种类 | the order report's count of item kinds; informational, not used |
| 订单付款时间, 确认收货时间, 发货时间 | paid_at, completed_at, shipment time |
| 买家实际支付金额, 买家应付邮费, 退款金额 | paid, shipping, refunded (元); discount = goods + shipping − paid |
| 收货人姓名, 联系手机, 收货地址 | buyer name, phone (masked 138****8000 ignored), address 'province city district …' |
| 物流公司, 物流单号, 买家留言 | carrier, tracking number, buyer note |
"""

from __future__ import annotations

from ...orders.rules import PAID_STATUSES
from ..errors import ImportFileError
from . import fields
from . import taobao_reports as reports
from .base import Collector, Context, Line, OrderHead, Parsed, RowError, ShopDefaults, TextCache, clip, line_total

NAME = "taobao"
SOURCE = "taobao"
DELIMITER = ","
DEFAULT_SHOP = ShopDefaults(code="taobao", name="淘宝店", platform="taobao", timezone="Asia/Shanghai",
                            currency="CNY")
REQUIRED = ("订单编号", "买家会员名", "订单状态", "订单创建时间", "宝贝标题", "价格", "购买数量")
OPTIONAL = ("商家编码", "宝贝种类", "订单付款时间", "确认收货时间", "发货时间", "买家实际支付金额", "买家应付邮费",
            "退款金额", "收货人姓名", "联系手机", "收货地址", "物流公司", "物流单号", "买家留言")


def status_of(text: str, paid: int | None, refunded: int) -> str:
    """The ShopCX status for a Taobao 订单状态 text."""
    # 等待买家付款 → pending; 买家已付款，等待卖家发货 → paid; 卖家已发货，等待买家确认 (or 部分发货) → shipped;
    # 交易成功 → completed; 交易关闭 → cancelled, or refunded when a paid trade closed with a refund (a paid
    # Taobao trade only closes through refunds; what was not refunded, such as postage, stays paid).
    value = text.replace(" ", "").replace(",", "，")
    if "等待买家付款" in value:
        return "pending"
    if "交易成功" in value:
        return "completed"
    if "关闭" in value:
        return "refunded" if paid and refunded > 0 else "cancelled"
    if "已发货" in value or "等待买家确认" in value or "部分发货" in value:
        return "shipped"
    if "已付款" in value or "等待卖家发货" in value:
        return "paid"
    raise RowError("订单状态", f"订单状态 '{text}' is not a Taobao order status (等待买家付款, "
                   "买家已付款，等待卖家发货, 卖家已发货，等待买家确认, 交易成功, 交易关闭)")


# The order-level columns, in the order `_head` unpacks them.
HEAD_FIELDS = ("买家会员名", "买家实际支付金额", "退款金额", "订单状态", "订单创建时间", "收货地址", "收货人姓名",
               "联系手机", "买家留言", "订单付款时间", "确认收货时间", "买家应付邮费", "物流公司", "物流单号",
               "发货时间")


def _head(values: list[str], key: str, ctx: Context) -> OrderHead:
    (buyer, paid_text, refunded_text, status_text, created, address, receiver, mobile, note, paid_time,
     received_time, postage, carrier, tracking, shipped_time) = values
    p, currency = ctx.parsers, ctx.currency
    buyer = buyer.strip()
    if not buyer:
        raise RowError("买家会员名", "买家会员名 is missing")
    if len(buyer) > 128:
        raise RowError("买家会员名", "买家会员名 is longer than 128 characters")
    paid = p.amount(paid_text, currency, "买家实际支付金额", default=None)
    refunded = p.amount(refunded_text, currency, "退款金额")
    status = status_of(status_text, paid, refunded)
    province, city = fields.address_parts(address)
    name = clip(receiver, 120)
    return OrderHead(
        external_id=key, placed_at=p.when(created, "订单创建时间"), status=status, currency=currency,
        customer_key=buyer, customer_name=name, customer_phone=fields.phone(mobile, "联系手机"),
        customer_country="中国", customer_province=province, customer_city=city, buyer_name=name,
        ship_country="中国", ship_province=province, ship_city=city, buyer_note=note.strip() or None,
        paid_at=p.maybe_when(paid_time, "订单付款时间"), completed_at=p.maybe_when(received_time, "确认收货时间"),
        shipping_amount=p.amount(postage, currency, "买家应付邮费"), paid_amount=paid, refunded_amount=refunded,
        carrier=clip(carrier, 60), tracking_no=clip(fields.excel_text(tracking), 80) if tracking else None,
        shipped_at=p.maybe_when(shipped_time, "发货时间"))


def _sku(raw: str) -> str | None:
    sku = fields.excel_text(raw) if raw else ""
    if len(sku) > 64:
        raise RowError("商家编码", f"商家编码 '{sku[:20]}…' is longer than 64 characters")
    return sku or None


def _title(raw: str) -> str:
    title = clip(raw, 255)
    if title is None:
        raise RowError("宝贝标题", "宝贝标题 is missing")
    return title


def check(head: OrderHead, lines: list[Line]) -> str | None:
    """Settle what needs all lines: the discount is what the buyer did not pay of goods + shipping."""
    if head.status in PAID_STATUSES and head.paid_amount is not None:
        goods = sum(line[6] for line in lines)
        head.discount_amount = max(goods + head.shipping_amount - head.paid_amount, 0)
        if head.paid_at is None:
            head.paid_at = head.placed_at
    elif head.status in ("pending", "cancelled"):
        head.paid_at = None
    return None


def parse(table, ctx: Context) -> Parsed:
    """One file: the combined layout, or an order-level report (orders without lines)."""
    kind = reports.kind_of(reports.header_of(table))
    if kind == "items":
        raise ImportFileError("items_report_alone", f"file: {table.path.name} is a 宝贝报表 (items only); import it "
                              "together with its 订单报表 (both files at once, or one zip of both)", field="file")
    return parse_items(table, ctx) if kind == "combined" else reports.parse_order_report(table, ctx)


def parse_many(tables, ctx: Context) -> Parsed:
    """The 订单报表 and the 宝贝报表 of one 千牛 export, joined on 订单编号."""
    kinds = [(table, reports.kind_of(reports.header_of(table))) for table in tables]
    orders = [table for table, kind in kinds if kind == "orders"]
    items = [table for table, kind in kinds if kind == "items"]
    if len(tables) != 2 or len(orders) != 1 or len(items) != 1:
        found = ", ".join(f"{table.path.name} ({REPORT_NAMES[kind]})" for table, kind in kinds)
        raise ImportFileError("taobao_pair", f"file: a 千牛 export is one 订单报表 and one 宝贝报表; found {found}",
                              field="file")
    joined = reports.JoinedTable(orders[0], items[0])
    parsed = parse_items(joined, ctx)
    parsed.rejects = sorted(parsed.rejects + reports.joined_rejects(joined), key=lambda reject: reject[0])
    parsed.total_rows += len(joined.unmatched)
    return parsed


REPORT_NAMES = {"orders": "订单报表", "items": "宝贝报表", "combined": "订单与宝贝合并表"}


def parse_items(table, ctx: Context) -> Parsed:
    """Group the item rows by 订单编号."""
    out = Collector(table)
    c = out.with_blanks(out.header(REQUIRED, OPTIONAL), OPTIONAL)
    head_at = [c[name] for name in HEAD_FIELDS]
    i_key, i_buyer, i_sku, i_title, i_qty, i_price = (c[name] for name in ("订单编号", "买家会员名", "商家编码",
                                                                          "宝贝标题", "购买数量", "价格"))
    p, currency, orders, width = ctx.parsers, ctx.currency, out.orders, out.width
    prices = p.price_cache(currency)
    keys = TextCache(lambda raw: fields.order_id(raw, "订单编号"))
    skus, titles = TextCache(_sku), TextCache(_title)
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
            elif f[i_buyer].strip() != order.head.customer_key:
                raise RowError("买家会员名", f"买家会员名 '{f[i_buyer]}' differs from the order's other rows "
                               f"('{order.head.customer_key}')")
            sku, name = skus[f[i_sku]], titles[f[i_title]]
            text = f[i_qty]
            try:
                quantity = int(text)
            except ValueError:
                quantity = p.whole(text, "购买数量")
            text = f[i_price]
            unit, exact = prices.get(text) or p.price(text, currency, "价格")
            order.lines.append((line_no, sku, name, None, quantity, unit,
                                quantity * unit if exact is None else line_total(quantity, unit, exact, currency)))
        except RowError as exc:
            out.reject(key, line_no, exc.field, exc.message, f[:width])
    return out.finish(check)
