"""Shopify's own webhook bodies at the order webhook: mapped to the records an import makes, done once per
delivery, signed with the key the owner entered, rejected with the field named in English and Chinese."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from sqlalchemy import func, select

from shopcx.customers.models import Customer
from shopcx.orders.models import Order

from ..factories import make_shop
from .platform_samples import (
    shopify_cod_order,
    shopify_customer,
    shopify_fulfillment,
    shopify_order,
    shopify_refund,
)

URL = "/api/v1/webhooks/us/orders"
KEY = "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"  # the form of Shopify's signing key; invented


@pytest.fixture
def shop(session, client, token):
    shop = make_shop(session, code="us", platform="shopify", currency="USD", timezone="America/Los_Angeles")
    session.flush()
    answer = client.put("/api/v1/shops/us/webhook-secret", json={"webhook_secret": KEY},
                        headers=token("settings:manage"))
    assert answer.status_code == 200 and answer.json()["webhook_secret"] == KEY
    return shop


def deliver(client, topic: str, payload: dict, *, delivery: str | None = None, key: str = KEY):
    body = json.dumps(payload).encode()
    digest = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
    headers = {"X-Shopify-Topic": topic, "X-Shopify-Hmac-Sha256": digest, "Content-Type": "application/json",
               "X-Shopify-Shop-Domain": "example-store.myshopify.com", "X-Shopify-API-Version": "2025-01"}
    if delivery:
        headers["X-Shopify-Webhook-Id"] = delivery
    return client.post(URL, content=body, headers=headers)


def stored(session) -> Order:
    session.expire_all()
    return session.scalar(select(Order).where(Order.external_id == "#1042"))


def test_orders_create_stores_taxes_discounts_shipping_and_the_buyer(client, shop, session, counts):
    answer = deliver(client, "orders/create", shopify_order(), delivery="b54557e4-0001")
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] is True and answer.json()["topic"] == "orders/create"
    order = stored(session)
    assert (order.source, order.status, order.currency) == ("shopify", "paid", "USD")
    # 2 × 20.00 less the 5.00 discount on the mugs, and the towel: goods are the subtotal, tax is on top.
    assert [(line.sku, line.quantity, line.total_amount) for line in order.lines] == \
        [("MUG-BLUE", 2, 3500), ("TOWEL-1", 1, 2000)]
    assert (order.goods_amount, order.shipping_amount, order.discount_amount) == (5500, 800, 0)
    assert (order.tax_amount, order.taxes_included, order.paid_amount) == (416, False, 6716)
    buyer = session.get(Customer, order.customer_id)
    assert (buyer.email, buyer.name, buyer.city) == ("mei.lin@example.com", "Mei Lin", "Springfield")
    assert {c.channel: c.granted for c in buyer.consents} == {"email": True}
    assert counts()["orders"] == 1


def test_the_same_delivery_twice_is_stored_once_and_answered_2xx_both_times(client, shop, session, counts):
    first = deliver(client, "orders/create", shopify_order(), delivery="b54557e4-0002")
    before = counts()
    again = deliver(client, "orders/create", shopify_order(), delivery="b54557e4-0002")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["duplicate"] is True and again.json()["changed"] is False
    assert again.json()["order_id"] == first.json()["order_id"]
    assert counts() == before
    # orders/paid fired for the same state (same id and updated_at, another delivery id): nothing new either.
    paid = deliver(client, "orders/paid", shopify_order(), delivery="b54557e4-0003")
    assert paid.status_code == 200 and paid.json()["changed"] is False
    assert counts() == before


def test_fulfilment_then_a_late_older_update_then_a_refund(client, shop, session):
    deliver(client, "orders/create", shopify_order(), delivery="d-1")
    shipped = shopify_order(fulfillment_status="fulfilled", updated_at="2026-03-02T09:00:05-05:00",
                            fulfillments=[shopify_fulfillment()])
    assert deliver(client, "orders/fulfilled", shipped, delivery="d-2").json()["status"] == "shipped"
    order = stored(session)
    assert [(s.carrier, s.tracking_no) for s in order.shipments] == [("UPS", "1Z999AA10123456784")]
    # A retry of the first state arriving after the newer one must not be applied.
    late = deliver(client, "orders/updated", shopify_order(), delivery="d-0")
    assert late.status_code == 200 and late.json()["ignored"] and late.json()["status"] == "shipped"
    refund = deliver(client, "refunds/create", shopify_refund(), delivery="d-3")
    assert refund.status_code == 200 and refund.json()["changed"] is True
    order = stored(session)
    assert [(r.external_id, r.kind, r.amount, r.reason) for r in order.refunds] == \
        [("930001234", "return_refund", 1881, "Chipped on arrival")]
    assert [(line.quantity, line.amount) for line in order.refunds[0].lines] == [(1, 1750)]
    assert order.refunds[0].lines[0].order_line_id == order.lines[0].id
    assert (order.refunded_amount, order.status) == (1881, "shipped")
    # The order's own update carrying the same refund (refunds array) does not count it twice.
    updated = shopify_order(financial_status="partially_refunded", fulfillment_status="fulfilled",
                            updated_at="2026-03-05T11:00:03-05:00", fulfillments=[shopify_fulfillment()],
                            refunds=[shopify_refund()])
    assert deliver(client, "orders/updated", updated, delivery="d-4").status_code == 200
    assert stored(session).refunded_amount == 1881


def test_a_refund_in_full_and_a_cancellation(client, shop, session):
    whole = shopify_refund(id=930009999, refund_line_items=[], transactions=[
        {"id": 7700002, "kind": "refund", "status": "success", "amount": "67.16", "currency": "USD"}])
    deliver(client, "orders/create", shopify_order(), delivery="f-1")
    refunded = shopify_order(financial_status="refunded", updated_at="2026-03-03T08:00:00-05:00",
                             cancelled_at="2026-03-03T08:00:00-05:00", refunds=[whole])
    assert deliver(client, "orders/cancelled", refunded, delivery="f-2").json()["status"] == "refunded"
    assert stored(session).refunded_amount == 6716
    other = shopify_order(id=5820193046999, name="#1043", financial_status="pending", total_outstanding="67.16")
    deliver(client, "orders/create", other, delivery="f-3")
    cancelled = dict(other, cancelled_at="2026-03-04T08:00:00-05:00", financial_status="voided",
                     updated_at="2026-03-04T08:00:00-05:00")
    assert deliver(client, "orders/cancelled", cancelled, delivery="f-4").json()["status"] == "cancelled"


def test_a_refund_of_an_order_not_received_yet_is_acknowledged_and_comes_with_the_orders_update(client, shop,
                                                                                               session, counts):
    before = counts()
    early = deliver(client, "refunds/create", shopify_refund(), delivery="r-1")
    assert early.status_code == 200 and early.json()["ignored"].startswith("order 5820193046587 not received")
    assert counts() == before
    updated = shopify_order(financial_status="partially_refunded", updated_at="2026-03-05T11:00:03-05:00",
                            refunds=[shopify_refund()])
    assert deliver(client, "orders/updated", updated, delivery="r-2").json()["created"] is True
    assert [(r.external_id, r.amount) for r in stored(session).refunds] == [("930001234", 1881)]
    # Shopify's retry of the early refund delivery changes nothing now either.
    assert deliver(client, "refunds/create", shopify_refund(), delivery="r-1").json()["duplicate"] is True
    assert stored(session).refunded_amount == 1881


def test_cash_on_delivery_orders_become_one_customer_per_phone(client, shop, session):
    # A US store: local numbers are US numbers, and the same number written three ways is one buyer.
    for n, written in enumerate(("+1 541-555-0199", "(541) 555-0199", "541.555.0199"), start=1):
        answer = deliver(client, "orders/create", shopify_cod_order(n, written), delivery=f"cod-{n}")
        assert answer.status_code == 200 and answer.json()["status"] == "pending"
    session.expire_all()
    orders = session.scalars(select(Order).where(Order.external_id.like("#C%"))).all()
    assert len(orders) == 3 and len({o.customer_id for o in orders}) == 1 and orders[0].customer_id
    buyer = session.get(Customer, orders[0].customer_id)
    assert (buyer.phone, buyer.email) == ("+15415550199", None)
    assert [(i.source, i.external_id) for i in buyer.identities] == [("shopify", "+15415550199")]


def test_money_still_owed_is_not_paid(client, shop, session):
    owing = shopify_order(financial_status="partially_refunded", total_outstanding="10.00")
    deliver(client, "orders/create", owing, delivery="o-1")
    assert stored(session).paid_amount == 5716


def test_customers_create_and_update(client, shop, session):
    created = deliver(client, "customers/create", shopify_customer(updated_at="2026-03-06T11:00:00-05:00"),
                      delivery="c-1")
    assert created.status_code == 200 and created.json()["created"] is True
    updated = deliver(client, "customers/update", shopify_customer(first_name="Meili"), delivery="c-2")
    assert updated.json()["customer_id"] == created.json()["customer_id"]
    buyer = session.get(Customer, created.json()["customer_id"])
    session.refresh(buyer)
    assert (buyer.name, buyer.phone) == ("Meili Lin", "+15415550142")
    assert {c.channel: c.granted for c in buyer.consents} == {"email": False}


@pytest.mark.parametrize(("change", "field"), [
    ({"created_at": "yesterday"}, "created_at"),
    ({"financial_status": "sort_of_paid"}, "financial_status"),
    ({"total_price": "sixty"}, "total_price"),
    ({"line_items": [{"id": 1, "quantity": "two", "price": "1.00", "name": "x"}]}, "line_items.0.quantity"),
])
def test_an_unusable_body_is_refused_naming_the_field_in_both_languages(client, shop, counts, change, field):
    before = counts()
    answer = deliver(client, "orders/create", shopify_order(**change), delivery="bad-1")
    assert answer.status_code == 422
    error = answer.json()
    assert error["field"] == field
    assert error["message"].startswith(f"{field}: ") and error["message_zh"].startswith(f"{field}：")
    assert counts() == before


def test_an_unknown_topic_and_a_wrong_key_are_refused(client, shop, counts):
    before = counts()
    unknown = deliver(client, "products/create", {"id": 1})
    assert unknown.status_code == 422 and unknown.json()["field"] == "X-Shopify-Topic"
    forged = deliver(client, "orders/create", shopify_order(), key="not-the-key-at-all")
    assert forged.status_code == 401 and forged.json()["error"] == "invalid_signature"
    assert counts() == before


def test_the_entered_key_is_stored_encrypted_and_checked(client, shop, session, token):
    session.refresh(shop)
    assert KEY not in (shop.webhook_secret or "") and shop.webhook_secret.startswith("enc:")
    short = client.put("/api/v1/shops/us/webhook-secret", json={"webhook_secret": "abc"},
                       headers=token("settings:manage"))
    assert short.status_code == 422 and short.json()["field"] == "webhook_secret"
    assert "message_zh" in short.json()


def test_a_cash_on_delivery_order_paid_and_fulfilled_since_its_last_report_moves_through_paid(client, shop,
                                                                                             session):
    deliver(client, "orders/create", shopify_cod_order(9, "+1 541 555 0100"), delivery="p-1")
    done = shopify_cod_order(9, "+1 541 555 0100") | {
        "financial_status": "paid", "fulfillment_status": "fulfilled", "total_outstanding": "0.00",
        "updated_at": "2026-03-04T10:00:00-05:00", "fulfillments": [shopify_fulfillment()]}
    answer = deliver(client, "orders/fulfilled", done, delivery="p-2")
    assert answer.status_code == 200 and answer.json()["status"] == "shipped"
    session.expire_all()
    order = session.scalar(select(Order).where(Order.external_id == "#C9"))
    assert [(h.from_status, h.to_status) for h in order.history] == \
        [(None, "pending"), ("pending", "paid"), ("paid", "shipped")]


def test_a_customer_who_changes_their_email_stays_one_customer_and_keeps_their_phone(client, shop, session):
    first = deliver(client, "customers/create", shopify_customer(updated_at="2026-03-06T11:00:00-05:00"),
                    delivery="e-1").json()
    moved = shopify_customer(email="mei.lin@example.org", phone=None, updated_at="2026-03-07T09:00:00-05:00")
    second = deliver(client, "customers/update", moved, delivery="e-2").json()
    assert second["customer_id"] == first["customer_id"] and second["created"] is False
    buyer = session.get(Customer, first["customer_id"])
    session.refresh(buyer)
    assert (buyer.email, buyer.phone) == ("mei.lin@example.org", "+15415550142")
    assert session.scalar(select(func.count(Customer.id))) == 1


def test_an_order_imported_from_the_export_and_then_updated_by_webhook_counts_its_refund_once(client, shop, session,
                                                                                            tmp_path):
    from ..imports.helpers import run_import

    export = tmp_path / "shopify_refunded.csv"
    export.write_text(
        "Name,Email,Financial Status,Paid at,Currency,Subtotal,Shipping,Taxes,Total,Created at,Lineitem quantity,"
        "Lineitem name,Lineitem price,Lineitem sku,Refunded Amount\n"
        "#1042,mei.lin@example.com,partially_refunded,2026-03-01 10:15:29 -0500,USD,55.00,8.00,4.16,67.16,"
        "2026-03-01 10:15:30 -0500,2,Ceramic Mug - Blue,17.50,MUG-BLUE,18.81\n"
        "#1042,,,,,,,,,,1,Tea Towel,20.00,TOWEL-1,\n", encoding="utf-8")
    run_import(session, export, format="shopify", shop="us")
    assert stored(session).refunded_amount == 1881
    updated = shopify_order(financial_status="partially_refunded", updated_at="2026-03-05T11:00:03-05:00",
                            refunds=[shopify_refund()])
    assert deliver(client, "orders/updated", updated, delivery="x-1").json()["changed"] is True
    order = stored(session)
    assert order.refunded_amount == 1881
    assert [(r.external_id, r.amount) for r in order.refunds] == [("930001234", 1881)]
