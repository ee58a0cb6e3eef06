# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""Review pages: who may see and act, the inbox tabs and filters, settings and templates, the customer page, zh/en;
one review's page is tested in test_pages_review and the dashboard in test_pages_dashboard, on the same reviews.

The shop's reviews (NOW = 2026-03-20 12:00 in Shanghai; the default platform windows are 15/30 days):
  old-cup   2026-01-05  2★ 差评 保温杯, DSR 1/1/1, no text, no case (its 30-day revision window closed)
  oct-tea   2025-10-01  4★ 好评 龙井,  DSR 5/5/5 (in the 180-day DSR window, leaves it on 2026-03-30)
  bad-cup   2026-03-10  1★ 差评 保温杯, DSR 2/1/2, late delivery (promised 03-03, delivered 03-06), case overdue
  mid-tea   2026-03-19  3★ 中评 龙井,  DSR 3/3/4, delivered on time, follow-up task due 03-21
  good-tea  2026-03-15  5★ 好评 龙井,  DSR 5/5/5, a phone number in the text
  hid-cup   2026-03-16  5★ 好评 保温杯, DSR 5/4/3, text about slow delivery and a broken box: hidden dissatisfaction
and one 差评 in a second shop on JD (2026-03-19 20:00 UTC, case due 03-20 20:00, not overdue yet).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.customers.models import Customer
from shopcx.reviews import service
from shopcx.reviews.schemas import ReviewIn
from shopcx.reviews.service import analysis
from shopcx.staff.service import SYSTEM

from ..factories import make_order, make_shop
from ..web.conftest import client, login, make_user  # noqa: F401
from .helpers import at

NOW = datetime(2026, 3, 20, 4, 0, tzinfo=UTC)
ROLES = ("owner", "manager", "agent", "operations", "analyst")


@dataclass(frozen=True)
class Analysed:
    polarity: str
    score: float
    aspects: tuple[str, ...]


_WORDS = {"漏水": "quality", "不理": "service", "慢": "logistics", "破": "packaging"}


def _analyse(texts, model=None):
    """A fixed stand-in for the text analyser: negative when a complaint word is present, its drivers by word."""
    out = []
    for text in texts:
        aspects = tuple(driver for word, driver in _WORDS.items() if word in text)
        out.append(Analysed("negative" if aspects else "positive", 0.1 if aspects else 0.9, aspects))
    return out


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    monkeypatch.setattr(analysis, "_analyzer", lambda: _analyse)
    with clock.frozen_at(NOW):
        yield


def _order(session, shop, external_id, *, name, buyer, sku="CUP-1", product="保温杯", shipments=(), **extra):
    return make_order(session, shop, external_id=external_id, status="completed", source=shop.platform,
                      customer={"source": shop.platform, "external_id": buyer, "name": name},
                      lines=[{"sku": sku, "name": product, "category": "茶具" if sku == "TEA-9" else "杯具",
                              "quantity": 1, "unit_price_amount": 4990}],
                      shipments=list(shipments), **extra)


def _review(session, shop, order_id, external_id, stars, when, dsr, text=None, images=()):
    data = {"external_id": external_id, "order_external_id": order_id, "stars": stars, "reviewed_at": when,
            "dsr_description": dsr[0], "dsr_service": dsr[1], "dsr_logistics": dsr[2], "text": text,
            "image_urls": list(images)}
    result = service.record_review(session, shop, ReviewIn.model_validate(data), actor=SYSTEM, source="api")
    return service.get_review(session, result.review_id)


