"""A 差评 care case taken over as a ticket from the review page, in Debian's Chromium (简体中文): the button, the
ticket page with its origin (a link back to the review) and the take-over note in Chinese only, and the review page
then linking to the ticket. Uses the live server of test_browser; screenshots go to test-artifacts/desk/."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from shopcx.core import db

from .test_browser import ARTIFACTS, browser, live_server, sign_in_as, watched_page  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def bad_review(live_server):  # noqa: F811
    from shopcx.reviews import service as reviews
    from shopcx.reviews.schemas import ContactIn, ReviewIn
    from shopcx.shops import service as shops
    from shopcx.staff.service import SYSTEM

    at = datetime.now(UTC)
    with db.session_scope() as session:
        stored = reviews.record_review(session, shops.get_shop(session, "main"), ReviewIn(
            external_id="R-TAKE-1", order_external_id="TB000001", stars=1, text="杯盖漏水，太失望了",
            reviewed_at=at), actor=SYSTEM)
        reviews.log_contact(session, reviews.get_case(session, stored.case_id),
                            ContactIn(channel="phone", result="reached", note="买家要求换货"), actor=SYSTEM)
        review_id = stored.review_id
    return live_server, review_id


def test_take_over_from_the_review_page(browser, bad_review):  # noqa: F811
    from playwright.sync_api import expect

    base, review_id = bad_review
    with watched_page(browser, "desk/failure-take-over", viewport={"width": 1366, "height": 900},
                      locale="zh-CN") as (page, errors):
        sign_in_as(page, base, "boss")
        page.goto(f"{base}/reviews/{review_id}")
        expect(page.locator("#take-over")).to_have_text("转为投诉工单")
        page.click("#take-over")
        page.wait_for_url(re.compile(r".*/desk/tickets/\d+$"))
        ticket_id = page.url.rsplit("/", 1)[1]
        expect(page.locator("#origin-card")).to_contain_text("评价关怀单")
        expect(page.locator(f"#origin-ref a[href='/reviews/{review_id}']")).to_have_count(1)
        note = page.locator(".dk-msg-note")
        expect(note).to_contain_text("转入")
        expect(note).to_contain_text("买家要求换货")
        assert not re.search(r"review case|Taken over|opened", note.inner_text())
        folder = ARTIFACTS / "desk"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "take-over-ticket-zh.png"), full_page=True)
        page.click(f"#origin-ref a[href='/reviews/{review_id}']")
        expect(page.locator("#open-ticket")).to_have_attribute("href", f"/desk/tickets/{ticket_id}")
        expect(page.locator("#take-over")).to_have_count(0)
        assert errors == []


def test_the_audits_page_draws_the_score_per_month(browser, live_server):  # noqa: F811
    from datetime import date

    from playwright.sync_api import expect

    from shopcx.desk.audits import rules, service
    from shopcx.shops import service as shops
    from shopcx.staff.service import Actor

    manager = Actor(label="经理", role="manager")
    with db.session_scope() as session:
        shop = shops.get_shop(session, "main")
        for month, score in ((3, 3), (4, 4), (5, 5)):
            planned = service.plan_audit(session, shop, title=f"暗访 {month} 月", channel="phone", scenario="问发货",
                                         due_on=date(2026, month, 10), auditor_name="检查员", actor=manager)
            service.score_audit(session, planned, {d: score for d in rules.DIMENSIONS},
                                contacted_at=datetime(2026, month, 10, 2, 0, tzinfo=UTC), answered_at=None,
                                scored_by="检查员")
    with watched_page(browser, "desk/failure-audits", viewport={"width": 1366, "height": 900},
                      locale="zh-CN") as (page, errors):
        sign_in_as(page, live_server, "boss")
        page.goto(live_server + "/desk/audits?shop=main")
        expect(page.locator("#audit-trend svg")).to_have_count(1)
        expect(page.locator("#audit-trend")).to_contain_text("2026-04")
        expect(page.locator("#audit-trend")).to_contain_text("全部暗访")
        folder = ARTIFACTS / "desk"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "audits-trend-zh.png"), full_page=True)
        assert errors == []
