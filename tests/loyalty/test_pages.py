# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""Staff loyalty pages: who may see and change what, the members filters, manual adjustments with graded
authorisation, the rules editor and its backtest, liability, rewards and coupons, in Chinese and English."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime

import pytest

from shopcx.core import clock
from shopcx.loyalty.config import Earning, Expiry, ProgramConfig, Tier
from shopcx.loyalty.models import AdjustmentRequest, Coupon, LoyaltyAccount, PointsEntry
from shopcx.loyalty.service.daily import DailyResult, activate_due
from shopcx.loyalty.service.members import accounts
from shopcx.loyalty.service.points.earning import sync_order
from shopcx.loyalty.service.spending import rewards

from ..factories import make_order, make_shop
from ..web.conftest import client, login, make_user  # noqa: F401
from .factories import make_program

NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai: the shop's "today" is 2026-06-15
ROLES = ("owner", "manager", "agent", "operations", "analyst")
PAGES = ("/loyalty", "/loyalty/approvals", "/loyalty/program", "/loyalty/liability", "/loyalty/rewards")


def config() -> ProgramConfig:
    """1 point per yuan; points expire 2 months after they become available; silver at ¥1,000 or 3 orders."""
    return ProgramConfig(
        tiers=[Tier(code="member", name_zh="普通会员", name_en="Member"),
               Tier(code="silver", name_zh="银卡会员", name_en="Silver", min_spend_amount=100_000, min_orders=3,
                    keep_spend_amount=50_000, keep_orders=2, points_multiplier=1500, discount_percent=5),
               Tier(code="gold", name_zh="金卡会员", name_en="Gold", min_spend_amount=500_000, min_orders=10,
                    points_multiplier=2000, discount_percent=10, free_shipping=True)],
        earning=Earning(return_window_days=15), expiry=Expiry(mode="rolling", months=2))


def _buy(session, shop, name: str, day: str, yuan: int):
    paid = datetime.fromisoformat(day).replace(hour=2, tzinfo=UTC)
    order = make_order(session, shop, status="completed", placed_at=paid, paid_at=paid, completed_at=paid,
                       customer={"source": "taobao", "external_id": f"lp-{name}", "name": name,
                                 "phone": "13800138000" if name == "王芳" else None},
                       lines=[{"sku": "TEA-1", "name": "龙井", "quantity": 1, "unit_price_amount": yuan * 100}])
    sync_order(session, order)
    return order


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def members(session):
    """王芳: ¥1,200 on 1 May (silver, 1,200 points expiring 16 Jul); 李雷: ¥300 on 20 Apr (member, 300 points
    expiring 5 Jul); both available since their return windows closed."""
    shop, program = make_program(session, config=config())
    wang = _buy(session, shop, "王芳", "2026-05-01", 1200)
    li = _buy(session, shop, "李雷", "2026-04-20", 300)
    activate_due(session, program, date(2026, 6, 15), DailyResult())
    ids = {name: accounts.find_account(session, program.program.id, order.customer_id).id
           for name, order in (("王芳", wang), ("李雷", li))}
    session.flush()
    return {"shop": shop, "program": program, "ids": ids, "orders": {"王芳": wang, "李雷": li}}


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/loyalty/members/\d+">([^<]+)</a>', html)


def _account(session, account_id: int) -> LoyaltyAccount:
    account = session.get(LoyaltyAccount, account_id)
    session.refresh(account)
    return account


# --- who may see what --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_role_with_loyalty_read_sees_every_page(login, members, role):
    staff = login(role)
    for url in (*PAGES, f"/loyalty/members/{members['ids']['王芳']}"):
        response = staff.get(url)
        assert response.status_code == 200, (url, response.text[:300])
    assert 'href="/loyalty"' in staff.get("/").text  # the navigation shows the area


