"""End to end in Debian's Chromium on a small demo shop, set up the way `shopcx demo` does it (issue 13, items 7–9):
the loyalty history replayed and dated when it happened, a rewards catalogue, breakage over what was redeemable,
and the customer-value pages filled by the demo's first analysis, with footnotes from the data.

Uses the live server of test_browser and adds the demo shop to its database; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re

import pytest

from shopcx.core import db

from .test_browser import _shot, _sign_in, browser, live_server, watched_page  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_server(live_server):  # noqa: F811
    """The live server with a 120-customer demo shop added, its points awarded and its first analysis run, as
    `shopcx demo` does after generating (demo/cli.py)."""
    from sqlalchemy import select

    from shopcx.core import jobs
    from shopcx.demo.cli import first_analysis
    from shopcx.demo.service import build_demo
    from shopcx.loyalty.jobs import sync_shop
    from shopcx.shops.models import Shop

    with db.session_scope() as session:
        build_demo(session, seed=5, customers=120, years=2, shop_code="demo")
    with db.session_scope() as session:
        shop_id = session.scalar(select(Shop.id).where(Shop.code == "demo"))
    sync_shop(shop_id)
    jobs.dispatch_outbox()
    run = first_analysis("demo")
    assert run is not None and run.status == "done", run and run.error
    return live_server


def _dates(texts: list[str]) -> set[str]:
    return {found.group(0) for text in texts if (found := re.search(r"\d{4}-\d{2}-\d{2}", text))}


def test_demo_loyalty_is_dated_when_it_happened_and_has_rewards(browser, demo_server):  # noqa: F811
    from playwright.sync_api import expect

    base = demo_server
    with watched_page(browser, "failure-demo-loyalty", viewport={"width": 1366, "height": 900},
                      locale="zh-CN") as (page, errors):
        _sign_in(page, base)
        page.goto(base + "/loyalty")
        rows = page.locator("#member-table tbody tr")
        expect(rows.first).to_be_visible()
        joined = [_dates([row]) for row in rows.all_inner_texts()]
        days = set().union(*joined)
        assert len(days) > 5 and all(joined), days  # members joined at their first orders, not all today
        _shot(page, "demo-01-members-joined")
        rows.first.locator("a").first.click()
        page.wait_for_url(re.compile(r".*/loyalty/members/\d+"))
        ledger = page.locator("#ledger-table tbody tr").all_inner_texts()
        assert ledger and len(_dates(ledger)) >= 2  # earn, activation, expiry on their own days
        _shot(page, "demo-02-member-ledger")
        page.goto(base + "/loyalty/liability")
        expect(page.locator("#breakage")).to_have_text("—")  # nothing was redeemable before the program started
        expect(page.locator("#breakage-backfill")).to_contain_text("计划于")
        _shot(page, "demo-03-liability")
        page.goto(base + "/loyalty/rewards")
        expect(page.locator("#reward-table tbody tr")).to_have_count(5)
        expect(page.locator("#reward-table")).to_contain_text("满150减20券")
        _shot(page, "demo-04-rewards")
        assert errors == []
    with watched_page(browser, "failure-demo-loyalty-phone", viewport={"width": 390, "height": 844},
                      locale="en-US") as (page, errors):
        _sign_in(page, base)
        page.goto(base + "/loyalty/liability")
        page.click("label.nav-button")  # the phone menu holds the language switch
        page.click("text=EN")
        expect(page.locator("#breakage-backfill")).to_contain_text("before the program started")
        _shot(page, "demo-05-liability-phone")
        assert errors == []


def test_demo_customer_value_pages_are_filled_and_their_notes_agree(browser, demo_server):  # noqa: F811
    from playwright.sync_api import expect

    base = demo_server
    with watched_page(browser, "failure-demo-insights", viewport={"width": 1366, "height": 900},
                      locale="zh-CN") as (page, errors):
        _sign_in(page, base)
        page.click("nav >> text=客户价值")
        page.wait_for_url(base + "/insights")
        expect(page.locator("text=计算基准日")).to_be_visible()  # not the empty state: the demo analysed
        _shot(page, "demo-06-insights-overview")

        page.goto(base + "/insights/lifecycle")
        advocates = int(page.locator('#stage-table tr[data-stage="advocate"] td.num').first.inner_text()
                        .replace(",", ""))
        note = page.locator("#note-advocate").inner_text()
        if advocates:
            assert f"品牌宣传 {advocates:,} 人" in note  # the note counts what the table shows
        else:
            assert "品牌宣传为 0" in note
        expect(page.locator("#note-at-risk")).to_contain_text("两项同时成立")
        _shot(page, "demo-07-lifecycle-notes")

        page.goto(base + "/insights/rfm")
        breaks = page.locator("#f-breaks [data-f]")
        assert breaks.count() == 5  # every F score holds customers
        expect(breaks.nth(1)).to_contain_text("F2 = 2 单")
        _shot(page, "demo-08-rfm-breaks")

        page.goto(base + "/insights/at-risk")
        expect(page.locator("#at-risk-rule")).to_contain_text("存活概率低于")
        _shot(page, "demo-09-at-risk-rule")
        assert errors == []
    with watched_page(browser, "failure-demo-insights-phone", viewport={"width": 390, "height": 844},
                      locale="en-US") as (page, errors):
        _sign_in(page, base)
        page.goto(base + "/insights/rfm")
        page.click("label.nav-button")
        page.click("text=EN")
        expect(page.locator("#f-breaks")).to_contain_text("F2 = 2 orders")
        _shot(page, "demo-10-rfm-phone")
        assert errors == []
