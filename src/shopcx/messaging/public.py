"""The buyer's pages of a message, reached by a signed link without a sign-in: one-click unsubscribe (the page with
its button, and the POST that mail clients send for List-Unsubscribe-Post, RFC 8058), tracked redirects and the
preference page (service/preferences.py)."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ..core import clock, db, i18n
from ..core.errors import ShopCXError
from ..web.auth import PageSession
from ..web.deps import client_ip
from ..web.templating import render
from .links import LinkRefused, verify
from .rules import TOPICS
from .service import message_for_unsubscribe, preferences, record_click, unsubscribe

router = APIRouter(include_in_schema=False)
AREA = {"asset": "messaging", "prefix": "msg"}


def _lang(value: str, fallback: str = i18n.DEFAULT_LOCALE) -> str:
    return value if value in ("zh", "en") else fallback


def _page(request: Request, locale: str, state: str, token: str, status: int = 200, message=None) -> Response:
    # The buyer who came to stop one channel may rather choose topics or another channel: their preference page,
    # while the message's own preference link would still be valid (no new lifetime from an old message).
    offered = preferences.preference_token_for_message(message) if message is not None else None
    choose = f"/msg/p/{offered}?lang={locale}" if offered else None
    return render(request, "messaging/unsubscribe.html", {"locale": locale, "csrf": None, "state": state,
                                                          "token": token, "buyer_area": AREA,
                                                          "preferences_path": choose}, status=status)


@router.get("/msg/u/{token}")
def messaging_unsubscribe_page(request: Request, token: str, lang: str = "", session: Session = PageSession):
    """The unsubscribe page: what stops, and one button."""
    try:
        message = message_for_unsubscribe(session, token)
    except LinkRefused:
        return _page(request, _lang(lang), "invalid", token, 404)
    locale = _lang(lang, message.locale)
    return _page(request, locale, "done" if message.unsubscribed_at else "ask", token, message=message)


@router.post("/msg/u/{token}")
def messaging_unsubscribe(request: Request, token: str, lang: str = "", session: Session = PageSession):
    """Unsubscribe in one click (the button, or a mail client's List-Unsubscribe-Post)."""
    try:
        message = unsubscribe(session, token)
    except LinkRefused:
        return _page(request, _lang(lang), "invalid", token, 404)
    return _page(request, _lang(lang, message.locale), "done", token, message=message)


def _note_click(message_id: int) -> None:
    # After the response, in its own transaction: the GET itself only reads (web/deps.py read-only requests).
    db.retrying(lambda: _click_once(message_id), what="recording a click")


def _click_once(message_id: int) -> None:
    with db.session_scope(write=True) as session:
        record_click(session, message_id)


@router.get("/msg/c/{token}")
def messaging_click(request: Request, token: str, background: BackgroundTasks):
    """Go on to the link's address; the click is recorded after the answer."""
    try:
        message_id, target = verify(token, "c")
    except LinkRefused:
        return _page(request, i18n.DEFAULT_LOCALE, "invalid", token, 404)
    background.add_task(_note_click, message_id)
    return RedirectResponse(target, status_code=303)


def _preference_page(request: Request, session: Session, token: str, lang: str, *, status: int = 200,
                     error: str | None = None, shown=None, saved: bool = False) -> Response:
    customer = preferences.customer_for(session, token)
    stored = preferences.current(customer, require_opt_in=preferences.opt_in_required(session, customer))
    locale = _lang(lang, stored.language)
    return render(request, "messaging/preferences.html", {
        "locale": locale, "csrf": None, "token": token, "form_token": preferences.form_token(token),
        "prefs": shown or stored, "channels": preferences.CHANNELS, "topics": list(TOPICS), "error": error,
        "saved": saved, "first_name": customer.name or "", "buyer_area": AREA, "today": clock.now().date()},
        status=status)


def _preference_gone(request: Request, lang: str, exc: preferences.PreferenceLinkRefused) -> Response:
    return render(request, "messaging/preferences_gone.html", {
        "locale": _lang(lang), "csrf": None, "buyer_area": AREA,
        "expired": exc.code == "preference_link_expired"}, status=404)


@router.get("/msg/p/{token}")
def messaging_preferences_page(request: Request, token: str, lang: str = "", saved: str = "",
                               session: Session = PageSession):
    """The buyer's preference page: channels, topics, birthday and language, one form."""
    try:
        return _preference_page(request, session, token, lang, saved=saved == "1")
    except preferences.PreferenceLinkRefused as exc:
        return _preference_gone(request, lang, exc)


@router.post("/msg/p/{token}")
async def messaging_preferences_save(request: Request, token: str, session: Session = PageSession):
    """Save the buyer's choices, then show the page again in the language they chose (POST, redirect, GET)."""
    form = await request.form()
    lang = _lang(str(form.get("lang") or ""))
    try:
        saved = preferences.save(session, token, form, form_token_given=form.get("form_token"),
                                 ip=client_ip(request))
    except preferences.PreferenceLinkRefused as exc:
        return _preference_gone(request, lang, exc)
    except ShopCXError as exc:
        # The choices are drawn again as the buyer sent them (a refused form changes nothing).
        session.rollback()
        shown = preferences.parse_form(form, strict=False)
        return _preference_page(request, session, token, lang, status=exc.status, shown=shown,
                                error=i18n.error_text(exc, lang))
    chosen = saved.preferences.get("language", lang)
    return RedirectResponse(f"/msg/p/{token}?lang={chosen}&saved=1", status_code=303)