@pytest.fixture
def shop_reviews(session):
    tb = make_shop(session, code="tb", name="小雅生活馆", platform="taobao")
    jd = make_shop(session, code="jd", name="小雅京东店", platform="jd")
    late = [{"carrier": "顺丰速运", "tracking_no": "SF1", "promised_at": at("2026-03-03").isoformat(),
             "delivered_at": at("2026-03-06").isoformat()}]
    on_time = [{"carrier": "中通快递", "tracking_no": "ZT1", "promised_at": at("2026-03-17").isoformat(),
                "delivered_at": at("2026-03-16").isoformat()}]
    _order(session, tb, "T-OLD", name="赵六", buyer="zhao")
    _order(session, tb, "T-OCT", name="孙七", buyer="sun", sku="TEA-9", product="龙井")
    _order(session, tb, "T-BAD", name="王小明", buyer="wxm", shipments=late)
    _order(session, tb, "T-MID", name="李娜", buyer="lina", sku="TEA-9", product="龙井", shipments=on_time)
    _order(session, tb, "T-GOOD", name="张伟", buyer="zw", sku="TEA-9", product="龙井")
    _order(session, tb, "T-HID", name="刘洋", buyer="ly")
    _order(session, tb, "T-WAIT", name="陈静", buyer="cj", completed_at=at("2026-03-15"))
    _order(session, jd, "J-BAD", name="周婷", buyer="zt")
    reviews = {
        "old-cup": _review(session, tb, "T-OLD", "old-cup", 2, at("2026-01-05"), (1, 1, 1)),
        "oct-tea": _review(session, tb, "T-OCT", "oct-tea", 4, at("2025-10-01"), (5, 5, 5)),
        "bad-cup": _review(session, tb, "T-BAD", "bad-cup", 1, at("2026-03-10"), (2, 1, 2), "杯子漏水，客服也不理人",
                           images=["https://img.example.com/leak.jpg"]),
        "mid-tea": _review(session, tb, "T-MID", "mid-tea", 3, at("2026-03-19"), (3, 3, 4), "还行，一般般"),
        "good-tea": _review(session, tb, "T-GOOD", "good-tea", 5, at("2026-03-15"), (5, 5, 5),
                            "很好喝，有问题打13800138000"),
        "hid-cup": _review(session, tb, "T-HID", "hid-cup", 5, at("2026-03-16"), (5, 4, 3), "物流太慢了，盒子也破了"),
        "jd-bad": _review(session, jd, "J-BAD", "jd-bad", 2, at("2026-03-19", 20), (2, 2, 2), "不好"),
    }
    session.flush()
    customers = {c.name: c for c in session.scalars(select(Customer))}
    return {"tb": tb, "jd": jd, "reviews": reviews, "customers": customers}


def _ids(body: str, attribute: str = "data-review") -> list[int]:
    return [int(x) for x in re.findall(rf'<tr {attribute}="(\d+)"', body)]


