# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The staff messaging page (settings, test send, log, agents' list) and the buyer's unsubscribe and click pages."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from shopcx.core import clock
from shopcx.messaging import links, service
from shopcx.messaging.models import Message
from shopcx.messaging.sender import send_due

from ..web.conftest import client, login, make_user  # noqa: F401

NOON = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _noon():
    with clock.frozen_at(NOON):
        yield


def test_owner_sets_quiet_hours_and_caps_in_both_languages(session, shop, login):
    owner = login("owner")
    page = owner.get("/messages")
    assert page.status_code == 200 and "免打扰时段" in page.text and "messaging-settings-form" in page.text
    saved = owner.post("/messages/settings", {"shop": shop.id, "quiet_start": "22:00", "quiet_end": "08:30",
                                              "cap_day": "1", "cap_week": "3", "cap_month": "6",
                                              "require_opt_in": "1"})
    assert saved.status_code == 303
    assert service.current(session, shop.id) | {} == {"sandbox": False, "require_opt_in": True,
                                                      "quiet_start": "22:00", "quiet_end": "08:30",
                                                      "cap_day": 1, "cap_week": 3, "cap_month": 6}
    bad = owner.post("/messages/settings", {"shop": shop.id, "quiet_start": "25:99", "quiet_end": "08:00"})
    assert bad.status_code == 422 and "21:00" in bad.text
    assert service.current(session, shop.id)["quiet_start"] == "22:00"
    english = login("manager", locale="en").get("/messages")
    assert "Quiet hours" in english.text and "Message log" in english.text


def test_analyst_reads_the_log_but_cannot_change(session, shop, make_buyer, login):
    buyer = make_buyer(1)
    service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="survey", occasion="w",
                          channel="email", body="您好")
    send_due()
    analyst = login("analyst")
    page = analyst.get("/messages?status=sent")
    assert page.status_code == 200 and "sandbox" in page.text and 'name="quiet_start"' in page.text
    assert "问卷邀请" in page.text  # the purpose by its name, not "survey"
    assert analyst.post("/messages/settings", {"shop": shop.id}).status_code == 403
    assert analyst.get("/messages?status=nonsense").status_code == 422


def test_agents_list_exports_and_is_ticked_off(session, shop, make_buyer, login):
    buyer = make_buyer(2)
    queued = service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="survey", occasion="w",
                                   channel="agent", body="请帮忙填写问卷：https://x.example.com/s/1")
    send_due()
    agent = login("agent")
    sheet = agent.get("/messages/agent-list.xlsx")
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "消息编号" and rows[1][0] == queued.message.id
    assert rows[1][4] == "请帮忙填写问卷：https://x.example.com/s/1"  # agents paste the real link
    assert agent.post("/messages/delivered", {"ids": str(queued.message.id)}).status_code == 303
    session.expire_all()
    assert session.get(Message, queued.message.id).status == "delivered"


def test_the_agents_list_masks_contacts_for_readers_without_pii(session, shop, make_buyer, login):
    from sqlalchemy import select

    from shopcx.privacy.models import PiiView

    buyer = make_buyer(5, source="shopify", external_id="buyer5@example.com")
    queued = service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="care", occasion="w",
                                   channel="agent", body="买家留言：请回电 13800138000 或发邮件 zhang.san@example.com")
    send_due()

    def rows(who) -> list[tuple]:  # one signed-in client: each role's file is taken right after its sign-in
        sheet = who.get("/messages/agent-list.xlsx")
        assert sheet.status_code == 200
        return list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))

    agent = login("agent")
    agent_rows = rows(agent)
    analyst_rows = rows(login("analyst"))
    assert agent_rows[1][0] == analyst_rows[1][0] == queued.message.id
    assert agent_rows[1][2] == "shopify:buyer5@example.com" and "13800138000" in agent_rows[1][4]
    assert analyst_rows[1][2] == "shopify:b***@example.com"
    assert analyst_rows[1][4] == "买家留言：请回电 138****8000 或发邮件 z***@example.com"
    # Only the agent's file showed contacts, so only it is a PII view in the privacy log.
    logged = session.scalars(select(PiiView.actor).where(PiiView.place.endswith("/messages/agent-list.xlsx"))).all()
    assert len(logged) == 1 and agent.user.username in logged[0]


def test_test_send_from_the_page_goes_to_the_sandbox_without_smtp(session, shop, login):
    owner = login("owner")
    answer = owner.post("/messages/test", {"shop": shop.id, "channel": "email", "to": "me@example.com"})
    assert answer.status_code == 303 and "test_sent" in answer.headers["location"]
    assert "me@example.com" in owner.get("/messages").text


