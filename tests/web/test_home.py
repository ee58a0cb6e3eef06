"""The overview: counts, net revenue and the orders-per-month chart drawn from its table's figures."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from shopcx.core import clock
from shopcx.orders import service as orders
from shopcx.staff.service import SYSTEM
from shopcx.web.pages import monthly_figures

from ..factories import order_data


def _chart(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="orders-chart-data">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_home_shows_counts_revenue_and_chart(login, shop_data, session):
    # 17:00 UTC on 28 Feb is 01:00 on 1 March in Shanghai: it counts for March.
    orders.upsert_order(session, shop_data["tmall"], order_data(
        external_id="T-EDGE", placed_at=datetime(2026, 2, 28, 17, 0, tzinfo=UTC)), actor=SYSTEM)
    with clock.frozen_at(datetime(2026, 4, 20, tzinfo=UTC)):
        page = login("analyst").get("/")
    assert page.status_code == 200
    html = page.text
    assert re.search(r'id="stat-customers">\s*4<', html)  # 王小明, Alice, 李四 and the factory buyer
    assert re.search(r'id="stat-orders">\s*4<', html)
    # Two currencies: net revenue per currency, paid − refunds (CNY: 22780 + 38400 + 9980 − 4990; GBP: 1500).
    assert "¥661.70" in html and "£15.00" in html
    chart = _chart(html)
    assert chart["months"][0] == "2025-05" and chart["months"][-1] == "2026-04" and len(chart["months"]) == 12
    per_month = dict(zip(chart["months"], chart["orders"], strict=True))
    assert per_month["2026-03"] == 2 and per_month["2026-04"] == 2
    assert sum(chart["orders"]) == 4
    table = html[html.index('class="chart-table"'):]
    assert "<td>2026-03</td><td class=\"num\">2</td>" in table
    assert "2026-02" not in chart["months"][-2:]


def test_monthly_figures_per_currency(shop_data, session):
    with clock.frozen_at(datetime(2026, 4, 20, tzinfo=UTC)):
        months = {m["month"]: m for m in monthly_figures(session, "Asia/Shanghai")}
    assert months["2026-04"]["paid"] == {"CNY": 38400, "GBP": 1500}
    assert months["2026-03"] == {"month": "2026-03", "orders": 1, "paid": {"CNY": 22780}}
    assert months["2026-02"]["orders"] == 0


def test_home_in_english_with_one_currency(login, session):
    from ..factories import make_order, make_shop

    make_order(session, make_shop(session))
    html = login("owner", locale="en").get("/").text
    assert "Net revenue" in html and "¥99.80" in html and "Orders per month" in html
    assert "Latest imports" in html
