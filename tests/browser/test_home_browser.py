"""The home page in Debian's Chromium, in 简体中文 and English, at 1366 px and 390 px: figure cards with their date,
today's list with a breached ticket one click from its page, and no sideways scrolling on a phone.

Uses the live server of test_browser (a shop, three buyers, an owner) and adds an English-speaking owner, an SLA
policy, an old ticket (breached) and a negative review; screenshots go to test-artifacts/home/.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from shopcx.core import clock, db

from .test_browser import PASSWORD, _shot, browser, live_server, sign_in_as, watched_page  # noqa: F401

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
WORDS = {"zh": {"today": "今日待办", "rate": "好评率", "as_of": "数据日期"},
         "en": {"today": "Needs attention today", "rate": "Positive rate", "as_of": "As of"}}


@pytest.fixture
def home_server(live_server):  # noqa: F811
    from shopcx.desk import service as desk
    from shopcx.reviews import service as reviews
    from shopcx.reviews.schemas import ReviewIn
    from shopcx.shops import service as shops
    from shopcx.staff import service as staff
    from shopcx.staff.service import SYSTEM

    with db.session_scope() as session:
        staff.create_user(session, username="boss-en", password=PASSWORD, role="owner", display_name="Anna Lee",
                          locale="en")
        shop = shops.get_shop(session, "main")
        desk.save_policy(session, shop, priority="normal", channel=None, first_response=60, next_response=240,
                         resolution=720, actor=SYSTEM)
        ticket = desk.create_ticket(session, shop, channel="chat", subject="保温杯漏水", body="杯盖漏水",
                                    order="TB000001", actor=SYSTEM, now=clock.now() - timedelta(days=5))
        reviews.record_review(session, shop, ReviewIn.model_validate(
            {"external_id": "RV-H1", "order_external_id": "TB000001", "stars": 1, "text": "漏水，很失望",
             "reviewed_at": clock.now() - timedelta(days=1)}), actor=SYSTEM, source="api")
        ticket_id = ticket.id
    return live_server, ticket_id


@pytest.mark.parametrize(("locale", "width"), [(loc, w) for loc in ("zh", "en") for w in WIDTHS])
def test_home_figures_and_todays_list(browser, home_server, locale, width):  # noqa: F811
    from playwright.sync_api import expect

    base, ticket_id = home_server
    words = WORDS[locale]
    with watched_page(browser, f"home/failure-{locale}-{width}", viewport=WIDTHS[width],
                      locale="zh-CN" if locale == "zh" else "en-US") as (page, errors):
        sign_in_as(page, base, "boss" if locale == "zh" else "boss-en")
        expect(page.locator("#attention h2")).to_contain_text(words["today"])
        expect(page.locator("#figure-good_rate")).to_contain_text(words["rate"])
        expect(page.locator("#figure-good_rate .as-of")).to_contain_text(words["as_of"])
        expect(page.locator("#figure-nps")).to_have_count(0)  # no survey answers: no card
        width_px = page.evaluate("document.documentElement.scrollWidth")
        assert width_px <= WIDTHS[width]["width"], f"the home page scrolls sideways ({width_px}px)"
        columns = page.evaluate("getComputedStyle(document.querySelector('#figures'))"
                                ".gridTemplateColumns.split(' ').length")
        assert (columns == 1) if width == "phone" else (columns >= 4)
        _shot(page, f"home/{locale}-{width}")
        item = page.locator(f"#attention a.btn[href='/desk/tickets/{ticket_id}']")
        expect(item).to_have_count(1)
        item.click()
        page.wait_for_url(f"{base}/desk/tickets/{ticket_id}")
        assert errors == []
