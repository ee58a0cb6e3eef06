"""Staff pages of the loyalty program: members, one member, approvals, rules, liability, rewards and coupons.

Routes stay thin here (their errors are rendered as pages or inline HTMX messages by the app, which knows a page
by its `pages` module); what each page shows is composed in pages_members, pages_program and pages_admin from the
loyalty services and repository. The buyer's own member page (no staff sign-in) lives in member_page.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ..web.auth import PageSession, Viewer, require, verify_csrf
from ..web.deps import RowId
from ..web.pagination import page_number
from ..web.templating import is_htmx, render, wants_fragment
from . import member_page, pages_admin, pages_members, pages_program

staff = APIRouter(dependencies=[Depends(verify_csrf)])
router = APIRouter(include_in_schema=False)

Reader = Depends(require("loyalty:read"))
Writer = Depends(require("loyalty:write"))
Approver = Depends(require("loyalty:approve"))
Settings = Depends(require("loyalty:settings"))


def _back(request: Request, url: str, name: str, context: dict, viewer: Viewer):
    """The changed part for HTMX; without JavaScript, back to the page (Post/Redirect/Get)."""
    if not is_htmx(request):
        return RedirectResponse(url, status_code=303)
    return render(request, name, context, viewer=viewer)


# --- members -----------------------------------------------------------------------------------------------------

@staff.get("/loyalty")
def loyalty_members(request: Request, shop: str = "", tier: str = "", min_balance: str = "", max_balance: str = "",
                    expiring: str = "", q: str = "", order: str = "", page: str = "1", viewer: Viewer = Reader,
                    session: Session = PageSession):
    """Members filtered by tier, balance, expiring points and search, with the tier mix (the table alone for HTMX)."""
    context = pages_members.members_context(session, viewer, shop=shop, tier=tier, min_balance=min_balance,
                                            max_balance=max_balance, expiring=expiring, q=q, order=order,
                                            page=page_number(page))
    name = "loyalty/_members_table.html" if wants_fragment(request, "results") else "loyalty/members.html"
    return render(request, name, context, viewer=viewer)


@staff.get("/loyalty/members/{account_id}")
def loyalty_member(request: Request, account_id: RowId, page: str = "1", result: str = "", viewer: Viewer = Reader,
                   session: Session = PageSession):
    """One member: card, balances, ledger, tier history and the staff actions their role allows."""
    if wants_fragment(request, "history"):
        account, view = pages_members.member_view(session, account_id)
        context = pages_members.history_context(session, account, page_number(page))
        return render(request, "loyalty/_history.html", context | {"tz": view.tz}, viewer=viewer)
    context = pages_members.member_context(session, viewer, account_id, page_number(page))
    return render(request, "loyalty/member.html", context | {"result": result}, viewer=viewer)


@staff.post("/loyalty/members/{account_id}/adjust")
def loyalty_adjust(request: Request, account_id: RowId, points: str = Form(""), reason: str = Form(""),
                   request_key: str = Form(""), viewer: Viewer = Writer, session: Session = PageSession):
    """Add or take points by hand: posted within the role's limit, else waiting for a manager's approval."""
    account, result = pages_members.adjust(session, account_id, points, reason, request_key, actor=viewer.actor)
    outcome = "posted" if result.posted else "pending"
    context = pages_members.adjust_result_context(session, viewer, account, result)
    response = _back(request, f"/loyalty/members/{account_id}?result={outcome}", "loyalty/_adjust_result.html",
                     context, viewer)
    if result.posted:  # the page's ledger reloads itself on this event
        response.headers["HX-Trigger"] = "loyalty-ledger-changed"
    return response


@staff.post("/loyalty/members/{account_id}/floor")
def loyalty_floor(request: Request, account_id: RowId, tier: str = Form(""), until: str = Form(""),
                  reason: str = Form(""), viewer: Viewer = Approver, session: Session = PageSession):
    """Set or clear the member's manual tier floor (with a reason; audited)."""
    pages_members.set_floor(session, account_id, tier, until, reason, actor=viewer.actor)
    return _to(request, f"/loyalty/members/{account_id}?result=floor")


