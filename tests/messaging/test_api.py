"""Messaging over the API: a buyer's preference link for staff tokens that may send to buyers and see their data."""

from __future__ import annotations

from shopcx.messaging.service import preferences
from shopcx.staff.models import AuditLog

from ..api.conftest import client, token  # noqa: F401


def test_a_preference_link_needs_messaging_write_and_pii(client, token, session, make_buyer):  # noqa: F811
    buyer = make_buyer(3)
    path = f"/api/v1/customers/{buyer.id}/preference-link"
    assert client.post(path, headers=token("messaging:read", name="r")).status_code == 403
    assert client.post(path, headers=token("messaging:write", name="w")).status_code == 403  # no pii
    made = client.post(path, headers=token("messaging:write", "pii", name="wp"))
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["customer_id"] == buyer.id and "/msg/p/" in body["url"]
    assert preferences.customer_for(session, body["url"].rsplit("/", 1)[1]).id == buyer.id
    assert session.query(AuditLog).filter_by(action="messaging.preference_link").count() == 1
    assert client.post("/api/v1/customers/999999/preference-link",
                       headers=token("messaging:write", "pii", name="wp2")).status_code == 404
