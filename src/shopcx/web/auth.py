"""Staff sign-in for pages: the session cookie, the signed-in viewer, permissions and CSRF."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ..core.errors import PermissionDenied
from ..core.i18n import LOCALES, normalize_locale
from ..core.security import new_token
from ..core.settings import get_settings
from ..staff import service as staff
from ..staff.models import StaffSession, StaffUser
from ..staff.rules import can
from .deps import client_ip, get_session

SESSION_COOKIE = "shopcx_session"
LOCALE_COOKIE = "shopcx_locale"
PRELOGIN_COOKIE = "shopcx_prelogin"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNSET = object()

# The request's unit of work; it commits before the response leaves, so the browser's next request sees
# what this one wrote (a new session after sign-in, a tag just added).
PageSession = Depends(get_session)


class LoginRequired(Exception):
    """The page needs a signed-in user; answered with a redirect to /login?next=…."""

    def __init__(self, next_url: str):
        super().__init__(next_url)
        self.next_url = next_url


class CsrfRejected(PermissionDenied):
    """A state-changing request without this session's CSRF token."""

    def __init__(self):
        super().__init__("csrf_failed", "the form has expired or did not come from this site; "
                                        "reload and retry")


@dataclass(frozen=True)
class Viewer:
    """The signed-in staff member looking at a page (plain values: still readable after a rollback)."""

    user_id: int
    username: str
    display_name: str
    role: str
    locale: str
    csrf: str
    actor: staff.Actor

    @classmethod
    def of(cls, user: StaffUser, row: StaffSession, ip: str | None) -> Viewer:
        return cls(user.id, user.username, user.display_name, user.role, normalize_locale(user.locale),
                   row.csrf_token, staff.actor_for_user(user, ip))

    def can(self, permission: str) -> bool:
        return can(self.role, permission)


def safe_next(url: str | None, default: str = "/") -> str:
    """url if it is a local path on this site (never another host), else default."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return default
    return url


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def signed_in(request: Request, session: Session) -> Viewer | None:
    """The viewer behind the session cookie, looked up once per request."""
    if getattr(request.state, "viewer", _UNSET) is _UNSET:
        found = staff.session_user(session, request.cookies.get(SESSION_COOKIE))
        request.state.viewer = Viewer.of(found[0], found[1], client_ip(request)) if found else None
        if found:
            request.state.locale = request.state.viewer.locale
    return request.state.viewer


def request_locale(request: Request) -> str:
    """The interface language: the signed-in user's, else the cookie's, else the default."""
    locale = getattr(request.state, "locale", None)
    return locale or normalize_locale(request.cookies.get(LOCALE_COOKIE) or get_settings().default_locale)


def buyer_locale(request: Request, chosen: str | None) -> str:
    """A buyer page's language: the one the buyer chose on it (?lang= or a form field), else the interface's."""
    return chosen if chosen in LOCALES else request_locale(request)


def current_viewer(request: Request, session: Session = PageSession) -> Viewer:
    """A dependency: the signed-in viewer, or a redirect to the sign-in page."""
    viewer = signed_in(request, session)
    if viewer is None:
        raise LoginRequired(_here(request) if request.method == "GET" else "/")
    return viewer


def require(permission: str):
    """A dependency: the signed-in viewer, whose role has `permission` (else a 403 page)."""

    def dependency(viewer: Viewer = Depends(current_viewer)) -> Viewer:
        if not viewer.can(permission):
            raise PermissionDenied("forbidden", f"permission '{permission}' is needed for this")
        return viewer

    dependency.permission = permission  # read by tests/api/test_scope_map.py against staff/scope_map.py
    return dependency


async def verify_csrf(request: Request, session: Session = PageSession) -> None:
    """Every page POST carries the session's CSRF token (header for HTMX, hidden field for forms)."""
    if request.method in SAFE_METHODS:
        return
    viewer = await run_in_threadpool(signed_in, request, session)
    expected = viewer.csrf if viewer else request.cookies.get(PRELOGIN_COOKIE)
    given = request.headers.get(CSRF_HEADER)
    if not given and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        given = (await request.form()).get(CSRF_FIELD)
    if not (expected and isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())):
        raise CsrfRejected()


def _cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", path="/",
                        secure=get_settings().secure_cookies)


def set_session_cookie(response: Response, token: str) -> None:
    """Send the session token: HttpOnly, SameSite=Lax, Secure when configured, for session_hours."""
    _cookie(response, SESSION_COOKIE, token, get_settings().session_hours * 3600)


def clear_session_cookie(response: Response) -> None:
    """Forget the session token in the browser."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=get_settings().secure_cookies)


def set_locale_cookie(response: Response, locale: str) -> None:
    """Remember the interface language for the login page (a year)."""
    _cookie(response, LOCALE_COOKIE, locale, 365 * 24 * 3600)


def prelogin_token(request: Request) -> tuple[str, bool]:
    """The CSRF token of a browser that is not signed in (double-submit cookie); (token, is_new)."""
    token = request.cookies.get(PRELOGIN_COOKIE)
    return (token, False) if token else (new_token(24), True)


def set_prelogin_cookie(response: Response, token: str) -> None:
    """Send the not-signed-in CSRF token for the browser session."""
    _cookie(response, PRELOGIN_COOKIE, token, None)
