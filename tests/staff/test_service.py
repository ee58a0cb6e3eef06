from datetime import timedelta

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.core.errors import AuthError, InvalidInput, PermissionDenied, TooManyRequests
from shopcx.staff import service as staff
from shopcx.staff.models import AuditLog


def test_password_is_hashed_with_argon2_and_checked(session):
    user = staff.create_user(session, username="Alice", password="correct horse", role="manager")
    assert user.username == "alice" and user.password_hash.startswith("$argon2")
    assert staff.authenticate(session, "ALICE", "correct horse", "10.0.0.1").id == user.id
    with pytest.raises(AuthError):
        staff.authenticate(session, "alice", "wrong password", "10.0.0.1")


def test_weak_password_and_unknown_role_are_refused_naming_the_field(session):
    with pytest.raises(InvalidInput) as err:
        staff.create_user(session, username="bob", password="short", role="agent")
    assert err.value.field == "password"
    with pytest.raises(InvalidInput) as err:
        staff.create_user(session, username="bob", password="long enough pw", role="boss")
    assert err.value.field == "role"


def test_sign_in_is_locked_after_repeated_failures_then_opens_again(session):
    staff.create_user(session, username="carol", password="right password", role="agent")
    for _ in range(5):
        with pytest.raises(AuthError):
            staff.authenticate(session, "carol", "nope", "10.0.0.2")
    with pytest.raises(TooManyRequests):
        staff.authenticate(session, "carol", "right password", "10.0.0.2")
    with clock.frozen_at(clock.now() + timedelta(minutes=16)):
        assert staff.authenticate(session, "carol", "right password", "10.0.0.2").username == "carol"


def test_session_token_expires(session):
    user = staff.create_user(session, username="dave", password="right password", role="analyst")
    token, _ = staff.open_session(session, user, "10.0.0.3")
    assert staff.session_user(session, token)[0].id == user.id
    assert staff.session_user(session, token + "x") is None
    with clock.frozen_at(clock.now() + timedelta(hours=13)):
        assert staff.session_user(session, token) is None


def test_api_token_scopes_revocation_and_audit(session):
    raw, token = staff.create_token(session, name="erp", scopes=["orders:read"], actor=staff.SYSTEM)
    actor = staff.actor_for_token(session, raw)
    actor.require("orders:read")
    with pytest.raises(PermissionDenied):
        actor.require("orders:write")
    staff.revoke_token(session, token.id, actor=staff.SYSTEM)
    with pytest.raises(AuthError):
        staff.actor_for_token(session, raw)
    actions = [a.action for a in session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions[-2:] == ["token.create", "token.revoke"]
    with pytest.raises(InvalidInput):
        staff.create_token(session, name="bad", scopes=["everything"], actor=staff.SYSTEM)


def test_a_token_name_must_fit_where_it_is_recorded(session):
    for name in ("", "  ", "n" * 65):
        with pytest.raises(InvalidInput) as err:
            staff.create_token(session, name=name, scopes=["orders:read"], actor=staff.SYSTEM)
        assert err.value.field == "name"


def test_an_overlong_or_nul_username_counts_as_a_failure_and_matches_no_one(session):
    staff.create_user(session, username="erin", password="right password", role="agent")
    for typed in ("erin" + "x" * 70, "erin\x00"):
        with pytest.raises(AuthError):
            staff.authenticate(session, typed, "right password", "10.0.0.4")
    assert staff.authenticate(session, "erin", "right password", "10.0.0.4").username == "erin"


def test_a_token_stops_working_when_its_issuer_leaves(session):
    boss = staff.create_user(session, username="erin", password="right password", role="owner")
    raw, _ = staff.create_token(session, name="erp", scopes=["orders:read"], actor=staff.actor_for_user(boss))
    assert staff.actor_for_token(session, raw).allows("orders:read")
    boss.is_active = False
    session.flush()
    with pytest.raises(AuthError):
        staff.actor_for_token(session, raw)
