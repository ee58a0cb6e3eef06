"""End to end in Debian's Chromium: the review inbox, one 差评 with a refused and a proper reply, a logged contact,
and the ratings dashboard's charts.

Uses the live server of test_browser (a fresh committed database with a shop, three buyers and an owner) and
adds reviews of their orders on top; screenshots go to test-artifacts/, one more on failure.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopcx.core import db

from .test_browser import _shot, _sign_in, browser, live_server, watched_page  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def reviews_server(live_server):  # noqa: F811
    """The live server's shop with three reviews of the seeded orders: a 差评 two days ago, a 中评 and a 好评."""
    from shopcx.reviews import service
    from shopcx.reviews.schemas import ReviewIn
    from shopcx.shops import service as shops
    from shopcx.staff.service import SYSTEM

    now = datetime.now(UTC)
    with db.session_scope() as session:
        shop = shops.get_shop(session, "main")
        for n, (stars, days, text) in enumerate([(1, 2, "杯子漏水，客服也不回复"), (3, 3, "一般般"),
                                                 (5, 4, "很好用")], start=1):
            result = service.record_review(session, shop, ReviewIn.model_validate({
                "external_id": f"RV-{n}", "order_external_id": f"TB{n:06d}", "stars": stars, "text": text,
                "reviewed_at": now - timedelta(days=days), "dsr_description": stars, "dsr_service": stars,
                "dsr_logistics": max(stars - 1, 1)}), actor=SYSTEM, source="api")
            if n == 1:
                bad_id = result.review_id
    return live_server, bad_id


def test_inbox_review_contact_and_dashboard(browser, reviews_server):  # noqa: F811
    from playwright.sync_api import expect

    base, bad_id = reviews_server
    with watched_page(browser, "failure-reviews",
                      viewport={"width": 1366, "height": 900}, locale="zh-CN") as (page, errors):
        _sign_in(page, base)
        page.click("nav >> text=评价")
        page.wait_for_url(base + "/reviews")
        expect(page.locator("#inbox-table tbody tr")).to_have_count(1)  # the 差评 tab
        expect(page.locator("#inbox-tabs [data-count=neutral]")).to_have_text("1")
        page.click("#inbox-tabs [data-tab=good]")  # HTMX swaps the rows and pushes the address
        expect(page.locator("#inbox-table")).to_contain_text("很好用")
        assert "tab=good" in page.url
        page.click("#inbox-tabs [data-tab=bad]")
        expect(page.locator(f"#inbox-table tr[data-review='{bad_id}']")).to_contain_text("王小明")
        _shot(page, "reviews-01-inbox")

        page.click(f"#inbox-table tr[data-review='{bad_id}'] a.rv-open")
        page.wait_for_url(f"{base}/reviews/{bad_id}")
        expect(page.locator("#delivery .ship-late")).to_have_count(1)
        page.fill("#reply-text", "亲，改成好评返现5元")
        page.click("#reply-form button[type=submit]")  # an HTMX POST with the CSRF header
        expect(page.locator("[data-error-for=reply]")).to_contain_text("平台规则")
        expect(page.locator("#reply-text")).to_have_value("亲，改成好评返现5元")
        page.locator("#suggestions button").first.click()  # a suggested reply fills the box
        expect(page.locator("#reply-text")).to_have_value("亲爱的顾客您好，非常抱歉保温杯给您带来了不好的体验。"
                                                         "我们已安排专人跟进，会尽快与您联系解决问题。")
        page.click("#reply-form button[type=submit]")
        expect(page.locator("[data-done=reply]")).to_be_visible()
        expect(page.locator("#current-reply")).to_contain_text("亲爱的顾客您好")

        page.select_option("#contact-form select[name=channel]", "phone")
        page.select_option("#contact-form select[name=result]", "reached")
        page.fill("#contact-form textarea[name=note]", "电话联系，买家同意补发杯盖")
        page.click("#contact-form button[type=submit]")
        expect(page.locator("#contacts li[data-contact]")).to_have_count(1)
        expect(page.locator("#contacts")).to_contain_text("电话联系，买家同意补发杯盖")
        expect(page.locator("#case-status")).to_contain_text("已联系")
        _shot(page, "reviews-02-review")

        page.click("nav >> text=评价")
        page.click(".rv-areas >> text=评分看板")
        page.wait_for_url(base + "/reviews/dashboard")
        for chart in ("dsr-chart", "good-rate-chart", "class-chart", "driver-chart", "late-chart", "forecast-chart"):
            expect(page.locator(f"#{chart} canvas").first).to_be_visible()
        expect(page.locator("#good-rate")).to_have_text("33.3%")  # 1 好评 of 3
        _shot(page, "reviews-03-dashboard")

        page.click(".rv-areas >> text=评价设置")
        page.wait_for_url(base + "/reviews/settings")
        expect(page.locator("#settings-form input[name=revision_days]")).to_have_value("30")
        _shot(page, "reviews-04-settings")
        # The refused reply answers 422 (the browser logs it); nothing else may go wrong.
        assert errors == ["Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"]


