"""The buyer's complaint form in Debian's Chromium on a 390 px phone, in zh and in en: a wrong phone tail refused
with what was typed kept, then the complaint sent, the status page with the thread, and a reply from the buyer."""

from __future__ import annotations

import pytest

from .test_browser import _shot, assert_no_sideways_scroll, browser, live_server, watched_page  # noqa: F401

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("lang, texts", [
    ("zh", {"title": "投诉与售后", "refused": "没有找到这个订单号", "sent": "投诉已提交", "state": "已受理",
            "replied": "已收到您的留言"}),
    ("en", {"title": "Complaints and after-sales", "refused": "no order with this number", "sent":
            "Your complaint was sent", "state": "Received", "replied": "We have your message"}),
])
def test_a_buyer_complains_on_a_phone(browser, live_server, lang, texts):  # noqa: F811
    from playwright.sync_api import expect

    with watched_page(browser, f"failure-desk-form-{lang}", viewport=PHONE, has_touch=True, is_mobile=True,
                      locale="zh-CN" if lang == "zh" else "en-US") as (page, errors):
        page.goto(f"{live_server}/help/main?lang={lang}")
        expect(page.locator("#form-title")).to_have_text(texts["title"])
        assert_no_sideways_scroll(page, PHONE["width"])
        page.fill("#in-order", "TB000002")
        page.fill("#in-tail", "12a34")  # the page keeps digits only
        expect(page.locator("#in-tail")).to_have_value("1234")
        page.fill("#in-body", "保温杯盖子漏水 / the lid leaks")
        page.fill("#in-links", "https://pan.example.com/s/leak.mp4")
        page.click("#complaint-submit")
        expect(page.locator("#form-error")).to_contain_text(texts["refused"])
        expect(page.locator("#in-body")).to_have_value("保温杯盖子漏水 / the lid leaks")
        expect(page.locator("#in-order")).to_have_attribute("aria-invalid", "true")
        assert_no_sideways_scroll(page, PHONE["width"])
        _shot(page, f"desk-form-01-phone-{lang}-refused")
        page.fill("#in-tail", "5678")  # 李娜's phone 13912345678 is on TB000002
        page.click("#complaint-submit")
        expect(page.locator("#ticket-message")).to_contain_text(texts["sent"])
        expect(page.locator("#ticket-state")).to_contain_text(texts["state"])
        expect(page.locator("#ticket-thread")).to_contain_text("the lid leaks")
        expect(page.locator("#ticket-thread a")).to_have_attribute("href", "https://pan.example.com/s/leak.mp4")
        assert_no_sideways_scroll(page, PHONE["width"])
        _shot(page, f"desk-form-02-phone-{lang}-status")
        page.fill("#in-reply", "视频已上传 / video uploaded")
        page.click("#reply-submit")
        expect(page.locator("#ticket-message")).to_contain_text(texts["replied"])
        expect(page.locator("#ticket-thread li")).to_have_count(2)
        assert [e for e in errors if "status of 404" not in e] == []
