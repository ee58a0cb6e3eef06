# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""Care pages in Chinese and English: who may see them, the audience builder's live count, saving and launching a
campaign, moments, templates with a preview and a named error, callbacks, parcels and the buyer's tracking link."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from shopcx.care.service import parcels
from shopcx.core import clock
from shopcx.core.settings import get_settings
from shopcx.orders.models import Shipment

from ..factories import make_order
from ..loyalty.factories import make_program
from ..web.conftest import client, login, make_user  # noqa: F401
from .factories import buyer, template

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
PAGES = ("/care", "/care/moments", "/care/templates", "/care/recommendations")


@pytest.fixture
def shop(session):
    shop, _ = make_program(session)
    with clock.frozen_at(NOW - timedelta(days=20)):
        for n in range(6):
            make_order(session, shop, customer=buyer(n), placed_at=NOW - timedelta(days=20))
    template(session, shop)
    return shop


def test_a_tracking_link_signed_before_core_tokens_still_opens():
    key = get_settings().resolved_secret_key().encode()
    payload = f"4711.{int(clock.now().timestamp()) + 3600}"
    token = f"{payload}.{hmac.new(key, b'shopcx.tracking-link.v1:' + payload.encode(), hashlib.sha256).hexdigest()}"
    assert parcels.verify_token(token) == 4711 and parcels.tracking_token(4711).startswith("4711.")


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_care_pages_render_in_both_languages(login, shop, locale):
    staff = login("owner", locale=locale)
    words = {"zh": ("关怀与活动", "营销活动", "对照组"), "en": ("Care &amp; campaigns", "Campaigns", "control group")}
    for path in PAGES + ("/care/callbacks", "/care/parcels"):
        page = staff.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        assert words[locale][0] in page.text
    assert words[locale][2] in staff.get("/care").text


def test_who_may_open_care(login, shop):
    assert login("agent", username="a1").get("/care").status_code == 403
    agent = login("agent", username="a2")
    assert agent.get("/care/callbacks").status_code == 200
    assert login("analyst", username="an").get("/care").status_code == 200


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_an_estimated_count_says_it_is_one(login, shop, locale, monkeypatch):
    from shopcx.care.models import audience
    from shopcx.care.service import campaigns

    # Thresholds shrunk so six buyers behave like a million: any audience is "large", the sample is 4 of 6 ids.
    monkeypatch.setattr(audience, "EXACT_BELOW", 0)
    for name, value in (("EXACT_BELOW", 0), ("PILOT_SIZE", 2), ("SAMPLE_SIZE", 3)):
        monkeypatch.setattr(campaigns, name, value)
    staff = login("owner", locale=locale)
    count = staff.htmx_post(f"/care/audience-count?shop={shop.code}", {"channel": "email", "consent": "on"})
    words = {"zh": ("约 ", "95% 区间", "随机抽取的 3 个顾客编号"),
             "en": ("About ", "95% interval", "random sample of 3 customer ids")}
    assert count.status_code == 200 and 'id="audience-count"' in count.text and 'data-estimate="1"' in count.text
    for word in words[locale]:
        assert word in count.text


def test_live_count_then_save_and_launch(login, shop, session):
    staff = login("owner")
    count = staff.htmx_post(f"/care/audience-count?shop={shop.code}", {"channel": "email", "consent": "on"})
    assert count.status_code == 200 and "6" in count.text and 'id="audience-count"' in count.text
    bad = staff.htmx_post(f"/care/audience-count?shop={shop.code}", {"p_alive_min": "x"})
    assert bad.status_code == 422
    tpl_id = session.execute(__import__("sqlalchemy").text("select id from care_template")).scalar()
    saved = staff.post(f"/care/campaigns?shop={shop.code}", {"name": "冬季关怀", "channel": "email", "consent": "on",
                                                           "template": str(tpl_id), "control_share": "0.5"})
    assert saved.status_code == 303
    url = saved.headers["location"]
    assert staff.post(url + "/launch").status_code == 303
    page = staff.get(url)
    assert page.status_code == 200 and "冬季关怀" in page.text and 'id="campaign-progress"' in page.text


def test_template_preview_and_named_error(login, shop, session):
    staff = login("owner", locale="en")
    bad = staff.htmx_post(f"/care/templates?shop={shop.code}", {
        "code": "x", "name": "X", "subject_zh": "{{ nickname }}", "body_zh": "b", "subject_en": "s", "body_en": "b"})
    assert bad.status_code == 422 and "nickname" in bad.text
    from sqlalchemy import text

    tpl_id = session.execute(text("select id from care_template")).scalar()
    cid = session.execute(text("select customer_id from customer_identity where external_id = 'care-buyer-1'")).scalar()
    shown = staff.htmx_post(f"/care/templates/{tpl_id}/preview?shop={shop.code}", {"customer_id": str(cid)})
    assert shown.status_code == 200 and "顾客1" in shown.text and "t***1" not in shown.text


def test_tracking_link_page_and_forged_link(client, login, shop, session):
    order = make_order(session, shop, customer=buyer(40), placed_at=NOW - timedelta(days=3))
    session.add(Shipment(order_id=order.id, carrier="顺丰速运", shipped_at=NOW - timedelta(days=2),
                         promised_at=NOW - timedelta(hours=2)))
    session.flush()
    token = parcels.tracking_token(order.id)
    zh = client.get(f"/track/{token}")
    assert zh.status_code == 200 and "已发货" in zh.text and "非常抱歉" in zh.text
    en = client.get(f"/track/{token}?lang=en")
    assert "Shipped" in en.text and "later than promised" in en.text
    assert client.get(f"/track/{token[:-2]}00").status_code == 404
    staff = login("agent")
    listed = staff.get(f"/care/parcels?shop={shop.code}")
    assert order.external_id in listed.text


@pytest.mark.parametrize(("locale", "words"), [("zh", ("未发送的人及原因", "买家未同意通过此渠道接收消息")),
                                               ("en", ("Not sent, and why", "No consent for this channel"))])
def test_a_campaign_says_in_words_why_people_were_not_sent(login, shop, session, locale, words):
    from shopcx.care import service as care
    from shopcx.care.service.delivery import messaging_deliverer
    from shopcx.care.tables import CareRecipient
    from shopcx.customers import service as customers
    from shopcx.staff.service import SYSTEM

    tpl_id = session.execute(__import__("sqlalchemy").text("select id from care_template")).scalar()
    campaign = care.save_campaign(session, shop, name="Why", audience={"channel": "email"}, template_id=tpl_id,
                                  actor=SYSTEM, control_share=0.0)
    care.launch(session, shop, campaign, actor=SYSTEM, now=NOW)
    first = session.query(CareRecipient).filter_by(source_id=campaign.id).order_by(CareRecipient.id).first()
    customers.set_consent(session, customers.get_customer(session, first.customer_id), "email", False, source="buyer")
    with clock.frozen_at(NOW + timedelta(minutes=1)):
        care.send_due(session, messaging_deliverer())
    page = login("owner", locale=locale).get(f"/care/campaigns/{campaign.id}").text
    assert 'id="not-sent"' in page and 'title="no_consent"' in page
    for word in words:
        assert word in page