def test_signed_out_is_sent_to_sign_in_and_a_role_without_the_permission_gets_403(client, login, members,
                                                                                   monkeypatch):
    first = client.get("/loyalty", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/login?next=/loyalty")
    from shopcx.staff import rules

    monkeypatch.setitem(rules.PERMISSIONS, "analyst", rules.PERMISSIONS["analyst"] - {"loyalty:read"})
    staff = login("analyst")
    for url in PAGES:
        response = staff.get(url)
        assert response.status_code == 403 and "无权访问" in response.text
    assert 'href="/loyalty"' not in staff.get("/").text


def test_changes_need_their_permission(login, members):
    account_id = members["ids"]["王芳"]
    analyst = login("analyst")  # one browser: each login() below signs it in as someone else
    assert analyst.post(f"/loyalty/members/{account_id}/adjust", {"points": "10", "reason": "x"}).status_code == 403
    assert 'id="adjust-form"' not in analyst.get(f"/loyalty/members/{account_id}").text
    agent = login("agent")
    assert agent.post(f"/loyalty/members/{account_id}/floor", {"tier": "gold", "reason": "x"}).status_code == 403
    assert agent.post("/loyalty/program/draft", {"config": "{}"}).status_code == 403
    page = agent.get(f"/loyalty/members/{account_id}").text
    assert 'id="adjust-form"' in page and 'id="floor-form"' not in page


def test_a_post_without_the_csrf_token_is_refused(login, members):
    staff = login("owner")
    response = staff.client.post(f"/loyalty/members/{members['ids']['王芳']}/adjust",
                                 data={"points": "10", "reason": "x"}, follow_redirects=False)
    assert response.status_code == 403


# --- members list ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("params, expected", [
    ({}, ["王芳", "李雷"]),  # largest balance first
    ({"tier": "silver"}, ["王芳"]),
    ({"tier": "member"}, ["李雷"]),
    ({"min_balance": "500"}, ["王芳"]),
    ({"max_balance": "500"}, ["李雷"]),
    ({"expiring": "25"}, ["李雷"]),  # 5 July is within 25 days of 15 June; 16 July is not
    ({"expiring": "40"}, ["王芳", "李雷"]),
    ({"expiring": "40", "order": "expiring"}, ["李雷", "王芳"]),
    ({"q": "李"}, ["李雷"]),
    ({"tier": "gold"}, []),
])
def test_members_filters(login, members, params, expected):
    page = login("analyst").get("/loyalty", params=params)
    assert page.status_code == 200
    assert _names(page.text) == expected


def test_members_list_counts_tier_mix_and_htmx_fragment(login, members):
    staff = login("manager")
    page = staff.get("/loyalty").text
    assert re.search(r'id="members-total">2<', page)
    assert re.search(r'id="members-expiring">1<', page)  # 李雷's 300 points expire on 5 July, within 30 days
    mix = page[page.index('id="tier-mix"'):]
    assert re.search(r"普通会员</span>.*?<b>1</b>", mix, re.S) and re.search(r"银卡会员</span>.*?<b>1</b>", mix, re.S)
    fragment = staff.htmx_get("/loyalty?tier=silver")
    assert "<html" not in fragment.text and _names(fragment.text) == ["王芳"]


def test_phone_search_only_for_roles_that_see_contacts(login, members):
    assert _names(login("agent").get("/loyalty", params={"q": "13800138000"}).text) == ["王芳"]
    assert _names(login("operations").get("/loyalty", params={"q": "13800138000"}).text) == []


def test_a_bad_number_in_a_filter_names_the_field(login, members):
    response = login("agent").htmx_get("/loyalty?min_balance=abc")
    assert response.status_code == 422 and "min_balance" in response.text


# --- one member --------------------------------------------------------------------------------------------------

def test_member_page_shows_card_progress_balances_ledger_and_link(login, members):
    page = login("agent").get(f"/loyalty/members/{members['ids']['王芳']}").text
    assert 'id="member-tier">银卡会员<' in page
    assert re.search(r'id="member-balance-value">1,200<', page)
    assert "价值 ¥12.00" in page  # 1,200 points at 100 points = ¥1
    assert re.search(r'id="member-expiring">0<', page)  # her lot expires on 16 July: 31 days away
    # Gold needs ¥5,000 or 10 orders: ¥3,800 and 9 orders to go; silver is kept with ¥1,200 ≥ ¥500.
    assert "升级到金卡会员" in page and "还差 ¥3,800.00" in page and "还差 9 单" in page
    assert 'id="keep-met"' in page
    ledger = page[page.index('id="ledger-table"'):]
    assert ledger.count("<tr data-kind=") == 2 and "订单积分" in ledger and "+1,200" in ledger
    assert f'href="/orders/{members["orders"]["王芳"].id}"' in ledger
    assert re.search(r'id="member-link-url" value="http://testserver/m/[\w-]+\.[0-9a-f]{64}"', page)
    assert "达标升级" in page  # the tier history: member → silver on qualifying
    other = login("analyst").get(f"/loyalty/members/{members['ids']['李雷']}").text
    assert re.search(r'id="member-expiring">300<', other) and "300 于 2026-07-05 到期" in other


