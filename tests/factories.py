"""Small builders with keyword overrides."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone

from shopcx.orders import service as orders
from shopcx.orders.schemas import OrderIn
from shopcx.shops import service as shops
from shopcx.staff.service import SYSTEM

_seq = itertools.count(1)


def make_shop(session, **overrides):
    n = next(_seq)
    values = {"code": f"shop{n}", "name": f"店铺{n}", "platform": "taobao", "timezone": "Asia/Shanghai",
              "currency": "CNY"} | overrides
    return shops.create_shop(session, **values)


def order_data(**overrides) -> OrderIn:
    n = next(_seq)
    values = {
        "source": "taobao", "external_id": f"T{n:08d}", "status": "paid",
        "placed_at": datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc),
        "customer": {"source": "taobao", "external_id": f"buyer{n}", "name": f"买家{n}"},
        "lines": [{"sku": "CUP-1", "name": "保温杯", "category": "厨具", "quantity": 2, "unit_price_amount": 4990}],
    } | overrides
    return OrderIn.model_validate(values)


def make_order(session, shop, **overrides):
    result = orders.upsert_order(session, shop, order_data(**overrides), actor=SYSTEM)
    return orders.get_order(session, result.order_id)
