"""What the members list and one member's staff page show, and the changes staff make there."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ...core.errors import InvalidInput, NotFound
from ...core.settings import get_settings
from ...customers import service as customers
from ...shops import service as shops
from ...staff.service import Actor
from ...web.auth import PageSession, Viewer
from ...web.deps import RowId
from ...web.pagination import Page, page_number
from ...web.templating import render, wants_fragment
from .. import repository, rules
from ..models import LoyaltyAccount
from ..service import reports
from ..service.members import accounts, links, tiers
from ..service.points import adjustments
from ..service.program import versions as programs
from .base import (
    Approver,
    ProgramView,
    Reader,
    Writer,
    changed_part,
    day_field,
    multiplier,
    percent_of,
    program_view,
    redirect,
    tier_name,
    whole_number,
)

HISTORY_SIZE = 25
TIER_HISTORY_SIZE = 20
MAX_EXPIRING_DAYS = 3650
MEMBER_ORDERS = ("balance", "newest", "expiring")


def members_context(session: Session, viewer: Viewer, *, shop: str, tier: str, min_balance: str, max_balance: str,
                    expiring: str, q: str, order: str, page: int) -> dict:
    """The members list: filters, one page of members, counts and the tier mix."""
    view = program_view(session, shop)
    form = {"shop": shop, "tier": tier, "min_balance": min_balance, "max_balance": max_balance,
            "expiring": expiring, "q": q, "order": order if order in MEMBER_ORDERS else "balance"}
    context = {"view": view, "form": form, "orders": MEMBER_ORDERS, "tz": view.tz}
    if view.program is None or view.active is None:
        return context | {"members": [], "page": Page(1, 1, 0)}
    config = view.config
    days = whole_number(expiring, "expiring")
    if days is not None and days > MAX_EXPIRING_DAYS:
        raise InvalidInput("invalid_number", f"expiring: at most {MAX_EXPIRING_DAYS} days", field="expiring")
    size = get_settings().page_size
    rows, total = repository.search_members(
        session, view.program.id, tier=tier if config.tier(tier) else None,
        min_balance=whole_number(min_balance, "min_balance"), max_balance=whole_number(max_balance, "max_balance"),
        expiring_within_days=days, today=view.today, query=q.strip() or None, by_contacts=viewer.can("pii"),
        order=form["order"], page=page, page_size=size)
    mix = reports.tier_mix(config, repository.members_by_tier(session, view.program.id))
    everyone = sum(row["members"] for row in mix)
    return context | {
        "members": rows, "page": Page(page, size, total), "config": config,
        "tier_label": lambda code: tier_name(config, code, viewer.locale),
        "mix": [row | {"share": percent_of(row["members"], everyone) if everyone else 0} for row in mix],
        "everyone": everyone, "expiring_days": days if days is not None else repository.DEFAULT_EXPIRING_DAYS,
        "expiring_members": repository.search_members(
            session, view.program.id, expiring_within_days=days or repository.DEFAULT_EXPIRING_DAYS,
            today=view.today, page_size=1)[1],
        "waiting": repository.pending_request_count(session, view.program.id)
        if viewer.can("loyalty:approve") else None}


def member_view(session: Session, account_id: int) -> tuple[LoyaltyAccount, ProgramView]:
    """A member and the view of their shop; a program without published rules has no member pages yet."""
    account = accounts.get_account(session, account_id)
    view = program_view(session, str(account.shop_id))
    if view.active is None or view.program is None or view.program.id != account.program_id:
        raise NotFound("no_program", "this member's program has no published rules")
    return account, view


def _keep_measures(tier) -> tuple[bool, bool]:
    """Which measures count for keeping a tier, as rules.keeps reads them: (spend, orders)."""
    if tier.qualify_by == "both" or (tier.min_orders and tier.min_spend_amount):
        return tier.keep_spend > 0, tier.keep_order_count > 0
    if tier.min_orders == 0:
        return True, False
    return False, True


def _bars(card: dict, config) -> dict:
    """Progress bars (whole percent) towards the next tier and towards keeping the current one."""
    progress = card["progress"]
    spend, orders = progress["spend_amount"], progress["orders"]
    tier = config.tier(card["tier"]["code"])
    keep_spend, keep_orders = _keep_measures(tier)
    bars = {"keep_spend": percent_of(spend, tier.keep_spend), "keep_orders": percent_of(orders, tier.keep_order_count),
            "keep_needed": config.rank(tier.code) > 0 and bool(tier.keep_spend or tier.keep_order_count),
            "keep_met": rules.keeps(tier, spend, orders), "keep_by_spend": keep_spend, "keep_by_orders": keep_orders,
            "keep_rule": tier.qualify_by}
    upcoming = progress["next_tier"]
    if upcoming:
        target = config.tier(upcoming["code"])
        bars |= {"next_spend": percent_of(spend, target.min_spend_amount),
                 "next_orders": percent_of(orders, target.min_orders),
                 "next_by_spend": target.min_spend_amount > 0, "next_by_orders": target.min_orders > 0}
    return bars


def card_context(session: Session, view: ProgramView, account: LoyaltyAccount, locale: str) -> dict:
    """The member card as staff and the member see it: tier, benefits, progress bars, balances, expiring points."""
    config = view.config
    card = reports.member_card(session, view.active, account, today=view.today)
    return {"card": card, "bars": _bars(card, config), "config": config, "currency": view.currency,
            "tier_label": lambda code: tier_name(config, code, locale), "multiplier_label": multiplier}


def history_context(session: Session, account: LoyaltyAccount, page: int) -> dict:
    """One page of the member's ledger, newest first."""
    rows, total = repository.member_history(session, account.id, page=page, page_size=HISTORY_SIZE)
    return {"entries": rows, "page": Page(page, HISTORY_SIZE, total), "account": account}


