"""The signed order webhook: good signatures store, bad ones store nothing, replays change nothing."""

import base64
import hashlib
import hmac
import json

import pytest

from shopcx.shops.webhooks import secret_of

from ..factories import make_shop
from .test_orders import order_body

URL = "/api/v1/webhooks/wh/orders"


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="wh", platform="shopify")
    session.flush()
    return shop


def body_of(**overrides) -> bytes:
    return json.dumps(order_body(**overrides), ensure_ascii=False).encode()


def shopcx_signature(secret: str, body: bytes) -> dict[str, str]:
    return {"X-ShopCX-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json"}


def shopify_signature(secret: str, body: bytes) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(), "Content-Type": "application/json"}


def test_a_signed_delivery_is_stored_and_audited_as_the_webhook(client, shop, counts, audit_actions):
    body = body_of()
    answer = client.post(URL, content=body, headers=shopcx_signature(secret_of(shop), body))
    assert answer.status_code == 200
    result = answer.json()
    assert (result["created"], result["changed"], result["status"]) == (True, True, "paid")
    stored = counts()
    assert (stored["orders"], stored["lines"], stored["customers"]) == (1, 2, 1)
    assert audit_actions("order") == [("order.create", "webhook:wh")]


def test_the_shopify_style_header_is_accepted(client, shop, counts):
    body = body_of()
    answer = client.post(URL, content=body, headers=shopify_signature(secret_of(shop), body))
    assert answer.status_code == 200 and answer.json()["created"] is True
    assert counts()["orders"] == 1


@pytest.mark.parametrize("headers", [
    {},
    {"X-ShopCX-Signature": "sha256=" + "0" * 64},
    {"X-ShopCX-Signature": "not-even-hex"},
    {"X-Shopify-Hmac-Sha256": base64.b64encode(b"x" * 32).decode()},
])
def test_a_bad_or_missing_signature_gets_401_and_stores_nothing(client, shop, counts, headers):
    before = counts()
    answer = client.post(URL, content=body_of(), headers=headers | {"Content-Type": "application/json"})
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_signature" and answer.json()["field"] == "signature"
    assert counts() == before


def test_a_signature_of_another_body_or_secret_is_refused(client, shop, counts):
    before = counts()
    signed = body_of()
    tampered = body_of(paid_amount=1)
    headers = shopcx_signature(secret_of(shop), signed)
    assert client.post(URL, content=tampered, headers=headers).status_code == 401
    assert client.post(URL, content=signed, headers=shopcx_signature("guess", signed)).status_code == 401
    assert counts() == before


def test_a_replayed_delivery_changes_nothing(client, shop, counts, audit_actions):
    shipment = {"carrier": "SF", "tracking_no": "SF1", "promised_at": "2026-03-03T12:00:00+08:00"}
    body = body_of(shipments=[shipment], refunds=[{"external_id": "R1", "amount": 1000}])
    headers = shopcx_signature(secret_of(shop), body)
    first = client.post(URL, content=body, headers=headers)
    before = counts()
    replay = client.post(URL, content=body, headers=headers)
    assert replay.status_code == 200
    assert replay.json() == first.json() | {"created": False, "changed": False}
    assert counts() == before
    assert audit_actions("order") == [("order.create", "webhook:wh")]
    later = body_of(status="shipped")
    moved = client.post(URL, content=later, headers=shopcx_signature(secret_of(shop), later))
    assert moved.json()["changed"] is True and moved.json()["status"] == "shipped"


def test_unknown_shop_404_and_invalid_body_422_naming_the_field(client, shop, counts):
    body = body_of()
    unknown = client.post("/api/v1/webhooks/nope/orders", content=body,
                          headers=shopcx_signature(secret_of(shop), body))
    assert unknown.status_code == 404 and unknown.json()["error"] == "shop_not_found"
    before = counts()
    broken = body_of(lines=[{"sku": "X", "quantity": "two", "unit_price_amount": 100}])
    invalid = client.post(URL, content=broken, headers=shopcx_signature(secret_of(shop), broken))
    assert invalid.status_code == 422
    assert invalid.json()["field"] == "lines.0.quantity"
    assert invalid.json()["message"].startswith("lines.0.quantity: ")
    not_json = b"{not json"
    garbled = client.post(URL, content=not_json, headers=shopcx_signature(secret_of(shop), not_json))
    assert garbled.status_code == 422 and garbled.json()["error"] == "invalid_input"
    assert counts() == before


