"""Products over the API: upsert by SKU, list, get, scopes, validation and audit."""

from ..factories import make_shop

CUP = {"sku": "CUP-1", "name": "保温杯", "category": "厨具", "price_amount": 4990}


def test_upsert_by_sku_is_idempotent_and_audited(client, token, session, counts, audit_actions):
    make_shop(session, code="p1")
    headers = token("products:write", name="pim")
    first = client.post("/api/v1/shops/p1/products", json=CUP, headers=headers)
    assert first.status_code == 201
    assert first.json()["created"] is True and first.json()["product"]["currency"] == "CNY"
    before = counts()
    again = client.post("/api/v1/shops/p1/products", json=CUP, headers=headers)
    assert again.status_code == 200 and (again.json()["created"], again.json()["changed"]) == (False, False)
    assert counts() == before
    cheaper = client.post("/api/v1/shops/p1/products", headers=headers,
                          json={"sku": "CUP-1", "name": "保温杯", "price_amount": 3990})
    assert cheaper.json()["changed"] is True and cheaper.json()["product"]["price_amount"] == 3990
    assert cheaper.json()["product"]["category"] == "厨具"  # left out, so kept
    assert audit_actions("product") == [("product.create", "token:pim"), ("product.update", "token:pim")]


def test_list_and_get(client, token, session):
    make_shop(session, code="p2")
    write, read = token("products:write"), token("products:read")
    for n in range(3):
        client.post("/api/v1/shops/p2/products", headers=write,
                    json={"sku": f"TEA-{n}", "name": f"茶叶{n}", "category": "茶", "price_amount": 1000 + n})
    client.post("/api/v1/shops/p2/products", json=CUP, headers=write)
    page = client.get("/api/v1/shops/p2/products", params={"page_size": 2}, headers=read).json()
    assert page["total"] == 4 and [p["sku"] for p in page["items"]] == ["CUP-1", "TEA-0"]
    teas = client.get("/api/v1/shops/p2/products", params={"category": "茶", "q": "tea-2"},
                      headers=read).json()
    assert [p["sku"] for p in teas["items"]] == ["TEA-2"] and teas["total"] == 1
    one = client.get("/api/v1/shops/p2/products/TEA-1", headers=read)
    assert one.status_code == 200 and one.json()["price_amount"] == 1001
    missing = client.get("/api/v1/shops/p2/products/NOPE", headers=read)
    assert missing.status_code == 404 and missing.json()["field"] == "sku"
    assert client.get("/api/v1/shops/nope/products", headers=read).json()["error"] == "shop_not_found"


def test_scopes_and_validation(client, token, session, counts):
    make_shop(session, code="p3")
    read, write = token("products:read"), token("products:write")
    assert client.post("/api/v1/shops/p3/products", json=CUP, headers=read).status_code == 403
    assert client.get("/api/v1/shops/p3/products", headers=token("orders:read")).status_code == 403
    before = counts()
    negative = client.post("/api/v1/shops/p3/products", json=CUP | {"price_amount": -1}, headers=write)
    assert negative.status_code == 422 and negative.json()["field"] == "price_amount"
    assert negative.json()["message"].startswith("price_amount: ")
    no_name = client.post("/api/v1/shops/p3/products", json={"sku": "X"}, headers=write)
    assert no_name.status_code == 422 and no_name.json()["field"] == "name"
    currency = client.post("/api/v1/shops/p3/products", json=CUP | {"currency": "yuan"}, headers=write)
    assert currency.status_code == 422 and currency.json()["error"] == "invalid_currency"
    assert currency.json()["field"] == "currency"
    assert counts() == before