def test_adjustment_within_the_limit_is_posted_and_above_it_waits_for_approval(login, members, session):
    account_id = members["ids"]["李雷"]
    agent = login("agent")  # the default limit of an agent is ±200 points
    posted = agent.htmx_post(f"/loyalty/members/{account_id}/adjust",
                             {"points": "150", "reason": "物流延误补偿", "request_key": "k-1"})
    assert posted.status_code == 200 and 'data-outcome="posted"' in posted.text
    assert "当前可用 450" in posted.text and 'hx-swap-oob="true"' in posted.text
    assert posted.headers["HX-Trigger"] == "loyalty-ledger-changed"  # the ledger on the page reloads
    again = agent.htmx_post(f"/loyalty/members/{account_id}/adjust",
                            {"points": "150", "reason": "物流延误补偿", "request_key": "k-1"})
    assert 'data-outcome="posted"' in again.text  # a double submit of the same form posts once
    assert _account(session, account_id).balance == 450

    waiting = agent.htmx_post(f"/loyalty/members/{account_id}/adjust",
                              {"points": "500", "reason": "大额补偿", "request_key": "k-2"})
    assert 'data-outcome="pending"' in waiting.text and "±200" in waiting.text
    assert _account(session, account_id).balance == 450
    request = session.query(AdjustmentRequest).filter_by(account_id=account_id).one()
    assert (request.points, request.status, request.requested_by) == (500, "pending", "user:agent1")

    # Without JavaScript the form answers with the member page and the outcome.
    plain = agent.post(f"/loyalty/members/{account_id}/adjust",
                       {"points": "-20", "reason": "更正", "request_key": "k3"})
    assert plain.status_code == 303 and plain.headers["location"].endswith("?result=posted")
    assert "调整已入账" in agent.get(plain.headers["location"]).text


@pytest.mark.parametrize("form, field", [
    ({"points": "", "reason": "x"}, "积分"), ({"points": "abc", "reason": "x"}, "积分"),
    ({"points": "10", "reason": " "}, "请填写原因"), ({"points": "-5000", "reason": "x"}, "积分不足"),
])
def test_bad_adjustments_are_refused_inline(login, members, session, form, field):
    account_id = members["ids"]["李雷"]
    response = login("manager").htmx_post(f"/loyalty/members/{account_id}/adjust", form)
    assert response.status_code in (409, 422) and field in response.text
    assert "points" not in response.text.split('role="alert"')[1]  # one language: no English field or detail
    assert _account(session, account_id).balance == 300


def test_approvals_four_eyes_and_approving(login, members, session):
    account_id = members["ids"]["李雷"]
    agent = login("agent")
    agent.htmx_post(f"/loyalty/members/{account_id}/adjust", {"points": "500", "reason": "大额补偿"})
    manager = login("manager")
    # A manager's own request above their limit (20,000) waits too, and they cannot decide it themselves.
    manager.htmx_post(f"/loyalty/members/{account_id}/adjust", {"points": "25000", "reason": "活动奖励"})
    page = manager.get("/loyalty/approvals").text
    rows = {int(m.group(1)): m.group(0) for m in re.finditer(r'<tr id="request-(\d+)">.*?</tr>', page, re.S)}
    small = session.query(AdjustmentRequest).filter_by(points=500).one()
    large = session.query(AdjustmentRequest).filter_by(points=25000).one()
    assert "/approve" in rows[small.id]
    assert "需由另一位店长审批" in rows[large.id] and "/approve" not in rows[large.id]
    refused = manager.htmx_post(f"/loyalty/approvals/{large.id}/approve")
    assert refused.status_code == 403 and "不能审批自己提交的申请" in refused.text

    approved = manager.htmx_post(f"/loyalty/approvals/{small.id}/approve", {"note": "同意"})
    assert approved.status_code == 200 and 'data-status="approved"' in approved.text
    assert _account(session, account_id).balance == 800
    assert login("analyst").post(f"/loyalty/approvals/{large.id}/approve").status_code == 403
    owner = login("owner")
    assert owner.htmx_post(f"/loyalty/approvals/{large.id}/reject", {"note": "不符合"}).status_code == 200
    session.refresh(large)
    assert large.status == "rejected" and _account(session, account_id).balance == 800
    assert "已拒绝" in owner.get("/loyalty/approvals").text


