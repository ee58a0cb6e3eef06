# ruff: noqa: F811  (the API suite's fixtures are imported below and used as test arguments)
"""Tickets pushed from outside over the API (both backends): the signed webhook (idempotent on the sender's id,
refused unsigned or malformed with nothing stored), a 差评 care case taken over by one ticket with its history, the
category suggested from the words and changed by staff, a survey detractor once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from shopcx.core import clock, security
from shopcx.desk import service as desk
from shopcx.desk.channels import hooks
from shopcx.desk.models import Ticket, TicketEvent, TicketMessage
from shopcx.reviews import service as reviews
from shopcx.reviews.schemas import ContactIn, ReviewIn
from shopcx.shops.models import Shop
from shopcx.staff.service import SYSTEM, Actor

from ..api.conftest import client, token  # noqa: F401
from ..factories import make_order, make_shop

KEY = "desk-hook-key-2026"
AT = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)


@pytest.fixture
def shop(session) -> Shop:
    shop = make_shop(session, code="hooked", platform="taobao")
    shop.webhook_secret = security.encrypt_text(KEY)
    make_order(session, shop, external_id="TB5501", customer={"source": "taobao", "external_id": "b1", "name": "甲"},
               shipments=[{"carrier": "中通快递", "tracking_no": "ZT1", "shipped_at": "2026-03-01T03:00:00Z"}])
    session.flush()
    return shop


def hook(client, payload: dict | bytes, key: str = KEY):
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    signature = "sha256=" + security.hmac_sha256_hex(key, body)
    return client.post("/api/v1/webhooks/hooked/tickets", content=body,
                       headers={"X-ShopCX-Signature": signature, "Content-Type": "application/json"})


def count(session, model=Ticket) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_signed_delivery_makes_one_ticket_and_a_replay_nothing(client, session, shop):
    payload = {"id": "chat-881", "subject": "物流太慢", "body": "快递一个星期还没到", "order": "TB5501",
               "links": ["https://img.example.com/track.png"]}
    made = hook(client, payload)
    assert made.status_code == 201, made.text
    assert made.json()["duplicate"] is False
    ticket = session.get(Ticket, made.json()["ticket_id"])
    assert ticket.channel == "webhook" and ticket.order_id is not None and ticket.shipment_id is not None
    assert ticket.category == "logistics"  # suggested from the words
    again = hook(client, payload)
    assert again.status_code == 200 and again.json() == {"ticket_id": ticket.id, "duplicate": True}
    assert count(session) == 1 and count(session, TicketMessage) == 1


@pytest.mark.parametrize("body, key, status, code", [
    ({"id": "x1", "subject": "s", "body": "b"}, "wrong-key-000", 401, "invalid_signature"),
    (b"{not json", KEY, 422, "invalid_input"),
    ({"id": "x2", "subject": "s"}, KEY, 422, "invalid_input"),
    ({"id": "x3", "subject": "s", "body": "b", "order": "NOPE"}, KEY, 404, "order_not_found"),
    ({"id": "x4", "subject": "s", "body": "b", "links": ["javascript:alert(1)"]}, KEY, 422, "invalid_link"),
])
def test_bad_deliveries_are_refused_and_store_nothing(client, session, shop, body, key, status, code):
    refused = hook(client, body, key)
    assert refused.status_code == status, refused.text
    assert refused.json()["error"] == code
    assert count(session) == 0


def test_a_care_case_is_taken_over_by_one_ticket_with_its_history(client, session, shop, token):
    with clock.frozen_at(AT):
        stored = reviews.record_review(session, shop, ReviewIn(
            external_id="R-9", order_external_id="TB5501", stars=1, text="杯子质量太差，用两天就坏了",
            reviewed_at=AT), actor=SYSTEM)
        case = reviews.get_case(session, stored.case_id)
        reviews.log_contact(session, case, ContactIn(channel="phone", result="reached", note="买家要求换货"),
                            actor=SYSTEM)
    headers = token("desk:write", "desk:read")
    first = client.post(f"/api/v1/review-cases/{case.id}/ticket", headers=headers)
    assert first.status_code == 201, first.text
    ticket = session.get(Ticket, first.json()["ticket_id"])
    assert ticket.channel == "review" and ticket.priority == "high" and ticket.category == "quality"
    assert ticket.order_id is not None and ticket.customer_id == case.customer_id
    notes = [m.body for m in desk.thread(session, ticket) if m.kind == "note"]
    assert len(notes) == 1 and f"评价关怀单 #{case.id}" in notes[0] and "买家要求换货" in notes[0]
    shown = client.get(f"/api/v1/tickets/{ticket.id}", headers=headers).json()["messages"]
    note = next(m for m in shown if m["kind"] == "note")
    assert note["code"] == "desk.note.case_taken_over" and note["params"]["case"] == case.id
    again = client.post(f"/api/v1/review-cases/{case.id}/ticket", headers=headers)
    assert again.json()["ticket_id"] == ticket.id and count(session) == 1
    assert hooks.ticket_for_case(session, case.id).id == ticket.id
    assert client.post("/api/v1/review-cases/99999/ticket", headers=headers).status_code == 404


def test_staff_change_the_suggested_category_and_the_history_keeps_both(client, session, shop, token):
    made = hook(client, {"id": "c-1", "subject": "外箱压坏了", "body": "包装破损"})
    ticket = session.get(Ticket, made.json()["ticket_id"])
    assert ticket.category == "packaging"
    changed = client.put(f"/api/v1/tickets/{ticket.id}/category", json={"category": "logistics"},
                         headers=token("desk:write"))
    assert changed.status_code == 200 and changed.json()["category"] == "logistics"
    events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                       TicketEvent.kind == "category").order_by(TicketEvent.id)).all()
    assert [(e.before, e.after, e.actor) for e in events][0] == (None, "packaging", "system:text")
    assert (events[1].before, events[1].after) == ("packaging", "logistics")
    bad = client.put(f"/api/v1/tickets/{ticket.id}/category", json={"category": "weather"},
                     headers=token("desk:write"))
    assert bad.status_code == 422


def test_a_survey_detractor_makes_one_ticket(session, shop):
    first = hooks.ticket_from_survey(session, shop, response_id=77, customer_id=None, summary="NPS 2: 客服不理人")
    again = hooks.ticket_from_survey(session, shop, response_id=77, customer_id=None, summary="NPS 2: 客服不理人")
    assert first.id == again.id and first.channel == "survey" and first.category == "service"
    assert count(session) == 1


def test_a_staff_ticket_without_category_gets_one_suggested_and_an_explicit_one_is_kept(session, shop):
    manager = Actor(label="经理", role="manager")
    guessed = desk.create_ticket(session, shop, channel="phone", subject="来电", body="质量不行，开裂了",
                                 actor=manager, assign=False)
    chosen = desk.create_ticket(session, shop, channel="phone", subject="来电", body="质量不行，开裂了",
                                category="price", actor=manager, assign=False)
    assert guessed.category == "quality" and chosen.category == "price"
