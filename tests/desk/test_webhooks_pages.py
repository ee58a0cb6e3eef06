# ruff: noqa: F811  (the web and API suites' fixtures are imported below and used as test arguments)
"""The webhooks tab of the desk settings and its API twin (both backends): add a subscription (the secret shown
once), change it, refusals next to the form naming the field, the delivery log with each try's outcome and the
button that sends a failed one again; only managers; both languages."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from shopcx.core import clock, security
from shopcx.desk import service as desk
from shopcx.desk.webhooks.tables import DeskWebhook, DeskWebhookDelivery
from shopcx.staff.service import Actor

from ..api.conftest import token  # noqa: F401
from ..factories import make_shop
from ..web.conftest import client, login, make_user  # noqa: F401

THU = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
MANAGER = Actor(label="经理", role="manager")
PAGE = "/desk/settings/webhooks?shop=whp"


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="whp", name="推送设置店")
    session.flush()
    return shop


def text_of(page) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.text))


def test_a_manager_adds_a_webhook_sees_its_secret_once_and_changes_it(session, shop, login):
    manager = login("manager")
    page = manager.get(PAGE)
    assert page.status_code == 200 and 'data-tab="webhooks"' in page.text and "尚未推送" in text_of(page)
    made = manager.post("/desk/settings/webhooks", {"shop": "whp", "url": "https://erp.example.com/desk",
                                                    "events": ["ticket.created", "ticket.replied"], "active": "1"})
    assert made.status_code == 200
    secret = re.search(r"<code data-secret>([^<]+)</code>", made.text).group(1)
    row = session.scalar(select(DeskWebhook).where(DeskWebhook.shop_id == shop.id))
    assert row.events == ["ticket.created", "ticket.replied"] and row.is_active and not row.pii
    assert row.secret.startswith("enc:") and security.decrypt_text(row.secret) == secret and len(secret) >= 16
    again = manager.get(PAGE)
    assert secret not in again.text and "https://erp.example.com/desk" in again.text  # never shown again
    changed = manager.post(f"/desk/settings/webhooks/{row.id}", {"shop": "whp", "url": "https://erp.example.com/v2",
                                                                 "events": ["ticket.status_changed"]})
    assert changed.status_code == 200 and "data-secret" not in changed.text
    session.expire_all()
    assert (row.url, row.events, row.is_active) == ("https://erp.example.com/v2", ["ticket.status_changed"], False)
    assert security.decrypt_text(row.secret) == secret  # kept unless a new one is asked for


def test_refusals_are_shown_next_to_the_form_in_the_readers_language(session, shop, login):
    en = login("manager", "en-manager", locale="en")
    bad = en.post("/desk/settings/webhooks", {"shop": "whp", "url": "ftp://erp.example.com",
                                              "events": "ticket.created"})
    assert bad.status_code == 422 and 'data-error-for="new"' in bad.text
    assert "Address: enter an http:// or https:// address." in text_of(bad)
    assert 'value="ftp://erp.example.com"' in bad.text  # what was typed is kept
    zh = login("manager", "zh-manager")
    none = zh.post("/desk/settings/webhooks", {"shop": "whp", "url": "https://erp.example.com/desk"})
    assert none.status_code == 422 and "事件：请至少选择一个事件。" in text_of(none)
    assert session.scalar(select(DeskWebhook)) is None


def test_agents_cannot_open_the_tab(session, shop, login):
    assert login("agent").get(PAGE).status_code == 403


def test_the_log_shows_each_delivery_and_sends_a_failed_one_again(session, shop, login):
    from shopcx.desk.webhooks import service

    hook, _ = service.save_subscription(session, shop, url="http://127.0.0.1:9/x", events=["ticket.created"],
                                        actor=MANAGER)
    with clock.frozen_at(THU):
        desk.create_ticket(session, shop, channel="phone", subject="推送", body="推送", assign=False, actor=MANAGER)
    session.flush()
    from shopcx.core import jobs

    jobs.dispatch_outbox()
    session.expire_all()
    [row] = session.scalars(select(DeskWebhookDelivery)).all()
    row.status, row.next_attempt_at = "failed", None  # as after the last try
    session.flush()
    en = login("manager", "en-log", locale="en")
    page = en.get(PAGE)
    cell = re.search(rf'<tr data-delivery="{row.id}" data-status="failed">(.*?)</tr>', page.text, re.S).group(1)
    assert "Ticket created" in cell and f"evt_{row.event_id}" in cell and "Failed" in cell and "ConnectError" in cell
    again = en.post(f"/desk/settings/webhooks/deliveries/{row.id}/retry", {"shop": "whp"})
    assert again.status_code == 303
    session.expire_all()
    assert row.status == "retry" and row.next_attempt_at is not None
    zh = login("manager", "zh-log").get(PAGE)
    assert "将重试" in zh.text and "新建工单" in zh.text


def test_the_api_twin_adds_lists_changes_and_retries(session, shop, client, token):
    headers = token("desk:settings")
    made = client.post("/api/v1/shops/whp/desk/webhooks", headers=headers,
                       json={"url": "https://erp.example.com/desk", "events": ["promise.broken"]})
    assert made.status_code == 201, made.text
    body = made.json()
    assert len(body["secret"]) >= 16 and body["events"] == ["promise.broken"] and body["pii"] is False
    listed = client.get("/api/v1/shops/whp/desk/webhooks", headers=headers).json()
    assert [h["id"] for h in listed] == [body["id"]] and listed[0]["secret"] is None
    pii = client.put(f"/api/v1/shops/whp/desk/webhooks/{body['id']}", headers=headers,
                     json={"url": "https://erp.example.com/desk", "events": ["promise.broken"], "pii": True})
    assert pii.status_code == 403 and pii.json()["field"] == "pii"  # the token itself may not see contacts
    rotated = client.put(f"/api/v1/shops/whp/desk/webhooks/{body['id']}", headers=headers,
                         json={"url": "https://erp.example.com/desk", "events": ["promise.broken"],
                               "new_secret": True})
    assert rotated.status_code == 200 and rotated.json()["secret"] not in (None, body["secret"])
    bad = client.post("/api/v1/shops/whp/desk/webhooks", headers=headers, json={"url": "x", "events": ["nope"]})
    assert bad.status_code == 422
    log = client.get("/api/v1/shops/whp/desk/webhooks/deliveries", headers=headers).json()
    assert log == {"items": [], "total": 0, "page": 1, "page_size": log["page_size"]}
    assert client.get("/api/v1/shops/whp/desk/webhooks", headers=token("desk:read", "desk:write")).status_code == 403
    missing = client.post("/api/v1/shops/whp/desk/webhooks/deliveries/999/retry", headers=headers)
    assert missing.status_code == 404 and missing.json()["field"] == "delivery"


def test_the_log_pages_fifty_at_a_time_and_the_pager_swaps_the_log_alone(session, shop, login):
    from shopcx.desk.webhooks import service

    hook, _ = service.save_subscription(session, shop, url="https://erp.example.com/d", events=["ticket.created"],
                                        actor=MANAGER)
    session.add_all([DeskWebhookDelivery(webhook_id=hook.id, event_id=n, event_type="ticket.created", body="{}",
                                         status="delivered", attempts=1, created_at=THU) for n in range(1, 52)])
    session.flush()
    manager = login("manager")
    first = manager.get(PAGE)
    assert first.text.count("data-delivery=") == 50 and "第 1 / 2 页" in text_of(first)
    second = manager.htmx_get(PAGE + "&page=2", target="log")
    assert second.status_code == 200 and second.text.count("data-delivery=") == 1 and "<html" not in second.text
    assert 'data-delivery="' in second.text and "evt_1<" in second.text  # the oldest, on the last page