@staff.post("/loyalty/members/{account_id}/birthday")
def loyalty_birthday(request: Request, account_id: RowId, birthday: str = Form(""), viewer: Viewer = Writer,
                     session: Session = PageSession):
    """Record the member's birthday (changes are limited by the program; audited)."""
    pages_members.change_birthday(session, account_id, birthday, actor=viewer.actor)
    return _to(request, f"/loyalty/members/{account_id}?result=birthday")


@staff.post("/loyalty/members/{account_id}/link")
def loyalty_member_link(request: Request, account_id: RowId, viewer: Viewer = Writer,
                        session: Session = PageSession):
    """A fresh signed link to the member's own page (to send them)."""
    account, _ = pages_members.member_view(session, account_id)
    return _back(request, f"/loyalty/members/{account_id}", "loyalty/_link.html",
                 pages_members.link_context(account), viewer)


@staff.post("/loyalty/enrol")
def loyalty_enrol(shop: int = Form(...), customer: int = Form(...), viewer: Viewer = Writer,
                  session: Session = PageSession):
    """Make a customer a member of the shop's program (the customer page's button)."""
    account = pages_members.enrol(session, shop, customer, actor=viewer.actor)
    return RedirectResponse(f"/loyalty/members/{account.id}", status_code=303)


# --- approvals ---------------------------------------------------------------------------------------------------

@staff.get("/loyalty/approvals")
def loyalty_approvals(request: Request, shop: str = "", page: str = "1", viewer: Viewer = Reader,
                      session: Session = PageSession):
    """Adjustments waiting for a manager (分级授权), with who asked and the member's balance."""
    context = pages_admin.approvals_context(session, viewer, shop, page_number(page))
    name = "loyalty/_requests.html" if wants_fragment(request, "results") else "loyalty/approvals.html"
    return render(request, name, context, viewer=viewer)


@staff.post("/loyalty/approvals/{request_id}/{decision}")
def loyalty_decide(request: Request, request_id: RowId, decision: str, shop: str = Form(""), note: str = Form(""),
                   viewer: Viewer = Approver, session: Session = PageSession):
    """Approve or reject one request (never one's own: four eyes)."""
    context = pages_admin.decide(session, viewer, shop, request_id, decision, note)
    return _back(request, f"/loyalty/approvals{context['view'].shop_query}", "loyalty/_decided.html", context,
                 viewer)


# --- program -----------------------------------------------------------------------------------------------------

