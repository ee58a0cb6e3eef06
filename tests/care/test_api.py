"""Care over the API: scopes, a campaign saved, launched and reported, moments, templates with a named error, call
outcomes and parcel scans."""

from datetime import UTC, datetime, timedelta

from shopcx.core import clock

from ..api.conftest import client, token  # noqa: F401
from ..factories import make_order
from ..loyalty.factories import make_program
from .factories import buyer

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
TEMPLATE = {"code": "hi", "name": "Hi", "subject_zh": "{{ name }}，您好", "body_zh": "想念您", "subject_en": "Hi",
            "body_en": "We miss you, {{ name }}"}


def test_campaign_over_the_api(client, token, session):  # noqa: F811
    shop, _ = make_program(session)
    with clock.frozen_at(NOW - timedelta(days=5)):
        for n in range(5):
            make_order(session, shop, customer=buyer(n), placed_at=NOW - timedelta(days=5))
    writer, reader = token("care:write", "care:read", name="ops"), token("care:read", name="bi")
    base = f"/api/v1/shops/{shop.code}/care"
    assert client.post(f"{base}/templates", json=TEMPLATE, headers=reader).status_code == 403
    bad = client.post(f"{base}/templates", json=TEMPLATE | {"body_en": "{{ nick }}"}, headers=writer)
    assert bad.status_code == 422 and bad.json()["error"] == "template_unknown_variable"
    tpl = client.post(f"{base}/templates", json=TEMPLATE, headers=writer).json()
    assert client.post(f"{base}/audience/count", json={"channel": "email"}, headers=reader).json()["count"] == 5
    made = client.post(f"{base}/campaigns", json={"name": "API", "template_id": tpl["id"], "control_share": 0.2},
                       headers=writer)
    assert made.status_code == 201 and made.json()["status"] == "draft"
    launched = client.post(f"/api/v1/care/campaigns/{made.json()['id']}/launch", headers=writer).json()
    assert launched["audience"] == 5 and launched["treatment"] + launched["control"] == 5
    report = client.get(f"/api/v1/care/campaigns/{made.json()['id']}", headers=reader).json()
    assert report["status"] == "sending" and report["progress"]["treatment"] == launched["treatment"]
    listed = client.get(f"{base}/campaigns", headers=reader).json()
    assert listed["total"] == 1


def test_moments_callbacks_and_scans_over_the_api(client, token, session):  # noqa: F811
    shop, _ = make_program(session)
    writer = token("care:write", "care:read", name="ops")
    moment = client.put(f"/api/v1/shops/{shop.code}/care/moments/birthday",
                        json={"enabled": True, "settings": {"days_before": 7}}, headers=writer)
    assert moment.status_code == 200 and moment.json()["settings"]["days_before"] == 7
    bad = client.put(f"/api/v1/shops/{shop.code}/care/moments/birthday", json={"settings": {"days_before": "x"}},
                     headers=writer)
    assert bad.status_code == 422
    assert client.post(f"/api/v1/shops/{shop.code}/care/moments/run", headers=writer).json() == {"birthday": 0}
    order = make_order(session, shop, customer=buyer(9), placed_at=NOW, status="shipped",
                       shipments=[{"carrier": "顺丰速运", "shipped_at": NOW.isoformat()}])
    carrier = token("orders:write", name="carrier")
    body = {"shipment_id": order.shipments[0].id, "status": "in_transit", "at": NOW.isoformat(), "location": "杭州"}
    assert client.post("/api/v1/care/scans", json=body, headers=carrier).json() == {"stored": True}
    assert client.post("/api/v1/care/scans", json=body, headers=carrier).json() == {"stored": False}
    assert client.post("/api/v1/care/scans", json=body | {"status": "lost"}, headers=carrier).status_code == 422
    caller = token("callbacks:work", name="agent")
    assert client.get(f"/api/v1/shops/{shop.code}/care/callbacks", headers=caller).json()["total"] == 0
    assert client.get(f"/api/v1/shops/{shop.code}/care/callbacks", headers=writer).status_code == 403
