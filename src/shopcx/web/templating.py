"""Jinja2 for every page: one loader over the layout and each domain's templates, filters, and `render`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, pass_context, select_autoescape
from markupsafe import Markup
from starlette.routing import NoMatchFound
from starlette.templating import Jinja2Templates

from .. import __version__, domains
from ..core import db, i18n
from ..core.errors import ShopCXError
from . import format as fmt
from .auth import SESSION_COOKIE, Viewer, prelogin_token, request_locale, set_prelogin_cookie, signed_in
from .pagination import with_query

_WEB_TEMPLATES = Path(__file__).resolve().parent / "templates"

# Pages may only load this site's scripts; ECharts and HTMX set inline styles, hence 'unsafe-inline' there.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
                               "base-uri 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Vary": "HX-Request, Cookie",
}


@dataclass(frozen=True)
class NavItem:
    """One area in the navigation: its label key, route name and the permission it needs."""

    key: str
    route: str
    permission: str | None
    path: str = ""
    place: str = "main"


# The menu: each domain's entries, in the composition root's order.
NAV = tuple(NavItem(entry.key, entry.route, entry.permission, place=entry.place)
            for face in domains.FACES for entry in face.nav)


def nav_for(request: Request, viewer: Viewer | None) -> list[NavItem]:
    """The areas that exist in this app (their page module is loaded) and that the viewer's role may use."""
    if viewer is None:
        return []
    items = []
    for item in NAV:
        if item.permission is not None and not viewer.can(item.permission):
            continue
        try:
            path = request.app.url_path_for(item.route)
        except NoMatchFound:
            continue
        items.append(NavItem(item.key, item.route, item.permission, str(path), item.place))
    return items


def _active(path: str, item_path: str) -> bool:
    return path == "/" if item_path == "/" else path == item_path or path.startswith(item_path + "/")


@pass_context
def _t(ctx, key: str, **values) -> str:
    return i18n.t(key, ctx.get("locale", i18n.DEFAULT_LOCALE), **values)


@pass_context
def _tr(ctx, prefix: str, value) -> str:
    """A code's label (status.paid -> 已付款) or the code itself when there is none."""
    if value is None or value == "":
        return "—"
    key, locale = f"{prefix}.{value}", ctx.get("locale", i18n.DEFAULT_LOCALE)
    return i18n.t(key, locale) if i18n.has(key, locale) else str(value)


@pass_context
def _birthday(ctx, customer) -> str | None:
    return fmt.birthday_label(customer, ctx.get("locale", i18n.DEFAULT_LOCALE))


@pass_context
def _dt(ctx, value, tz: str | None = None) -> str:
    return fmt.local_datetime(value, tz or ctx.get("tz"))


@pass_context
def _date(ctx, value, tz: str | None = None) -> str:
    return fmt.local_date(value, tz or ctx.get("tz"))


@pass_context
def _phone(ctx, value) -> str:
    return fmt.shown_phone(value, bool(ctx.get("reveal_pii")))


@pass_context
def _email(ctx, value) -> str:
    return fmt.shown_email(value, bool(ctx.get("reveal_pii")))


@pass_context
def _pii_text(ctx, value) -> str:
    return (value if ctx.get("reveal_pii") else fmt.mask_text(value)) or ""


def _actor_lookup(label: str, locale: str) -> tuple[str, str | None]:
    from .panels import actor_link, record_links

    with db.session_scope() as session:
        return actor_link(label, record_links(session, [("actor", label)]), locale)


