"""Pages through FastAPI's TestClient, inside the test's rolled-back transaction."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shopcx.customers import service as customers
from shopcx.customers.models import Customer
from shopcx.customers.schemas import CustomerIn
from shopcx.orders import service as orders
from shopcx.staff import service as staff
from shopcx.staff.service import SYSTEM
from shopcx.web.app import create_app

from ..factories import make_shop, order_data

PASSWORD = "correct-horse-battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page put in its forms."""
    found = _CSRF.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


class Staff:
    """A browser signed in as one staff member: remembers the session's CSRF token."""

    def __init__(self, client: TestClient, user, csrf: str):
        self.client, self.user, self.csrf = client, user, csrf

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def htmx_get(self, url: str, target: str = "results", **kwargs):
        return self.client.get(url, headers={"HX-Request": "true", "HX-Target": target}, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        """A form POST with the CSRF field, not following redirects."""
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, follow_redirects=False,
                                **kwargs)

    def htmx_post(self, url: str, data: dict | None = None, **kwargs):
        """An HTMX POST: the token travels in the X-CSRF-Token header, as hx-headers on <body> sends it."""
        return self.client.post(url, data=data or {}, follow_redirects=False,
                                headers={"HX-Request": "true", "X-CSRF-Token": self.csrf}, **kwargs)


@pytest.fixture
def client(session):
    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture
def make_user(session):
    def make(role: str = "owner", username: str | None = None, locale: str = "zh"):
        user = staff.create_user(session, username=username or f"{role}1", password=PASSWORD, role=role,
                                 display_name=f"{role.title()} 测试", locale=locale)
        session.flush()
        return user

    return make


def sign_in(client: TestClient, username: str, password: str = PASSWORD, next_url: str = "/"):
    """Open the login page (for its CSRF cookie and field) and post the form; returns the POST's response."""
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "next": next_url,
                                       "csrf_token": csrf_of(page.text)}, follow_redirects=False)


@pytest.fixture
def login(client, make_user):
    """Sign in a new user with a role; returns a Staff helper."""
    def do(role: str = "owner", username: str | None = None, locale: str = "zh") -> Staff:
        user = make_user(role, username, locale)
        response = sign_in(client, user.username)
        assert response.status_code == 303, response.text
        home = client.get("/")
        assert home.status_code == 200
        return Staff(client, user, csrf_of(home.text))

    return do


def _at(day: str, hour: int = 2) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def shop_data(session):
    """Two shops, three customers, orders with a late and damaged delivery and a partial refund."""
    tmall = make_shop(session, code="tmall", name="天猫旗舰店", platform="tmall")
    intl = make_shop(session, code="intl", name="Global Store", platform="shopify", currency="GBP",
                     timezone="Europe/London")
    wang = order_data(
        external_id="T20260301001", status="delivered", placed_at=_at("2026-03-01"),
        customer={"source": "tmall", "external_id": "wxm_tb", "name": "王小明", "phone": "13800138000",
                  "email": "wang.xm@example.com", "country": "中国", "province": "浙江", "city": "杭州",
                  "gender": "male", "birthday_lunar": {"month": 8, "day": 15}, "tags": ["VIP"],
                  "consents": {"sms": True, "email": False},
                  "anniversaries": [{"kind": "wedding", "on": "2018-05-20"}]},
        lines=[{"sku": "CUP-1", "name": "保温杯", "quantity": 2, "unit_price_amount": 4990},
               {"sku": "TEA-9", "name": "西湖龙井", "quantity": 1, "unit_price_amount": 12800}],
        shipments=[{"carrier": "顺丰速运", "tracking_no": "SF1234567890", "shipped_at": _at("2026-03-01", 8),
                    "promised_at": _at("2026-03-03"), "delivered_at": _at("2026-03-06"), "damaged": True}],
        refunds=[{"external_id": "RF-1", "amount": 4990, "reason": "商品破损", "kind": "return_refund",
                  "lines": [{"line_no": 1, "quantity": 1, "amount": 4990}]}])
    orders.upsert_order(session, tmall, wang, actor=SYSTEM)
    orders.upsert_order(session, tmall, order_data(
        external_id="T20260410002", status="completed", placed_at=_at("2026-04-10"),
        customer={"source": "tmall", "external_id": "wxm_tb"},
        lines=[{"sku": "TEA-9", "name": "西湖龙井", "quantity": 3, "unit_price_amount": 12800}],
        shipments=[{"carrier": "中通快递", "tracking_no": "ZT998877", "shipped_at": _at("2026-04-10", 9),
                    "promised_at": _at("2026-04-13"), "delivered_at": _at("2026-04-12")}]), actor=SYSTEM)
    orders.upsert_order(session, intl, order_data(
        source="shopify", external_id="#1001", status="paid", placed_at=_at("2026-04-02"), currency="GBP",
        customer={"source": "shopify", "external_id": "cust-77", "name": "Alice Smith",
                  "email": "alice@example.com", "phone": "+447700900123", "country": "United Kingdom",
                  "city": "London", "consents": {"email": True}},
        lines=[{"sku": "MUG", "name": "Mug", "quantity": 1, "unit_price_amount": 1500}]), actor=SYSTEM)
    lisi, _ = customers.upsert_customer(session, CustomerIn(name="李四", phone="13912345678", country="中国",
                                                             city="上海", tags=["潜在"]), actor=None)
    session.flush()
    by_name = {c.name: c for c in session.scalars(select(Customer))}
    return {"tmall": tmall, "intl": intl, "wang": by_name["王小明"], "alice": by_name["Alice Smith"],
            "lisi": lisi}
