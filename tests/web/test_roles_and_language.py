"""What each role sees and may do, and the interface language (简体中文 first, English second)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shopcx.core import i18n
from shopcx.staff.models import AuditLog

from .conftest import csrf_of


def _nav(html: str) -> list[str]:
    block = html[html.index('<ul class="nav-links">'):html.index("</ul>")]
    return re.findall(r'<a href="(/[a-z]*)"', block)


@pytest.mark.parametrize("role, areas", [
    ("owner", ["/", "/customers", "/orders", "/insights", "/reviews", "/loyalty", "/surveys", "/desk", "/imports",
               "/audit"]),
    ("manager", ["/", "/customers", "/orders", "/insights", "/reviews", "/loyalty", "/surveys", "/desk", "/imports",
                 "/audit"]),
    ("agent", ["/", "/customers", "/orders", "/insights", "/reviews", "/loyalty", "/desk"]),
    ("operations", ["/", "/customers", "/orders", "/insights", "/reviews", "/loyalty", "/surveys", "/imports"]),
    ("analyst", ["/", "/customers", "/orders", "/insights", "/reviews", "/loyalty", "/surveys", "/desk"]),
])
def test_navigation_shows_the_areas_a_role_may_use(login, role, areas):
    assert _nav(login(role).get("/").text) == areas


@pytest.mark.parametrize("role, url", [("analyst", "/imports"), ("agent", "/imports"), ("agent", "/audit"),
                                       ("operations", "/audit"), ("analyst", "/audit")])
def test_pages_a_role_may_not_use_are_403(login, role, url):
    page = login(role).get(url)
    assert page.status_code == 403
    assert "无权访问" in page.text and "您的角色无权" in page.text and '<ul class="nav-links">' in page.text


def test_audit_log_lists_changes_for_owners(login, shop_data):
    staff = login("owner")
    staff.htmx_post(f"/customers/{shop_data['wang'].id}/tags", {"tag": "复购"})
    page = staff.get("/audit")
    assert page.status_code == 200
    assert "添加标签" in page.text and "登录" in page.text and f"user:{staff.user.username}" not in page.text
    actor = f'<a href="/audit?actor={staff.user.username}">{staff.user.display_name}</a>'
    assert actor in page.text  # by name, linked to what they did
    assert f'<a href="/customers/{shop_data["wang"].id}">{shop_data["wang"].name}</a>' in page.text
    assert '{"tag"' not in page.text and "标签</span> 复购" in page.text  # labelled changes, not JSON
    only_tags = staff.htmx_get("/audit?action=customer.tag_add")
    assert "复购" in only_tags.text and "user.login" not in only_tags.text


def test_chinese_is_the_default_and_english_can_be_chosen(login, session):
    staff = login("agent")
    assert "客户" in staff.get("/customers").text
    response = staff.post("/locale", {"locale": "en", "next": "/customers?q=x"})
    assert response.status_code == 303 and response.headers["location"] == "/customers?q=x"
    page = staff.get("/customers").text
    assert '<html lang="en">' in page and ">Customers<" in page and "Sign out" in page
    session.refresh(staff.user)
    assert staff.user.locale == "en"
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "user.locale")).one()
    assert entry.changes == {"locale": "en"}


def test_the_login_page_remembers_the_language_in_a_cookie(client):
    page = client.get("/login")
    response = client.post("/locale", follow_redirects=False,
                           data={"locale": "en", "next": "/login", "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("shopcx_locale="))
    assert "HttpOnly" in cookie
    english = client.get("/login").text
    assert "Sign in" in english and "Username" in english


def test_the_users_language_wins_after_sign_in(login):
    staff = login("analyst", locale="en")
    assert "Overview" in staff.get("/").text


def test_catalogs_have_the_same_keys():
    assert set(i18n.catalog("zh")) == set(i18n.catalog("en"))


def test_translation_fallbacks_and_placeholders():
    assert i18n.t("pager.total", "zh", total=5) == "共 5 条"
    assert i18n.t("pager.total", "en-GB", total=5) == "5 in total"
    assert i18n.t("no.such.key", "en") == "no.such.key"
    assert i18n.normalize_locale("fr") == "zh"


@pytest.mark.parametrize("month, day, leap, zh", [
    (8, 15, False, "农历八月十五"), (1, 1, False, "农历正月初一"), (4, 8, True, "农历闰四月初八"),
    (12, 23, False, "农历腊月廿三"), (11, 30, False, "农历冬月三十"), (6, 20, False, "农历六月二十")])
def test_lunar_dates_as_people_say_them(month, day, leap, zh):
    assert i18n.lunar_date_label(month, day, leap, "zh") == zh


def test_errors_translate_by_code_and_never_mix_languages():
    from shopcx.core.errors import InvalidInput

    assert i18n.error_text(InvalidInput("invalid_tag", "tag: bad"), "en") == "A tag must be 1–64 characters."
    # A code without a text (tests/core/test_error_codes.py fails on one) still reads in Chinese on a zh page.
    assert i18n.error_text(InvalidInput("something_new", "field: explained"), "zh") == \
        "操作没有完成（错误代码 something_new）。"
    assert i18n.error_text(InvalidInput("something_new", "field: explained"), "en") == "field: explained"


def test_every_template_that_draws_the_pager_gives_it_the_pages_context():
    """The pager's links are built from the page's own address (`request`): a template that imports it without
    the page's context renders until a list has a second page and then fails (the callbacks list did)."""
    from pathlib import Path

    import shopcx

    root = Path(shopcx.__file__).parent
    imports = re.compile(r"{%-?\s*from\s+\"_macros.html\"\s+import\s+([^%]*?)\s*-?%}")
    missing = [str(path.relative_to(root)) for path in root.rglob("*.html")
               for names in imports.findall(path.read_text(encoding="utf-8"))
               if re.search(r"\bpager\b", names) and not names.endswith("with context")]
    assert missing == []


def test_every_audited_kind_of_record_has_a_name_in_both_languages():
    """The audit log names the record each entry is about ("积分奖励 #5", not "loyalty_reward #5"): every kind of
    record the code writes to the log (the entity argument of each `audit(...)` call) has a name in zh and en."""
    from pathlib import Path

    import shopcx

    root = Path(shopcx.__file__).parent
    call = re.compile(r"\baudit\(\s*session,\s*[^,]+,\s*f?\"[^\"]+\"(?:\s+if\s+[^,]+?\s+else\s+\"[^\"]+\")?,"
                      r"\s*\"([a-z_]+)\"")
    entities = {name for path in root.rglob("*.py") for name in call.findall(path.read_text(encoding="utf-8"))}
    assert {"shop", "loyalty_reward", "ticket", "export"} <= entities  # the pattern finds the calls
    missing = sorted(f"{locale}:{name}" for name in entities for locale in i18n.LOCALES
                     if not i18n.has(f"entity.{name}", locale))
    assert missing == []


def test_every_shop_platform_has_a_name_in_both_languages():
    from shopcx.shops.models import PLATFORMS

    assert [f"{locale}:{p}" for p in PLATFORMS for locale in i18n.LOCALES if not i18n.has(f"platform.{p}", locale)] \
        == []