def _text(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _element(body: str, element_id: str) -> str:
    """The HTML from the element with this id to the end of its section (enough for assertions)."""
    start = body.index(">", body.index(f'id="{element_id}"')) + 1
    end = body.find("</section>", start)
    return body[start:end if end > 0 else None]


def _row(body: str, attribute: str, value) -> str:
    found = re.search(rf'<tr {attribute}="{value}"[^>]*>(.*?)</tr>', body, re.S)
    assert found, f"no row {attribute}={value}"
    return _text(found.group(1))


def _chart(body: str, name: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{name}-data">(.*?)</script>', body, re.S)
    assert found, f"no chart data {name}"
    return json.loads(html.unescape(found.group(1)))

# --- who may see and do what ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_with_reviews_read_sees_the_pages(login, shop_reviews, role):
    staff = login(role)
    review_id = shop_reviews["reviews"]["bad-cup"].id
    for url in ("/reviews", "/reviews?tab=awaiting", "/reviews/dashboard", f"/reviews/{review_id}"):
        response = staff.get(url)
        assert response.status_code == 200, (url, response.text[:300])
    assert 'href="/reviews"' in staff.get("/").text  # the navigation shows the area
    settings = staff.get("/reviews/settings")
    assert settings.status_code == (200 if role in ("owner", "manager") else 403)
    page = staff.get(f"/reviews/{review_id}").text
    assert ('id="reply-form"' in page) == (role != "analyst")  # actions only for reviews:write


def test_signed_out_is_sent_to_sign_in_and_no_permission_is_403(client, login, shop_reviews, monkeypatch):
    first = client.get("/reviews", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/login?next=/reviews")
    from shopcx.staff import rules

    monkeypatch.setitem(rules.PERMISSIONS, "analyst", rules.PERMISSIONS["analyst"] - {"reviews:read"})
    staff = login("analyst")
    for url in ("/reviews", "/reviews/dashboard", f"/reviews/{shop_reviews['reviews']['bad-cup'].id}"):
        assert staff.get(url).status_code == 403
    assert 'href="/reviews"' not in staff.get("/").text


def test_actions_need_reviews_write_and_the_csrf_token(session, login, shop_reviews):
    review = shop_reviews["reviews"]["good-tea"]
    analyst = login("analyst")
    assert analyst.post(f"/reviews/{review.id}/reply", {"text": "谢谢"}).status_code == 403
    agent = login("agent")
    refused = agent.client.post(f"/reviews/{review.id}/reply", data={"text": "谢谢"}, follow_redirects=False)
    assert refused.status_code == 403
    session.refresh(review)
    assert review.reply_text is None


# --- the inbox -----------------------------------------------------------------------------------------------


def test_inbox_tabs_counts_and_rows(login, shop_reviews):
    r = shop_reviews["reviews"]
    agent = login("agent")
    page = agent.get("/reviews").text
    assert _ids(page) == [r["bad-cup"].id, r["jd-bad"].id]  # 差评 first, the earliest deadline first
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', page))
    # old-cup is outside its revision window; oct-tea is history; T-WAIT is the one order not rated yet.
    assert counts == {"bad": "2", "neutral": "1", "good": "1", "hidden": "1", "awaiting": "1"}
    bad = _row(page, "data-review", r["bad-cup"].id)
    assert "王小明" in bad and "保温杯" in bad and "2/1/2" in bad and "★☆☆☆☆" in bad
    assert "负面" in bad and "商品质量" in bad and "客服服务" in bad  # polarity and driver tags
    assert "10 天前" in bad  # 03-10 10:00 → 03-20 12:00: 10 days and 2 hours
    assert "2026-03-11 10:00" in bad and "已超时" in bad  # case due 24 h after the review, in Shanghai time
    assert "2026-04-09 10:00" in bad  # revision window: 30 days
    assert f'<tr data-review="{r["bad-cup"].id}" class="rv-row-overdue">' in page
    assert "待办中 2 条已超时" in page  # the 差评 and the hidden complaint's follow-up task
    jd = _row(page, "data-review", r["jd-bad"].id)
    assert "已超时" not in jd and "2026-03-21 04:00" in jd  # due 03-20 20:00 UTC
    assert _ids(agent.get("/reviews?tab=neutral").text) == [r["mid-tea"].id]
    good = agent.get("/reviews?tab=good").text
    assert _ids(good) == [r["good-tea"].id] and "13800138000" in good  # the agent may see contacts
    hidden = agent.get("/reviews?tab=hidden").text
    assert _ids(hidden) == [r["hid-cup"].id]
    assert "隐性不满" in _row(hidden, "data-review", r["hid-cup"].id)
    assert "物流" in _row(hidden, "data-review", r["hid-cup"].id)
    hidden_row = _row(hidden, "data-review", r["hid-cup"].id)
    assert "致歉并跟进" in hidden_row and "致谢" not in hidden_row
    awaiting = agent.get(f"/reviews?tab=awaiting&shop={shop_reviews['tb'].id}").text
    waiting = re.findall(r'<tr data-order="(\d+)">(.*?)</tr>', awaiting, re.S)
    assert len(waiting) == 1 and "陈静" in waiting[0][1] and "2026-03-30 10:00" in _text(waiting[0][1])


def test_inbox_filters_and_htmx(session, login, shop_reviews):
    r = shop_reviews["reviews"]
    tb, jd = shop_reviews["tb"], shop_reviews["jd"]
    agent = login("agent")
    assert _ids(agent.get(f"/reviews?shop={tb.id}").text) == [r["bad-cup"].id]
    assert _ids(agent.get("/reviews?platform=jd").text) == [r["jd-bad"].id]
    assert _ids(agent.get("/reviews?overdue=1").text) == [r["bad-cup"].id]
    cup = r["bad-cup"].product_id
    assert _ids(agent.get(f"/reviews?tab=hidden&product={cup}").text) == [r["hid-cup"].id]
    assert _ids(agent.get(f"/reviews?tab=good&product={cup}").text) == []
    service.assign(session, service.case_for_review(session, r["bad-cup"]), agent.user.id, actor=SYSTEM)
    session.flush()
    mine = agent.get(f"/reviews?owner={agent.user.id}").text
    assert _ids(mine) == [r["bad-cup"].id] and agent.user.display_name in mine
    assert _ids(agent.get("/reviews?owner=unassigned").text) == [r["jd-bad"].id]
    fragment = agent.htmx_get(f"/reviews?shop={jd.id}")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert _ids(fragment.text) == [r["jd-bad"].id] and 'data-count="bad">1<' in fragment.text
    assert _ids(agent.get("/reviews?shop=nonsense&platform=nowhere&owner=x&page=-3").text) == \
        [r["bad-cup"].id, r["jd-bad"].id]  # values that cannot match are ignored


def test_inbox_pages(login, shop_reviews, monkeypatch):
    from shopcx.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "page_size", 1)
    r = shop_reviews["reviews"]
    agent = login("agent")
    first = agent.get("/reviews").text
    assert _ids(first) == [r["bad-cup"].id] and "第 1–1 条，共 2 条" in first
    second = agent.htmx_get("/reviews?page=2")
    assert _ids(second.text) == [r["jd-bad"].id] and "第 2 / 2 页" in second.text


def test_buyers_and_contacts_are_masked_without_pii(login, shop_reviews):
    analyst = login("analyst")
    page = analyst.get("/reviews").text
    assert "王**" in page and "王小明" not in page
    good = analyst.get("/reviews?tab=good").text
    assert "138****8000" in good and "13800138000" not in good
    detail = analyst.get(f"/reviews/{shop_reviews['reviews']['good-tea'].id}").text
    assert "138****8000" in detail and "13800138000" not in detail


# --- settings and templates ----------------------------------------------------------------------------------


def test_settings_and_templates(session, login, shop_reviews):
    owner = login("owner")
    tb = shop_reviews["tb"]
    page = owner.get(f"/reviews/settings?shop={tb.id}").text
    assert 'name="revision_days" min="0" max="365" value="30"' in page and "显示的是默认值" in page
    bad = owner.post("/reviews/settings", {"shop": tb.id, "platform": "taobao", "revision_days": "400"})
    assert bad.status_code == 422 and "revision_days" in bad.text
    assert not service.settings_for(session, tb.id, "taobao").stored
    owner.post("/reviews/settings", {"shop": tb.id, "platform": "jd", "rating_days": "10", "revision_days": "7",
                                     "benchmark_service": "4.6"})
    stored = service.settings_for(session, tb.id, "jd")
    assert (stored.windows.rating_days, stored.windows.revision_days, stored.benchmarks["service"]) == (10, 7, 4.6)
    assert stored.windows.reply_allowed is False  # an unticked box
    incentive = owner.post("/reviews/settings/templates", {"shop": tb.id, "rating_class": "bad", "locale": "zh",
                                                           "body": "{name}您好，改好评送您5元红包"})
    assert incentive.status_code == 422 and 'data-error-for="template"' in incentive.text
    assert "平台规则" in incentive.text and "改好评送您5元红包" in incentive.text  # the text is kept
    placeholder = owner.post("/reviews/settings/templates", {"shop": tb.id, "rating_class": "bad",
                                                             "body": "{buyer}您好"})
    assert placeholder.status_code == 422 and "{buyer}" in html.unescape(placeholder.text)
    assert owner.post("/reviews/settings/templates", {"shop": tb.id, "rating_class": "neutral",
                                                      "body": "{name}您好，抱歉{product}让您失望了"}).status_code == 303
    [template] = service.list_templates(session, tb)
    assert owner.post(f"/reviews/settings/templates/{template.id}/retire", {"shop": tb.id}).status_code == 303
    assert service.list_templates(session, tb) == []
    assert login("agent").post("/reviews/settings", {"shop": tb.id, "revision_days": "60"}).status_code == 403


# --- the customer page and the languages -----------------------------------------------------------------------


def test_customer_page_lists_the_customers_reviews(login, shop_reviews):
    r = shop_reviews["reviews"]
    wang = shop_reviews["customers"]["王小明"]
    page = login("agent").get(f"/customers/{wang.id}").text
    section = _element(page, "customer-reviews")
    assert f'data-review="{r["bad-cup"].id}"' in section and "保温杯" in section and "差评" in section
    assert f'data-review="{r["good-tea"].id}"' not in section  # another buyer's
    nobody = shop_reviews["customers"]["陈静"]
    assert "还没有评价" in _element(login("owner", "boss2").get(f"/customers/{nobody.id}").text, "customer-reviews")


def test_labels_in_chinese_and_english(login, shop_reviews):
    review_id = shop_reviews["reviews"]["bad-cup"].id
    zh = login("manager", "zh1")
    inbox = zh.get("/reviews").text
    assert "待处理评价" in inbox and "隐性不满" in inbox and "待评价订单" in inbox
    assert "评分看板" in zh.get("/reviews/dashboard").text
    en = login("manager", "en1", locale="en")
    inbox = en.get("/reviews").text
    assert "Review inbox" in inbox and "Hidden dissatisfaction" in inbox and "Awaiting rating" in inbox
    assert "待处理评价" not in inbox
    dashboard = en.get("/reviews/dashboard").text
    assert "Ratings dashboard" in dashboard and "Positive-rate trend" in dashboard
    detail = en.get(f"/reviews/{review_id}").text
    assert "Record the buyer&#39;s revision" in detail or "Record the buyer's revision" in detail
    refused = en.htmx_post(f"/reviews/{review_id}/reply", {"text": "Change your review to 5 stars and get a $5 "
                                                                   "coupon"})
    assert refused.status_code == 422 and "Platform rules" in refused.text
    urls = ("/reviews", "/reviews?tab=neutral", "/reviews?tab=hidden", "/reviews?tab=awaiting",
            "/reviews/dashboard?start=2025-10-01&end=2026-03-20", "/reviews/settings", f"/reviews/{review_id}")
    for staff in (en, login("owner", "zh2")):
        for url in urls:
            visible = _text(re.sub(r"<script.*?</script>", "", staff.get(url).text, flags=re.S))
            assert not re.search(r"\breviews?\.[a-z0-9_]+", visible), (url, visible[:2000])


def test_locale_files_have_the_same_keys():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "src" / "shopcx" / "reviews" / "locales"
    zh = json.loads((folder / "zh.pages.json").read_text(encoding="utf-8"))
    en = json.loads((folder / "en.pages.json").read_text(encoding="utf-8"))
    assert list(zh) == sorted(zh) and zh.keys() == en.keys()


def test_inbox_tab_exports_to_excel_with_contacts_masked_by_role(login, client, shop_reviews):
    import io

    from openpyxl import load_workbook

    def rows(response):
        assert response.status_code == 200, response.text[:300]
        values = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        return [dict(zip(values[0], row, strict=True)) for row in values[1:]]

    r = shop_reviews["reviews"]
    agent = login("agent")
    bad = rows(agent.get("/reviews/export.xlsx"))
    assert [row["评价编号"] for row in bad] == [r["bad-cup"].id, r["jd-bad"].id]  # the inbox's order
    first = bad[0]
    assert first["买家"] == "王小明" and first["星级"] == 1 and first["评价"] == "差评" and first["已超时"] == "是"
    assert (first["描述相符"], first["服务态度"], first["物流服务"]) == (2, 1, 2)
    assert first["首次联系截止"] == datetime(2026, 3, 11, 10, 0)  # Shanghai time, as on the page
    good = rows(agent.get("/reviews/export.xlsx?tab=good"))
    assert good[0]["评价内容"] == "很好喝，有问题打13800138000"  # the agent may see contacts
    only_jd = rows(agent.get(f"/reviews/export.xlsx?shop={shop_reviews['jd'].id}"))
    assert [row["评价编号"] for row in only_jd] == [r["jd-bad"].id]
    client.cookies.clear()
    analyst = login("analyst", locale="en")
    masked = rows(analyst.get("/reviews/export.xlsx?tab=good"))
    assert "13800138000" not in str(masked[0]) and masked[0]["Buyer"] == "张**"
    assert masked[0]["Rating"] == "Positive" and masked[0]["Review text"].startswith("很好喝，有问题打")
