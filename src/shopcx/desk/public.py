"""The desk's buyer pages, without a staff sign-in: the complaint form (`/help/<shop code>`, phone first, zh/en) and
the ticket status page at a signed link (`/t/<token>`): the public thread, a reply box (a reply reopens a resolved
ticket) and, once resolved, one question: how well was the complaint handled (1–5).

A bad, altered or expired link gets a friendly "not found" page; refused input is shown beside the form with what
was typed kept. The form's bot guards are in channels/intake.py."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ..core import i18n
from ..core.errors import NotFound, PermissionDenied, ShopCXError
from ..shops import service as shops
from ..web.auth import PageSession, buyer_locale
from ..web.deps import client_ip
from ..web.templating import render
from .channels import intake, links

router = APIRouter(include_in_schema=False)
RATING = (1, 2, 3, 4, 5)



def _gone(request: Request, lang: str, code: str) -> Response:
    return render(request, "desk/buyer_gone.html", {"locale": lang, "csrf": None, "code": code}, status=404)


def _form(request: Request, shop, lang: str, values: dict, *, error: str | None = None, field: str | None = None,
          status: int = 200) -> Response:
    return render(request, "desk/buyer_form.html", {
        "locale": lang, "csrf": None, "shop": shop, "values": values, "error": error, "error_field": field,
        "other_lang": "en" if lang == "zh" else "zh"}, status=status)


@router.get("/help/{shop_code}")
def desk_complaint_form(request: Request, shop_code: str, lang: str = "", session: Session = PageSession):
    """The public complaint form of one shop."""
    locale = buyer_locale(request, lang)
    try:
        shop = shops.get_shop(session, shop_code)
    except NotFound:
        return _gone(request, locale, "shop_not_found")
    return _form(request, shop, locale, {})


@router.post("/help/{shop_code}")
def desk_complaint_post(request: Request, shop_code: str, lang: str = Form(""), body: str = Form(""),
                        order_no: str = Form(""), phone_tail: str = Form(""), name: str = Form(""),
                        contact: str = Form(""), links_text: str = Form("", alias="links"),
                        website: str = Form(""), session: Session = PageSession):
    """Open a ticket from the form and go to its status page (the buyer keeps that link)."""
    locale = buyer_locale(request, lang)
    try:
        shop = shops.get_shop(session, shop_code)
    except NotFound:
        return _gone(request, locale, "shop_not_found")
    values = {"body": body, "order_no": order_no, "phone_tail": phone_tail, "name": name, "contact": contact,
              "links": links_text}
    if website.strip():  # the honeypot: people never see this field, form-filling robots do
        return render(request, "desk/buyer_sent.html", {"locale": locale, "csrf": None, "shop": shop})
    try:
        intake.count_hit(session, shop.id, client_ip(request))
        _, token = intake.submit_complaint(session, shop, intake.Complaint(
            body=body, order_no=order_no, phone_tail=phone_tail, name=name, contact=contact, links=links_text),
            ip=client_ip(request))
    except ShopCXError as exc:
        return _form(request, shop, locale, values, error=i18n.error_text(exc, locale), field=exc.field,
                     status=exc.status)
    return RedirectResponse(f"/t/{token}?lang={locale}&sent=1", status_code=303)


def _status(session: Session, request: Request, token: str, lang: str, *, message: str | None = None,
            error: str | None = None, values: dict | None = None, status: int = 200) -> Response:
    view = intake.status_view(session, token)
    shop = shops.get_shop_by_id(session, view.ticket.shop_id)
    return render(request, "desk/buyer_status.html", {
        "locale": lang, "csrf": None, "token": token, "form_token": links.form_token(token), "view": view,
        "shop": shop, "tz": shop.timezone, "message": message, "error": error, "values": values or {},
        "points": RATING, "other_lang": "en" if lang == "zh" else "zh"}, status=status)


@router.get("/t/{token}")
def desk_ticket_status(request: Request, token: str, lang: str = "", sent: str = "", session: Session = PageSession):
    """The buyer's view of their ticket."""
    locale = buyer_locale(request, lang)
    try:
        return _status(session, request, token, locale,
                       message=i18n.t("desk.buyer.sent", locale) if sent else None)
    except links.TicketLinkRefused as exc:
        return _gone(request, locale, exc.code)


def _act(request: Request, session: Session, token: str, lang: str, form_token: str, action, done_key: str,
         values: dict) -> Response:
    try:
        if not links.form_token_matches(token, form_token):
            raise PermissionDenied("ticket_form_invalid", "the form did not come from this ticket page; reload it")
        with session.begin_nested():
            action()
    except links.TicketLinkRefused as exc:
        return _gone(request, lang, exc.code)
    except ShopCXError as exc:
        try:
            return _status(session, request, token, lang, error=i18n.error_text(exc, lang), values=values,
                           status=exc.status)
        except links.TicketLinkRefused as again:
            return _gone(request, lang, again.code)
    return _status(session, request, token, lang, message=i18n.t(done_key, lang))


@router.post("/t/{token}/reply")
def desk_ticket_reply(request: Request, token: str, body: str = Form(""), links_text: str = Form("", alias="links"),
                      form_token: str = Form(""), lang: str = Form(""), session: Session = PageSession):
    """The buyer writes again on their ticket."""
    locale = buyer_locale(request, lang)
    return _act(request, session, token, locale, form_token,
                lambda: intake.buyer_reply(session, token, body, links_text, ip=client_ip(request)),
                "desk.buyer.replied", {"body": body, "links": links_text})


@router.post("/t/{token}/rate")
def desk_ticket_rate(request: Request, token: str, score: str = Form(""), comment: str = Form(""),
                     form_token: str = Form(""), lang: str = Form(""), session: Session = PageSession):
    """The one-question rating of a resolved ticket."""
    locale = buyer_locale(request, lang)
    return _act(request, session, token, locale, form_token,
                lambda: intake.rate(session, token, score, comment), "desk.buyer.rated",
                {"score": score, "comment": comment})
