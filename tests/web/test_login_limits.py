"""Sign-in limits that stop guessing without locking out the wrong people, and client addresses taken from
X-Forwarded-For only behind a configured proxy (issue 12 item 10)."""

from __future__ import annotations

import warnings

import pytest
from sqlalchemy import select

from shopcx.core.settings import get_settings
from shopcx.staff.models import LoginAttempt
from shopcx.web.cli import proxy_options

from .conftest import PASSWORD, sign_in

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def from_address(session):
    """from_address(ip) -> a browser whose connections come from that address."""
    from shopcx.web.app import create_app

    app = create_app()
    return lambda ip: TestClient(app, client=(ip, 40000))


def _fail(browser, username: str, times: int) -> None:
    for _ in range(times):
        assert sign_in(browser, username, password="wrong-password").status_code == 401


def test_a_lockout_at_one_address_locks_neither_other_users_nor_the_user_elsewhere(from_address, make_user):
    attacked, colleague = make_user("agent", "zhang"), make_user("agent", "li")
    office, home = from_address("203.0.113.7"), from_address("198.51.100.20")
    _fail(office, attacked.username, get_settings().login_max_failures)
    assert sign_in(office, attacked.username).status_code == 429  # this name at this address: wait
    assert sign_in(office, colleague.username).status_code == 303  # the person at the next desk signs in
    assert sign_in(home, attacked.username).status_code == 303  # and the user from another address


def test_guessing_one_name_from_many_addresses_locks_the_name(from_address, make_user):
    user = make_user("agent", "wang")
    limit = get_settings().login_max_failures
    for n in range(4):
        _fail(from_address(f"192.0.2.{n + 1}"), user.username, limit)
    assert sign_in(from_address("192.0.2.99"), user.username, password=PASSWORD).status_code == 429


def test_an_address_trying_many_names_is_stopped_for_names_new_to_it(from_address, make_user):
    regular, newcomer = make_user("agent", "zhao"), make_user("agent", "sun")
    nat = from_address("203.0.113.50")
    assert sign_in(nat, regular.username).status_code == 303  # zhao signs in from the office every day
    for n in range(4 * get_settings().login_max_failures):
        assert sign_in(nat, f"guess{n}", password="123456").status_code == 401
    assert sign_in(nat, newcomer.username).status_code == 429  # a name never seen here: spraying, wait
    assert sign_in(from_address("203.0.113.50"), regular.username).status_code == 303  # known here: works


def test_serve_believes_forwarded_headers_only_from_configured_proxies():
    assert proxy_options("") == {"proxy_headers": False, "forwarded_allow_ips": ""}
    assert proxy_options(" 10.0.0.5, 10.1.0.0/16 ") == {"proxy_headers": True,
                                                        "forwarded_allow_ips": "10.0.0.5,10.1.0.0/16"}


@pytest.mark.parametrize(("trusted", "seen"), [("", "127.0.0.1"), ("127.0.0.1", "198.51.100.9"),
                                                ("10.0.0.0/8", "127.0.0.1")])
def test_the_recorded_address_of_a_sign_in(session, make_user, trusted, seen):
    """Through uvicorn's own app loading with the options `shopcx serve` passes: a forged X-Forwarded-For from a
    direct client is ignored; from the configured proxy it is the client's address."""
    import uvicorn

    user = make_user("agent")
    config = uvicorn.Config("shopcx.web.app:create_app", factory=True, **proxy_options(trusted))
    config.load()
    browser = TestClient(config.loaded_app, client=("127.0.0.1", 40000),
                         headers={"X-Forwarded-For": "198.51.100.9"})
    assert sign_in(browser, user.username, password="wrong-password").status_code == 401
    ips = session.scalars(select(LoginAttempt.ip).where(LoginAttempt.username == user.username)).all()
    assert ips == [seen]
