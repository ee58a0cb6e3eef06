"""Token authentication, scopes and the OpenAPI description."""

from datetime import timedelta

from shopcx.core import clock
from shopcx.staff import service as staff


def test_no_token_or_a_bad_one_gets_401_json(client):
    answer = client.get("/api/v1/customers")
    assert answer.status_code == 401
    assert answer.json()["error"] == "token_required" and "Bearer" in answer.json()["message"]
    answer = client.get("/api/v1/customers", headers={"Authorization": "Bearer scx_not-a-token"})
    assert answer.status_code == 401
    assert answer.json() == {"error": "invalid_token",
                             "message": "the API token is unknown, revoked or expired"}


def test_missing_scope_gets_403_naming_it(client, token):
    answer = client.get("/api/v1/customers", headers=token("orders:read"))
    assert answer.status_code == 403
    assert answer.json()["error"] == "forbidden" and "customers:read" in answer.json()["message"]
    reader = token("customers:read")
    assert client.post("/api/v1/customers", json={"name": "x"}, headers=reader).status_code == 403


def test_revoked_and_expired_tokens_are_refused(client, session):
    raw, row = staff.create_token(session, name="old", scopes=["customers:read"], actor=staff.SYSTEM,
                                  expires_in_days=1)
    session.flush()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/customers", headers=headers).status_code == 200
    with clock.frozen_at(clock.now() + timedelta(days=2)):
        assert client.get("/api/v1/customers", headers=headers).status_code == 401
    staff.revoke_token(session, row.id, actor=staff.SYSTEM)
    session.flush()
    assert client.get("/api/v1/customers", headers=headers).status_code == 401


def test_x_api_token_header_and_me(client, token):
    raw = token("orders:read", "pii", name="erp")["Authorization"].removeprefix("Bearer ")
    answer = client.get("/api/v1/me", headers={"X-API-Token": raw})
    assert answer.status_code == 200
    assert answer.json() == {"name": "erp", "scopes": ["orders:read", "pii"]}
    assert client.get("/api/v1/me").status_code == 401


def test_openapi_lists_every_route_with_its_security(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    expected = {
        "/api/v1/customers": {"get", "post"}, "/api/v1/customers/{customer_id}": {"get", "put"},
        "/api/v1/customers/{customer_id}/orders": {"get"},
        "/api/v1/shops/{shop_code}/products": {"get", "post"},
        "/api/v1/shops/{shop_code}/products/{sku}": {"get"},
        "/api/v1/shops/{shop_code}/orders": {"post"}, "/api/v1/orders": {"get"},
        "/api/v1/orders/{order_id}": {"get"}, "/api/v1/orders/{order_id}/status": {"post"},
        "/api/v1/orders/{order_id}/shipments": {"post"}, "/api/v1/orders/{order_id}/refunds": {"post"},
        "/api/v1/shops": {"get"}, "/api/v1/shops/{shop_code}/webhook-secret": {"post"},
        "/api/v1/webhooks/{shop_code}/orders": {"post"}, "/api/v1/me": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths.get(path, {})), path
    assert spec["components"]["securitySchemes"]["ApiToken"]["scheme"] == "bearer"
    assert paths["/api/v1/orders"]["get"]["security"] == [{"ApiToken": []}]
    webhook = paths["/api/v1/webhooks/{shop_code}/orders"]["post"]
    assert "security" not in webhook and "X-ShopCX-Signature" in webhook["description"]
    assert webhook["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/OrderIn")
    assert "ErrorOut" in paths["/api/v1/orders/{order_id}/status"]["post"]["responses"]["409"]["content"][
        "application/json"]["schema"]["$ref"]
    assert client.get("/docs").status_code == 200
