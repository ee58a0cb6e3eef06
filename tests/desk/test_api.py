# ruff: noqa: F811  (the API suite's fixtures are imported below and used as test arguments)
"""The desk's JSON API: create, list, read, add a message, transition; scopes; the reply guard; masking."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.desk.models import Ticket, TicketMessage

from ..api.conftest import client, token  # noqa: F401
from ..factories import make_order, make_shop

THU = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)  # Thu 5 Mar 2026 10:00 in Shanghai


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="jd1")
    make_order(session, shop, external_id="JD20260301", shipments=[{"carrier": "京东物流", "tracking_no": "JDV001"}])
    session.flush()
    return shop


def new(client, headers, **fields):
    body = {"channel": "email", "subject": "发票开错了", "body": "买家邮件：发票抬头写错，请重开。电话 13812345678",
            "order": "JD20260301", "priority": "high", "assign": False} | fields
    return client.post("/api/v1/shops/jd1/tickets", json=body, headers=headers)


def test_create_list_read_reply_and_resolve(client, token, shop, session):
    headers = token("desk:read", "desk:write", "pii")
    with clock.frozen_at(THU):
        made = new(client, headers)
        assert made.status_code == 201, made.text
        ticket = made.json()
        assert ticket["status"] == "new" and ticket["order_id"] and ticket["shipment_id"]
        clocks = {c["metric"]: c for c in ticket["clocks"]}
        # high priority defaults: first response 60 working minutes → Thu 11:00 Shanghai
        assert clocks["first_response"]["due_at"] == "2026-03-05T03:00:00Z"
        assert "13812345678" in ticket["messages"][0]["body"]
        replied = client.post(f"/api/v1/tickets/{ticket['id']}/messages", headers=headers,
                              json={"kind": "reply", "body": "您好，已为您重开发票，请查收。"})
        assert replied.status_code == 201 and replied.json()["status"] == "open"
        listed = client.get("/api/v1/tickets", params={"status": "open", "shop": "jd1"}, headers=headers)
        assert listed.status_code == 200 and [t["id"] for t in listed.json()["items"]] == [ticket["id"]]
        refused = client.post(f"/api/v1/tickets/{ticket['id']}/transition", headers=headers,
                              json={"status": "resolved"})
        assert refused.status_code == 422 and refused.json()["field"] == "root_cause"
        done = client.post(f"/api/v1/tickets/{ticket['id']}/transition", headers=headers,
                           json={"status": "resolved", "root_cause": "开票信息录入错误"})
        assert done.status_code == 200 and done.json()["status"] == "resolved"
        wrong = client.post(f"/api/v1/tickets/{ticket['id']}/transition", headers=headers,
                            json={"status": "waiting_us"})
        assert wrong.status_code == 409 and wrong.json()["error"] == "invalid_transition"


def test_a_reply_offering_money_for_a_review_is_refused_and_not_stored(client, token, shop, session):
    headers = token("desk:read", "desk:write")
    ticket = new(client, headers).json()
    before = session.scalar(select(func.count(TicketMessage.id)))
    refused = client.post(f"/api/v1/tickets/{ticket['id']}/messages", headers=headers,
                          json={"kind": "reply", "body": "好评返现，晒图再送小礼品"})
    assert refused.status_code == 422 and refused.json()["field"] == "body"
    assert session.scalar(select(func.count(TicketMessage.id))) == before


def test_scopes_and_masking(client, token, shop, session):
    writer = token("desk:read", "desk:write")
    ticket = new(client, writer).json()
    assert ticket["messages"][0]["body"].endswith("电话 138****5678")  # no pii scope: the phone is masked
    reader = token("desk:read")
    assert client.get(f"/api/v1/tickets/{ticket['id']}", headers=reader).status_code == 200
    assert new(client, reader).status_code == 403
    assert client.post(f"/api/v1/tickets/{ticket['id']}/messages", headers=reader,
                       json={"kind": "note", "body": "x"}).status_code == 403
    assert client.get("/api/v1/tickets", headers=token("orders:read")).status_code == 403
    count = session.scalar(select(func.count(Ticket.id)))
    unknown = new(client, writer, order="NOPE-1")
    assert unknown.status_code == 404 and unknown.json()["field"] == "order"
    assert new(client, writer, channel="fax").json()["field"] == "channel"
    assert session.scalar(select(func.count(Ticket.id))) == count
    assert client.get("/api/v1/tickets/999999", headers=reader).status_code == 404


def test_replaying_a_ticket_with_the_same_key_makes_no_second_one(client, token, shop, session):
    headers = token("desk:read", "desk:write")
    first = new(client, headers, key="mail-<20260305.1@example.com>")
    again = new(client, headers, key="mail-<20260305.1@example.com>", subject="changed on replay")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["subject"] == "发票开错了"
    assert len(again.json()["messages"]) == 1
    assert session.scalar(select(func.count(Ticket.id))) == 1
    other = new(client, headers, key="mail-<20260305.2@example.com>")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


def test_the_breaching_soon_view(client, token, shop):
    headers = token()
    with clock.frozen_at(THU):
        made = new(client, headers, priority="normal")
        assert made.status_code == 201, made.text
    # normal: first response in 240 working minutes, the warning after 180 (Thu 13:00 Shanghai), due at 14:00
    for at, expected in ((datetime(2026, 3, 5, 4, 59, tzinfo=UTC), []),
                         (datetime(2026, 3, 5, 5, 30, tzinfo=UTC), [made.json()["id"]]),
                         (datetime(2026, 3, 5, 6, 1, tzinfo=UTC), [])):
        with clock.frozen_at(at):
            listed = client.get("/api/v1/tickets", params={"breaching_soon": "true"}, headers=headers)
        assert listed.status_code == 200 and [t["id"] for t in listed.json()["items"]] == expected, at
