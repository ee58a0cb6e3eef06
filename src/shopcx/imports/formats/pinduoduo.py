"""Pinduoduo (拼多多) order export: 商家后台 → 订单查询 → 批量导出, one row per order (a PDD order is one SKU).

Columns as the export names them (* = required):

| column | use |
|---|---|
| 订单号* | order id (Excel guards removed) |
| 订单成交时间* [支付时间] | placed_at, shop local time (Asia/Shanghai) |
| 商品*, 商品数量(件)* | the line's title and quantity |
| 商品总价(元)* | the line total; unit price = total / quantity |
| 商家编码-规格维度 [商家编码-商品维度, 样式ID, 商品id] | the SKU |
| 订单状态* | 待支付 → pending; 待发货 → paid; 已发货，待签收 → shipped; 已签收 → completed; 已取消 → cancelled |
| 售后状态 | 退款成功 makes the order refunded (its whole 用户实付金额, unless 退款金额 says otherwise) |
| 用户实付金额(元) | paid; discount = goods + 邮费(元) − paid (店铺优惠 and 平台优惠 both) |
| 邮费(元) | shipping |
| 发货时间, 确认收货时间 | shipment time, completed_at |
| 快递单号, 快递公司 | the shipment |
| 收货人, 手机, 省, 市 | buyer name, phone (PDD masks it: then the order is a guest order), address |
| 商家备注 [备注] | note |

PDD exports carry no buyer account: an unmasked phone is the customer identity (source 'pinduoduo').
"""

from __future__ import annotations

from . import itemized
from .base import Context, Parsed, RowError, ShopDefaults
from .itemized import Layout

NAME = "pinduoduo"
SOURCE = "pinduoduo"
DELIMITER = ","
DEFAULT_SHOP = ShopDefaults(code="pinduoduo", name="拼多多店", platform="pinduoduo", timezone="Asia/Shanghai",
                            currency="CNY")


def status_of(text: str, refunded: bool) -> str:
    """The ShopCX status for a PDD 订单状态 text (and whether its after-sale refunded it)."""
    value = text.replace(" ", "").replace(",", "，")
    if "取消" in value or "关闭" in value:
        return "refunded" if refunded else "cancelled"
    if "待支付" in value or "待付款" in value or "未支付" in value:
        return "pending"
    if refunded:
        return "refunded"
    if "已签收" in value or "已收货" in value or "交易成功" in value or "已完成" in value:
        return "completed"
    if "已发货" in value or "待签收" in value or "待收货" in value:
        return "shipped"
    if "待发货" in value or "已支付" in value or "已付款" in value:
        return "paid"
    raise RowError("订单状态", f"订单状态 '{text}' is not one of Pinduoduo's order statuses (待支付, 待发货, "
                   "已发货，待签收, 已签收, 已取消)")


LAYOUT = Layout(
    order_id=("订单号",), placed_at=("订单成交时间", "支付时间", "拼单成功时间"), title=("商品", "商品名称"),
    quantity=("商品数量(件)", "商品数量"), line_total=("商品总价(元)", "商品总价"),
    sku=("商家编码-规格维度", "商家编码-商品维度", "样式ID", "商品id"), status=("订单状态",), status_of=status_of,
    refund_status=("售后状态",), phone=("手机", "收货人手机号", "收货人电话"), name=("收货人",), province=("省",),
    city=("市",), address=("收货地址",), paid_at=("支付时间",), shipped_at=("发货时间",),
    completed_at=("确认收货时间",), paid=("用户实付金额(元)", "用户实付金额"), shipping=("邮费(元)", "邮费"),
    refunded=("退款金额(元)", "退款金额"), carrier=("快递公司",), tracking=("快递单号",), note=("商家备注", "备注"))


def parse(table, ctx: Context) -> Parsed:
    """One order per row (rows of one 订单号 are grouped all the same)."""
    return itemized.parse(table, ctx, LAYOUT)
