"""The survey results dashboard in Debian's Chromium, in zh and en, on a 390 px phone and a 1366 px screen: every
ECharts chart is drawn (gauge, trend, segments, IPA, path model, the index gauge and the index by wave), no
sideways scroll, no errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopcx.core import db

from .test_browser import PASSWORD, _shot, browser, live_server, watched_page  # noqa: F401

pytestmark = pytest.mark.browser
SCREENS = {390: {"width": 390, "height": 844}, 1366: {"width": 1366, "height": 900}}


@pytest.fixture
def ecsi_survey(live_server, shared_data):  # noqa: F811
    """An ECSI survey answered by the 250 respondents of ../shared/data/ecsi_satisfaction in two waves, and an
    English-speaking owner."""
    import csv

    from shopcx.shops import service as shops
    from shopcx.staff import service as staff
    from shopcx.staff.service import SYSTEM
    from shopcx.surveys import service
    from shopcx.surveys.tables import Answer, Response

    with (shared_data / "ecsi_satisfaction" / "satisfaction.csv").open(newline="") as fh:
        rows = [{k: max(1, int(v)) for k, v in r.items() if k and k != "gender"} for r in csv.DictReader(fh)]
    now = datetime.now(UTC)
    with db.session_scope() as session:
        staff.create_user(session, username="boss-en", password=PASSWORD, role="owner", display_name="Anna Lee",
                          locale="en")
        shop = shops.get_shop(session, "main")
        survey = service.create_from_preset(session, shop.id, "ecsi", actor=SYSTEM)
        version = service.publish(session, survey, actor=SYSTEM)
        for n, row in enumerate(rows):
            at = now - timedelta(days=60 if n < 125 else 5)
            response = Response(shop_id=shop.id, survey_id=survey.id, version_id=version.id, locale="zh",
                                partial=False, anonymous=True, wave="2026-Q3" if n < 125 else "2026-Q4",
                                source="import", respondent=f"r{n}", started_at=at, updated_at=at, submitted_at=at)
            session.add(response)
            session.flush()
            session.add_all(Answer(response_id=response.id, question=k, value=v, score=float(v))
                            for k, v in row.items())
        survey_id = survey.id
    return live_server, survey_id


@pytest.mark.parametrize("locale", ["zh", "en"])
@pytest.mark.parametrize("width", [390, 1366])
def test_the_results_dashboard_draws_every_chart(browser, ecsi_survey, locale, width):  # noqa: F811
    from playwright.sync_api import expect

    base, survey_id = ecsi_survey
    with watched_page(browser, f"failure-survey-results-{locale}-{width}", viewport=SCREENS[width],
                      locale="zh-CN" if locale == "zh" else "en-US") as (page, errors):
        page.goto(base + "/login")
        page.fill("input[name=username]", "boss" if locale == "zh" else "boss-en")
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(base + "/")
        page.goto(f"{base}/surveys/{survey_id}/results")
        expect(page.locator("#results-title")).to_have_text("结果看板" if locale == "zh" else "Results dashboard")
        for chart in ("model-chart", "ipa-chart", "index-chart", "indexgauge-chart"):
            expect(page.locator(f"#{chart}[data-drawn='1'] canvas").first).to_be_visible()
        expect(page.locator("#fix-first li").first).to_be_visible()
        expect(page.locator("#index-table tbody tr")).to_have_count(2)
        latest = "最近一轮 2026-Q4" if locale == "zh" else "Latest wave 2026-Q4"
        expect(page.locator("#index-latest")).to_contain_text(latest)
        width_now = page.evaluate("document.documentElement.scrollWidth")
        assert width_now <= SCREENS[width]["width"], f"the dashboard scrolls sideways ({width_now}px)"
        _shot(page, f"surveys-results-{locale}-{width}")
        page.goto(f"{base}/surveys/{survey_id}/responses?wave=2026-Q4")
        expect(page.locator("#responses-total")).to_have_text("125")
        assert errors == []