def test_tier_floor_needs_a_reason_and_lifts_the_tier(login, members, session):
    account_id = members["ids"]["李雷"]
    manager = login("manager")
    missing = manager.htmx_post(f"/loyalty/members/{account_id}/floor", {"tier": "gold", "reason": ""})
    assert missing.status_code == 422 and "请填写原因" in missing.text
    done = manager.htmx_post(f"/loyalty/members/{account_id}/floor",
                             {"tier": "gold", "until": "2026-12-31", "reason": "大客户"})
    assert done.status_code == 204 and done.headers["HX-Redirect"].endswith("?result=floor")
    account = _account(session, account_id)
    assert (account.tier_code, account.floor_tier_code, account.floor_reason) == ("gold", "gold", "大客户")
    page = manager.get(f"/loyalty/members/{account_id}").text
    assert "保底等级：金卡会员" in page and "至 2026-12-31" in page and "手动设置" in page


def test_birthday_change_is_limited_for_agents(login, members, session):
    account_id = members["ids"]["李雷"]
    agent = login("agent")
    first = agent.htmx_post(f"/loyalty/members/{account_id}/birthday", {"birthday": "1990-02-29"})
    assert first.status_code == 422  # 1990 had no 29 February
    assert agent.htmx_post(f"/loyalty/members/{account_id}/birthday", {"birthday": "1992-02-29"}).status_code == 204
    second = agent.htmx_post(f"/loyalty/members/{account_id}/birthday", {"birthday": "1992-03-01"})
    assert second.status_code == 409 and "生日最近刚修改过" in second.text


def test_fresh_member_link_fragment(login, members):
    response = login("agent").htmx_post(f"/loyalty/members/{members['ids']['王芳']}/link")
    assert response.status_code == 200 and 'id="member-link"' in response.text and "<html" not in response.text
    assert "链接有效至 2026-09-13" in response.text  # 90 days from 15 June


# --- rules -------------------------------------------------------------------------------------------------------

def test_program_page_shows_the_published_rules(login, members):
    page = login("analyst").get("/loyalty/program").text
    tiers = page[page.index('id="tier-table"'):page.index("</table>", page.index('id="tier-table"'))]
    assert "银卡会员" in tiers and "消费 ≥ ¥1,000.00 或 ≥ 3 单" in tiers and "1.5×" in tiers and "2×" in tiers
    assert "每 ¥1.00 得 1 积分" in page and "生效后 2 个月过期" in page
    assert 'name="config"' in page and "readonly" in page[page.index('id="config-text"'):][:200]


def _config_with(**changes) -> str:
    data = config().model_dump(mode="json")
    for path, value in changes.items():
        target = data
        *parts, last = path.split("__")
        for part in parts:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return json.dumps(data, ensure_ascii=False)


def test_saving_a_draft_checks_it_and_names_the_field(login, members):
    owner = login("owner")
    bad = owner.htmx_post("/loyalty/program/draft", {"config": _config_with(tiers__1__min_orders=-1)})
    assert bad.status_code == 422 and "tiers.1.min_orders" in bad.text and "规则有误" in bad.text
    syntax = owner.htmx_post("/loyalty/program/draft", {"config": '{"tiers": [}'})
    assert syntax.status_code == 422 and "第 1 行第 12 列" in syntax.text
    good = owner.htmx_post("/loyalty/program/draft", {"config": _config_with(earning__points_per_unit=2),
                                                      "note": "双倍积分"})
    assert good.status_code == 200 and "草稿 v2 已保存" in good.text
    page = html.unescape(owner.get("/loyalty/program").text)
    assert "正在编辑草稿 v2" in page and '"points_per_unit": 2' in page and "发布草稿 v2" in page


