"""The desk's ticket page in Debian's Chromium, in 简体中文 and English, at 1366 px and 390 px: the list with its SLA
badge, the ticket with the order and shipment beside the thread, a reply the platform-rule guard refuses (kept in
the box), a proper reply that opens the ticket, and no sideways scrolling on a phone.

Uses the live server of test_browser (a shop, three buyers with delivered orders, an owner) and adds an
English-speaking owner and one ticket; screenshots go to test-artifacts/desk/.
"""

from __future__ import annotations

import pytest

from shopcx.core import db

from .test_browser import ARTIFACTS, PASSWORD, browser, live_server, watched_page  # noqa: F401

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
WORDS = {"zh": {"nav": "客服工单", "thread": "对话", "open": "处理中", "guard": "平台规则", "order": "订单"},
         "en": {"nav": "Help desk", "thread": "Conversation", "open": "Open", "guard": "Platform rules",
                "order": "Order"}}


@pytest.fixture
def desk_server(live_server):  # noqa: F811
    from shopcx.desk import service as desk
    from shopcx.shops import service as shops
    from shopcx.staff import service as staff
    from shopcx.staff.service import SYSTEM

    with db.session_scope() as session:
        staff.create_user(session, username="boss-en", password=PASSWORD, role="owner", display_name="Anna Lee",
                          locale="en")
        ticket = desk.create_ticket(session, shops.get_shop(session, "main"), channel="chat", subject="保温杯漏水",
                                    body="[旺旺] 买家: 杯盖漏水，怎么处理？", order="TB000001", actor=SYSTEM)
        ticket_id = ticket.id
    return live_server, ticket_id


@pytest.mark.parametrize(("locale", "width"), [(loc, w) for loc in ("zh", "en") for w in WIDTHS])
def test_ticket_page_reply_guard_and_layout(browser, desk_server, locale, width):  # noqa: F811
    from playwright.sync_api import expect

    base, ticket_id = desk_server
    words = WORDS[locale]
    with watched_page(browser, f"desk/failure-{locale}-{width}", viewport=WIDTHS[width],
                      locale="zh-CN" if locale == "zh" else "en-US") as (page, errors):
        page.goto(base + "/login")
        page.fill("input[name=username]", "boss" if locale == "zh" else "boss-en")
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(base + "/")
        page.goto(base + "/desk")
        row = page.locator(f"#ticket-table tr[data-ticket='{ticket_id}']")
        expect(row).to_contain_text("保温杯漏水")
        expect(row.locator(".dk-sla")).to_have_count(1)
        row.locator("a").first.click()
        page.wait_for_url(f"{base}/desk/tickets/{ticket_id}")
        expect(page.locator("#thread h2")).to_have_text(words["thread"])
        expect(page.locator("#order-card")).to_contain_text("TB000001")
        expect(page.locator("#shipment-card")).to_contain_text("SF1")
        expect(page.locator("#sla-clocks li")).to_have_count(2)

        page.fill("#message-body", "亲，改好评送您5元红包")
        page.click("#message-form button[type=submit]")  # HTMX with the CSRF header
        expect(page.locator("[data-error-for=message]")).to_contain_text(words["guard"])
        expect(page.locator("#message-body")).to_have_value("亲，改好评送您5元红包")
        page.fill("#message-body", "亲，非常抱歉，马上为您补发新的杯盖。")
        page.click("#message-form button[type=submit]")
        expect(page.locator("#ticket-status")).to_have_text(words["open"])
        expect(page.locator(".dk-msg-reply")).to_contain_text("马上为您补发新的杯盖")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}"
        folder = ARTIFACTS / "desk"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"ticket-{locale}-{width}.png"), full_page=True)
        assert errors == ["Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_inbox_views_and_keys(browser, desk_server, width):  # noqa: F811
    from playwright.sync_api import expect

    base, ticket_id = desk_server
    with watched_page(browser, f"desk/inbox-failure-{width}", viewport=WIDTHS[width], locale="zh-CN") as (page,
                                                                                                     errors):
        page.goto(base + "/login")
        page.fill("input[name=username]", "boss")
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(base + "/")
        page.goto(base + "/desk")
        expect(page.locator("#desk-views a")).to_have_count(5)
        expect(page.locator("#desk-live")).to_have_count(1)
        page.keyboard.press("j")  # the first ticket's link takes the focus, Enter opens it
        focused = page.evaluate("document.activeElement.closest('tr') && "
                                "document.activeElement.closest('tr').dataset.ticket")
        assert focused is not None
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.name") == "status"
        page.locator("#desk-views a[data-view='waiting_buyer']").click()
        page.wait_for_url(base + "/desk?status=waiting_buyer")
        expect(page.locator("#desk-views a[aria-current=page]")).to_have_attribute("data-view", "waiting_buyer")
        page.goto(base + "/desk")
        page.keyboard.press("j")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/desk/tickets/*")
        page.goto(base + "/desk")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the inbox scrolls sideways by {overflow}px at {width}"
        folder = ARTIFACTS / "desk"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"inbox-zh-{width}.png"), full_page=True)
        assert errors == []
