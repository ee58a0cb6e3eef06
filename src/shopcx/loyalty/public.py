"""The buyer's own member page, reached by a signed link (`/m/<token>`, see service/members/links.py) without a
staff sign-in.

It shows only the member the link was issued for: tier and progress, points (available, pending, expiring soon),
rewards they can take, their coupons and their history, never staff notes or other members. Redeem buttons post a
form token derived from the link (not the staff CSRF cookie) and a key made when the page was drawn, so a double
tap redeems once. A bad, altered or expired link gets the same friendly "not found" page.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ..core import i18n
from ..core.errors import NotFound, PermissionDenied, ShopCXError
from ..customers import service as customers
from ..staff.service import Actor
from ..web.auth import PageSession
from ..web.deps import client_ip
from ..web.pagination import Page, page_number
from ..web.templating import render
from . import repository
from .pages.base import last_day, multiplier, tier_name
from .pages.members import card_context, member_view
from .service.members import links
from .service.members.links import LinkRefused
from .service.spending import coupons, redemption, rewards

router = APIRouter(include_in_schema=False)

HISTORY_SIZE = 20
COUPONS_SHOWN = 20
LANGS = ("zh", "en")


def _lang(value: str | None) -> str:
    return value if value in LANGS else i18n.DEFAULT_LOCALE


def _member(session: Session, token: str):
    """The member a link is for, with their shop's view; LinkRefused for anything that is not a live membership."""
    account_id = links.verify(token)
    try:
        account, view = member_view(session, account_id)
        customer = customers.get_customer(session, account.customer_id)
    except NotFound:
        raise LinkRefused("member_link_invalid", "this member link is not valid") from None
    if customer.erased_at is not None or not view.program.is_active:
        raise LinkRefused("member_link_invalid", "this member link is not valid")
    return account, view, customer


def _page(session: Session, request: Request, token: str, lang: str, page: int, *, status: int = 200,
          message: str | None = None, error: str | None = None, coupon=None, confirm: str = "") -> Response:
    account, view, customer = _member(session, token)
    context = card_context(session, view, account, lang)
    options = rewards.rewards_for_member(session, view.active, account)
    # The reward the member tapped: the page asks before any points are spent (only one that is available).
    asked = next((o for o in options if o.available and o.reward.code == confirm), None)
    history, total = repository.member_history(session, account.id, page=page, page_size=HISTORY_SIZE)
    own_coupons, _ = coupons.list_coupons(session, view.shop.id, account_id=account.id, limit=COUPONS_SHOWN)
    context |= {
        "locale": lang, "csrf": None, "token": token, "form_token": links.form_token(token),
        "account": account, "view": view, "tz": view.tz, "first_name": customer.name or customer.nickname,
        "options": options, "asked": asked,
        "coupons": own_coupons, "entries": history, "page": Page(page, HISTORY_SIZE, total),
        "new_key": lambda: uuid.uuid4().hex, "multiplier_label": multiplier, "message": message, "error": error,
        "redeemed": coupon, "shop_name": view.shop.name, "last_day": lambda value: last_day(value, view.tz),
        "tier_name": lambda code: tier_name(view.config, code, lang)}
    return render(request, "loyalty/member_page.html", context, status=status)


def _gone(request: Request, lang: str, exc: ShopCXError) -> Response:
    return render(request, "loyalty/member_gone.html",
                  {"locale": lang, "csrf": None, "expired": exc.code == "member_link_expired"}, status=404)


@router.get("/m/{token}")
def member_home(request: Request, token: str, lang: str = "", page: str = "1", confirm: str = "",
                session: Session = PageSession):
    """The member's own page: card, points, rewards, coupons and history; with `confirm`, the question before a
    reward is redeemed (what it costs and what is left)."""
    locale = _lang(lang)
    try:
        return _page(session, request, token, locale, page_number(page), confirm=confirm)
    except LinkRefused as exc:
        return _gone(request, locale, exc)


@router.post("/m/{token}/redeem")
def member_redeem(request: Request, token: str, reward: str = Form(""), key: str = Form(""),
                  form_token: str = Form(""), lang: str = Form(""), session: Session = PageSession):
    """Take a reward for points; a repeated post with the same key returns the same coupon."""
    locale = _lang(lang)
    try:
        account, view, _ = _member(session, token)
        if not links.form_token_matches(token, form_token):
            raise PermissionDenied("member_form_invalid", "the form did not come from this member page; reload it")
        clean = "".join(ch for ch in key if ch.isalnum())[:64]
        # Keys are unique across the whole ledger: this member's prefix keeps a copied key from touching another.
        # The member acts for themselves: the audit log and the coupon say so (no staff user, no role).
        actor = Actor(label=f"member:{account.id}", ip=client_ip(request))
        coupon = redemption.redeem_reward(session, view.active, account, reward,
                                          key=f"member:{account.id}:{clean}" if clean else "", actor=actor)
    except LinkRefused as exc:
        return _gone(request, locale, exc)
    except ShopCXError as exc:
        # Nothing of a refused redemption may be kept; the page is drawn again from what is stored.
        session.rollback()
        return _page(session, request, token, locale, 1, status=exc.status, error=i18n.error_text(exc, locale))
    return _page(session, request, token, locale, 1, coupon=coupon,
                 message=i18n.t("loyalty.m.redeemed", locale, code=coupon.code))


@router.get("/m/{token}/redeem")
def member_redeem_again(token: str, lang: str = "") -> Response:
    """The address a redemption answered at, opened again: back to the member page."""
    suffix = "?lang=en" if _lang(lang) == "en" else ""
    return RedirectResponse(f"/m/{token}{suffix}", status_code=303)


def member_url(account_id: int) -> str:
    """The path of a fresh signed link to a member's page (for staff pages and messages)."""
    return f"/m/{links.issue(account_id)}"

