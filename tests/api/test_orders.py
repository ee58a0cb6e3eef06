"""Orders over the API: idempotent upsert, lists, detail with late shipments, status, shipments, refunds."""

from datetime import UTC, datetime

import pytest

from shopcx.core import clock

from ..factories import make_shop


def order_body(**overrides) -> dict:
    return {
        "source": "taobao", "external_id": "T1001", "status": "paid",
        "placed_at": "2026-03-01T10:00:00+08:00",
        "customer": {"source": "taobao", "external_id": "buyer-1", "name": "李雷", "phone": "13800138000"},
        "lines": [{"sku": "CUP-1", "name": "保温杯", "quantity": 2, "unit_price_amount": 4990},
                  {"sku": "TEA-1", "name": "茶叶", "quantity": 1, "unit_price_amount": 8800}],
        "shipping_amount": 1000,
    } | overrides


@pytest.fixture
def shop(session):
    return make_shop(session, code="o1")


def post_order(client, headers, shop_code="o1", **overrides):
    return client.post(f"/api/v1/shops/{shop_code}/orders", json=order_body(**overrides), headers=headers)


def test_the_same_order_twice_stores_it_once(client, token, shop, counts, audit_actions):
    headers = token("orders:write", name="erp")
    first = post_order(client, headers)
    assert first.status_code == 201
    assert first.json() | {"order_id": 0} == {"order_id": 0, "created": True, "changed": True,
                                              "status": "paid", "changes": []}
    before = counts()
    assert before["orders"] == 1 and before["lines"] == 2 and before["customers"] == 1
    again = post_order(client, headers)
    assert again.status_code == 200
    assert again.json() == first.json() | {"created": False, "changed": False}
    assert counts() == before
    shipped = post_order(client, headers, status="shipped")
    assert shipped.status_code == 200
    assert (shipped.json()["changed"], shipped.json()["status"]) == (True, "shipped")
    assert audit_actions("order") == [("order.create", "token:erp"), ("order.update", "token:erp")]


def test_list_filters_and_pages(client, token, session, shop):
    make_shop(session, code="o2")
    write, read = token("orders:write"), token("orders:read")
    post_order(client, write, external_id="A1", placed_at="2026-03-01T10:00:00+08:00")
    post_order(client, write, external_id="A2", placed_at="2026-03-02T10:00:00+08:00", status="pending")
    post_order(client, write, external_id="A3", placed_at="2026-03-03T10:00:00+08:00", kind="return",
               customer={"source": "taobao", "external_id": "buyer-2", "name": "韩梅梅"})
    post_order(client, write, shop_code="o2", external_id="B1", placed_at="2026-03-04T10:00:00Z")

    def ids(**params):
        page = client.get("/api/v1/orders", params=params, headers=read).json()
        return [o["external_id"] for o in page["items"]], page["total"]

    assert ids() == (["B1", "A3", "A2", "A1"], 4)
    assert ids(page_size=3, page=2) == (["A1"], 4)
    assert ids(shop="o1") == (["A3", "A2", "A1"], 3)
    assert ids(status="pending") == (["A2"], 1)
    assert ids(kind="return") == (["A3"], 1)
    assert ids(placed_from="2026-03-02T00:00:00+08:00", placed_to="2026-03-03T00:00:00+08:00") == (["A2"], 1)
    assert ids(placed_from="2026-03-04") == (["B1"], 1)  # no zone: UTC
    first = client.get("/api/v1/orders", params={"q": "A1"}, headers=read).json()["items"][0]
    assert ids(customer_id=first["customer_id"]) == (["B1", "A2", "A1"], 3)
    assert first["paid_amount"] == 2 * 4990 + 8800 + 1000 and first["item_count"] == 3
    bad = client.get("/api/v1/orders", params={"status": "lost"}, headers=read)
    assert bad.status_code == 422 and bad.json()["field"] == "status" and "'pending'" in bad.json()["message"]
    too_big = client.get("/api/v1/orders", params={"page_size": 500}, headers=read)
    assert too_big.status_code == 422 and too_big.json()["field"] == "page_size"
    assert client.get("/api/v1/orders", params={"shop": "nope"}, headers=read).status_code == 404


def test_customer_orders_need_both_scopes(client, token, shop):
    post_order(client, token("orders:write"))
    customer_id = client.get("/api/v1/orders", headers=token("orders:read")).json()["items"][0]["customer_id"]
    both = token("customers:read", "orders:read")
    page = client.get(f"/api/v1/customers/{customer_id}/orders", headers=both).json()
    assert page["total"] == 1 and page["items"][0]["external_id"] == "T1001"
    only = client.get(f"/api/v1/customers/{customer_id}/orders", headers=token("customers:read"))
    assert only.status_code == 403 and "orders:read" in only.json()["message"]
    assert client.get("/api/v1/customers/999999/orders", headers=both).status_code == 404


