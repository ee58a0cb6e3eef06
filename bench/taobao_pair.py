"""A generated 千牛 export pair for `import_bench.py --taobao N`: N orders in a 订单报表 and their items in a 宝贝报表.

Shaped like the real files (GB18030, header names with trailing spaces, `="…"` Excel guards on ids and tracking
numbers, `'` before phones, 1–3 items per order, a few refunds and unpaid orders), packed into one zip as the
import page and the CLI pack two files. Deterministic for a given N and seed.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta
from pathlib import Path

from shopcx.imports.formats import bundle

ORDER_HEADER = ("订单编号 ", "买家会员名 ", "买家支付宝账号", "买家应付货款", "买家应付邮费", "总金额",
                "买家实际支付金额", "订单状态 ", "买家留言", "收货人姓名", "收货地址 ", "联系手机 ", "订单创建时间 ",
                "订单付款时间 ",
                "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "宝贝总数量", "退款金额", "确认收货时间")
ITEM_HEADER = ("订单编号 ", "标题 ", "价格 ", "购买数量 ", "外部系统编号", "商品属性", "套餐信息", "备注", "订单状态",
               "商家编码 ")
PRODUCTS = [(f"SKU-{n:04d}", f"商品{n:04d} 保温杯 {n % 7 + 3}00ml", (n % 40 + 5) * 100 - 10) for n in range(600)]
PLACES = ("浙江省 杭州市 西湖区", "广东省 深圳市 南山区", "北京 北京市 朝阳区", "四川省 成都市 武侯区",
          "江苏省 南京市 鼓楼区")
CARRIERS = ("中通快递", "圆通速递", "顺丰速运", "韵达快递")


def generate(orders: int, folder: Path, seed: int = 11) -> Path:
    """Write the pair for `orders` orders into folder and return the zip of both."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, 8, 0, 0)
    order_text, item_text = io.StringIO(), io.StringIO()
    order_csv, item_csv = csv.writer(order_text, lineterminator="\r\n"), csv.writer(item_text, lineterminator="\r\n")
    order_csv.writerow(ORDER_HEADER)
    item_csv.writerow(ITEM_HEADER)
    buyers = max(orders // 3, 1)
    for n in range(orders):
        key = f"{4000000000000000 + n * 7}"
        buyer = rng.randrange(buyers)
        placed = start + timedelta(seconds=n * 150 + rng.randrange(100))
        items = [PRODUCTS[rng.randrange(len(PRODUCTS))] for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))]
        quantities = [rng.choice((1, 1, 2, 3)) for _ in items]
        goods = sum(price * quantity for (_, _, price), quantity in zip(items, quantities, strict=True))
        postage = rng.choice((0, 0, 0, 800, 1000))
        roll = rng.random()
        if roll < 0.03:
            status, paid, refund, paid_at, received = "等待买家付款", 0, 0, "", ""
        elif roll < 0.06:
            status, paid, refund = "交易关闭", goods + postage, goods
            paid_at, received = _text(placed + timedelta(minutes=1)), ""
        else:
            status, paid, refund = "交易成功", max(goods + postage - rng.choice((0, 0, 500, 1000)), 1), 0
            paid_at, received = _text(placed + timedelta(minutes=1)), _text(placed + timedelta(days=4))
        tracking = f'="YT{7000000000000 + n}"' if status == "交易成功" else ""
        order_csv.writerow((
            f'="{key}"', f"tb_buyer_{buyer:06d}", f"b{buyer}***@163.com", _yuan(goods), _yuan(postage),
            _yuan(goods + postage), _yuan(paid), status, "", f"收货人{buyer % 997}",
            f"{PLACES[buyer % len(PLACES)]} 某某路 {buyer % 300}号", f"'1{37 + buyer % 50}{buyer:08d}",
            _text(placed), paid_at, "，".join(title for _, title, _ in items), len(items), tracking,
            CARRIERS[n % len(CARRIERS)] if tracking else "", sum(quantities), _yuan(refund), received))
        for (sku, title, price), quantity in zip(items, quantities, strict=True):
            item_csv.writerow((f'="{key}"', title, _yuan(price), quantity, "", "颜色分类：默认", "", "", status, sku))
    orders_path, items_path = folder / "ExportOrderList.csv", folder / "ExportOrderDetailList.csv"
    orders_path.write_bytes(order_text.getvalue().encode("gb18030"))
    items_path.write_bytes(item_text.getvalue().encode("gb18030"))
    return bundle.pack([orders_path, items_path], folder / "qianniu-export.zip")


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _text(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")
