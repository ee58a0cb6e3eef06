"""The ticket page's agent tools in Debian's Chromium, in 简体中文 on a phone (390 px) and English on a laptop
(1366 px): a standard answer previewed with the ticket's data and sent, a refund granted within the owner's limit,
one above every limit refused with the reason shown, a promise registered and marked kept with evidence — and no
sideways scrolling. Screenshots go to test-artifacts/desk/.
"""

from __future__ import annotations

import pytest

from shopcx.core import db

from .test_browser import ARTIFACTS, PASSWORD, browser, live_server, watched_page  # noqa: F401

pytestmark = pytest.mark.browser

CASES = {"zh": ({"width": 390, "height": 844}, "boss", "已发放", "超出所有角色的权限", "已兑现"),
         "en": ({"width": 1366, "height": 900}, "boss-en", "Granted", "above every role", "Kept")}


@pytest.fixture
def tools_server(live_server):  # noqa: F811
    from shopcx.desk import service as desk
    from shopcx.desk.service import answers
    from shopcx.shops import service as shops
    from shopcx.staff import service as staff
    from shopcx.staff.service import SYSTEM

    with db.session_scope() as session:
        staff.create_user(session, username="boss-en", password=PASSWORD, role="owner", display_name="Anna Lee",
                          locale="en")
        shop = shops.get_shop(session, "main")
        answers.save_answer(session, shop, title="物流进度", category="logistics", actor=SYSTEM,
                            body_zh="{buyer_name}您好，订单{order_no}由{carrier}配送，单号{tracking_no}。",
                            body_en="Hello {buyer_name}, order {order_no} travels with {carrier}.")
        ticket = desk.create_ticket(session, shop, channel="chat", subject="杯子漏水", body="[旺旺] 买家: 杯盖漏水",
                                    order="TB000002", actor=SYSTEM, assign=False)
        ticket_id = ticket.id
    return live_server, ticket_id


@pytest.mark.parametrize("locale", list(CASES))
def test_answer_compensation_and_promise_on_the_ticket_page(browser, tools_server, locale):  # noqa: F811
    from playwright.sync_api import expect

    base, ticket_id = tools_server
    viewport, user, granted, refused, kept = CASES[locale]
    with watched_page(browser, f"desk/tools-failure-{locale}", viewport=viewport,
                      locale="zh-CN" if locale == "zh" else "en-US") as (page, errors):
        page.goto(base + "/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(base + "/")
        page.goto(f"{base}/desk/tickets/{ticket_id}")

        page.locator("#answer-pick").select_option(label="物流进度")  # HTMX fills the box with the ticket's data
        expect(page.locator("#answer-body")).to_have_value("李娜您好，订单TB000002由顺丰速运配送，单号SF2。")
        page.click("#answer-form button[type=submit]")
        expect(page.locator(".dk-msg-reply")).to_contain_text("李娜您好，订单TB000002")

        page.locator("#comp-form select[name=kind]").select_option("refund")
        page.fill("#comp-amount", "20")
        page.fill("#comp-reason", "杯盖漏水，退20元致歉")
        page.click("#comp-form button[type=submit]")
        expect(page.locator("#comp-list li").first).to_contain_text(granted)
        page.fill("#comp-amount", "9999")
        page.fill("#comp-reason", "全额赔付")
        page.click("#comp-form button[type=submit]")
        expect(page.locator("[data-error-for=compensation]")).to_contain_text(refused)
        expect(page.locator("#comp-amount")).to_have_value("9999")

        page.fill("#promise-what", "明天18点前补发杯盖并告知单号")
        page.fill("#promise-due", "2030-01-02T18:00")
        page.click("#promise-form button[type=submit]")
        item = page.locator("#promise-list li").first
        expect(item).to_contain_text("明天18点前补发杯盖")
        item.locator("input[name=evidence]").fill("SF9988")
        item.locator("button[value=kept]").click()
        done = page.locator("#promise-list li").first
        expect(done).to_have_attribute("data-status", "kept")  # the buttons say kept too: check the state
        expect(done).to_contain_text(kept)
        expect(done).to_contain_text("SF9988")
        expect(done.locator("button")).to_have_count(0)

        (ARTIFACTS / "desk").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "desk" / f"tools-{locale}.png"), full_page=True)
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert sideways <= 0, f"the page scrolls sideways by {sideways}px"
        assert errors == ["Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"]


SETTINGS_PAGES = {"/desk/settings": "#tier-policies, #policies", "/desk/settings/answers": "#answer-editor",
                  "/desk/settings/limits": "#limit-table", "/desk/settings/staffing": "#routing",
                  "/desk/promises": "#keeping", "/desk/approvals": "#approvals"}


@pytest.mark.parametrize("locale", list(CASES))
def test_desk_settings_fit_a_phone(browser, tools_server, locale):  # noqa: F811
    from playwright.sync_api import expect

    base, _ = tools_server
    user = CASES[locale][1]
    with watched_page(browser, f"desk/settings-failure-{locale}", viewport={"width": 390, "height": 844},
                      locale="zh-CN" if locale == "zh" else "en-US") as (page, errors):
        page.goto(base + "/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(base + "/")
        for path, part in SETTINGS_PAGES.items():
            page.goto(base + path)
            expect(page.locator(part).first).to_be_visible()
            sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert sideways <= 0, f"{path} scrolls sideways by {sideways}px in {locale}"
        (ARTIFACTS / "desk").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "desk" / f"approvals-{locale}-phone.png"), full_page=True)
        assert errors == []
