"""Pages of this change in Debian's Chromium, in 简体中文 and English at 390 px: the coaching page with its new
columns (review care, promises, audits, callbacks), the privacy log of PII views with an export's row, and the
message log scoped to one shop; none scrolls sideways. Screenshots go to test-artifacts/staff/."""

from __future__ import annotations

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
WORDS = {"zh": {"coaching": "承诺兑现率", "views": "导出 · 3 位顾客", "log": "消息记录"},
         "en": {"coaching": "Promises kept", "views": "Export · 3 customers", "log": "Message log"}}


@pytest.fixture
def staff_server(live_server):  # noqa: F811
    from shopcx.privacy.erasure import log_export_view
    from shopcx.staff import service as staff

    with db.session_scope() as session:
        staff.create_user(session, username="boss-en2", password=PASSWORD, role="owner", display_name="Anna Lee",
                          locale="en")
        log_export_view(session, "user:boss", "customers", 3, ["email", "phone"], "/customers/export.xlsx")
    return live_server


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_coaching_privacy_log_and_scoped_messages_on_a_phone(browser, staff_server, locale):  # noqa: F811
    from playwright.sync_api import expect

    from shopcx.shops import service as shops

    base, words = staff_server, WORDS[locale]
    with db.session_scope() as session:
        shop_id = shops.get_shop(session, "main").id
    with watched_page(browser, f"staff/failure-{locale}", viewport=PHONE,
                      locale="zh-CN" if locale == "zh" else "en-US") as (page, errors):
        missing: list[str] = []
        page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
        sign_in_as(page, base, "boss" if locale == "zh" else "boss-en2")
        page.goto(base + "/coaching")
        expect(page.locator("#mine")).to_contain_text(words["coaching"])
        assert_no_sideways_scroll(page, PHONE["width"], "the coaching page")
        _shot(page, f"staff/coaching-{locale}")
        page.goto(base + "/privacy/views")
        expect(page.locator("#pii-view-table")).to_contain_text(words["views"])
        assert_no_sideways_scroll(page, PHONE["width"], "the PII log")
        _shot(page, f"staff/pii-views-{locale}")
        page.goto(base + f"/messages?status=undelivered&days=7&shop={shop_id}")
        expect(page.locator("#messaging-log")).to_be_visible()
        assert_no_sideways_scroll(page, PHONE["width"], "the message log")
        _shot(page, f"staff/messages-{locale}")
        assert errors == [], missing
