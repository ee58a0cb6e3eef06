"""The webhooks tab of the desk settings in Debian's Chromium on a phone (390 px), in 简体中文 and English: a webhook
added through the form shows its secret once, a refused address is explained next to the form, and the delivery log
with a long error fits the screen — no sideways scrolling. Screenshots go to test-artifacts/desk/."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shopcx.core import db

from .test_browser import (  # noqa: F401
    PASSWORD,
    _shot,
    assert_no_sideways_scroll,
    browser,
    live_server,
    sign_in_as,
    watched_page,
)

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
CASES = {"zh": ("boss", "密钥只显示这一次", "请填写 http:// 或 https:// 开头的地址", "失败"),
         "en": ("boss-en", "shown only now", "enter an http:// or https:// address", "Failed")}


@pytest.fixture
def hooks_server(live_server):  # noqa: F811
    from shopcx.desk.webhooks import service
    from shopcx.desk.webhooks.tables import DeskWebhookDelivery
    from shopcx.shops import service as shops
    from shopcx.staff import service as staff
    from shopcx.staff.service import SYSTEM

    with db.session_scope() as session:
        staff.create_user(session, username="boss-en", password=PASSWORD, role="owner", display_name="Anna Lee",
                          locale="en")
        shop = shops.get_shop(session, "main")
        hook, _ = service.save_subscription(session, shop, url="https://erp.example.com/" + "very-long-path/" * 8,
                                            events=list(service.EVENTS), actor=SYSTEM)
        at = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
        session.add(DeskWebhookDelivery(webhook_id=hook.id, event_id=1, event_type="ticket.status_changed",
                                        body="{}", status="failed", attempts=8, last_status_code=503,
                                        last_error="HTTP 503 " + "upstream-connect-error-or-disconnect " * 6,
                                        created_at=at, last_attempt_at=at))
    return live_server


@pytest.mark.parametrize("locale", list(CASES))
def test_the_webhooks_tab_on_a_phone(browser, hooks_server, locale):  # noqa: F811
    from playwright.sync_api import expect

    user, once, refused, failed = CASES[locale]
    with watched_page(browser, f"desk/webhooks-failure-{locale}", viewport=PHONE,
                      locale="zh-CN" if locale == "zh" else "en-US") as (page, errors):
        sign_in_as(page, hooks_server, user)
        page.goto(f"{hooks_server}/desk/settings/webhooks?shop=main")
        expect(page.locator("#delivery-table tr[data-status=failed]")).to_contain_text(failed)
        assert_no_sideways_scroll(page, PHONE["width"], "the webhooks tab")
        form = page.locator("#hook-new form")
        form.locator("input[name=url]").fill("http://erp.example.com:8080/hooks")
        form.locator("input[value='ticket.created']").check()
        form.locator("button[type=submit]").click()
        expect(page.locator("#hook-secret")).to_contain_text(once)
        assert len(page.locator("#hook-secret code").inner_text()) >= 16
        assert_no_sideways_scroll(page, PHONE["width"], "the tab with the new secret")
        _shot(page, f"desk/webhooks-{locale}")
        form = page.locator("#hook-new form")
        form.evaluate("f => f.noValidate = true")  # the server's check, as a script posting the form meets it
        form.locator("input[name=url]").fill("erp.example.com/hooks")
        form.locator("input[value='ticket.replied']").check()
        form.locator("button[type=submit]").click()
        expect(page.locator("[data-error-for=new]")).to_contain_text(refused)
        assert_no_sideways_scroll(page, PHONE["width"], "the tab with a refusal")
        assert errors == ["Failed to load resource: the server responded with a status of 422 (Unprocessable "
                          "Entity)"]