def test_rotating_the_secret_shows_it_once_and_retires_the_old_one(client, shop, token, session,
                                                                     audit_actions):
    old = secret_of(shop)
    assert client.post("/api/v1/shops/wh/webhook-secret", headers=token("orders:read")).status_code == 403
    coarse = client.post("/api/v1/shops/wh/webhook-secret", headers=token("orders:write"))
    assert coarse.status_code == 403 and "settings:manage" in coarse.json()["message"]  # issue 12: a shop setting
    answer = client.post("/api/v1/shops/wh/webhook-secret", headers=token("settings:manage", name="admin"))
    assert answer.status_code == 200
    new = answer.json()["webhook_secret"]
    assert new != old and answer.json()["webhook_url"].endswith(URL)
    assert audit_actions("shop") == [("shop.webhook_secret_rotate", "token:admin")]
    from shopcx.staff.models import AuditLog

    assert new not in json.dumps([a.changes for a in session.query(AuditLog).all()])
    body = body_of()
    assert client.post(URL, content=body, headers=shopcx_signature(old, body)).status_code == 401
    assert client.post(URL, content=body, headers=shopcx_signature(new, body)).status_code == 200


def test_shops_are_listed_without_secrets(client, shop, token):
    page = client.get("/api/v1/shops", headers=token("products:read")).json()
    listed = {s["code"]: s for s in page["items"]}
    assert listed["wh"]["has_webhook_secret"] is True and listed["wh"]["platform"] == "shopify"
    assert "webhook_secret" not in listed["wh"] and secret_of(shop) not in json.dumps(page)
    assert page["total"] >= 1 and page["page"] == 1
    assert client.get("/api/v1/shops").status_code == 401


def test_a_switched_off_shop_takes_no_deliveries(client, shop, session, counts):
    shop.is_active = False
    session.flush()
    body = body_of()
    answer = client.post(URL, content=body, headers=shopcx_signature(secret_of(shop), body))
    assert answer.status_code == 409 and answer.json()["error"] == "shop_inactive"
    assert counts()["orders"] == 0


def test_a_conflicting_redelivery_is_refused_or_updated_by_the_platforms_update_time(client, shop, session,
                                                                                      audit_actions):
    """Issue 12 item 9: a re-sent order saying 500.00 where 5.00 is stored was counted as unchanged."""
    from shopcx.orders.models import Order

    def deliver(**overrides):
        body = body_of(**overrides)
        return client.post(URL, content=body, headers=shopcx_signature(secret_of(shop), body))

    first = deliver(paid_amount=500, updated_at="2026-03-01T10:00:00+08:00")
    assert first.status_code == 200 and first.json()["created"] is True
    undated = deliver(paid_amount=50_000)
    assert undated.status_code == 409 and undated.json()["error"] == "order_conflict"
    assert "paid_amount stored 500 here 50000" in undated.json()["message"]
    assert undated.json()["field"] == "updated_at"
    newer = deliver(paid_amount=50_000, updated_at="2026-03-02T09:00:00+08:00")
    assert newer.status_code == 200 and newer.json()["changed"] is True
    assert newer.json()["changes"] == ["paid_amount: 500 -> 50000"]
    late = deliver(paid_amount=500, updated_at="2026-03-01T10:00:00+08:00")  # the older delivery, arriving late
    assert late.status_code == 200 and late.json()["changed"] is False
    stored = session.query(Order).filter_by(external_id="T1001").one()
    session.refresh(stored)
    assert stored.paid_amount == 50_000
    other_lines = deliver(lines=[{"sku": "CUP-1", "name": "保温杯", "quantity": 9, "unit_price_amount": 4990}],
                          updated_at="2026-03-09T09:00:00+08:00")
    assert other_lines.status_code == 409 and other_lines.json()["field"] == "lines"
    assert [a for a, _ in audit_actions("order")] == ["order.create", "order.update"]
