"""The front door: sign in and out, the interface language, and the monthly figures the home page (dashboard) draws."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ..core import clock, i18n
from ..core.errors import ShopCXError
from ..orders import repository as order_queries
from ..staff import service as staff
from . import auth
from .auth import PageSession, Viewer, current_viewer, verify_csrf
from .deps import client_ip
from .templating import error_response, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

CHART_MONTHS = 12


def render_error(request: Request, exc: ShopCXError) -> Response:
    """A business error as an inline, translated message fragment (HTMX) or an error page."""
    return error_response(request, exc)


def login_redirect(request: Request, next_url: str) -> Response:
    """Where a page sends a browser that is not signed in (HTMX follows HX-Redirect)."""
    target = "/login" + (f"?next={quote(next_url, safe='/')}" if next_url and next_url != "/" else "")
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _login_page(request: Request, *, next_url: str, username: str = "", error: str | None = None,
                status: int = 200) -> Response:
    token, new = auth.prelogin_token(request)
    response = render(request, "login.html", {"csrf": token, "next": next_url, "username": username,
                                              "error": error}, status=status)
    if new:
        auth.set_prelogin_cookie(response, token)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/", session: Session = PageSession):
    """The sign-in page (or straight on when already signed in)."""
    if auth.signed_in(request, session) is not None:
        return RedirectResponse(auth.safe_next(next), status_code=303)
    return _login_page(request, next_url=auth.safe_next(next))


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/"),
          session: Session = PageSession):
    """Check the password (rate limited), open a session and go to the page asked for (audited)."""
    next_url = auth.safe_next(next)
    ip = client_ip(request)
    try:
        user = staff.authenticate(session, username, password, ip)
    except ShopCXError as exc:
        # Returned, not raised: the failed attempt must be committed for the rate limit to count it.
        return _login_page(request, next_url=next_url, username=username, status=exc.status,
                           error=i18n.error_text(exc, auth.request_locale(request)))
    old = request.cookies.get(auth.SESSION_COOKIE)
    if old:
        staff.close_session(session, old)
    token, _ = staff.open_session(session, user, ip)
    staff.audit(session, staff.actor_for_user(user, ip), "user.login", "staff_user", user.id)
    response = RedirectResponse(next_url, status_code=303)
    auth.set_session_cookie(response, token)
    auth.set_locale_cookie(response, i18n.normalize_locale(user.locale))
    response.delete_cookie(auth.PRELOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, viewer: Viewer = Depends(current_viewer), session: Session = PageSession):
    """End this browser's session (audited)."""
    staff.close_session(session, request.cookies.get(auth.SESSION_COOKIE, ""))
    staff.audit(session, viewer.actor, "user.logout", "staff_user", viewer.user_id)
    response = RedirectResponse("/login", status_code=303)
    auth.clear_session_cookie(response)
    return response


@router.get("/docs")
def api_docs(request: Request):
    """The API documentation (Swagger UI served from this server, so it works without internet)."""
    return render(request, "api_docs.html", {"openapi_url": request.app.openapi_url, "csrf": ""})


@router.post("/locale")
def switch_locale(request: Request, locale: str = Form(...), next: str = Form("/"),
                  session: Session = PageSession):
    """Switch the interface language: kept on the user when signed in, and in a cookie for the login page."""
    chosen = i18n.normalize_locale(locale)
    viewer = auth.signed_in(request, session)
    if viewer is not None and viewer.locale != chosen:
        user = staff.get_user(session, viewer.user_id)
        user.locale = chosen
        staff.audit(session, viewer.actor, "user.locale", "staff_user", user.id, {"locale": chosen})
        session.flush()
    response = RedirectResponse(auth.safe_next(next), status_code=303)
    auth.set_locale_cookie(response, chosen)
    return response


def _month_starts(tz_name: str, count: int) -> list[str]:
    today = clock.today_in(tz_name)
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def monthly_figures(session: Session, tz_name: str) -> list[dict]:
    """Sale orders and money paid per month (shop timezone) for the last CHART_MONTHS months."""
    months = _month_starts(tz_name, CHART_MONTHS)
    first = datetime.strptime(months[0] + "-01", "%Y-%m-%d").replace(tzinfo=ZoneInfo(tz_name))
    rows = order_queries.orders_per_month(session, since=first.astimezone(UTC), tz_name=tz_name)
    figures = {m: {"month": m, "orders": 0, "paid": {}} for m in months}
    for month, currency, count, paid in rows:
        if month in figures:
            figures[month]["orders"] += count
            figures[month]["paid"][currency] = figures[month]["paid"].get(currency, 0) + int(paid)
    return [figures[m] for m in months]
