"""The customers list (search, filters, pages, masking) and a customer's page (orders, consent, tags)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shopcx.core.settings import get_settings
from shopcx.staff.models import AuditLog


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/customers/\d+">([^<]+)</a>', html)


def test_list_shows_columns_with_totals(login, shop_data):
    page = login("manager").get("/customers")
    assert page.status_code == 200
    assert _names(page.text) == ["李四", "Alice Smith", "王小明"]
    row = page.text[page.text.index("王小明"):]
    # Two sale orders paid 22780 + 38400 分; the last one placed 2026-04-10 (Shanghai).
    assert "¥611.80" in row[:800] and "2026-04-10" in row[:800]
    assert '<span class="tag">VIP</span>' in row[:800]


@pytest.mark.parametrize("query, expected", [
    ("王小", ["王小明"]), ("13800138000", ["王小明"]), ("0013800", ["王小明"]),
    ("alice@example", ["Alice Smith"]), ("wxm_tb", ["王小明"]), ("cust-77", ["Alice Smith"]), ("nobody", []),
])
def test_search_by_name_phone_email_and_external_id(login, shop_data, query, expected):
    assert _names(login("agent").get("/customers", params={"q": query}).text) == expected


def test_roles_without_contacts_cannot_probe_them_by_search(login, shop_data):
    analyst = login("analyst")
    assert _names(analyst.get("/customers", params={"q": "13800138000"}).text) == []
    assert _names(analyst.get("/customers", params={"q": "alice@example"}).text) == []
    assert _names(analyst.get("/customers", params={"q": "王小"}).text) == ["王小明"]


@pytest.mark.parametrize("params, expected", [
    ({"tag": "VIP"}, ["王小明"]), ({"tag": "潜在"}, ["李四"]),
    ({"consent": "sms"}, ["王小明"]), ({"consent": "email"}, ["Alice Smith"]),
    ({"has_orders": "no"}, ["李四"]), ({"has_orders": "yes"}, ["Alice Smith", "王小明"]),
    ({"country": "United Kingdom"}, ["Alice Smith"]), ({"country": "中国", "tag": "VIP"}, ["王小明"]),
])
def test_filters(login, shop_data, params, expected):
    assert _names(login("agent").get("/customers", params=params).text) == expected


def test_filter_by_shop(login, shop_data):
    staff = login("agent")
    assert _names(staff.get("/customers", params={"shop": shop_data["intl"].id}).text) == ["Alice Smith"]
    assert _names(staff.get("/customers", params={"shop": shop_data["tmall"].id}).text) == ["王小明"]


def test_pagination_and_htmx_fragment(login, shop_data, monkeypatch):
    monkeypatch.setattr(get_settings(), "page_size", 2)
    staff = login("agent")
    first = staff.get("/customers")
    assert _names(first.text) == ["李四", "Alice Smith"]
    assert "第 1–2 条，共 3 条" in first.text and 'href="/customers?page=2"' in first.text
    second = staff.htmx_get("/customers?page=2")
    assert _names(second.text) == ["王小明"]
    assert "<html" not in second.text and 'id="customer-table"' in second.text
    assert "第 3–3 条，共 3 条" in second.text and 'href="/customers?page=1"' in second.text
    live = staff.htmx_get("/customers?q=alice")
    assert _names(live.text) == ["Alice Smith"] and "<html" not in live.text


@pytest.mark.parametrize("role, masked", [("analyst", True), ("operations", True), ("agent", False),
                                          ("manager", False), ("owner", False)])
def test_contacts_are_masked_for_roles_without_pii(login, shop_data, role, masked):
    staff = login(role)
    listing = staff.get("/customers").text
    profile = staff.get(f"/customers/{shop_data['wang'].id}").text
    for html in (listing, profile):
        assert ("138****8000" in html) is masked
        assert ("13800138000" in html) is not masked
        assert ("w***@example.com" in html) is masked
        assert ("wang.xm@example.com" in html) is not masked


def test_customer_page_shows_profile_orders_shipments_and_refunds(login, shop_data):
    page = login("agent").get(f"/customers/{shop_data['wang'].id}")
    assert page.status_code == 200
    html = page.text
    assert "农历八月十五" in html and "男" in html and "浙江" in html and "结婚纪念日" in html
    assert "天猫" in html and "wxm_tb" in html and "天猫旗舰店" in html
    orders_part = html[html.index('id="timeline"'):]  # the orders (the cross-domain timeline is above them)
    assert orders_part.index("T20260410002") < orders_part.index("T20260301001")  # newest first
    assert "保温杯" in html and "西湖龙井" in html and "¥49.90" in html and "¥128.00" in html
    assert "SF1234567890" in html and "ship-late" in html and "延迟送达 · 晚 3 天" in html
    assert "ship-damaged" in html and "货物破损" in html
    assert "ZT998877" in html and "准时送达" in html
    # Times in the shop's timezone: promised 02:00 UTC is 10:00 in Shanghai.
    assert "2026-03-03 10:00" in html
    assert "退货退款" in html and "商品破损" in html and "保温杯 × 1 (¥49.90)" in html


def test_customer_page_in_english(login, shop_data):
    html = login("agent", locale="en").get(f"/customers/{shop_data['wang'].id}").text
    assert "Lunar month 8, day 15" in html and "Late · 3 d late" in html and "Return and refund" in html


def test_missing_customer_is_a_404_page(login):
    page = login("agent").get("/customers/999999")
    assert page.status_code == 404 and "找不到该客户" in page.text and "<html" in page.text


def test_consent_toggle_is_audited(login, shop_data, session):
    staff = login("agent")
    wang = shop_data["wang"]
    response = staff.htmx_post(f"/customers/{wang.id}/consent", {"channel": "sms", "granted": "false"})
    assert response.status_code == 200 and 'id="consent"' in response.text and "<html" not in response.text
    assert 'data-channel="sms"' in response.text
    sms = response.text[response.text.index("短信"):]
    assert "已拒绝" in sms[:300]
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "customer.consent")).one()
    assert entry.entity_id == str(wang.id) and entry.changes == {"sms": False}
    assert entry.actor == f"user:{staff.user.username}" and entry.ip == "testclient"


def test_tags_add_and_remove_are_audited(login, shop_data, session):
    staff = login("operations")
    wang = shop_data["wang"]
    added = staff.htmx_post(f"/customers/{wang.id}/tags", {"tag": "  老客户 "})
    assert added.status_code == 200 and '<span class="tag">老客户' in added.text
    removed = staff.htmx_post(f"/customers/{wang.id}/tags/remove", {"tag": "VIP"})
    assert "VIP" not in removed.text
    actions = session.scalars(select(AuditLog.action).where(AuditLog.entity_id == str(wang.id))
                              .where(AuditLog.action.like("customer.tag%")).order_by(AuditLog.id)).all()
    assert actions == ["customer.tag_add", "customer.tag_remove"]
    assert _names(staff.get("/customers", params={"tag": "老客户"}).text) == ["王小明"]


def test_business_errors_show_inline_translated(login, shop_data):
    staff = login("agent")
    response = staff.htmx_post(f"/customers/{shop_data['wang'].id}/tags", {"tag": "   "})
    assert response.status_code == 422
    assert response.headers["hx-retarget"] == "#flash"
    assert 'class="alert alert-error"' in response.text and "标签需为 1–64 个字符" in response.text
    bad_channel = staff.htmx_post(f"/customers/{shop_data['wang'].id}/consent",
                                  {"channel": "fax", "granted": "true"})
    assert bad_channel.status_code == 422 and "不支持的营销渠道" in bad_channel.text


def test_forms_work_without_javascript(login, shop_data):
    staff = login("agent")
    lisi = shop_data["lisi"].id
    response = staff.post(f"/customers/{lisi}/tags", {"tag": "回访"})
    assert response.status_code == 303 and response.headers["location"] == f"/customers/{lisi}"
    assert '<span class="tag">回访' in staff.get(response.headers["location"]).text


def test_read_only_roles_cannot_change_customers(login, shop_data):
    staff = login("analyst")
    page = staff.get(f"/customers/{shop_data['wang'].id}").text
    assert 'hx-post="/customers' not in page
    assert staff.htmx_post(f"/customers/{shop_data['wang'].id}/tags", {"tag": "x"}).status_code == 403


@pytest.mark.parametrize(("locale", "expected"), [
    ("zh", "按手机号或邮箱搜索需要查看联系方式的权限，“分析”角色没有该权限"),
    ("en", "Searching by phone number or e-mail needs permission to see contact details, which the Analyst role"),
])
def test_an_analyst_searching_by_phone_is_told_why_nothing_is_found(login, shop_data, locale, expected):
    analyst = login("analyst", locale=locale)
    for q in ("13800138000", "+86 138-0013-8000", "wang.xm@example.com"):
        page = analyst.get("/customers", params={"q": q})
        assert page.status_code == 200 and expected in page.text, q
        assert "王小明" not in page.text  # the contact still finds nobody for this role
    by_name = analyst.get("/customers", params={"q": "王小明"})
    assert "王小明" in by_name.text and 'id="contact-search-refused"' not in by_name.text
    fragment = analyst.htmx_get("/customers?q=13800138000")
    assert expected in fragment.text


def test_an_agent_may_search_by_phone_and_sees_no_refusal(login, shop_data):
    agent = login("agent")
    page = agent.get("/customers", params={"q": "13800138000"})
    assert "王小明" in page.text and 'id="contact-search-refused"' not in page.text


@pytest.mark.parametrize("role, masked", [("analyst", True), ("operations", True), ("agent", False)])
def test_identities_that_are_contacts_are_masked_like_contacts(login, session, shop_data, role, masked):
    """Issue 12 item 7: an e-mail used as a Shopify identity showed in full under 'identities'."""
    from shopcx.customers.models import CustomerIdentity

    session.add(CustomerIdentity(customer_id=shop_data["alice"].id, shop_id=shop_data["intl"].id,
                                 source="shopify", external_id="alice.smith@example.org",
                                 created_at=shop_data["alice"].created_at))
    session.flush()
    staff = login(role)
    html = staff.get(f"/customers/{shop_data['alice'].id}").text
    assert ("a***@example.org" in html) is masked
    assert ("alice.smith@example.org" in html) is not masked
    assert "cust-77" in html  # an opaque platform id is not contact data
    found = staff.get("/customers", params={"q": "alice.smith@example.org"}).text
    assert _names(found) == ([] if masked else ["Alice Smith"])  # nor can it be probed by search
