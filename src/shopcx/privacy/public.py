"""The buyer's page for a data request: the phone or e-mail on record gets a one-time code; the request opens
once the code is typed. The code goes out through the messaging domain (a shop in its sandbox records it there);
the page never shows it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from ..core.errors import ShopCXError
from ..core.i18n import error_text
from ..web import auth
from ..web.auth import PageSession, buyer_locale, verify_csrf
from ..web.deps import RowId
from ..web.templating import render
from . import service
from .models import KINDS

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
AREA = {"asset": "privacy", "prefix": "privacy"}


def _page(request: Request, locale: str, values: dict, status: int = 200):
    token, new = auth.prelogin_token(request)
    response = render(request, "privacy/public.html", {"csrf": token, "kinds": KINDS, "buyer_area": AREA,
                                                       "locale": locale, "other_lang": "en" if locale == "zh" else "zh",
                                                       **values}, status=status)
    if new:
        auth.set_prelogin_cookie(response, token)
    return response


@router.get("/data-request")
def privacy_public(request: Request, lang: str = ""):
    """Ask for a copy of one's data or its erasure (in the language chosen on the page)."""
    return _page(request, buyer_locale(request, lang), {"step": "ask"})


@router.post("/data-request")
def privacy_public_ask(request: Request, kind: str = Form(""), contact: str = Form(""), lang: str = Form(""),
                       session: Session = PageSession):
    """Send a one-time code to the contact on record (the same answer whether or not it is on record)."""
    locale = buyer_locale(request, lang)
    try:
        found = service.start_public_request(session, kind, contact, locale=locale)
    except ShopCXError as exc:
        return _page(request, locale, {"step": "ask", "error": error_text(exc, locale)}, exc.status)
    return _page(request, locale, {"step": "code", "request_id": found.id if found else 0})


@router.post("/data-request/{request_id}")
def privacy_public_verify(request: Request, request_id: RowId, code: str = Form(""), lang: str = Form(""),
                          session: Session = PageSession):
    """Check the code; the request opens with its deadline."""
    locale = buyer_locale(request, lang)
    try:
        found = service.verify(session, request_id, code)
    except ShopCXError as exc:
        # Returned, not raised: a wrong attempt must be committed for the limit to count it.
        return _page(request, locale, {"step": "code", "request_id": request_id,
                                       "error": error_text(exc, locale)}, exc.status)
    return _page(request, locale, {"step": "done", "due_on": found.due_on})
