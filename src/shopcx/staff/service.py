"""Staff accounts, sign-in with rate limiting, browser sessions, API tokens and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..core import clock, security
from ..core.errors import AuthError, InvalidInput, NotFound, PermissionDenied, TooManyRequests
from ..core.settings import get_settings
from .models import ApiToken, AuditLog, LoginAttempt, StaffSession, StaffUser
from .rules import ROLES, SCOPES, can


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff member or an API token (for permissions and the audit log)."""

    label: str
    user_id: int | None = None
    role: str | None = None
    scopes: frozenset[str] = frozenset()
    ip: str | None = None

    def allows(self, permission: str) -> bool:
        if self.role is not None:
            return can(self.role, permission)
        return permission in self.scopes

    def require(self, permission: str) -> None:
        if not self.allows(permission):
            raise PermissionDenied("forbidden", f"permission '{permission}' is needed for this")


SYSTEM = Actor(label="system", role="owner")


def audit(session: Session, actor: Actor, action: str, entity: str, entity_id, changes: dict | None = None) -> None:
    """Write one audit entry in the caller's transaction."""
    session.add(AuditLog(at=clock.now(), actor_user_id=actor.user_id, actor=actor.label, action=action,
                         entity=entity, entity_id=None if entity_id is None else str(entity_id),
                         changes=changes or {}, ip=actor.ip))


def create_user(session: Session, *, username: str, password: str, role: str, display_name: str | None = None,
                email: str | None = None, locale: str = "zh", actor: Actor = SYSTEM) -> StaffUser:
    """Add a staff member with an argon2-hashed password."""
    username = username.strip().lower()
    if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise InvalidInput("invalid_username", "username: letters, digits, '.', '_' or '-', at most 64",
                           field="username")
    if role not in ROLES:
        raise InvalidInput("invalid_role", f"role: '{role}' is not one of {', '.join(ROLES)}", field="role")
    if len(password) < 10:
        raise InvalidInput("weak_password", "password: at least 10 characters", field="password")
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        raise InvalidInput("user_exists", f"username: '{username}' is taken", field="username")
    user = StaffUser(username=username, display_name=display_name or username, email=email, role=role,
                     password_hash=security.hash_password(password), locale=locale, is_active=True,
                     created_at=clock.now())
    session.add(user)
    session.flush()
    audit(session, actor, "user.create", "staff_user", user.id, {"username": username, "role": role})
    return user


def set_password(session: Session, user: StaffUser, password: str, *, actor: Actor) -> None:
    if len(password) < 10:
        raise InvalidInput("weak_password", "password: at least 10 characters", field="password")
    user.password_hash = security.hash_password(password)
    session.execute(StaffSession.__table__.delete().where(StaffSession.user_id == user.id))
    audit(session, actor, "user.password", "staff_user", user.id)
    session.flush()


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.id)))


# How a help desk would have it: a wrong password typed from one address locks that name at that address (5);
# the name everywhere only after many more (guessing from many addresses); an address that tries many names is
# stopped for names that never signed in from it, so colleagues behind the same office address keep working.
USER_LIMIT_FACTOR = 4
ADDRESS_LIMIT_FACTOR = 4
KNOWN_ADDRESS_DAYS = 90


def _locked_out(session: Session, username: str, ip: str | None) -> bool:
    settings = get_settings()
    limit = settings.login_max_failures
    since = clock.now() - timedelta(minutes=settings.login_window_minutes)
    failed = (LoginAttempt.success.is_(False), LoginAttempt.at >= since)

    def count(*where) -> int:
        return session.scalar(select(func.count(LoginAttempt.id)).where(*where, *failed)) or 0

    if ip is None:  # no address to tell people apart: the name's own limit
        return count(LoginAttempt.username == username) >= limit
    if count(LoginAttempt.username == username, LoginAttempt.ip == ip) >= limit:
        return True
    if count(LoginAttempt.username == username) >= limit * USER_LIMIT_FACTOR:
        return True
    if count(LoginAttempt.ip == ip) < limit * ADDRESS_LIMIT_FACTOR:
        return False
    known = session.scalar(select(LoginAttempt.id).where(
        LoginAttempt.username == username, LoginAttempt.ip == ip, LoginAttempt.success.is_(True),
        LoginAttempt.at >= clock.now() - timedelta(days=KNOWN_ADDRESS_DAYS)).limit(1))
    return known is None


@lru_cache(maxsize=1)
def _unknown_user_hash() -> str:
    return security.hash_password(security.new_token())


