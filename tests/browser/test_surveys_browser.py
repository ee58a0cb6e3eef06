"""The buyer's survey page in Debian's Chromium on a 390 px phone, in zh and in en: answering by tapping the
labels, a show-if question appearing after a low rating, saving a partial answer, submitting once."""

from __future__ import annotations

import pytest

from shopcx.core import db

from .test_browser import _shot, _sign_in, assert_no_sideways_scroll, browser, live_server, watched_page  # noqa: F401

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def survey_links(live_server):  # noqa: F811
    """The live server's shop with the CSAT-after-delivery survey published and a link for each of two buyers."""
    from shopcx.customers.models import Customer
    from shopcx.shops import service as shops
    from shopcx.staff.service import SYSTEM
    from shopcx.surveys import service

    with db.session_scope() as session:
        shop = shops.get_shop(session, "main")
        survey = service.create_from_preset(session, shop.id, "csat_delivery", actor=SYSTEM)
        service.publish(session, survey, actor=SYSTEM)
        ids = [session.query(Customer).filter_by(name=n).one().id for n in ("王小明", "李娜")]
        links, _ = service.invite(session, survey, ids, wave="2026-12", actor=SYSTEM)
        tokens = [x.token for x in links]
    return live_server, tokens


def _tap(page, question: str, label: str) -> None:
    page.locator(f"#q-{question} label").filter(has_text=label).first.click()


def test_a_buyer_answers_on_a_phone_in_chinese(browser, survey_links):  # noqa: F811
    from playwright.sync_api import expect

    base, (token, _) = survey_links
    with watched_page(browser, "failure-survey-zh", viewport=PHONE, locale="zh-CN", has_touch=True,
                      is_mobile=True) as (page, errors):
        page.goto(f"{base}/s/{token}?lang=zh")
        expect(page.locator("#survey-title")).to_have_text("收货满意度")
        assert_no_sideways_scroll(page, PHONE["width"], "the survey page")
        expect(page.locator("#q-issue")).to_be_hidden()
        _tap(page, "csat", "2")
        expect(page.locator("#q-issue")).to_be_visible()  # a low rating asks what went wrong
        expect(page.get_by_role("radio", name="2").first).to_be_checked()
        _tap(page, "delivery", "1")
        _tap(page, "issue", "到货慢")
        page.click("#survey-save")
        expect(page.locator("#survey-message")).to_contain_text("已暂存")
        page.goto(f"{base}/s/{token}?lang=zh")  # the partial answer comes back with the link
        expect(page.locator("#q-issue")).to_be_visible()
        expect(page.locator("#q-issue input[value=late]")).to_be_checked()
        page.click("#survey-submit")  # packaging is still missing
        expect(page.locator("#survey-error")).to_contain_text("必答题")
        expect(page.locator("#q-packaging")).to_have_attribute("aria-invalid", "true")
        _shot(page, "surveys-01-phone-zh-missing")
        _tap(page, "packaging", "4")
        page.fill("#in-comment", "希望下次发顺丰")
        page.click("#survey-submit")
        expect(page.locator("#survey-thanks")).to_contain_text("感谢您的反馈")
        _shot(page, "surveys-02-phone-zh-thanks")
        page.goto(f"{base}/s/{token}?lang=zh")
        expect(page.locator("#survey-closed")).to_contain_text("已经提交过了")
        # the refused submission (422) and the answered link (409) are reported by status, nothing else failed
        assert [e for e in errors if "status of 422" not in e and "status of 409" not in e] == []


def test_a_buyer_answers_on_a_phone_in_english_with_the_keyboard(browser, survey_links):  # noqa: F811
    from playwright.sync_api import expect

    base, (_, token) = survey_links
    with watched_page(browser, "failure-survey-en", viewport=PHONE, locale="en-US") as (page, errors):
        page.goto(f"{base}/s/{token}?lang=en")
        expect(page.locator("#survey-title")).to_have_text("Satisfaction after delivery")
        expect(page.locator("#q-csat legend")).to_contain_text("How satisfied are you with this order overall?")
        assert_no_sideways_scroll(page, PHONE["width"], "the survey page")
        _shot(page, "surveys-03-phone-en")
        # radios in a group: focus the first, arrow keys move the choice
        page.locator("#q-csat input[value='1']").focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        expect(page.locator("#q-csat input[value='5']")).to_be_checked()
        expect(page.locator("#q-issue")).to_be_hidden()
        _tap(page, "delivery", "5")
        _tap(page, "packaging", "5")
        page.click("#survey-submit")
        expect(page.locator("#survey-thanks")).to_contain_text("Thank you")
        assert errors == []
    with watched_page(browser, "failure-survey-forged", viewport=PHONE, locale="en-US") as (page, errors):
        page.goto(f"{base}/s/{token[:-2]}xx?lang=en")
        expect(page.locator("#survey-closed")).to_contain_text("not valid")


def test_staff_see_the_answer_in_the_results_and_on_a_phone(browser, survey_links):  # noqa: F811
    from playwright.sync_api import expect

    base, (token, _) = survey_links
    with watched_page(browser, "failure-survey-staff", viewport=PHONE, locale="zh-CN") as (page, errors):
        page.goto(f"{base}/s/{token}?lang=zh")
        for question, label in (("csat", "4"), ("delivery", "5"), ("packaging", "5")):
            _tap(page, question, label)
        page.click("#survey-submit")
        expect(page.locator("#survey-thanks")).to_be_visible()
        _sign_in(page, base)
        page.goto(f"{base}/surveys")
        page.locator("#survey-table a").first.click()
        expect(page.locator("#measure-csat .stat-value")).to_have_text("100.0%")
        expect(page.locator("#response-table tbody tr")).to_have_count(1)
        expect(page.locator("#response-table tbody tr")).to_contain_text("王小明")
        assert_no_sideways_scroll(page, PHONE["width"], "the survey page")
        _shot(page, "surveys-04-staff-results-phone")
        assert errors == []