def test_detail_shows_lines_history_refunds_and_late_shipments(client, token, shop):
    write, read = token("orders:write"), token("orders:read")
    shipments = [
        {"carrier": "SF", "tracking_no": "SF1", "shipped_at": "2026-03-01T12:00:00Z",
         "promised_at": "2026-03-03T12:00:00Z", "delivered_at": "2026-03-04T09:00:00Z"},
        {"carrier": "YTO", "tracking_no": "YT2", "shipped_at": "2026-03-01T12:00:00Z",
         "promised_at": "2026-03-05T12:00:00Z"},
    ]
    refunds = [{"external_id": "R1", "amount": 4990, "reason": "破损", "lines": [
        {"line_no": 1, "quantity": 1, "amount": 4990}]}]
    posted = post_order(client, write, status="shipped", shipments=shipments, refunds=refunds)
    order_id = posted.json()["order_id"]
    with clock.frozen_at(datetime(2026, 3, 4, tzinfo=UTC)):
        detail = client.get(f"/api/v1/orders/{order_id}", headers=read).json()
    assert [(s["tracking_no"], s["late"]) for s in detail["shipments"]] == [("SF1", True), ("YT2", False)]
    with clock.frozen_at(datetime(2026, 3, 6, tzinfo=UTC)):
        detail = client.get(f"/api/v1/orders/{order_id}", headers=read).json()
    assert [(s["tracking_no"], s["late"]) for s in detail["shipments"]] == [("SF1", True), ("YT2", True)]
    assert [(line["line_no"], line["sku"], line["total_amount"]) for line in detail["lines"]] == [
        (1, "CUP-1", 9980), (2, "TEA-1", 8800)]
    assert detail["refunds"][0]["lines"] == [{"line_no": 1, "quantity": 1, "amount": 4990}]
    assert detail["refunded_amount"] == 4990 and detail["status"] == "shipped"
    assert [(h["from_status"], h["to_status"]) for h in detail["history"]] == [(None, "shipped")]
    missing = client.get("/api/v1/orders/999999", headers=read)
    assert missing.status_code == 404 and missing.json()["error"] == "order_not_found"