def member_context(session: Session, viewer: Viewer, account_id: int, page: int) -> dict:
    """Everything on a member's staff page."""
    account, view = member_view(session, account_id)
    customer = customers.get_customer(session, account.customer_id)
    changes, change_total = repository.tier_changes(session, account.id, page_size=TIER_HISTORY_SIZE)
    waiting, _ = repository.adjustment_requests(session, view.program.id, account_id=account.id, page_size=20)
    context = {"view": view, "account": account, "customer": customer, "tz": view.tz, "changes": changes,
               "change_total": change_total, "waiting": waiting, "today": view.today,
               "adjust_limit": adjustments.limit_for(view.active, viewer.actor),
               "request_key": uuid.uuid4().hex, "birthday_change_days": view.config.birthday_change_days}
    context |= card_context(session, view, account, viewer.locale) | history_context(session, account, page)
    if viewer.can("loyalty:write"):
        context |= link_context(account)
    return context


def link_context(account: LoyaltyAccount) -> dict:
    """A fresh signed link to the member's own page and when it stops working."""
    token = links.issue(account.id)
    return {"member_link": f"/m/{token}", "member_link_expires": links.expires_at(token), "account": account}


def adjust(session: Session, account_id: int, points: str, reason: str, request_key: str, *,
           actor: Actor) -> tuple[LoyaltyAccount, adjustments.AdjustResult]:
    """Post or request a manual adjustment (the service decides by the actor's limit)."""
    account, view = member_view(session, account_id)
    amount = whole_number(points, "points", allow_negative=True)
    if amount is None:
        raise InvalidInput("invalid_points", "points: enter the points to add (or negative to take away)",
                           field="points")
    result = adjustments.adjust_points(session, view.active, account, amount, reason, actor=actor,
                                       idempotency_key=(request_key or "").strip()[:64] or None)
    return account, result


def adjust_result_context(session: Session, viewer: Viewer, account: LoyaltyAccount,
                          result: adjustments.AdjustResult) -> dict:
    """What the adjustment form shows after a post: the outcome, the new balance and a fresh form."""
    _, view = member_view(session, account.id)
    return {"account": account, "outcome": result, "request_key": uuid.uuid4().hex, "currency": view.currency,
            "adjust_limit": adjustments.limit_for(view.active, viewer.actor), "tz": view.tz}


def set_floor(session: Session, account_id: int, tier: str, until: str, reason: str, *, actor: Actor) -> None:
    """Set (or clear, with an empty tier) the member's manual tier floor."""
    account, view = member_view(session, account_id)
    ends = day_field(until, "until")
    if ends is not None and ends < view.today:
        raise InvalidInput("invalid_date", "until: the floor must last until today or later", field="until")
    tiers.set_floor(session, view.active, account, tier.strip() or None, reason=reason, until=ends, actor=actor)


def change_birthday(session: Session, account_id: int, birthday: str, *, actor: Actor) -> None:
    """Record the member's birthday (the program limits how often it may change)."""
    account, view = member_view(session, account_id)
    day = day_field(birthday, "birthday")
    if day is None:
        raise InvalidInput("invalid_birthday", "birthday: enter the date of birth", field="birthday")
    accounts.change_birthday(session, view.active, account, day, actor=actor)


