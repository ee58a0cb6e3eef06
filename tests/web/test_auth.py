"""Sign-in, sessions, cookies, CSRF and the redirect to the login page."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from shopcx.core.settings import get_settings
from shopcx.staff.models import AuditLog, StaffSession
from shopcx.web.app import create_app

from .conftest import PASSWORD, csrf_of, sign_in


def _set_cookie(response, name: str) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(name + "="))


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text and "登录" in page.text and "用户名" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_sign_in_sets_a_protected_session_cookie_and_is_audited(client, make_user, session):
    user = make_user("owner")
    response = sign_in(client, user.username)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = _set_cookie(response, "shopcx_session")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    home = client.get("/")
    assert home.status_code == 200 and user.display_name in home.text
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "user.login")).one()
    assert entry.actor == f"user:{user.username}" and entry.actor_user_id == user.id


def test_session_cookie_is_secure_when_configured(make_user, monkeypatch):
    monkeypatch.setattr(get_settings(), "secure_cookies", True)
    user = make_user("agent")
    with TestClient(create_app(), base_url="https://testserver") as https:
        response = sign_in(https, user.username)
    assert "Secure" in _set_cookie(response, "shopcx_session")


def test_wrong_password_is_refused_in_the_users_language(client, make_user):
    user = make_user("agent")
    response = sign_in(client, user.username, password="not-the-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert not any(h.startswith("shopcx_session=") for h in response.headers.get_list("set-cookie"))
    assert client.get("/", follow_redirects=False).status_code == 303


def test_sign_in_is_rate_limited_after_repeated_failures(client, make_user):
    user = make_user("agent")
    for _ in range(get_settings().login_max_failures):
        assert sign_in(client, user.username, password="wrong-password").status_code == 401
    blocked = sign_in(client, user.username, password=PASSWORD)
    assert blocked.status_code == 429
    assert "登录失败次数过多" in blocked.text


def test_logout_ends_the_session(login, client, session):
    staff = login("manager")
    response = staff.post("/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert session.scalars(select(StaffSession).where(StaffSession.user_id == staff.user.id)).all() == []
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    assert session.scalars(select(AuditLog).where(AuditLog.action == "user.logout")).one().actor_user_id == \
        staff.user.id


def test_pages_redirect_to_login_and_back(client, make_user):
    user = make_user("agent")
    response = client.get("/customers?q=%E7%8E%8B", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/customers%3Fq%3D%25E7%258E%258B"
    page = client.get(response.headers["location"])
    assert 'name="next" value="/customers?q=%E7%8E%8B"' in page.text
    signed = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                         "next": "/customers?q=%E7%8E%8B", "csrf_token": csrf_of(page.text)},
                         follow_redirects=False)
    assert signed.headers["location"] == "/customers?q=%E7%8E%8B"
    assert 'value="王"' in client.get(signed.headers["location"]).text


def test_only_local_next_urls_are_followed(client, make_user):
    user = make_user("agent")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = sign_in(client, user.username, next_url=target)
        assert response.headers["location"] == "/", target
        client.cookies.clear()


def test_htmx_request_without_session_gets_hx_redirect(client):
    response = client.get("/customers", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["hx-redirect"] == "/login?next=/customers"


def test_login_post_needs_the_login_pages_token(client, make_user):
    user = make_user("agent")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 403
    assert "表单已过期" in response.text


def test_posts_without_the_sessions_csrf_token_are_rejected(login, client, session):
    from tests.factories import make_order, make_shop

    customer_id = make_order(session, make_shop(session)).customer_id
    staff = login("manager")
    url = f"/customers/{customer_id}/tags"
    assert client.post(url, data={"tag": "VIP"}, follow_redirects=False).status_code == 403
    forged_field = client.post(url, data={"tag": "VIP", "csrf_token": "forged"}, follow_redirects=False)
    assert forged_field.status_code == 403
    forged = client.post(url, data={"tag": "VIP"},
                         headers={"HX-Request": "true", "X-CSRF-Token": "forged"})
    assert forged.status_code == 403 and forged.headers["hx-retarget"] == "#flash"
    assert session.scalars(select(AuditLog).where(AuditLog.action == "customer.tag_add")).all() == []
    assert staff.htmx_post(url, {"tag": "VIP"}).status_code == 200
    assert staff.post(url, {"tag": "老客户"}).status_code == 303


def test_a_stolen_token_from_another_session_does_not_work(login, client, make_user):
    first = login("owner")
    other = make_user("agent", username="other")
    client.cookies.clear()
    sign_in(client, other.username)
    csrf = csrf_of(client.get("/").text)
    assert csrf != first.csrf
    assert client.post("/logout", data={"csrf_token": first.csrf}, follow_redirects=False).status_code == 403