def authenticate(session: Session, username: str, password: str, ip: str | None) -> StaffUser:
    """Check a sign-in; too many recent failures for this name at this address, for the name anywhere, or (for
    names new to it) from this address lock the attempt out for a while."""
    typed = (username or "").strip().lower()
    # Kept to what the column holds (PostgreSQL refuses longer text and NUL); such a name matches no one.
    username = typed.replace("\x00", "")[:64]
    if _locked_out(session, username, ip):
        raise TooManyRequests("too_many_attempts", "too many failed sign-ins; wait a few minutes and try again")
    user = session.scalar(select(StaffUser).where(StaffUser.username == username)) if typed == username else None
    if user is None or not user.is_active:
        # Hash anyway, so the answer takes as long whether or not the name belongs to someone.
        security.verify_password(_unknown_user_hash(), password)
        ok = False
    else:
        ok = security.verify_password(user.password_hash, password)
    session.add(LoginAttempt(username=username, ip=ip, success=ok, at=clock.now()))
    session.flush()
    if not ok:
        raise AuthError("bad_credentials", "wrong username or password")
    user.last_login_at = clock.now()
    return user


def open_session(session: Session, user: StaffUser, ip: str | None) -> tuple[str, StaffSession]:
    """Start a browser session; returns the raw cookie token (only its hash is stored)."""
    token = security.new_token()
    now = clock.now()
    row = StaffSession(token_hash=security.sha256_hex(token), user_id=user.id, csrf_token=security.new_token(24),
                       created_at=now, expires_at=now + timedelta(hours=get_settings().session_hours), ip=ip)
    session.add(row)
    session.flush()
    return token, row


def session_user(session: Session, token: str | None) -> tuple[StaffUser, StaffSession] | None:
    """The signed-in user behind a cookie token, if the session is still valid."""
    if not token:
        return None
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == security.sha256_hex(token)))
    if row is None or row.expires_at <= clock.now():
        return None
    user = session.get(StaffUser, row.user_id)
    if user is None or not user.is_active:
        return None
    return user, row


def close_session(session: Session, token: str) -> None:
    session.execute(StaffSession.__table__.delete().where(StaffSession.token_hash == security.sha256_hex(token)))


def actor_for_user(user: StaffUser, ip: str | None = None) -> Actor:
    return Actor(label=f"user:{user.username}", user_id=user.id, role=user.role, ip=ip)


def create_token(session: Session, *, name: str, scopes: list[str], actor: Actor,
                 expires_in_days: int | None = None) -> tuple[str, ApiToken]:
    """Issue an API token; the raw value is returned once and never stored."""
    name = (name or "").strip()
    # The audit log and order history name the token as 'token:<name>' in 80 characters.
    if not name or len(name) > 64:
        raise InvalidInput("invalid_token_name", "name: 1–64 characters", field="name")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInput("invalid_scope", f"scopes: unknown {', '.join(unknown) or '(none given)'}; "
                           f"use {', '.join(SCOPES)}", field="scopes")
    raw = "scx_" + security.new_token()
    now = clock.now()
    token = ApiToken(name=name, prefix=raw[:12], token_hash=security.sha256_hex(raw), scopes=sorted(set(scopes)),
                     created_by_id=actor.user_id, created_at=now,
                     expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None)
    session.add(token)
    session.flush()
    audit(session, actor, "token.create", "api_token", token.id, {"name": name, "scopes": token.scopes})
    return raw, token


def revoke_token(session: Session, token_id: int, *, actor: Actor) -> None:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("token_not_found", f"token: no token {token_id}")
    token.revoked_at = clock.now()
    audit(session, actor, "token.revoke", "api_token", token.id)
    session.flush()


def actor_for_token(session: Session, raw: str | None, ip: str | None = None) -> Actor:
    """The actor behind a bearer token, or an error if it is unknown, revoked or expired."""
    if not raw:
        raise AuthError("token_required", "an API token is needed (Authorization: Bearer <token>)")
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == security.sha256_hex(raw)))
    now = clock.now()
    if token is None or token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        raise AuthError("invalid_token", "the API token is unknown, revoked or expired")
    issuer = session.get(StaffUser, token.created_by_id) if token.created_by_id else None
    if issuer is not None and not issuer.is_active:
        raise AuthError("invalid_token", "the API token's issuer no longer works here; issue a new token")
    # last_used_at is written outside the request, throttled (web/token_use.py): a read must not write.
    return Actor(label=f"token:{token.name}", scopes=frozenset(token.scopes), ip=ip)


def record_token_use(session: Session, stamps: dict[str, datetime]) -> None:
    """Write tokens' last-used times (token hash -> when), never moving one backwards."""
    for token_hash, at in sorted(stamps.items()):
        session.execute(update(ApiToken).where(
            ApiToken.token_hash == token_hash,
            (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < at)).values(last_used_at=at))


def get_user(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise NotFound("user_not_found", f"user: no user {user_id}")
    return user
