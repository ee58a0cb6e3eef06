"""The orders list with its filters and one order's page."""

from __future__ import annotations

import re

import pytest

from shopcx.orders import service as orders
from shopcx.orders.repository import OrderFilter, search


def _order_numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/orders/\d+" class="mono">([^<]+)</a>', html)


def test_list_newest_first_in_shop_time(login, shop_data):
    page = login("analyst").get("/orders")
    assert page.status_code == 200
    assert _order_numbers(page.text) == ["T20260410002", "#1001", "T20260301001"]
    assert "2026-04-10 10:00" in page.text  # 02:00 UTC in Shanghai
    assert "2026-04-02 03:00" in page.text  # 02:00 UTC in London (BST)
    assert "£15.00" in page.text and "¥384.00" in page.text


@pytest.mark.parametrize("params, expected", [
    ({"status": "delivered"}, ["T20260301001"]), ({"status": "paid"}, ["#1001"]),
    ({"kind": "return"}, []), ({"kind": "sale", "q": "T20260410002"}, ["T20260410002"]),
    ({"q": "alice"}, ["#1001"]), ({"date_from": "2026-04-01"}, ["T20260410002", "#1001"]),
    ({"date_from": "2026-03-01", "date_to": "2026-03-01"}, ["T20260301001"]),
    ({"date_to": "2026-03-31"}, ["T20260301001"]),
])
def test_filters(login, shop_data, params, expected):
    assert _order_numbers(login("agent").get("/orders", params=params).text) == expected


def test_filter_by_shop_and_customer(login, shop_data):
    staff = login("agent")
    assert _order_numbers(staff.get("/orders", params={"shop": shop_data["intl"].id}).text) == ["#1001"]
    mine = staff.get("/orders", params={"customer": shop_data["wang"].id}).text
    assert _order_numbers(mine) == ["T20260410002", "T20260301001"]


def test_bad_date_is_refused_inline(login, shop_data):
    response = login("agent").htmx_get("/orders?date_from=2026-13-01")
    assert response.status_code == 422 and "日期格式应为" in response.text


def test_pagination(login, shop_data, monkeypatch):
    from shopcx.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "page_size", 2)
    staff = login("agent")
    assert _order_numbers(staff.get("/orders").text) == ["T20260410002", "#1001"]
    second = staff.htmx_get("/orders?page=2")
    assert _order_numbers(second.text) == ["T20260301001"] and "<html" not in second.text


def test_order_page_shows_lines_history_shipments_and_refunds(login, shop_data, session):
    order, = search(session, OrderFilter(query="T20260301001"), offset=0, limit=1)[0]
    orders.transition(session, order, "completed", actor=orders.Actor(label="user:boss"))
    page = login("agent").get(f"/orders/{order.id}")
    assert page.status_code == 200
    html = page.text
    assert "订单 T20260301001" in html and "天猫旗舰店" in html
    assert "保温杯" in html and "¥99.80" in html and "¥227.80" in html
    history = html[html.index('id="history"'):]
    assert history.index("已签收") < history.index("交易成功") and "user:boss" not in history
    assert '<a href="/audit?actor=boss">boss</a>' in history  # the actor by name (no such account: the username)
    assert "SF1234567890" in html and "延迟送达" in html and "货物破损" in html
    assert "¥49.90" in html and "商品破损" in html and "退货退款" in html
    assert f'href="/customers/{shop_data["wang"].id}"' in html


def test_missing_order_is_a_404_page(login):
    page = login("agent").get("/orders/424242")
    assert page.status_code == 404 and "找不到该订单" in page.text


def test_orders_need_a_session(client):
    assert client.get("/orders", follow_redirects=False).headers["location"] == "/login?next=/orders"
