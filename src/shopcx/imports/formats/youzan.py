"""Youzan (有赞) order export: 订单 → 订单查询 → 导出 "商品维度" (one row per item, the order's columns repeated).

Columns as the export names them (* = required; brackets: the 订单维度 export's or older names):

| column | use |
|---|---|
| 订单号* | order id (Excel guards removed) |
| 订单创建时间* [下单时间, 买家付款时间] | placed_at, shop local time (Asia/Shanghai) |
| 商品名称*, 商品数量* | the line's title and quantity |
| 商品单价* [商品金额小计: the line total] | unit price in 元 |
| 规格编码 [商品编码] | the SKU |
| 订单状态* [订单商品状态] | 待付款 → pending; 待发货 → paid; 已发货 → shipped; 交易成功 → completed; |
| | 交易关闭 → cancelled (refunded when 商品已退款金额 > 0) |
| 买家手机号 [收货人手机号/提货人手机号] | Youzan buyers sign in by phone: the customer identity (source 'youzan') |
| 订单实付金额 | paid; without it, Σ 商品实际成交金额 + 运费 |
| 运费 [订单运费], 商品已退款金额 (per item, summed) [订单已退款金额] | shipping, refunded |
| 买家付款时间, 商品发货时间, 交易成功时间 | paid_at, shipment time, completed_at |
| 收货人/提货人, 收货人省份, 收货人城市 | buyer name, province, city |
| 商品发货物流公司, 商品发货物流单号, 买家备注 | carrier, tracking number, buyer note |
"""

from __future__ import annotations

from . import itemized
from .base import Context, Parsed, RowError, ShopDefaults
from .itemized import Layout

NAME = "youzan"
SOURCE = "youzan"
DELIMITER = ","
DEFAULT_SHOP = ShopDefaults(code="youzan", name="有赞店", platform="youzan", timezone="Asia/Shanghai",
                            currency="CNY")


def status_of(text: str, refunded: bool) -> str:
    """The ShopCX status for a Youzan 订单状态 text."""
    value = text.replace(" ", "")
    if "关闭" in value or "取消" in value:
        return "refunded" if refunded else "cancelled"
    if "待付款" in value or "待支付" in value or "待成团" in value:
        return "pending"
    if "交易成功" in value or "已完成" in value or "已签收" in value:
        return "completed"
    if "已发货" in value or "待收货" in value:
        return "shipped"
    if "待发货" in value or "已付款" in value or "待接单" in value:
        return "paid"
    raise RowError("订单状态", f"订单状态 '{text}' is not one of Youzan's order statuses (待付款, 待发货, 已发货, "
                   "交易成功, 交易关闭)")


LAYOUT = Layout(
    order_id=("订单号",), placed_at=("订单创建时间", "下单时间", "买家付款时间"), title=("商品名称",),
    quantity=("商品数量",), unit_price=("商品单价",), line_total=("商品金额小计",), line_paid=("商品实际成交金额",),
    line_refunded=("商品已退款金额",), sku=("规格编码", "商品编码"), status=("订单状态", "订单商品状态"),
    status_of=status_of, buyer=(), phone=("买家手机号", "收货人手机号/提货人手机号", "收货人手机号"),
    name=("收货人/提货人", "收货人"), province=("收货人省份",), city=("收货人城市",),
    paid_at=("买家付款时间",), shipped_at=("商品发货时间",), completed_at=("交易成功时间",), paid=("订单实付金额",),
    shipping=("运费", "订单运费"), refunded=("订单已退款金额",), carrier=("商品发货物流公司", "物流公司"),
    tracking=("商品发货物流单号", "物流单号"), note=("买家备注",))


def parse(table, ctx: Context) -> Parsed:
    """Group the item rows by 订单号."""
    return itemized.parse(table, ctx, LAYOUT)
