# ruff: noqa: F811  (the fixtures imported below are used as test arguments)
"""The ratings dashboard against the hand-worked numbers of test_pages' `shop_reviews` (see its docstring)."""

from __future__ import annotations

import re

from shopcx.reviews import service
from shopcx.reviews.schemas import ContactIn, RevisionIn
from shopcx.staff.service import actor_for_user

from ..web.conftest import client, login, make_user  # noqa: F401
from .helpers import at
from .test_pages import _chart, _element, _frozen, _row, _text, shop_reviews  # noqa: F401


def test_dashboard_numbers_match_a_hand_worked_example(login, shop_reviews):
    tb = shop_reviews["tb"]
    page = login("analyst").get(f"/reviews/dashboard?shop={tb.id}&start=2026-01-01&end=2026-03-20&min_count=3")
    assert page.status_code == 200
    body = page.text
    # DSR over 2025-09-22 … 2026-03-20 (six reviews): 描述 5+1+2+3+5+5 = 21 → 3.50, against 4.8: −27.1 %;
    # 服务 5+1+1+3+5+4 = 19 → 3.17 (−34.0 %); 物流 5+1+2+4+5+3 = 20 → 3.33 (−30.6 %).
    summary = _element(body, "dsr-summary")
    means = re.findall(r'<div class="stat" data-dim="(\w+)">.*?rv-dsr-mean">([\d.]+)<.*?rv-gap[^"]*">([^<]+)<',
                       summary, re.S)
    assert means == [("description", "3.50", "−27.1%"), ("service", "3.17", "−34.0%"),
                     ("logistics", "3.33", "−30.6%")]
    # 2026-01-01 … 03-20: 好评 good-tea, hid-cup; 中评 mid-tea; 差评 old-cup, bad-cup → 好评率 2/5 = 40.0 %.
    assert _text(_element(body, "good-rate")).startswith("40.0%")
    classes = dict(re.findall(r'<dd data-class="(\w+)">(\d+)</dd>', body))
    assert classes == {"good": "2", "neutral": "1", "bad": "2", "default_good": "0", "hidden_negative": "1",
                       "total": "5"}
    # 保温杯: old-cup, bad-cup, hid-cup → 2 差评 of 3 = 66.7 %; 龙井 has 2 reviews (< 3) and is left out.
    products = _element(body, "ranking-product")
    assert _text(products).count("保温杯") == 1 and "66.7%" in products and "龙井" not in products
    assert "1 个因评价太少未列出" in _text(products)
    # Late (bad-cup) 1★; on time (mid-tea) 3★; no shipment (old-cup 2, good-tea 5, hid-cup 5) → 4.00.
    assert _row(body, "data-group", "late").split()[1:3] == ["1", "1.00"]
    assert _row(body, "data-group", "on_time").split()[1:3] == ["1", "3.00"]
    assert _row(body, "data-group", "no_shipment").split()[1:3] == ["3", "4.00"]
    # Forecast: oct-tea (2025-10-01) leaves on 03-30; 描述 after = 16 / 5 = 3.20; one 5 lifts 3.50 to 3.71 ≥ 3.60.
    forecast = _row(body, "data-dim", "description")
    assert forecast.split()[-4:-1] == ["1", "3.20", "1"]
    # Drivers: bad-cup names quality and service; hid-cup logistics and packaging; mid-tea and old-cup none.
    assert _row(body, "data-driver", "quality").split()[-3:] == ["1", "0", "0"]
    assert _row(body, "data-driver", "packaging").split()[-3:] == ["0", "0", "1"]
    assert _row(body, "data-driver", "unknown").split()[-3:] == ["1", "1", "0"]
    dsr = _chart(body, "dsr-chart")
    description = next(line for line in dsr["lines"] if line["key"] == "description")
    assert dsr["dates"][-1] == "2026-03-20" and description["values"][-1] == 3.5
    assert description["benchmark"] == 4.8 and description["gap_pct"] == -27.08
    trend = _chart(body, "good-rate-chart")
    assert sum(trend["totals"]) == 5
    assert trend["rates"][trend["periods"].index("2026-03-16")] == 50.0  # week of 03-16: hid-cup, mid-tea
    late = _chart(body, "late-chart")
    assert late["stars"] == [1.0, 3.0, None, 4.0]
    assert 'id="dsr-chart"' in body and "/static/reviews.js" in body and "/static/vendor/echarts.min.js" in body


def test_dashboard_revision_rate_and_response_time_per_agent(session, login, make_user, shop_reviews):
    r = shop_reviews["reviews"]
    kefu = make_user("agent", "kefu3")
    actor = actor_for_user(kefu)
    case = service.case_for_review(session, r["bad-cup"])
    service.assign(session, case, kefu.id, actor=actor)
    # First contact 6 hours after bad-cup (03-10 02:00 → 08:00 UTC); the buyer revised the next day.
    service.log_contact(session, case, ContactIn(channel="phone", result="reached", at=at("2026-03-10", 8)),
                        actor=actor)
    service.revise(session, r["bad-cup"], RevisionIn(rating="good", stars=4, revised_at=at("2026-03-11")),
                   actor=actor)
    session.flush()
    body = login("manager").get(f"/reviews/dashboard?shop={shop_reviews['tb'].id}&start=2026-03-01"
                                "&end=2026-03-20").text
    # 中/差评 of March: bad-cup (revised), mid-tea (not) → 1 of 2 = 50.0 %; per agent: kefu3 1/1, unassigned 0/1.
    assert _text(_element(body, "revision-rate-value")).startswith("50.0%")
    agents = _text(_element(body, "revision-agents"))
    assert "Agent 测试 1 1 100.0%" in agents and "未分配 1 0 0.0%" in agents
    # Response: bad-cup answered after 6.0 hours by kefu3, mid-tea unanswered.
    assert "6.0 小时" in _text(_element(body, "response-median"))
    assert "1 条未响应" in _text(_element(body, "response-time"))
    assert "Agent 测试 1 6.0 6.0" in _text(_element(body, "response-agents"))


def test_dashboard_refuses_a_bad_window(login, shop_reviews):
    staff = login("analyst")
    reversed_window = staff.get("/reviews/dashboard?start=2026-03-20&end=2026-03-01")
    assert reversed_window.status_code == 422 and "日期范围有误" in reversed_window.text
    assert staff.get("/reviews/dashboard?start=20-3-2026").status_code == 422


def test_dashboard_for_one_carrier(login, shop_reviews):
    """Issue 12 item 5: ?carrier= answered 500; now only 顺丰's orders count (bad-cup, late, 1★)."""
    page = login("analyst").get(f"/reviews/dashboard?shop={shop_reviews['tb'].id}&start=2026-01-01"
                                "&end=2026-03-20&carrier=顺丰速运")
    assert page.status_code == 200
    classes = dict(re.findall(r'<dd data-class="(\w+)">(\d+)</dd>', page.text))
    assert classes["bad"] == "1" and classes["total"] == "1"
    assert _row(page.text, "data-group", "late").split()[1:3] == ["1", "1.00"]
