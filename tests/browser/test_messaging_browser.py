# ruff: noqa: F811  (fixtures imported from test_browser are used as arguments)
"""Messaging and survey sending in the browser, zh and en, at 390 px and 1366 px: the message log with its filters,
the sending rules saved, a survey's sending page, and the buyer's unsubscribe page, none scrolling sideways."""

from __future__ import annotations

import pytest

from shopcx.core import db

from .test_browser import _shot, _sign_in, browser, live_server, watched_page  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


def _survey_and_unsubscribe_link() -> tuple[int, str]:
    from sqlalchemy import select

    from shopcx.customers.models import Customer
    from shopcx.messaging import links, service
    from shopcx.messaging.sender import send_due
    from shopcx.shops import service as shops
    from shopcx.staff.service import SYSTEM
    from shopcx.surveys import service as surveys

    with db.session_scope() as session:
        shop = shops.get_shop(session, "main")
        survey = surveys.create_from_preset(session, shop.id, "csat_delivery", code="csat_b", actor=SYSTEM)
        surveys.publish(session, survey, actor=SYSTEM)
        service.update_settings(session, shop.id, {"require_opt_in": False, "quiet_start": "00:00",
                                                   "quiet_end": "00:00"}, actor=SYSTEM)
        customer_id = session.scalar(select(Customer.id).order_by(Customer.id).limit(1))
        queued = service.queue_message(session, shop_id=shop.id, customer_id=customer_id, purpose="news",
                                       occasion="browser", channel="agent", body="您好，新品上架")
        survey_id, message_id = survey.id, queued.message.id
    send_due()
    return survey_id, links.sign("u", message_id)


@pytest.mark.parametrize(("locale", "size"), [("zh-CN", "phone"), ("en-US", "phone"), ("zh-CN", "desktop")])
def test_messaging_pages_and_unsubscribe(browser, live_server, locale, size):
    from playwright.sync_api import expect

    base = live_server
    survey_id, token = _survey_and_unsubscribe_link()
    args = PHONE if size == "phone" else DESKTOP
    width = args["viewport"]["width"]
    with watched_page(browser, f"failure-messaging-{locale}-{size}", locale=locale, **args) as (page, errors):
        _sign_in(page, base)
        if locale == "en-US":
            page.goto(base + "/")
            page.click("label.nav-button") if size == "phone" else None
            page.click("form[action='/locale'] button[value=en]")
        page.goto(base + "/messages")
        expect(page.locator("#messaging-table")).to_contain_text("news")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _shot(page, f"messaging-{locale}-{size}")
        page.fill("input[name=quiet_start]", "22:00")
        page.click("#messaging-settings-form button[type=submit]")
        expect(page.locator("#messaging-result")).to_be_visible()
        page.goto(base + f"/surveys/{survey_id}/sending")
        expect(page.locator("#sending-form")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _shot(page, f"survey-sending-{locale}-{size}")
        page.goto(base + f"/msg/u/{token}" + ("?lang=en" if locale == "en-US" else ""))
        page.click("#unsubscribe-button")
        expect(page.locator("#unsubscribe-done")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _shot(page, f"unsubscribe-{locale}-{size}")
        assert errors == []
