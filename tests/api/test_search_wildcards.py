"""Search treats % and _ as the characters they are, never as LIKE wildcards (issue 12 item 11)."""

from __future__ import annotations

import pytest

from shopcx.loyalty import repository as loyalty_repository
from shopcx.staff import repository as staff_repository
from shopcx.staff.service import Actor, audit

from ..factories import make_order, make_shop
from ..loyalty.factories import make_member, make_program


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="wild")
    make_order(session, shop, external_id="W1", customer={"source": "taobao", "external_id": "b1", "name": "王小明"},
               lines=[{"sku": "CUP_1", "name": "保温杯", "quantity": 1, "unit_price_amount": 4990}])
    make_order(session, shop, external_id="W2", customer={"source": "taobao", "external_id": "b2",
                                                           "name": "满100%返"},
               lines=[{"sku": "CUPX1", "name": "茶杯", "quantity": 1, "unit_price_amount": 2990}])
    session.flush()
    return shop


@pytest.mark.parametrize(("path", "key"), [("/api/v1/customers", "name"), ("/api/v1/orders", "buyer_name")])
def test_percent_and_underscore_match_only_themselves(client, token, shop, path, key):
    headers = token()
    everyone = client.get(path, params={"q": "%"}, headers=headers).json()["items"]
    assert [item[key] for item in everyone] == ["满100%返"]
    assert client.get(path, params={"q": "_"}, headers=headers).json()["items"] == []
    assert [i[key] for i in client.get(path, params={"q": "小"}, headers=headers).json()["items"]] == ["王小明"]


def test_product_search_by_sku_with_an_underscore(client, token, shop):
    found = client.get("/api/v1/shops/wild/products", params={"q": "cup_"}, headers=token()).json()["items"]
    assert [p["sku"] for p in found] == ["CUP_1"]  # not CUPX1, which '_' as a wildcard would also match


def test_review_text_search(client, token, shop):
    headers = token("reviews:write", "reviews:read")
    for n, (order_id, text) in enumerate((("W1", "打了5折"), ("W2", "满100%返现"))):
        body = {"external_id": f"RW{n}", "order_external_id": order_id, "stars": 5, "text": text,
                "reviewed_at": "2026-03-10T02:00:00Z"}
        assert client.post("/api/v1/shops/wild/reviews", json=body, headers=headers).status_code == 201
    found = client.get("/api/v1/reviews", params={"q": "%"}, headers=headers).json()["items"]
    assert [r["external_id"] for r in found] == ["RW1"]


def test_loyalty_member_and_audit_searches(session, shop):
    _, program = make_program(session, shop)
    make_member(session, program, external_id="m1", name="李_四")
    make_member(session, program, external_id="m2", name="李X四")
    rows, total = loyalty_repository.search_members(session, program.program.id, query="李_", by_contacts=False)
    assert total == 1 and [r.name for r in rows] == ["李_四"]
    audit(session, Actor(label="ops_1"), "test.action", "shop", shop.id)
    audit(session, Actor(label="opsX1"), "test.action", "shop", shop.id)
    session.flush()
    rows, total = staff_repository.audit_page(session, offset=0, limit=10, actor="ops_")
    assert [r.actor for r in rows] == ["ops_1"]