def test_backtest_shows_tier_moves_and_liability_change_and_writes_nothing(login, members, session):
    # Silver now needs ¥2,000 (keep ¥1,500 or 2 orders) and every yuan earns 2 points: 王芳 (¥1,200, 1 order)
    # would drop to member at a review today; her 1,200 order points become 2,400 and 李雷's 300 become 600.
    candidate = _config_with(tiers__1__min_spend_amount=200_000, tiers__1__keep_spend_amount=150_000,
                             earning__points_per_unit=2)
    before = session.query(PointsEntry).count()
    response = login("analyst").htmx_post("/loyalty/program/backtest", {"config": candidate})
    assert response.status_code == 200, response.text
    html = response.text
    assert re.search(r'id="bt-down">1<', html) and re.search(r'id="bt-up">0<', html)
    assert re.search(r'id="bt-same">1<', html)
    matrix = html[html.index('id="bt-matrix"'):]
    assert re.search(r"<th>银卡会员</th><td class=\"num moved\">1</td><td class=\"num\">0</td>", matrix)
    # Outstanding 1,500 points (¥15.00) would be 3,000 (¥30.00): +¥15.00.
    assert "+¥15.00" in html and "¥15.00 → ¥30.00" in html
    assert session.query(PointsEntry).count() == before


def test_publish_and_start(login, members, session):
    assert login("operations").post("/loyalty/program/publish", {"version": "1"}).status_code == 403
    owner = login("owner")
    owner.htmx_post("/loyalty/program/draft", {"config": _config_with(earning__points_per_unit=2)})
    published = owner.post("/loyalty/program/publish", {"version": "2"})
    assert published.status_code == 303 and "result=published" in published.headers["location"]
    page = owner.get("/loyalty/program").text
    assert "当前规则（v2）" in page and "每 ¥1.00 得 2 积分" in page
    assert owner.post("/loyalty/program/publish", {"version": "2"}).status_code == 409

    other = make_shop(session, code="newshop", name="新店")
    empty = owner.get(f"/loyalty/program?shop={other.id}").text
    assert 'id="start-button"' in empty
    started = owner.post("/loyalty/program/start", {"shop": str(other.id)})
    assert started.status_code == 303
    page = owner.get(started.headers["location"]).text
    assert "钻石会员" in page and "当前规则（v1）" in page
    third = make_shop(session, code="third", name="第三家")
    assert login("agent").post("/loyalty/program/start", {"shop": str(third.id)}).status_code == 403


# --- liability, rewards, coupons ---------------------------------------------------------------------------------

def test_liability_report_and_chart_data(login, members):
    page = login("analyst").get("/loyalty/liability").text
    assert re.search(r'id="outstanding-value">¥15.00<', page)  # 1,500 points at ¥1 per 100
    # Both lots expire in July (5th and 16th): 1,500 points next month, from 2 members.
    assert re.search(r'id="expiring-value">¥15.00<', page) and "2026-07-01–2026-07-31" in page
    chart = json.loads(re.search(r'<script type="application/json" id="expiry-chart-data">(.*?)</script>',
                                 page, re.S).group(1))
    assert chart["tiers"] == ["普通会员", "银卡会员", "金卡会员"] and chart["members"] == [1, 1, 0]
    assert len(chart["months"]) == 13 and chart["months"][:2] == ["2026-06", "2026-07"]
    assert chart["months"][-1] == "2027-06" and chart["expiring"] == [0, 1500] + [0] * 11
    assert 'src="/static/loyalty.js' in page and 'src="/static/vendor/echarts.min.js"' in page


def test_rewards_catalogue_and_campaign_coupons(login, members, session):
    owner = login("owner")
    made = owner.post("/loyalty/rewards", {"code": "cash10", "name_zh": "10元券", "name_en": "¥10 off",
                                           "kind": "coupon_amount", "points_cost": "1000", "amount_off": "10",
                                           "min_spend": "99"})
    assert made.status_code == 303
    page = owner.get("/loyalty/rewards").text
    assert 'data-reward="cash10"' in page and "¥10.00" in page and "满 ¥99.00 可用" in page
    bad = owner.htmx_post("/loyalty/rewards", {"code": "x1", "name_zh": "券", "name_en": "c",
                                               "kind": "coupon_amount", "points_cost": "10"})
    assert bad.status_code == 422 and "减免金额" in bad.text

    codes = owner.post("/loyalty/coupons", {"count": "3", "kind": "coupon_percent", "percent_off": "12",
                                            "valid_until": "2026-06-30", "max_uses": "100", "name": "618"})
    assert codes.status_code == 303 and codes.headers["location"].endswith("made=3")
    campaign = session.query(Coupon).filter_by(name="618").all()
    assert len(campaign) == 3 and {c.percent_off for c in campaign} == {12}
    # Valid through 30 June in Shanghai: until the midnight that starts 1 July there (16:00 UTC on 30 June).
    assert {clock.as_utc(c.valid_until) for c in campaign} == {datetime(2026, 6, 30, 16, 0, tzinfo=UTC)}
    assert owner.get("/loyalty/rewards").text.count("2026-06-15 – 2026-06-30") == 3  # shown as typed
    voided = owner.post(f"/loyalty/coupons/{campaign[0].id}/void")
    assert voided.status_code == 303
    session.refresh(campaign[0])
    assert campaign[0].status == "void"
    deactivated = owner.post("/loyalty/rewards/cash10/deactivate")
    assert deactivated.status_code == 303
    assert not rewards.get_reward(session, members["program"], "cash10").is_active
    assert login("agent").post("/loyalty/coupons", {"kind": "free_shipping"}).status_code == 403


