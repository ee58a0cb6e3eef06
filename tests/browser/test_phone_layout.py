# ruff: noqa: F811  (fixtures imported from test_browser are used as arguments)
"""Phone widths (390 px): list rows become cards labelled with their columns, nothing scrolls sideways, every link
in a list is at least 40 px tall, and a long customer history shows the latest orders open and the rest folded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopcx.core import db

from .test_browser import _shot, _sign_in, browser, live_server, watched_page  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _more_orders(count: int) -> None:
    """Give 王小明 (buyer1) a longer history: `count` more delivered orders."""
    from shopcx.orders import service as orders
    from shopcx.orders.schemas import OrderIn
    from shopcx.shops import service as shops
    from shopcx.staff.service import SYSTEM

    start = datetime.now(UTC) - timedelta(days=200)
    with db.session_scope() as session:
        shop = shops.get_shop(session, "main")
        for n in range(count):
            orders.upsert_order(session, shop, OrderIn.model_validate({
                "source": "taobao", "external_id": f"TBH{n:04d}", "status": "completed",
                "placed_at": start + timedelta(days=7 * n),
                "customer": {"source": "taobao", "external_id": "buyer1"},
                "lines": [{"sku": "TEA-9", "name": "西湖龙井", "quantity": 1, "unit_price_amount": 12800}],
            }), actor=SYSTEM)


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_lists_are_cards_and_nothing_scrolls_sideways_on_a_phone(browser, live_server, locale):
    from playwright.sync_api import expect

    base = live_server
    _more_orders(8)
    with watched_page(browser, f"failure-phone-cards-{locale}", locale=locale, **PHONE) as (page, errors):
        _sign_in(page, base)
        if locale == "en-US":
            page.click("label.nav-button")
            page.click("form[action='/locale'] button[value=en]")
        for path, table in (("/orders", "#order-table"), ("/customers", "#customer-table"),
                            ("/reviews/dashboard", "#forecast-table"), ("/audit", "#audit-table")):
            page.goto(base + path)
            expect(page.locator(table)).to_be_visible()
            assert page.locator(f"{table} thead").is_hidden()
            first = page.locator(f"{table} tbody tr").first.locator("td").first
            label = first.get_attribute("data-label")
            assert label, f"{path}: the first cell has no column label"
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} scrolls sideways ({width}px)"
            heights = page.evaluate(f"""Array.from(document.querySelectorAll('{table} a'))
                .map(a => a.getBoundingClientRect().height).filter(h => h > 0)""")
            assert min(heights, default=40) >= 40, f"{path}: a link is {min(heights)}px tall"
            _shot(page, f"phone-cards-{locale}{path.replace('/', '-')}")
        page.goto(base + "/customers")
        page.click("#customer-table a >> text=王小明")
        cards = page.locator("#timeline details.order-card")
        expect(cards).to_have_count(9)
        expect(page.locator("#timeline details.order-card[open]")).to_have_count(3)
        folded_id = page.locator("#timeline details.order-card:not([open])").first.get_attribute("id")
        folded = page.locator(f"#{folded_id}")
        folded.locator("summary .amount").click()
        expect(folded).to_have_attribute("open", "")
        _shot(page, f"phone-customer-{locale}")
        assert errors == []
