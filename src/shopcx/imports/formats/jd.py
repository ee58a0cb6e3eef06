"""JD (京东) order export: 京东商家后台 → 订单管理 → 订单导出, one row per SKU (商品) with the order's columns repeated.

Columns as the export names them (* = required; names in brackets are other versions' names for the same):

| column | use |
|---|---|
| 订单号* | order id (Excel guards removed) |
| 下单时间* | placed_at, shop local time (Asia/Shanghai) |
| 商品名称*, 订购数量*, 京东价* | the line: title, quantity, unit price in 元 |
| 商家SKUID [货号, 商品ID] | the SKU (products match on it) |
| 订单状态* | see `status_of`: 等待付款 → pending … 完成 → completed |
| 下单帐号 | the buyer's JD account: the customer identity (source 'jd'); else 联系电话 when not masked; else a guest |
| 应付金额 [结算金额] | what the buyer paid (order level); discount = goods + 运费金额 − paid |
| 运费金额 [运费], 退款金额 | shipping, refunded |
| 付款确认时间 [付款时间], 出库时间, 订单完成时间 | paid_at, shipped, completed_at |
| 客户姓名, 客户地址, 联系电话 | buyer name, address 'province city …', phone (masked 138****8000 ignored) |
| 订单备注 | buyer note |
"""

from __future__ import annotations

from . import itemized
from .base import Context, Parsed, RowError, ShopDefaults
from .itemized import Layout

NAME = "jd"
SOURCE = "jd"
DELIMITER = ","
DEFAULT_SHOP = ShopDefaults(code="jd", name="京东店", platform="jd", timezone="Asia/Shanghai", currency="CNY")


def status_of(text: str, refunded: bool) -> str:
    """The ShopCX status for a JD 订单状态 text."""
    # 等待付款 (付款确认) → pending; 等待出库/等待发货 → paid; 等待确认收货/已发货 → shipped; 完成 → completed;
    # 已取消, (删除)…, 锁定 → cancelled, or refunded when the export reports a refund.
    value = text.replace(" ", "")
    if "取消" in value or "删除" in value or "锁定" in value:
        return "refunded" if refunded else "cancelled"
    if "完成" in value:
        return "completed"
    if "确认收货" in value or "已发货" in value or "配送" in value:
        return "shipped"
    if "付款确认" in value or "等待付款" in value or "延迟付款" in value:
        return "pending"
    if "出库" in value or "发货" in value or "打包" in value or "暂停" in value or "已付款" in value:
        return "paid"
    raise RowError("订单状态", f"订单状态 '{text}' is not one of JD's order statuses (等待付款, 等待出库, "
                   "等待确认收货, 完成, 已取消)")


LAYOUT = Layout(
    order_id=("订单号", "订单编号"), placed_at=("下单时间",), title=("商品名称",), quantity=("订购数量", "商品数量"),
    unit_price=("京东价", "商品单价", "单价"), sku=("商家SKUID", "货号", "商品ID", "商品编号"), status=("订单状态",),
    status_of=status_of, buyer=("下单帐号", "下单账号"), phone=("联系电话", "收货人电话"), name=("客户姓名", "收货人"),
    address=("客户地址", "收货地址"), paid_at=("付款确认时间", "付款时间"), shipped_at=("出库时间",),
    completed_at=("订单完成时间", "完成时间"), paid=("应付金额", "结算金额"), shipping=("运费金额", "运费"),
    refunded=("退款金额",), note=("订单备注", "买家备注"), carrier=("快递公司", "承运商"),
    tracking=("运单号", "快递单号"))


def parse(table, ctx: Context) -> Parsed:
    """Group the SKU rows by 订单号."""
    return itemized.parse(table, ctx, LAYOUT)
