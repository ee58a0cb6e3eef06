"""The API under odd input: ids past BIGINT, NUL characters, huge pages, odd signatures and oversized bodies."""

from __future__ import annotations

import pytest

from ..conftest import backend
from ..factories import make_shop
from .test_orders import order_body
from .test_webhook import URL, body_of, secret_of, shopcx_signature

HUGE = "99999999999999999999"


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="o1")
    session.flush()
    return shop


@pytest.mark.parametrize("url", [
    f"/api/v1/customers/{HUGE}", f"/api/v1/orders/{HUGE}", f"/api/v1/customers/{HUGE}/orders",
    f"/api/v1/orders?customer_id={HUGE}", f"/api/v1/customers?page={HUGE}", f"/api/v1/orders?page={HUGE}",
])
def test_numbers_past_bigint_are_refused_naming_the_field(client, token, url):
    answer = client.get(url, headers=token())
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "invalid_input" and answer.json()["field"]


@pytest.mark.parametrize("overrides,refused_on", [
    ({"buyer_note": "a\u0000b"}, {"postgresql"}),  # SQLite stores NUL; PostgreSQL cannot
    ({"lines": [{"sku": "X", "quantity": 1, "unit_price_amount": 10**20}]}, {"sqlite", "postgresql"}),
])
def test_a_value_the_database_cannot_store_is_a_422_and_nothing_is_kept(client, token, shop, counts, overrides,
                                                                       refused_on):
    headers = token()
    before = counts()
    answer = client.post("/api/v1/shops/o1/orders", json=order_body(**overrides), headers=headers)
    if backend() not in refused_on:
        assert answer.status_code == 201
        return
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "invalid_input"
    assert counts() == before


def test_a_nul_in_a_search_is_not_a_server_error(client, token):
    assert client.get("/api/v1/customers?q=a%00b", headers=token()).status_code in (200, 422)


def test_notes_are_masked_for_tokens_without_pii(client, token, shop):
    shipment = {"carrier": "SF", "tracking_no": "SF9", "note": "联系 13600002222"}
    created = client.post("/api/v1/shops/o1/orders", headers=token(), json=order_body(
        buyer_note="请先打 13700001111", shipments=[shipment],
        customer={"source": "taobao", "external_id": "b-9", "name": "李雷", "note": "备用 13912345678"}))
    order_id = created.json()["order_id"]
    reader = token("orders:read", "customers:read", name="reader")
    order = client.get(f"/api/v1/orders/{order_id}", headers=reader).json()
    assert order["buyer_note"] == "请先打 137****1111"
    assert order["shipments"][0]["note"] == "联系 136****2222"
    customer = client.get(f"/api/v1/customers/{order['customer_id']}", headers=reader).json()
    assert customer["note"] == "备用 139****5678"
    full = client.get(f"/api/v1/orders/{order_id}", headers=token(name="full")).json()
    assert full["buyer_note"] == "请先打 13700001111"


def test_a_non_ascii_signature_header_is_a_401_not_a_server_error(client, session, counts):
    make_shop(session, code="wh")
    session.flush()
    body = body_of()
    before = counts()
    answer = client.post(URL, content=body, headers={"X-ShopCX-Signature": "sha256=\u00e9".encode("latin-1"),
                                                     "Content-Type": "application/json"})
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_signature"
    assert counts() == before


def test_an_oversized_delivery_is_refused_before_it_is_read(client, session, counts):
    from shopcx.shops import webhooks

    shop = make_shop(session, code="wh")
    session.flush()
    big = b"{" + b" " * webhooks.MAX_BODY_BYTES + b"}"
    before = counts()
    answer = client.post(URL, content=big, headers=shopcx_signature(secret_of(shop), big))
    assert answer.status_code == 413 and answer.json()["error"] == "payload_too_large"

    def chunks():  # no Content-Length: the limit holds while streaming
        yield b"{"
        for _ in range(3):
            yield b" " * (webhooks.MAX_BODY_BYTES // 2)
        yield b"}"

    answer = client.post(URL, content=chunks(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert counts() == before


def test_a_token_named_at_the_limit_can_change_orders(client, session, shop):
    from shopcx.staff import service as staff

    raw, _ = staff.create_token(session, name="n" * 64, scopes=["orders:write"], actor=staff.SYSTEM)
    session.flush()
    answer = client.post("/api/v1/shops/o1/orders", json=order_body(), headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 201, answer.text