@pass_context
def _actor(ctx, label: str | None) -> Markup:
    """A stored actor label ('user:demo-owner', 'system', 'import:job 2') as a name with a link, in the page's
    language (looked up once per label and request)."""
    if not label:
        return Markup("")
    locale = ctx.get("locale") or i18n.DEFAULT_LOCALE
    request = ctx.get("request")
    cache = getattr(request.state, "actor_names", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request.state.actor_names = cache
    if label not in cache:
        cache[label] = _actor_lookup(label, locale)
    name, href = cache[label]
    return Markup('<a href="{}">{}</a>').format(href, name) if href else Markup("{}").format(name)


def _as_json(value) -> str:
    """A value as readable JSON (Chinese kept as is); escaped by the template like any text."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _environment() -> Environment:
    loader = ChoiceLoader([
        # "customers/list.html" is customers/templates/list.html; names without a prefix are web/templates.
        FileSystemLoader(str(_WEB_TEMPLATES)),
        PrefixLoader({face.name: FileSystemLoader(str(face.templates)) for face in domains.FACES
                      if face.templates and face.name != "web"}),
    ])
    env = Environment(loader=loader, autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(t=_t, tr=_tr, birthday=_birthday, badges=fmt.shipment_badges,
                       delay_days=fmt.delay_days, LOCALES=i18n.LOCALES, LOCALE_NAMES=i18n.LOCALE_NAMES,
                       with_query=with_query, active=_active, version=__version__)
    env.filters.update(dt=_dt, day=_date, money=fmt.money, number=fmt.number, phone=_phone, email=_email,
                       pii_text=_pii_text, as_json=_as_json, actor=_actor)
    return env


templates = Jinja2Templates(env=_environment())


def render(request: Request, name: str, context: dict | None = None, *, viewer: Viewer | None = None,
           status: int = 200, headers: dict | None = None) -> Response:
    """A page or fragment in the viewer's language, with the layout's context and the security headers."""
    locale = viewer.locale if viewer else request_locale(request)
    context = context or {}
    prelogin, new = (None, False) if viewer or "csrf" in context else prelogin_token(request)
    # Signed out (an error page), the language switch posts with the browser's pre-login token.
    base = {"viewer": viewer, "locale": locale, "csrf": viewer.csrf if viewer else prelogin,
            "nav": nav_for(request, viewer), "reveal_pii": bool(viewer and viewer.can("pii")), "tz": None}
    response = templates.TemplateResponse(request, name, base | context, status_code=status,
                                          headers=SECURITY_HEADERS | (headers or {}))
    if new:
        set_prelogin_cookie(response, prelogin)
    return response


def is_htmx(request: Request) -> bool:
    """An HTMX request for part of a page (a history restore wants the whole page)."""
    headers = request.headers
    return headers.get("hx-request") == "true" and not headers.get("hx-history-restore-request")


def wants_fragment(request: Request, target: str) -> bool:
    """Whether an HTMX request asks only for the element with id `target`."""
    return is_htmx(request) and request.headers.get("hx-target") == target


def error_response(request: Request, exc: ShopCXError) -> Response:
    """A business error as an inline message (HTMX) or a whole page, translated by its code."""
    viewer = getattr(request.state, "viewer", None)
    if not hasattr(request.state, "viewer") and request.cookies.get(SESSION_COOKIE):
        # No route ran (an unknown address): look the browser up so the page keeps its menu and language.
        with db.session_scope() as session:
            viewer = signed_in(request, session)
    locale = viewer.locale if viewer else request_locale(request)
    context = {"message": i18n.error_text(exc, locale), "error": exc}
    if is_htmx(request):
        return render(request, "_error.html", context, viewer=viewer, status=exc.status,
                      headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
    return render(request, "error.html", context, viewer=viewer, status=exc.status)


def acted(request: Request, session, viewer: Viewer, *, form_name: str, values: dict, action, context,
          body: str, page: str, done_url: str) -> Response:
    """Run one staff action on a record's page: the record's body after it (HTMX) or a redirect to the page
    with `?done=form_name`; a refusal is rolled back (nothing of it is kept) and shown next to its form with what
    was typed. `context()` draws the page's values; `body` and `page` are its fragment and whole templates."""
    from fastapi.responses import RedirectResponse

    try:
        action()
    except ShopCXError as exc:
        session.rollback()
        values_shown = context() | {"errors": {form_name: i18n.error_text(exc, viewer.locale)},
                                    "values": {form_name: values}}
        return render(request, body if is_htmx(request) else page, values_shown, viewer=viewer, status=exc.status)
    if not is_htmx(request):
        return RedirectResponse(f"{done_url}?done={form_name}", status_code=303)
    return render(request, body, context() | {"done": form_name}, viewer=viewer)