# --- the customer page and languages -----------------------------------------------------------------------------

def test_customer_page_shows_the_membership_and_enrols_a_customer(login, members, session):
    agent = login("agent")
    page = agent.get(f"/customers/{members['orders']['王芳'].customer_id}").text
    assert 'id="loyalty-card"' in page and f'href="/loyalty/members/{members["ids"]["王芳"]}">银卡会员<' in page
    order = make_order(session, members["shop"], customer={"source": "taobao", "external_id": "lp-new",
                                                           "name": "新客"})
    page = agent.get(f"/customers/{order.customer_id}").text
    assert "还不是会员" in page
    enrolled = agent.post("/loyalty/enrol", {"shop": str(members["shop"].id), "customer": str(order.customer_id)})
    assert enrolled.status_code == 303 and enrolled.headers["location"].startswith("/loyalty/members/")


def test_customer_page_still_renders_without_a_program(login, session):
    shop = make_shop(session)
    order = make_order(session, shop)
    page = login("agent").get(f"/customers/{order.customer_id}")
    assert page.status_code == 200 and 'id="loyalty-card"' not in page.text


def test_english_labels(login, members):
    staff = login("manager", locale="en")
    page = staff.get("/loyalty").text
    assert ">Loyalty<" in page and "Members" in page and "Silver" in page and "会员总数" not in page
    member = staff.get(f"/loyalty/members/{members['ids']['王芳']}").text
    assert "To reach Gold" in member and "¥3,800.00 to go" in member and "Adjust points" in member



# --- Excel exports -----------------------------------------------------------------------------------------------

def _sheet_rows(response) -> list[dict]:
    import io

    from openpyxl import load_workbook

    assert response.status_code == 200, response.text[:300]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_members_ledger_and_requests_export_to_excel(login, members, session):
    agent = login("agent")
    account_id = members["ids"]["李雷"]
    agent.htmx_post(f"/loyalty/members/{account_id}/adjust", {"points": "500", "reason": "大额补偿"})
    agent.htmx_post(f"/loyalty/members/{account_id}/adjust",
                    {"points": "150", "reason": "物流延误补偿", "request_key": "k-1"})
    rows = _sheet_rows(agent.get("/loyalty/export.xlsx"))
    assert [(r["会员"], r["等级"], r["可用积分"]) for r in rows] == [("王芳", "银卡会员", 1200),
                                                                ("李雷", "普通会员", 450)]
    wang = rows[0]
    assert wang["30 天内到期"] == 0 and rows[1]["30 天内到期"] == 300
    assert rows[1]["最近到期日"] == datetime(2026, 7, 5)
    silver_only = _sheet_rows(agent.get("/loyalty/export.xlsx", params={"tier": "member"}))
    assert [r["会员"] for r in silver_only] == ["李雷"]
    ledger = _sheet_rows(agent.get(f"/loyalty/members/{account_id}/ledger.xlsx"))
    assert [(r["类型"], r["原因"], r["积分"], r["待生效"], r["备注"]) for r in ledger] == [  # newest first
        ("调整", "人工调整", 150, 0, "物流延误补偿"), ("生效", "订单积分", 300, -300, None),
        ("获得", "订单积分", 0, 300, None)]
    assert ledger[1]["订单编号"] == members["orders"]["李雷"].id
    requests = _sheet_rows(login("manager").get("/loyalty/approvals/export.xlsx"))
    assert [(r["会员"], r["积分"], r["原因"], r["状态"]) for r in requests] == [("李雷", 500, "大额补偿", "待审批")]
