# ruff: noqa: F811  (fixtures imported from test_browser are used as arguments)
"""The buyer's preference page on a phone (390 px): no sideways scrolling, every control reachable, saving by
keyboard-free taps changes the stored consent, topic and lunar birthday, and the page answers in English after
the buyer chose it."""

from __future__ import annotations

import pytest

from shopcx.core import db

from .test_browser import _shot, browser, live_server, watched_page  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _buyer_link() -> tuple[int, str]:
    from sqlalchemy import select

    from shopcx.customers.models import Customer
    from shopcx.messaging.service import preferences

    with db.session_scope() as session:
        customer_id = session.scalar(select(Customer.id).where(Customer.erased_at.is_(None))
                                     .order_by(Customer.id).limit(1))
    return customer_id, preferences.preference_token(customer_id)


def test_preference_page_on_a_phone(browser, live_server):
    from playwright.sync_api import expect

    from shopcx.customers.models import Customer

    customer_id, token = _buyer_link()
    with watched_page(browser, "failure-preferences-phone", locale="zh-CN", **PHONE) as (page, errors):
        page.goto(f"{live_server}/msg/p/{token}?lang=zh")
        expect(page.locator("h1")).to_have_text("消息偏好设置")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_label("短信").set_checked(True)
        page.get_by_label("活动与优惠").set_checked(False)
        page.get_by_label("农历", exact=True).check()
        page.select_option("select[name=lunar_month]", "8")
        page.select_option("select[name=lunar_day]", "15")
        page.get_by_label("English").check()
        _shot(page, "preferences-zh-phone")
        page.click("#preferences-save")
        expect(page.locator("#preferences-saved")).to_be_visible()
        expect(page.locator("h1")).to_have_text("Your message preferences")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, "preferences-en-phone")
        assert errors == []
        page.goto(f"{live_server}/msg/p/{token[:-3]}abc")  # a changed link: its own page, answered as 404
        expect(page.locator("#preferences-gone")).to_contain_text("此链接无效")
    with db.session_scope() as session:
        customer = session.get(Customer, customer_id)
        consents = {c.channel: (c.granted, c.source) for c in customer.consents}
        assert consents["sms"] == (True, "preference_page")
        assert "offers" in customer.preferences["muted_topics"]
        assert (customer.birthday_lunar_month, customer.birthday_lunar_day) == (8, 15)
