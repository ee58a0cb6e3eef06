"""End to end in Debian's Chromium: the import page imports into a chosen shop; a new shop is a choice of its own,
and a 千牛 export's two files are chosen together.

Uses the live server of test_browser; screenshots go to test-artifacts/, one more on failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_browser import _shot, _sign_in, browser, live_server, watched_page  # noqa: F401

pytestmark = pytest.mark.browser
SAMPLES = Path(__file__).resolve().parents[1] / "imports" / "samples"


def test_a_new_shop_is_asked_for_and_a_qianniu_pair_uploads_together(browser, live_server):  # noqa: F811
    from playwright.sync_api import expect

    base = live_server
    with watched_page(browser, "failure-import-new-shop",
                      viewport={"width": 1366, "height": 900}, locale="zh-CN") as (page, errors):
        _sign_in(page, base)
        page.goto(base + "/imports")
        new_shop = page.locator("#new-shop")
        expect(new_shop).to_be_hidden()  # an existing shop is the usual choice; nothing is created silently
        page.select_option("select[name=shop]", "__new__")
        expect(new_shop).to_be_visible()
        expect(new_shop).to_contain_text("币种")
        page.fill("input[name=new_shop_name]", "千牛旗舰店")
        page.fill("input[name=new_shop_timezone]", "Asia/Shanghai")
        page.select_option("select[name=format]", "taobao")
        page.set_input_files("input[name=file]", [str(SAMPLES / "taobao_orders_report.csv"),
                                                  str(SAMPLES / "taobao_items_report.csv")])
        _shot(page, "imports-new-shop")
        page.click("#upload button[type=submit]")
        page.wait_for_url(f"{base}/imports/*")
        expect(page.locator("#progress")).to_have_attribute("data-status", "done", timeout=30_000)
        expect(page.locator("#count-stored")).to_have_text("4")
        expect(page.locator("#reject-table tbody tr")).to_have_count(3)
        expect(page.locator("#reject-table")).to_contain_text("购买数量")
        _shot(page, "imports-pair-done")
        page.goto(base + "/imports")
        expect(page.locator("select[name=shop]")).to_contain_text("千牛旗舰店 (taobao")
        assert errors == []