def member_cards(session: Session, customer_id: int, locale: str) -> list[dict]:
    """The customer's memberships for the customer page: one per shop whose program is published."""
    cards = []
    for shop in shops.list_shops(session):
        active = programs.active(session, shop.id)
        if active is None:
            continue
        account = accounts.find_account(session, active.program.id, customer_id)
        cards.append({"shop": shop, "account": account,
                      "tier": tier_name(active.config, account.tier_code, locale) if account else None})
    return cards


def enrol(session: Session, shop_id: int, customer_id: int, *, actor: Actor) -> LoyaltyAccount:
    """Make a customer a member of the shop's program (with the joining bonus)."""
    view = program_view(session, str(shop_id))
    if view.active is None:
        raise NotFound("no_program", "this shop has no published loyalty program")
    customers.get_customer(session, customer_id)
    return accounts.enrol(session, view.active, customer_id, actor=actor.label)


router = APIRouter()


@router.get("/loyalty")
def loyalty_members(request: Request, shop: str = "", tier: str = "", min_balance: str = "", max_balance: str = "",
                    expiring: str = "", q: str = "", order: str = "", page: str = "1", viewer: Viewer = Reader,
                    session: Session = PageSession):
    """Members filtered by tier, balance, expiring points and search, with the tier mix (the table alone for HTMX)."""
    context = members_context(session, viewer, shop=shop, tier=tier, min_balance=min_balance,
                                            max_balance=max_balance, expiring=expiring, q=q, order=order,
                                            page=page_number(page))
    name = "loyalty/_members_table.html" if wants_fragment(request, "results") else "loyalty/members.html"
    return render(request, name, context, viewer=viewer)


@router.get("/loyalty/members/{account_id}")
def loyalty_member(request: Request, account_id: RowId, page: str = "1", result: str = "", viewer: Viewer = Reader,
                   session: Session = PageSession):
    """One member: card, balances, ledger, tier history and the staff actions their role allows."""
    if wants_fragment(request, "history"):
        account, view = member_view(session, account_id)
        context = history_context(session, account, page_number(page))
        return render(request, "loyalty/_history.html", context | {"tz": view.tz}, viewer=viewer)
    context = member_context(session, viewer, account_id, page_number(page))
    return render(request, "loyalty/member.html", context | {"result": result}, viewer=viewer)


@router.post("/loyalty/members/{account_id}/adjust")
def loyalty_adjust(request: Request, account_id: RowId, points: str = Form(""), reason: str = Form(""),
                   request_key: str = Form(""), viewer: Viewer = Writer, session: Session = PageSession):
    """Add or take points by hand: posted within the role's limit, else waiting for a manager's approval."""
    account, result = adjust(session, account_id, points, reason, request_key, actor=viewer.actor)
    outcome = "posted" if result.posted else "pending"
    context = adjust_result_context(session, viewer, account, result)
    response = changed_part(request, f"/loyalty/members/{account_id}?result={outcome}", "loyalty/_adjust_result.html",
                            context, viewer)
    if result.posted:  # the page's ledger reloads itself on this event
        response.headers["HX-Trigger"] = "loyalty-ledger-changed"
    return response


@router.post("/loyalty/members/{account_id}/floor")
def loyalty_floor(request: Request, account_id: RowId, tier: str = Form(""), until: str = Form(""),
                  reason: str = Form(""), viewer: Viewer = Approver, session: Session = PageSession):
    """Set or clear the member's manual tier floor (with a reason; audited)."""
    set_floor(session, account_id, tier, until, reason, actor=viewer.actor)
    return redirect(request, f"/loyalty/members/{account_id}?result=floor")


@router.post("/loyalty/members/{account_id}/birthday")
def loyalty_birthday(request: Request, account_id: RowId, birthday: str = Form(""), viewer: Viewer = Writer,
                     session: Session = PageSession):
    """Record the member's birthday (changes are limited by the program; audited)."""
    change_birthday(session, account_id, birthday, actor=viewer.actor)
    return redirect(request, f"/loyalty/members/{account_id}?result=birthday")


@router.post("/loyalty/members/{account_id}/link")
def loyalty_member_link(request: Request, account_id: RowId, viewer: Viewer = Writer,
                        session: Session = PageSession):
    """A fresh signed link to the member's own page (to send them)."""
    account, _ = member_view(session, account_id)
    return changed_part(request, f"/loyalty/members/{account_id}", "loyalty/_link.html",
                        link_context(account), viewer)


@router.post("/loyalty/enrol")
def loyalty_enrol(shop: int = Form(...), customer: int = Form(...), viewer: Viewer = Writer,
                  session: Session = PageSession):
    """Make a customer a member of the shop's program (the customer page's button)."""
    account = enrol(session, shop, customer, actor=viewer.actor)
    return RedirectResponse(f"/loyalty/members/{account.id}", status_code=303)
