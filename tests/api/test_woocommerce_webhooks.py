"""WooCommerce's own webhook bodies at the order webhook (X-WC-Webhook-Signature, topics order.*)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from sqlalchemy import select

from shopcx.customers.models import Customer
from shopcx.orders.models import Order

from ..factories import make_shop
from .platform_samples import woo_order

URL = "/api/v1/webhooks/woo/orders"
KEY = "wc-secret-3c1f5b7a9e"  # invented


@pytest.fixture
def shop(session, client, token):
    make_shop(session, code="woo", platform="woocommerce", currency="EUR", timezone="Europe/Berlin")
    session.flush()
    assert client.put("/api/v1/shops/woo/webhook-secret", json={"webhook_secret": KEY},
                      headers=token("settings:manage")).status_code == 200


def deliver(client, topic: str, payload: dict, *, delivery: str | None = None, key: str = KEY):
    body = json.dumps(payload).encode()
    digest = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
    resource, _, event = topic.partition(".")
    headers = {"X-WC-Webhook-Topic": topic, "X-WC-Webhook-Resource": resource, "X-WC-Webhook-Event": event,
               "X-WC-Webhook-Signature": digest, "X-WC-Webhook-Source": "https://shop.example.com/",
               "X-WC-Webhook-ID": "12", "Content-Type": "application/json"}
    if delivery:
        headers["X-WC-Webhook-Delivery-ID"] = delivery
    return client.post(URL, content=body, headers=headers)


def stored(session, number: str = "727") -> Order:
    session.expire_all()
    return session.scalar(select(Order).where(Order.source == "woocommerce", Order.external_id == number))


def test_created_then_completed_then_refunded(client, shop, session, counts):
    first = deliver(client, "order.created", woo_order(), delivery="a1")
    assert first.status_code == 200 and first.json()["created"] is True
    order = stored(session)
    assert (order.status, order.goods_amount, order.shipping_amount, order.discount_amount, order.paid_amount) == \
        ("paid", 3500, 490, 250, 3990)
    assert [(line.sku, line.quantity, line.total_amount) for line in order.lines] == \
        [("MUG-BLUE", 2, 2250), ("TOWEL-1", 1, 1250)]
    buyer = session.get(Customer, order.customer_id)
    assert (buyer.email, buyer.phone, buyer.city) == ("anna.becker@example.com", "+4930901820", "Berlin")
    before = counts()
    assert deliver(client, "order.created", woo_order(), delivery="a1").json()["duplicate"] is True
    assert counts() == before
    done = woo_order(status="completed", date_modified_gmt="2026-03-02T08:00:00",
                     date_completed_gmt="2026-03-02T08:00:00")
    assert deliver(client, "order.updated", done, delivery="a2").json()["status"] == "completed"
    partly = woo_order(status="completed", date_modified_gmt="2026-03-03T08:00:00",
                       refunds=[{"id": 801, "reason": "Mug chipped", "total": "-11.25"}])
    assert deliver(client, "order.updated", partly, delivery="a3").json()["changed"] is True
    order = stored(session)
    assert [(r.external_id, r.amount, r.reason) for r in order.refunds] == [("801", 1125, "Mug chipped")]
    assert (order.status, order.refunded_amount) == ("completed", 1125)


def test_a_refunded_status_without_refund_lines_refunds_everything(client, shop, session):
    deliver(client, "order.created", woo_order(number="728", id=728), delivery="b1")
    refunded = woo_order(number="728", id=728, status="refunded", date_modified_gmt="2026-03-04T08:00:00")
    assert deliver(client, "order.updated", refunded, delivery="b2").json()["status"] == "refunded"
    assert stored(session, "728").refunded_amount == 3990


def test_a_deleted_unpaid_order_is_cancelled_and_a_ping_is_answered(client, shop, session):
    pending = woo_order(number="729", id=729, status="pending", date_paid_gmt=None)
    deliver(client, "order.created", pending, delivery="c1")
    assert deliver(client, "order.deleted", {"id": 729}, delivery="c2").json()["status"] == "cancelled"
    ping = client.post(URL, content=b"webhook_id=12", headers={"X-WC-Webhook-Topic": "action.woocommerce_ping",
                                                              "Content-Type": "application/x-www-form-urlencoded"})
    assert ping.status_code == 200 and ping.json()["ignored"] == "ping"


def test_a_bad_signature_or_body_is_refused_naming_the_field(client, shop, counts):
    before = counts()
    assert deliver(client, "order.created", woo_order(), key="wrong-key-123").status_code == 401
    bad = deliver(client, "order.created", woo_order(status="teleported"))
    assert bad.status_code == 422 and bad.json()["field"] == "status"
    assert bad.json()["message_zh"].startswith("status：")
    missing = deliver(client, "order.created", woo_order(date_created_gmt=None, date_created=None))
    assert missing.status_code == 422 and missing.json()["field"] == "date_created_gmt"
    assert counts() == before
