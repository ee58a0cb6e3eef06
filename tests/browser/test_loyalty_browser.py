"""End to end in Debian's Chromium: staff open a member and adjust points; the buyer's member page on a phone.

Uses the live server of test_browser (a fresh committed database with a shop, three buyers and an owner) and
starts the shop's program with the default rules on top; screenshots go to test-artifacts/, one more on failure.
"""

from __future__ import annotations

import re

import pytest

from shopcx.core import db

from .test_browser import _shot, _sign_in, browser, live_server, watched_page  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def loyalty_server(live_server):  # noqa: F811
    """The live server's shop with a published default program, its orders synced, the calendar work run,
    and a 10-point reward in the catalogue; returns (base url, 王小明's account id)."""
    from shopcx.loyalty.jobs import run_calendar, sync_shop
    from shopcx.loyalty.service.members import accounts
    from shopcx.loyalty.service.program import versions as programs
    from shopcx.loyalty.service.spending import rewards
    from shopcx.shops import service as shops
    from shopcx.staff.service import SYSTEM

    with db.session_scope() as session:
        shop = shops.get_shop(session, "main")
        programs.create_program(session, shop, actor=SYSTEM)
        shop_id = shop.id
    sync_shop(shop_id)
    run_calendar()  # the orders were delivered over 15 days ago: their points become available
    with db.session_scope() as session:
        program = programs.active(session, shop_id)
        rewards.create_reward(session, program, actor=SYSTEM, code="tea-sample", name_zh="龙井试饮装",
                              name_en="Tea sample", kind="gift", points_cost=10)
        from shopcx.customers.models import Customer

        customer = session.query(Customer).filter_by(name="王小明").one()
        account_id = accounts.find_account(session, program.program.id, customer.id).id
    return live_server, account_id


def _number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def test_staff_open_a_member_and_adjust_points(browser, loyalty_server):  # noqa: F811
    from playwright.sync_api import expect

    base, account_id = loyalty_server
    with watched_page(browser, "failure-loyalty-desktop",
                      viewport={"width": 1366, "height": 900}, locale="zh-CN") as (page, errors):
        _sign_in(page, base)
        page.click("nav >> text=会员积分")
        page.wait_for_url(base + "/loyalty")
        expect(page.locator("#member-table tbody tr")).to_have_count(3)
        page.fill("input[name=q]", "王小")  # HTMX live search swaps the table
        expect(page.locator("#member-table tbody tr")).to_have_count(1)
        _shot(page, "loyalty-01-members")

        page.click("#member-table >> text=王小明")
        page.wait_for_url(f"{base}/loyalty/members/{account_id}")
        expect(page.locator("#member-tier")).to_have_text("普通会员")
        before = _number(page.locator("#member-balance-value").inner_text())
        assert before > 0
        page.fill("#adjust-form input[name=points]", "50")
        page.fill("#adjust-form input[name=reason]", "物流延误补偿")
        page.click("#adjust-form button[type=submit]")  # an HTMX POST with the CSRF header
        expect(page.locator("#adjust-outcome")).to_have_attribute("data-outcome", "posted")
        expect(page.locator("#member-balance-value")).to_have_text(f"{before + 50:,}")
        expect(page.locator("#ledger-table tbody tr").first).to_contain_text("物流延误补偿")  # reloaded by HTMX
        _shot(page, "loyalty-02-member-adjusted")

        page.click("nav >> text=会员积分")
        page.click(".loyalty-tabs >> text=积分负债")
        expect(page.locator("#expiry-chart svg")).to_be_visible()
        expect(page.locator("#tier-chart svg")).to_be_visible()
        _shot(page, "loyalty-03-liability")
        assert errors == []


def test_member_page_on_a_phone(browser, loyalty_server):  # noqa: F811
    from playwright.sync_api import expect

    from shopcx.loyalty.service.members import links

    base, account_id = loyalty_server
    with watched_page(browser, "failure-loyalty-phone", viewport={"width": 390, "height": 844}, device_scale_factor=2,
                      is_mobile=True, has_touch=True, locale="zh-CN") as (page, errors):
        page.goto(f"{base}/m/{links.issue(account_id)}")
        expect(page.locator("#m-tier-name")).to_have_text("普通会员")
        balance = _number(page.locator("#m-balance").inner_text())
        assert balance >= 10
        _shot(page, "loyalty-phone-01-member")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the member page scrolls sideways ({width}px)"

        page.locator('[data-reward="tea-sample"] button').tap()
        expect(page.locator("#m-confirm")).to_contain_text("确认用 10 积分兑换")  # one tap only asks
        expect(page.locator("#m-balance")).to_have_text(f"{balance:,}")
        _shot(page, "loyalty-phone-02-confirm")
        page.locator("#m-confirm button").tap()
        expect(page.locator("#m-message")).to_contain_text("兑换成功")
        expect(page.locator("#m-balance")).to_have_text(f"{balance - 10:,}")
        expect(page.locator("#m-new-code")).to_be_visible()
        _shot(page, "loyalty-phone-03-redeemed")

        page.click("text=EN")
        expect(page.locator("#m-points h2")).to_have_text("My points")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the English member page scrolls sideways ({width}px)"
        _shot(page, "loyalty-phone-04-english")
        assert errors == []