@staff.get("/loyalty/program")
def loyalty_program(request: Request, shop: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """The published rules, the draft being edited, versions, backtest and publishing."""
    context = pages_program.program_context(session, viewer, shop)
    return render(request, "loyalty/program.html", context, viewer=viewer)


@staff.post("/loyalty/program/start")
def loyalty_start(shop: str = Form(""), viewer: Viewer = Settings, session: Session = PageSession):
    """Start the shop's program with the default rules (published at once)."""
    view = pages_program.start(session, shop, actor=viewer.actor)
    return RedirectResponse(f"/loyalty/program{view.shop_query}", status_code=303)


@staff.post("/loyalty/program/draft")
def loyalty_draft(request: Request, shop: str = Form(""), config: str = Form(""), note: str = Form(""),
                  viewer: Viewer = Settings, session: Session = PageSession):
    """Store the edited rules as the draft (checked completely; an error names the field)."""
    context = pages_program.save_draft(session, viewer, shop, config, note)
    return _back(request, f"/loyalty/program{context['view'].shop_query}", "loyalty/_draft.html", context, viewer)


@staff.post("/loyalty/program/thresholds")
def loyalty_thresholds(request: Request, shop: str = Form(""), min_spend: list[str] = Form([]),
                       min_orders: list[str] = Form([]), viewer: Viewer = Settings, session: Session = PageSession):
    """Change the tiers' qualifying thresholds (in the tiers' order) in the draft with a simple form."""
    context = pages_program.save_thresholds(session, viewer, shop, min_spend, min_orders)
    return _back(request, f"/loyalty/program{context['view'].shop_query}", "loyalty/_draft.html", context, viewer)


@staff.post("/loyalty/program/backtest")
def loyalty_backtest(request: Request, shop: str = Form(""), config: str = Form(""), viewer: Viewer = Reader,
                     session: Session = PageSession):
    """Apply the rules in the editor to the stored history and show what would change (writes nothing)."""
    context = pages_program.backtest(session, viewer, shop, config)
    return render(request, "loyalty/_backtest.html", context, viewer=viewer)


@staff.post("/loyalty/program/publish")
def loyalty_publish(request: Request, shop: str = Form(""), version: str = Form(""), viewer: Viewer = Settings,
                    session: Session = PageSession):
    """Publish the draft: its rules govern points and tiers from now on."""
    view = pages_program.publish(session, shop, version, actor=viewer.actor)
    return _to(request, f"/loyalty/program{view.shop_query}&result=published" if view.shop_query
               else "/loyalty/program?result=published")


# --- liability, rewards, coupons ---------------------------------------------------------------------------------

@staff.get("/loyalty/liability")
def loyalty_liability(request: Request, shop: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """Outstanding points valued in money, what expires next month, breakage, with charts."""
    context = pages_admin.liability_context(session, viewer, shop)
    return render(request, "loyalty/liability.html", context, viewer=viewer)


@staff.get("/loyalty/rewards")
def loyalty_rewards(request: Request, shop: str = "", page: str = "1", viewer: Viewer = Reader,
                    session: Session = PageSession):
    """The rewards catalogue and the campaign coupon codes with their uses."""
    context = pages_admin.rewards_context(session, viewer, shop, page_number(page))
    name = "loyalty/_coupons.html" if wants_fragment(request, "coupon-results") else "loyalty/rewards.html"
    return render(request, name, context, viewer=viewer)


@staff.post("/loyalty/rewards")
def loyalty_reward_create(request: Request, form: pages_admin.RewardForm = Form(), viewer: Viewer = Settings,
                          session: Session = PageSession):
    """Add a reward to the catalogue."""
    view = pages_admin.create_reward(session, form, actor=viewer.actor)
    return _to(request, f"/loyalty/rewards{view.shop_query}")


@staff.post("/loyalty/rewards/{code}/deactivate")
def loyalty_reward_deactivate(request: Request, code: str, shop: str = Form(""), viewer: Viewer = Settings,
                              session: Session = PageSession):
    """Take a reward out of the catalogue (coupons already issued stay valid)."""
    view = pages_admin.deactivate_reward(session, shop, code, actor=viewer.actor)
    return _to(request, f"/loyalty/rewards{view.shop_query}")


@staff.post("/loyalty/coupons")
def loyalty_coupon_create(request: Request, form: pages_admin.CouponForm = Form(), viewer: Viewer = Settings,
                          session: Session = PageSession):
    """Create campaign coupon codes (one chosen code, or several generated ones with the same terms)."""
    view, made = pages_admin.create_coupons(session, form, actor=viewer.actor)
    return _to(request, f"/loyalty/rewards{view.shop_query}{'&' if view.shop_query else '?'}made={made}")


@staff.post("/loyalty/coupons/{coupon_id}/void")
def loyalty_coupon_void(request: Request, coupon_id: RowId, shop: str = Form(""), viewer: Viewer = Settings,
                        session: Session = PageSession):
    """Withdraw a campaign coupon (uses already made stay)."""
    view = pages_admin.void_coupon(session, shop, coupon_id, actor=viewer.actor)
    return _to(request, f"/loyalty/rewards{view.shop_query}")


def _to(request: Request, target: str) -> Response:
    """After a change, the page to show: a 303 for a form, HX-Redirect for HTMX (which cannot see a 303)."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


router.include_router(staff)
router.include_router(member_page.router)