def test_one_click_unsubscribe_page_and_post(session, shop, make_buyer, client):
    buyer = make_buyer(3)
    queued = service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="news", occasion="w",
                                   channel="email", body="您好")
    send_due()
    token = links.sign("u", queued.message.id)
    page = client.get(f"/msg/u/{token}")
    assert page.status_code == 200 and "确认退订" in page.text
    done = client.post(f"/msg/u/{token}")  # what a mail client's List-Unsubscribe-Post sends
    assert done.status_code == 200 and "您已退订" in done.text
    session.expire_all()
    assert session.get(Message, queued.message.id).status == "unsubscribed"
    assert {c.channel: c.granted for c in buyer.consents}["email"] is False
    assert client.get(f"/msg/u/{token[:-2]}xx").status_code == 404
    assert client.get(f"/msg/u/{token}?lang=en").text.count("You are unsubscribed") == 1


def test_a_tracked_link_records_the_click_and_redirects(session, shop, make_buyer, client):
    buyer = make_buyer(4)
    queued = service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="news", occasion="w",
                                   channel="email", body="您好")
    send_due()
    answer = client.get(f"/msg/c/{links.sign('c', queued.message.id, 'https://shop.example.com/s/x')}",
                        follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "https://shop.example.com/s/x"
    session.expire_all()
    row = session.get(Message, queued.message.id)
    assert row.status == "clicked" and row.clicked_at == NOON
    signed = links.sign("c", queued.message.id, "https://evil.example.com")
    forged = signed[:-1] + ("1" if signed.endswith("0") else "0")  # a changed signature (one in 16 ended in "0")
    assert client.get(f"/msg/c/{forged}", follow_redirects=False).status_code == 404


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_staff_copy_the_buyers_preference_link_from_the_customer_page(session, shop, make_buyer, login, locale):
    import re

    from shopcx.messaging.service import preferences
    from shopcx.staff.models import AuditLog

    buyer = make_buyer(7)
    words = {"zh": ("消息偏好设置链接", "为该买家生成链接", "有效期至"), "en": ("Preference page link",
                                                               "Make a link for this buyer", "Works until")}
    agent = login("agent", locale=locale)
    page = agent.get(f"/customers/{buyer.id}")
    assert page.status_code == 200 and 'id="preference-link"' in page.text and words[locale][1] in page.text
    assert "/msg/p/" not in page.text  # a link is made only when asked for (and audited then)
    made = agent.htmx_post(f"/messages/preference-link/{buyer.id}", {})
    assert made.status_code == 200 and words[locale][0] in made.text and words[locale][2] in made.text
    token = re.search(r'value="https?://[^"]*/msg/p/([^"]+)"', made.text).group(1)
    assert preferences.customer_for(session, token).id == buyer.id
    assert session.query(AuditLog).filter_by(action="messaging.preference_link", entity_id=str(buyer.id)).count() == 1
    # Operations (no personal data) and analysts neither see the section nor can make a link.
    for role in ("operations", "analyst"):
        other = login(role, username=f"{role}-{locale}", locale=locale)
        assert 'id="preference-link"' not in other.get(f"/customers/{buyer.id}").text
        assert other.htmx_post(f"/messages/preference-link/{buyer.id}", {}).status_code == 403


@pytest.mark.parametrize(("locale", "words"), [("zh", ("买家未同意通过此渠道接收消息", "等待店铺免打扰时段结束")),
                                               ("en", ("No consent for this channel",
                                                       "Waiting for the end of the shop&#39;s quiet hours"))])
def test_the_log_gives_reasons_in_words(session, shop, make_buyer, login, locale, words):
    refused = make_buyer(8, consent=False)
    waiting = make_buyer(9)
    service.queue_message(session, shop_id=shop.id, customer_id=refused.id, purpose="survey", occasion="w",
                          channel="email", body="您好")
    with clock.frozen_at(datetime(2026, 12, 6, 14, 30, tzinfo=UTC)):  # 22:30 in Shanghai: quiet hours
        service.queue_message(session, shop_id=shop.id, customer_id=waiting.id, purpose="survey", occasion="w",
                              channel="email", body="您好")
        send_due()
    page = login("owner", locale=locale).get("/messages").text
    for word in words:
        assert word in page
    assert ">no_consent<" not in page and ">quiet_hours<" not in page
    assert 'title="no_consent"' in page  # the code stays on hand for support
