# ruff: noqa: F811  (the API suite's fixtures are imported below and used as test arguments)
"""The agent's tools over JSON: answers (list, preview, send), compensation (a token has no limit of its own: a
request; a token cannot decide), promises (make, close, keeping) and the scopes they need."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.desk import service as desk
from shopcx.desk.records import Compensation
from shopcx.desk.service import answers, authority
from shopcx.staff.service import SYSTEM

from ..api.conftest import client, token  # noqa: F401
from ..factories import make_order
from ..loyalty.factories import make_program
from .factories import person

THU = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)


@pytest.fixture
def ticket(session):
    shop, _ = make_program(session)
    make_order(session, shop, external_id="JD20260301", customer={"source": "jd", "external_id": "u1", "name": "李雷"},
               shipments=[{"carrier": "京东物流", "tracking_no": "JDV001"}])
    answers.save_answer(session, shop, title="物流", body_zh="{buyer_name}您好，{carrier}单号{tracking_no}。",
                        body_en="", actor=SYSTEM)
    with clock.frozen_at(THU):
        made = desk.create_ticket(session, shop, channel="api", subject="物流", body="到哪了", order="JD20260301",
                                  actor=SYSTEM, assign=False)
    session.flush()
    return made


def test_answers_over_json(client, token, ticket, session):
    headers = token("desk:read", "desk:write")
    listed = client.get(f"/api/v1/shops/{_code(session, ticket)}/answers", headers=headers)
    assert listed.status_code == 200 and listed.json()[0]["title"] == "物流"
    answer_id = listed.json()[0]["id"]
    shown = client.get(f"/api/v1/tickets/{ticket.id}/answers/{answer_id}/preview", headers=headers)
    assert shown.json() == {"text": "李雷您好，京东物流单号JDV001。", "missing": []}
    with clock.frozen_at(THU):
        sent = client.post(f"/api/v1/tickets/{ticket.id}/answers/{answer_id}", json={}, headers=headers)
    assert sent.status_code == 201 and sent.json()["text"] == "李雷您好，京东物流单号JDV001。"
    guard = client.post(f"/api/v1/tickets/{ticket.id}/answers/{answer_id}", json={"body": "好评返现5元"},
                        headers=headers)
    assert guard.status_code == 422
    assert client.get(f"/api/v1/tickets/{ticket.id}/answers/{answer_id}/preview",
                      headers=token("customers:read")).status_code == 403


def _code(session, ticket):
    from shopcx.shops import service as shops

    return shops.get_shop_by_id(session, ticket.shop_id).code


def test_compensation_from_a_token_is_a_request_a_person_decides(client, token, ticket, session):
    headers = token("desk:read", "desk:write")
    asked = client.post(f"/api/v1/tickets/{ticket.id}/compensation",
                        json={"kind": "points", "value": 200, "reason": "物流慢，致歉"}, headers=headers)
    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    row_id = asked.json()["id"]
    refused = client.post(f"/api/v1/compensation/{row_id}/decision", json={"approve": True}, headers=headers)
    assert refused.status_code == 403
    authority.decide(session, row_id, approve=True, actor=person(session, "manager", "jingli"))
    listed = client.get(f"/api/v1/tickets/{ticket.id}/compensation", headers=headers).json()
    assert listed[0]["status"] == "granted" and listed[0]["issued_ref"].startswith("points_entry:")
    over = client.post(f"/api/v1/tickets/{ticket.id}/compensation",
                       json={"kind": "refund", "value": 99_000_000, "reason": "全退"}, headers=headers)
    assert over.status_code == 422 and over.json()["error"] == "compensation_above_every_limit"
    assert session.scalar(select(Compensation).where(Compensation.kind == "refund")) is None


def test_promises_over_json(client, token, ticket, session):
    headers = token("desk:read", "desk:write")
    with clock.frozen_at(THU):
        made = client.post(f"/api/v1/tickets/{ticket.id}/promises",
                           json={"what": "明天补发", "due_at": "2026-03-06T18:00:00+08:00"}, headers=headers)
        assert made.status_code == 201 and made.json()["status"] == "open"
        naive = client.post(f"/api/v1/tickets/{ticket.id}/promises", json={"what": "x", "due_at": "2026-03-06T18:00"},
                            headers=headers)
        assert naive.status_code == 422
    closed = client.post(f"/api/v1/promises/{made.json()['id']}/close", json={"kept": True, "evidence": "JDV002"},
                         headers=headers)
    assert closed.json()["status"] == "kept"
    keeping = client.get("/api/v1/promises/keeping", headers=headers).json()
    assert keeping["shop"] == {"kept": 1, "broken": 0, "open": 0, "rate": 1.0}
    assert client.post(f"/api/v1/tickets/{ticket.id}/promises", json={"what": "x", "due_at": "2026-03-06T18:00:00Z"},
                       headers=token("desk:read")).status_code == 403
