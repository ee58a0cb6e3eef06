# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The buyer's preference page by signed link, in Chinese and English: channels (consent with its source and
time), topics the sender honours, birthday (solar or lunar) and language; forged and expired links; the link in
every e-mail footer."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from shopcx.core import clock
from shopcx.messaging import service
from shopcx.messaging.models import Message
from shopcx.messaging.sender import send_due
from shopcx.messaging.service import preferences
from shopcx.staff.models import AuditLog

from ..web.conftest import client  # noqa: F401

NOON = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _noon():
    with clock.frozen_at(NOON):
        yield


def _form(client, token: str, **fields) -> dict:
    page = client.get(f"/msg/p/{token}")
    form_token = re.search(r'name="form_token" value="([0-9a-f]+)"', page.text).group(1)
    return {"form_token": form_token, "lang": "zh", "language": "zh", "birthday_kind": "none"} | fields


def test_the_page_in_chinese_saves_channels_topics_lunar_birthday_and_language(session, shop, make_buyer, client):
    buyer = make_buyer(1)
    token = preferences.preference_token(buyer.id)
    page = client.get(f"/msg/p/{token}")
    assert page.status_code == 200 and "消息偏好设置" in page.text and "买家1" in page.text
    assert "<script>" not in page.text and "E-mail" not in page.text  # no inline script, no English on zh
    assert re.search(r'name="channel_email" value="1"[^>]*checked', page.text)
    assert 'name="channel_wechat" value="1" aria-describedby="channels-hint">' in page.text  # never given: off

    answer = client.post(f"/msg/p/{token}", data=_form(
        client, token, channel_sms="1", topic_care="1", topic_surveys="1", birthday_kind="lunar", lunar_month="8",
        lunar_day="15", language="en"), follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/msg/p/{token}?lang=en&saved=1"
    session.expire_all()
    consents = {c.channel: c for c in buyer.consents}
    assert (consents["email"].granted, consents["email"].source, consents["email"].changed_at) == (
        False, "preference_page", NOON)
    assert consents["sms"].granted is True and "wechat" not in consents  # left off as shown: still never given
    assert buyer.preferences["muted_topics"] == ["offers"] and buyer.preferences["language"] == "en"
    assert (buyer.birthday_on, buyer.birthday_lunar_month, buyer.birthday_lunar_day) == (None, 8, 15)
    audit = session.query(AuditLog).filter_by(action="messaging.preferences", entity_id=str(buyer.id)).one()
    assert audit.actor == f"buyer:{buyer.id}" and audit.changes["language"] == ["zh", "en"]

    english = client.get(answer.headers["location"])
    assert "Saved." in english.text and "Your message preferences" in english.text and "消息" not in english.text
    assert re.search(r'value="lunar" checked', english.text) and re.search(r'<option value="8" selected', english.text)


def test_the_page_in_english_refuses_a_bad_birthday_naming_the_field_and_changes_nothing(session, shop, make_buyer,
                                                                                      client):
    buyer = make_buyer(2, preferences={"language": "en"})
    token = preferences.preference_token(buyer.id)
    page = client.get(f"/msg/p/{token}")
    assert page.status_code == 200 and "Your message preferences" in page.text and "生日" not in page.text
    tomorrow = (NOON.date() + timedelta(days=1)).isoformat()
    bad = client.post(f"/msg/p/{token}", data=_form(client, token, lang="en", language="en", birthday_kind="solar",
                                                    birthday=tomorrow, channel_email="1"))
    assert bad.status_code == 422 and "Birthday" in bad.text and "1990-05-20" in bad.text
    assert f'value="{tomorrow}"' in bad.text  # the buyer's input is kept
    session.expire_all()
    assert buyer.birthday_on is None and {c.channel: c.source for c in buyer.consents}["email"] != "preference_page"

    good = client.post(f"/msg/p/{token}", data=_form(client, token, lang="en", language="en", birthday_kind="solar",
                                                     birthday="1990-05-20", channel_email="1", topic_offers="1"))
    assert good.status_code == 200 and "Saved." in good.text
    session.expire_all()
    assert buyer.birthday_on == date(1990, 5, 20) and buyer.preferences["muted_topics"] == ["care", "surveys"]


def test_a_shop_without_opt_in_shows_a_never_given_consent_on_and_saving_the_language_writes_none(
        session, shop, make_buyer, client):
    from shopcx.staff.service import SYSTEM

    service.update_settings(session, shop.id, {"require_opt_in": False}, actor=SYSTEM)
    buyer = make_buyer(9, consent=None)
    assert buyer.consents == []
    token = preferences.preference_token(buyer.id)
    page = client.get(f"/msg/p/{token}")
    for channel in preferences.CHANNELS:  # allowed to be sent on, so shown on
        assert re.search(rf'name="channel_{channel}" value="1"[^>]*checked', page.text)
    shown = {f"channel_{c}": "1" for c in preferences.CHANNELS} | {"topic_care": "1", "topic_offers": "1",
                                                                   "topic_surveys": "1"}
    answer = client.post(f"/msg/p/{token}", data=_form(client, token, language="en", **shown),
                         follow_redirects=False)
    assert answer.status_code == 303
    session.expire_all()
    assert buyer.consents == [] and buyer.preferences["language"] == "en"  # only the language changed
    assert service.unreachable(session, shop.id, [buyer.id], "email", purpose="care_campaign") == {}
    # Unticking one channel records that one refusal, and only it.
    client.post(f"/msg/p/{token}", data=_form(client, token, language="en", **(shown | {"channel_sms": ""})))
    session.expire_all()
    assert [(c.channel, c.granted, c.source) for c in buyer.consents] == [("sms", False, "preference_page")]


def test_forged_expired_and_foreign_form_links_get_a_clear_page(session, shop, make_buyer, client):
    buyer = make_buyer(3)
    token = preferences.preference_token(buyer.id, days=1)
    forged = client.get(f"/msg/p/{token[:-2]}{'11' if token.endswith('00') else '00'}")  # always a changed signature
    assert forged.status_code == 404 and "此链接无效" in forged.text
    other = preferences.preference_token(buyer.id + 1000)
    assert client.get(f"/msg/p/{other}").status_code == 404
    stolen = client.post(f"/msg/p/{token}", data={"form_token": "0" * 64, "language": "zh"})
    assert stolen.status_code == 403 and "刷新" in stolen.text
    with clock.frozen_at(NOON + timedelta(days=2)):
        expired = client.get(f"/msg/p/{token}?lang=en")
        assert expired.status_code == 404 and "This link has expired" in expired.text
        late = client.post(f"/msg/p/{token}", data={"form_token": preferences.form_token(token), "lang": "en"})
        assert late.status_code == 404 and "expired" in late.text
    session.expire_all()
    assert not any(c.source == "preference_page" for c in buyer.consents)


def test_a_muted_topic_stops_queued_and_new_messages_of_that_topic_only(session, shop, make_buyer):
    buyer = make_buyer(4)
    held = service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="care_campaign",
                                 occasion="c1", channel="email", body="双11 老客专享")
    session.flush()
    buyer.preferences = {"muted_topics": ["offers"]}
    session.flush()
    offer = service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="care_campaign",
                                  occasion="c2", channel="email", body="新品八折")
    survey = service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="survey",
                                   occasion="s1", channel="email", body="请评价")
    assert (offer.message.status, offer.message.reason) == ("skipped", "topic_muted")
    assert survey.message.status == "queued"
    assert service.unreachable(session, shop.id, [buyer.id], "email", purpose="care_campaign") == {
        buyer.id: "topic_muted"}
    assert service.unreachable(session, shop.id, [buyer.id], "email", purpose="survey") == {}
    send_due()
    session.expire_all()
    assert (session.get(Message, held.message.id).status, session.get(Message, held.message.id).reason) == (
        "skipped", "topic_muted")
    assert session.get(Message, survey.message.id).status == "sent"