REVIEW_EXPORT = (
    "评价ID,订单编号,商家编码,评价结果,星级,描述相符,服务态度,物流服务,评价内容,评价图片,买家昵称,评价时间,商家回复,追评,追评时间\n"
    "RV-W1,TB000001,CUP-1,好评,5,5,5,5,杯子很好用，保温效果不错,,王*明,{day} 10:00,,,\n"
    "RV-W2,TB000002,CUP-1,差评,1,2,3,1,质量很差，用了两天就漏水,,李*,{day} 11:00,,,\n"
    "RV-W3,TB000003,CUP-1,好评,5,5,5,4,物流很快，包装完好,,张*,{day} 12:00,,,\n"
    "RV-W4,TB999999,CUP-1,好评,5,5,5,5,没有这个订单,,赵*,{day} 13:00,,,\n")


def test_upload_a_review_export_then_train_and_reanalyse(browser, live_server, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    base = live_server
    upload = tmp_path / "评价导出.csv"
    upload.write_text(REVIEW_EXPORT.format(day=(datetime.now(UTC) - timedelta(days=3)).date().isoformat()),
                      encoding="utf-8")
    with watched_page(browser, "failure-review-upload",
                      viewport={"width": 1366, "height": 900}, locale="zh-CN") as (page, errors):
        _sign_in(page, base)
        page.click("nav >> text=数据导入")
        page.wait_for_url(base + "/imports")
        page.set_input_files("input[name=file]", str(upload))
        page.select_option("select[name=kind]", "reviews")
        page.select_option("select[name=shop]", "main")
        page.click("#upload button[type=submit]")
        page.wait_for_url(f"{base}/imports/*")
        expect(page.locator("#progress")).to_have_attribute("data-status", "done", timeout=30_000)
        expect(page.locator("#count-reviews-created")).to_have_text("3")
        expect(page.locator("#count-rejected")).to_have_text("1")
        expect(page.locator("#reject-table")).to_contain_text("TB999999")
        _shot(page, "reviews-05-upload-done")

        page.goto(base + "/reviews/settings")
        expect(page.locator("#text-analyser")).to_have_attribute("data-analyser", "default")
        page.click("#text-train-form button[type=submit]")  # runs after the response; the card polls
        expect(page.locator("#text-analysis")).to_have_attribute("data-job-status", "done", timeout=30_000)
        expect(page.locator("#text-analyser")).to_have_attribute("data-analyser", "model")
        expect(page.locator("#text-rows")).to_contain_text("3")
        page.click("#text-reanalyze-form button[type=submit]")
        expect(page.locator("#text-analysis")).to_have_attribute("data-job-status", "done", timeout=30_000)
        expect(page.locator("#text-done")).to_contain_text("3")
        _shot(page, "reviews-06-text-model")
        assert errors == []
