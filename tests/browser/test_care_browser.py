# ruff: noqa: F811  (fixtures imported from test_browser are used as arguments)
"""Care pages in the browser, zh and en, at 390 px and 1366 px: the audience builder's live count answers as the
filters change, a campaign is saved and launched, nothing scrolls sideways, and the buyer's tracking page reads on
a phone."""

from __future__ import annotations

import pytest

from shopcx.core import db

from .test_browser import _shot, _sign_in, browser, live_server, watched_page  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


def _template_and_link() -> str:
    """A message template for the seeded shop, and a tracking link to its first order."""
    from sqlalchemy import select

    from shopcx.care.service import parcels, save_template
    from shopcx.orders.models import Order
    from shopcx.shops import service as shops
    from shopcx.staff.service import SYSTEM

    with db.session_scope() as session:
        shop = shops.get_shop(session, "main")
        save_template(session, shop.id, code="hello", name="问候", subject_zh="{{ name }}，您好",
                      body_zh="{{ shop }}想念您", subject_en="Hello {{ name }}", body_en="{{ shop }} misses you",
                      actor=SYSTEM)
        order_id = session.scalar(select(Order.id).order_by(Order.id).limit(1))
        return parcels.tracking_token(order_id)


@pytest.mark.parametrize(("locale", "size"), [("zh-CN", "phone"), ("en-US", "phone"), ("zh-CN", "desktop")])
def test_campaign_builder_live_count_and_tracking_page(browser, live_server, locale, size):
    from playwright.sync_api import expect

    base = live_server
    token = _template_and_link()
    args = PHONE if size == "phone" else DESKTOP
    width = args["viewport"]["width"]
    with watched_page(browser, f"failure-care-{locale}-{size}", locale=locale, **args) as (page, errors):
        _sign_in(page, base)
        if locale == "en-US":
            page.goto(base + "/")
            page.click("label.nav-button") if size == "phone" else None
            page.click("form[action='/locale'] button[value=en]")
        page.goto(base + "/care")
        count = page.locator("#audience-count")
        # The seeded buyers gave no e-mail consent: 0 with consent required, 3 without.
        expect(count).to_contain_text("0")
        page.uncheck("input[name=consent]")
        expect(count).to_contain_text("3")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _shot(page, f"care-builder-{locale}-{size}")
        page.fill("input[name=name]", "Winter care" if locale == "en-US" else "冬季关怀")
        page.click("#campaign-save")
        page.wait_for_url("**/care/campaigns/*")
        page.click("#launch")
        expect(page.locator("#campaign-progress")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        for path in ("/care/moments", "/care/templates", "/care/callbacks", "/care/parcels"):
            page.goto(base + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        _shot(page, f"care-parcels-{locale}-{size}")
        page.goto(base + f"/track/{token}" + ("?lang=en" if locale == "en-US" else ""))
        expect(page.locator(".ct-step").first).to_be_visible()
        expect(page.locator(".ct-sorry")).to_be_visible()  # delivered a day after the promise
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _shot(page, f"care-tracking-{locale}-{size}")
        assert errors == []


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_estimate_reasons_and_preference_link_on_a_phone(browser, live_server, locale, monkeypatch):
    """An estimated live count (thresholds shrunk so the seeded buyers count as many), a campaign's not-sent reasons
    in words and the customer page's preference link, each at 390 px without scrolling sideways."""
    from playwright.sync_api import expect
    from sqlalchemy import select

    from shopcx.care.models import audience
    from shopcx.care.service import campaigns
    from shopcx.customers.models import Customer

    from .test_browser import assert_no_sideways_scroll

    monkeypatch.setattr(audience, "EXACT_BELOW", 0)
    for name, value in (("EXACT_BELOW", 0), ("PILOT_SIZE", 1), ("SAMPLE_SIZE", 1)):
        monkeypatch.setattr(campaigns, name, value)
    base = live_server
    _template_and_link()
    english = locale == "en-US"
    with watched_page(browser, f"failure-care-words-{locale}", locale=locale, **PHONE) as (page, errors):
        _sign_in(page, base)
        if english:
            page.goto(base + "/")
            page.click("label.nav-button")
            page.click("form[action='/locale'] button[value=en]")
        page.goto(base + "/care")
        page.uncheck("input[name=consent]")
        count = page.locator("#audience-count")
        expect(count).to_contain_text("About" if english else "约")
        expect(count).to_contain_text("95%")
        assert_no_sideways_scroll(page, 390, "the builder with an estimate")
        _shot(page, f"care-estimate-{locale}-phone")
        page.fill("input[name=name]", "Why")
        page.click("#campaign-save")
        page.wait_for_url("**/care/campaigns/*")
        page.click("#launch")
        expect(page.locator("#campaign-progress")).to_be_visible()
        from shopcx.care import service as care
        from shopcx.care.service.delivery import messaging_deliverer

        with db.session_scope() as session:  # the seeded buyers gave no e-mail consent: messaging skips them
            care.send_due(session, messaging_deliverer())
        page.reload()
        expect(page.locator("#not-sent")).to_contain_text(
            "No consent for this channel" if english else "买家未同意通过此渠道接收消息")
        assert_no_sideways_scroll(page, 390, "the campaign page")
        _shot(page, f"care-not-sent-{locale}-phone")
        with db.session_scope() as session:
            customer_id = session.scalar(select(Customer.id).order_by(Customer.id).limit(1))
        page.goto(base + f"/customers/{customer_id}")
        page.click("#preference-link-make")
        expect(page.locator("#preference-link-url")).to_be_visible()
        assert "/msg/p/" in page.locator("#preference-link-url").input_value()
        expect(page.locator("#preference-link")).to_contain_text("Works until" if english else "有效期至")
        assert_no_sideways_scroll(page, 390, "the customer page with the preference link")
        _shot(page, f"customer-preference-link-{locale}-phone")
        assert errors == []