def test_status_changes_through_the_transition_table(client, token, shop, counts, audit_actions):
    headers = token("orders:write", "orders:read", name="ops")
    order_id = post_order(client, headers).json()["order_id"]
    moved = client.post(f"/api/v1/orders/{order_id}/status", json={"status": "shipped", "reason": "发货"},
                        headers=headers)
    assert moved.status_code == 200 and moved.json()["status"] == "shipped"
    last = moved.json()["history"][-1]
    assert (last["from_status"], last["to_status"], last["actor"], last["reason"]) == (
        "paid", "shipped", "token:ops", "发货")
    assert audit_actions("order")[-1] == ("order.status", "token:ops")
    before = counts()
    backwards = client.post(f"/api/v1/orders/{order_id}/status", json={"status": "pending"}, headers=headers)
    assert backwards.status_code == 409
    assert backwards.json() == {"error": "invalid_transition", "field": "status",
                                "message": "status: an order that is shipped cannot become pending"}
    same = client.post(f"/api/v1/orders/{order_id}/status", json={"status": "shipped"}, headers=headers)
    assert same.status_code == 200 and len(same.json()["history"]) == 2
    unknown = client.post(f"/api/v1/orders/{order_id}/status", json={"status": "lost"}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["field"] == "status"
    assert counts() == before
    assert client.post(f"/api/v1/orders/{order_id}/status", json={"status": "delivered"},
                       headers=token("orders:read")).status_code == 403


def test_refunds_once_per_id_and_never_more_than_paid(client, token, shop, counts, audit_actions):
    headers = token("orders:write", name="cs")
    order_id = post_order(client, headers).json()["order_id"]  # paid 19780
    before = counts()
    too_large = client.post(f"/api/v1/orders/{order_id}/refunds", json={"external_id": "R9", "amount": 19781},
                            headers=headers)
    assert too_large.status_code == 422
    assert too_large.json()["error"] == "refund_too_large" and "19780" in too_large.json()["message"]
    unknown_line = client.post(f"/api/v1/orders/{order_id}/refunds", headers=headers, json={
        "external_id": "R8", "amount": 100, "lines": [{"line_no": 7, "quantity": 1, "amount": 100}]})
    assert unknown_line.status_code == 422 and unknown_line.json()["field"] == "refunds.lines.line_no"
    assert counts() == before
    first_refund = {"external_id": "R1", "amount": 4990, "reason": "少发",
                    "lines": [{"line_no": 1, "quantity": 1, "amount": 4990}]}
    partial = client.post(f"/api/v1/orders/{order_id}/refunds", json=first_refund, headers=headers)
    assert partial.status_code == 201
    assert partial.json()["refund"]["lines"] == [{"line_no": 1, "quantity": 1, "amount": 4990}]
    assert (partial.json()["order_status"], partial.json()["refunded_amount"]) == ("paid", 4990)
    replay = client.post(f"/api/v1/orders/{order_id}/refunds", json=first_refund, headers=headers)
    assert replay.status_code == 200
    assert (replay.json()["created"], replay.json()["refunded_amount"]) == (False, 4990)
    rest = client.post(f"/api/v1/orders/{order_id}/refunds", json={"external_id": "R2", "amount": 14790},
                       headers=headers)
    assert rest.status_code == 201 and rest.json()["order_status"] == "refunded"
    assert [a for a in audit_actions("order") if a[0] == "order.refund"] == [("order.refund", "token:cs")] * 2
    negative = client.post(f"/api/v1/orders/{order_id}/refunds", json={"external_id": "R3", "amount": 0},
                           headers=headers)
    assert negative.status_code == 422 and negative.json()["field"] == "amount"
    pending_id = post_order(client, headers, external_id="T2", status="pending").json()["order_id"]
    unpaid = client.post(f"/api/v1/orders/{pending_id}/refunds", json={"external_id": "R1", "amount": 1},
                         headers=headers)
    assert unpaid.status_code == 409 and unpaid.json()["error"] == "not_paid"


def test_shipments_are_added_then_updated_by_tracking_number(client, token, shop, audit_actions):
    headers = token("orders:write", name="wms")
    order_id = post_order(client, headers).json()["order_id"]
    shipment = {"carrier": "SF", "tracking_no": "SF9", "promised_at": "2026-03-03T12:00:00Z"}
    with clock.frozen_at(datetime(2026, 3, 4, tzinfo=UTC)):
        added = client.post(f"/api/v1/orders/{order_id}/shipments", json=shipment, headers=headers)
    assert added.status_code == 201 and added.json()["shipment"]["late"] is True
    delivered = shipment | {"delivered_at": "2026-03-03T08:00:00Z", "damaged": True}
    updated = client.post(f"/api/v1/orders/{order_id}/shipments", json=delivered, headers=headers)
    assert updated.status_code == 200 and updated.json()["changed"] is True
    assert updated.json()["shipment"]["late"] is False and updated.json()["shipment"]["damaged"] is True
    again = client.post(f"/api/v1/orders/{order_id}/shipments", json=delivered, headers=headers)
    assert (again.status_code, again.json()["created"], again.json()["changed"]) == (200, False, False)
    assert [a for a in audit_actions("order") if "shipment" in a[0]] == [
        ("order.shipment_add", "token:wms"), ("order.shipment_update", "token:wms")]
    naive = client.post(f"/api/v1/orders/{order_id}/shipments", json={"promised_at": "2026-03-03T12:00:00"},
                        headers=headers)
    assert naive.status_code == 422 and naive.json()["field"] == "promised_at"


@pytest.mark.parametrize(("change", "field"), [
    ({"placed_at": None}, "placed_at"),
    ({"placed_at": "2026-03-01T10:00:00"}, "placed_at"),
    ({"lines": [{"sku": "X", "unit_price_amount": 100}]}, "lines.0.quantity"),
    ({"lines": [{"sku": "X", "quantity": "two", "unit_price_amount": 100}]}, "lines.0.quantity"),
    ({"kind": "gift"}, "kind"),
    ({"currency": "yuan"}, "currency"),
    ({"customer": {"source": "taobao", "external_id": "b", "phone": "12ab"}}, "phone"),
    ({"coupon": "X"}, "coupon"),
])
def test_bad_orders_are_refused_naming_the_field(client, token, shop, counts, change, field):
    headers = token("orders:write")
    before = counts()
    body = {k: v for k, v in (order_body() | change).items() if v is not None}
    answer = client.post("/api/v1/shops/o1/orders", json=body, headers=headers)
    assert answer.status_code == 422, answer.json()
    assert answer.json()["field"] == field and answer.json()["message"].startswith(f"{field}: ")
    assert counts() == before


def test_a_failing_order_leaves_no_customer_behind(client, token, shop, counts):
    headers = token("orders:write")
    before = counts()
    # The customer and the order are flushed before the refund is found to be too large.
    answer = post_order(client, headers, refunds=[{"external_id": "R1", "amount": 99999999}])
    assert answer.status_code == 422 and answer.json()["error"] == "refund_too_large"
    assert counts() == before
    assert client.post("/api/v1/shops/nope/orders", json=order_body(), headers=headers).status_code == 404
