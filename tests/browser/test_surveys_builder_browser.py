"""The survey builder in Debian's Chromium, in zh on a 1366 px screen and in en on a 390 px phone: a survey made
from a template gets a rating matrix shown only after a low CSAT and a SERVQUAL pair, each form showing only the
fields its type uses; the preview asks the matrix after a low rating; publishing freezes the version."""

from __future__ import annotations

import pytest

from shopcx.core import db

from .test_browser import PASSWORD, _shot, assert_no_sideways_scroll, browser, live_server, sign_in_as, watched_page  # noqa: F401

pytestmark = pytest.mark.browser
SCREENS = {390: {"width": 390, "height": 844}, 1366: {"width": 1366, "height": 900}}
TEXT = {"zh": {"builder": "编辑题目", "shown": "当 csat 的答案为 1, 2 时显示", "published": "已发布第 1 版"},
        "en": {"builder": "Edit questions", "shown": "shown when csat is 1, 2", "published": "Version 1 published"}}


@pytest.fixture
def staff_en(live_server):  # noqa: F811
    from shopcx.staff import service as staff

    with db.session_scope() as session:
        staff.create_user(session, username="boss-en", password=PASSWORD, role="owner", display_name="Anna Lee",
                          locale="en")
    return live_server


@pytest.mark.parametrize(("locale", "width"), [("zh", 1366), ("en", 390)])
def test_build_a_survey_with_show_if_a_matrix_and_a_servqual_pair_then_publish(browser, staff_en, locale,  # noqa: F811
                                                                               width):
    from playwright.sync_api import expect

    base, words = staff_en, TEXT[locale]
    with watched_page(browser, f"failure-survey-builder-{locale}-{width}", viewport=SCREENS[width],
                      locale="zh-CN" if locale == "zh" else "en-US") as (page, errors):
        sign_in_as(page, base, "boss" if locale == "zh" else "boss-en")
        page.goto(base + "/surveys")
        page.select_option("#survey-template", "csat_delivery")
        page.fill("#survey-create input[name=code]", f"built-{locale}")
        page.click("#survey-create button[type=submit]")
        page.wait_for_url(f"{base}/surveys/*")
        survey_url = page.url
        page.click("#survey-builder-link")
        expect(page.locator("h1")).to_have_text(words["builder"])

        add = page.locator("#q-add form")
        add.locator("select[name=type]").select_option("matrix")
        expect(add.locator("textarea[name=rows]")).to_be_visible()  # the form shows what a matrix uses
        expect(add.locator("textarea[name=options]")).to_be_hidden()
        expect(add.locator("select[name=dimension]")).to_be_hidden()
        add.locator("input[name=key]").fill("parts")
        add.locator("input[name=text_zh]").fill("请为以下方面打分")
        add.locator("input[name=text_en]").fill("Rate each part")
        add.locator("select[name=scale]").select_option("1-5")
        for name, value in (("low_zh", "很差"), ("low_en", "Poor"), ("high_zh", "很好"), ("high_en", "Great")):
            add.locator(f"input[name={name}]").fill(value)
        add.locator("textarea[name=rows]").fill("pack | 包装 | Packaging\nspeed | 发货速度 | Shipping speed")
        add.locator("select[name=show_if_question]").select_option("csat")
        add.locator("input[name=show_if_values]").fill("1, 2")
        assert_no_sideways_scroll(page, width)
        add.locator("button[type=submit]").click()
        matrix = page.locator(".sv-builder-q").filter(has_text="parts")
        expect(matrix.locator("h2")).to_contain_text(words["shown"])
        expect(matrix.locator("textarea[name=rows]")).to_have_value(
            "pack | 包装 | Packaging\nspeed | 发货速度 | Shipping speed")

        add = page.locator("#q-add form")
        add.locator("select[name=type]").select_option("servqual")
        expect(add.locator("select[name=dimension]")).to_be_visible()
        expect(add.locator("select[name=scale]")).to_be_hidden()  # a SERVQUAL pair is always on 1–7
        add.locator("input[name=key]").fill("tidy")
        add.locator("input[name=text_zh]").fill("包装整洁")
        add.locator("input[name=text_en]").fill("Tidy packing")
        add.locator("select[name=dimension]").select_option("tangibles")
        add.locator("button[type=submit]").click()
        expect(page.locator(".sv-builder-q").filter(has_text="tidy").locator("select[name=dimension]")) \
            .to_have_value("tangibles")
        assert_no_sideways_scroll(page, width)
        _shot(page, f"surveys-builder-{locale}-{width}")

        page.goto(f"{survey_url}/preview?lang={locale}")  # the buyer's view: the matrix only after a low rating
        expect(page.locator("#q-parts")).to_be_hidden()
        page.locator("#q-csat label").filter(has_text="1").first.click()
        expect(page.locator("#q-parts")).to_be_visible()
        expect(page.locator("#q-parts")).to_contain_text("发货速度" if locale == "zh" else "Shipping speed")
        expect(page.locator("#q-tidy")).to_be_visible()
        assert_no_sideways_scroll(page, width)

        page.goto(survey_url)
        page.click("#survey-publish button[type=submit]")
        expect(page.locator("main")).to_contain_text(words["published"])
        page.goto(f"{survey_url}/builder")  # the published version is never edited: a change starts version 2
        expect(page.locator("main")).to_contain_text("新的草稿" if locale == "zh" else "starts a new draft")
        assert errors == []
