"""The buyer's pages of a message, reached by a signed link without a sign-in: one-click unsubscribe (the page with
its button, and the POST that mail clients send for List-Unsubscribe-Post, RFC 8058) and tracked redirects."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ..core import db, i18n
from ..web.auth import PageSession
from ..web.templating import render
from .links import LinkRefused, verify
from .service import message_for_unsubscribe, record_click, unsubscribe

router = APIRouter(include_in_schema=False)
AREA = {"asset": "messaging", "prefix": "msg"}


def _lang(value: str, fallback: str = i18n.DEFAULT_LOCALE) -> str:
    return value if value in ("zh", "en") else fallback


def _page(request: Request, locale: str, state: str, token: str, status: int = 200) -> Response:
    return render(request, "messaging/unsubscribe.html", {"locale": locale, "csrf": None, "state": state,
                                                          "token": token, "buyer_area": AREA}, status=status)


@router.get("/msg/u/{token}")
def messaging_unsubscribe_page(request: Request, token: str, lang: str = "", session: Session = PageSession):
    """The unsubscribe page: what stops, and one button."""
    try:
        message = message_for_unsubscribe(session, token)
    except LinkRefused:
        return _page(request, _lang(lang), "invalid", token, 404)
    locale = _lang(lang, message.locale)
    return _page(request, locale, "done" if message.unsubscribed_at else "ask", token)


@router.post("/msg/u/{token}")
def messaging_unsubscribe(request: Request, token: str, lang: str = "", session: Session = PageSession):
    """Unsubscribe in one click (the button, or a mail client's List-Unsubscribe-Post)."""
    try:
        message = unsubscribe(session, token)
    except LinkRefused:
        return _page(request, _lang(lang), "invalid", token, 404)
    return _page(request, _lang(lang, message.locale), "done", token)


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