def test_every_email_footer_links_the_preference_page_next_to_unsubscribe(session, shop, make_buyer, client,
                                                                          smtp_server, configured):
    buyer = make_buyer(5)
    service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="care_moment", occasion="b",
                          channel="email", body="生日快乐")
    send_due()
    (mail,) = smtp_server.inbox.to("buyer5@example.com")
    text = mail.get_body(("plain",)).get_content()
    assert "退订：https://cx.example.com/msg/u/" in text
    link = re.search(r"选择您想收到的消息：https://cx\.example\.com(/msg/p/\S+)", text).group(1)
    assert "消息偏好设置" in client.get(link).text
    unsubscribe = re.search(r"退订：https://cx\.example\.com(/msg/u/\S+)", text).group(1)
    offered = re.search(r'href="(/msg/p/[^"]+)" id="unsubscribe-preferences"', client.get(unsubscribe).text)
    assert "消息偏好设置" in client.get(offered.group(1).replace("&amp;", "&")).text  # the page offers it too


def test_the_unsubscribe_page_offers_the_preference_link_only_within_the_messages_own_links_lifetime(
        session, shop, make_buyer, client):
    from shopcx.messaging import links

    buyer = make_buyer(6)
    sent = {}
    for days in (preferences.LINK_DAYS + 20, 10):  # one sent long ago, one recently
        with clock.frozen_at(NOON - timedelta(days=days)):
            queued = service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="news",
                                           occasion=f"w{days}", channel="email", body="您好")
            send_due()
        sent[days] = links.sign("u", queued.message.id)
    old, recent = sent[preferences.LINK_DAYS + 20], sent[10]
    offered = r'href="(/msg/p/[^"]+)" id="unsubscribe-preferences"'
    page = client.get(f"/msg/u/{old}")
    assert page.status_code == 200 and "确认退订" in page.text and not re.search(offered, page.text)
    done = client.post(f"/msg/u/{old}")
    assert "您已退订" in done.text and not re.search(offered, done.text)  # it still unsubscribes
    session.expire_all()
    assert {c.channel: c.granted for c in buyer.consents}["email"] is False
    # A recent message offers it, expiring when its own footer's link does (not LINK_DAYS from today).
    link = re.search(offered, client.get(f"/msg/u/{recent}").text).group(1).replace("&amp;", "&")
    assert "消息偏好设置" in client.get(link).text
    with clock.frozen_at(NOON + timedelta(days=preferences.LINK_DAYS - 9)):
        assert client.get(link).status_code == 404
