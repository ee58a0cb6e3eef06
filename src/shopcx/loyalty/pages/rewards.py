"""The rewards catalogue and the campaign coupon codes: what members can take for points."""


from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from ...core.errors import InvalidInput, NotFound
from ...core.money import to_minor
from ...core.settings import get_settings
from ...staff.service import Actor
from ...web.auth import PageSession, Viewer
from ...web.deps import RowId
from ...web.pagination import Page, page_number
from ...web.templating import render, wants_fragment
from ..service.members.tiers import local_midnight
from ..service.spending import coupons, rewards
from .base import (
    ProgramView,
    Reader,
    Settings,
    day_field,
    last_day,
    program_view,
    redirect,
    require_active,
    tier_name,
    whole_number,
)

MAX_CODES_AT_ONCE = 500


class RewardForm(BaseModel):
    """The catalogue form as typed (money in major units); converted and checked by `create_reward`."""

    model_config = ConfigDict(extra="ignore")

    shop: str = ""
    code: str = ""
    name_zh: str = ""
    name_en: str = ""
    kind: str = ""
    points_cost: str = ""
    amount_off: str = ""
    percent_off: str = ""
    min_spend: str = ""
    valid_days: str = ""
    stock: str = ""
    per_member_limit: str = ""
    min_tier_code: str = ""
    audience: str = "all"


class CouponForm(BaseModel):
    """The campaign form as typed; converted and checked by `create_coupons`."""

    model_config = ConfigDict(extra="ignore")

    shop: str = ""
    code: str = ""
    count: str = ""
    name: str = ""
    kind: str = ""
    amount_off: str = ""
    percent_off: str = ""
    min_spend: str = ""
    valid_until: str = ""
    max_uses: str = ""
    max_uses_per_customer: str = ""
    audience: str = "all"


def _money(text: str, currency: str, field: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if text.startswith("-"):
        raise InvalidInput("invalid_number", f"{field}: cannot be negative", field=field)
    return to_minor(text, currency, field=field)


def rewards_context(session: Session, viewer: Viewer, shop: str, page: int) -> dict:
    """The whole catalogue (active first) and one page of campaign coupons with their uses."""
    view = program_view(session, shop)
    context = {"view": view, "tz": view.tz, "currency": view.currency, "kinds": coupons.KINDS,
               "audiences": coupons.AUDIENCES}
    if view.active is None:
        return context | {"rewards": [], "coupons": [], "page": Page(1, 1, 0)}
    size = get_settings().page_size
    listed = sorted(rewards.list_rewards(session, view.active), key=lambda r: (not r.is_active, r.points_cost))
    campaign, total = coupons.list_coupons(session, view.shop.id, personal=False, limit=size,
                                           offset=(page - 1) * size)
    return context | {"rewards": listed, "coupons": campaign, "page": Page(page, size, total),
                      "last_day": lambda value: last_day(value, view.tz),
                      "config": view.config, "tier_label": lambda code: tier_name(view.config, code, viewer.locale)}


def create_reward(session: Session, form: RewardForm, *, actor: Actor) -> ProgramView:
    """Add a catalogue item from the form (the service checks it completely)."""
    view = program_view(session, form.shop)
    require_active(view)
    currency = view.currency
    values = {"code": form.code.strip().lower(), "name_zh": form.name_zh.strip(), "name_en": form.name_en.strip(),
              "kind": form.kind, "points_cost": whole_number(form.points_cost, "points_cost"),
              "amount_off": _money(form.amount_off, currency, "amount_off"),
              "percent_off": whole_number(form.percent_off, "percent_off"),
              "min_spend_amount": _money(form.min_spend, currency, "min_spend_amount") or 0,
              "valid_days": whole_number(form.valid_days, "valid_days") or 30,
              "stock": whole_number(form.stock, "stock"),
              "per_member_limit": whole_number(form.per_member_limit, "per_member_limit"),
              "min_tier_code": form.min_tier_code.strip() or None, "audience": form.audience or "all"}
    rewards.create_reward(session, view.active, actor=actor, **values)
    return view


def deactivate_reward(session: Session, shop: str, code: str, *, actor: Actor) -> ProgramView:
    """Take a reward out of the catalogue."""
    view = program_view(session, shop)
    require_active(view)
    rewards.deactivate_reward(session, view.active, rewards.get_reward(session, view.active, code), actor=actor)
    return view


def create_coupons(session: Session, form: CouponForm, *, actor: Actor) -> tuple[ProgramView, int]:
    """One coupon with the chosen code, or `count` coupons with generated codes, all with the same terms."""
    view = program_view(session, form.shop)
    if view.shop is None:
        raise NotFound("shop_not_found", "there is no shop yet")
    count = whole_number(form.count, "count") or 1
    if not 1 <= count <= MAX_CODES_AT_ONCE:
        raise InvalidInput("invalid_number", f"count: 1 to {MAX_CODES_AT_ONCE} codes at once", field="count")
    if count > 1 and form.code.strip():
        raise InvalidInput("invalid_input", "code: leave the code empty to generate several codes", field="code")
    last_day = day_field(form.valid_until, "valid_until")
    # The last valid day is inclusive for people; a coupon ends (exclusive) at the next shop-local midnight.
    until = local_midnight(last_day + timedelta(days=1), view.tz) if last_day else None
    terms = {"kind": form.kind, "amount_off": _money(form.amount_off, view.currency, "amount_off"),
             "percent_off": whole_number(form.percent_off, "percent_off"),
             "min_spend_amount": _money(form.min_spend, view.currency, "min_spend_amount") or 0,
             "valid_until": until, "max_uses": whole_number(form.max_uses, "max_uses"),
             # Empty means the service's default of one use per customer, the safe choice for a public code.
             "max_uses_per_customer": whole_number(form.max_uses_per_customer, "max_uses_per_customer") or 1,
             "audience": form.audience or "all", "name": form.name.strip() or None}
    for _ in range(count):
        coupons.create_coupon(session, view.shop, actor=actor, code=form.code.strip() or None, **terms)
    return view, count


def void_coupon(session: Session, shop: str, coupon_id: int, *, actor: Actor) -> ProgramView:
    """Withdraw one of the shop's coupons."""
    view = program_view(session, shop)
    coupon = coupons.get_coupon(session, coupon_id)
    if view.shop is None or coupon.shop_id != view.shop.id:
        raise NotFound("coupon_not_found", f"coupon: there is no coupon {coupon_id}", field="coupon")
    coupons.void_coupon(session, coupon, actor=actor, reason="staff")
    return view


router = APIRouter()


@router.get("/loyalty/rewards")
def loyalty_rewards(request: Request, shop: str = "", page: str = "1", viewer: Viewer = Reader,
                    session: Session = PageSession):
    """The rewards catalogue and the campaign coupon codes with their uses."""
    context = rewards_context(session, viewer, shop, page_number(page))
    name = "loyalty/_coupons.html" if wants_fragment(request, "coupon-results") else "loyalty/rewards.html"
    return render(request, name, context, viewer=viewer)


@router.post("/loyalty/rewards")
def loyalty_reward_create(request: Request, form: RewardForm = Form(), viewer: Viewer = Settings,
                          session: Session = PageSession):
    """Add a reward to the catalogue."""
    view = create_reward(session, form, actor=viewer.actor)
    return redirect(request, f"/loyalty/rewards{view.shop_query}")


@router.post("/loyalty/rewards/{code}/deactivate")
def loyalty_reward_deactivate(request: Request, code: str, shop: str = Form(""), viewer: Viewer = Settings,
                              session: Session = PageSession):
    """Take a reward out of the catalogue (coupons already issued stay valid)."""
    view = deactivate_reward(session, shop, code, actor=viewer.actor)
    return redirect(request, f"/loyalty/rewards{view.shop_query}")


@router.post("/loyalty/coupons")
def loyalty_coupon_create(request: Request, form: CouponForm = Form(), viewer: Viewer = Settings,
                          session: Session = PageSession):
    """Create campaign coupon codes (one chosen code, or several generated ones with the same terms)."""
    view, made = create_coupons(session, form, actor=viewer.actor)
    return redirect(request, f"/loyalty/rewards{view.shop_query}{'&' if view.shop_query else '?'}made={made}")


@router.post("/loyalty/coupons/{coupon_id}/void")
def loyalty_coupon_void(request: Request, coupon_id: RowId, shop: str = Form(""), viewer: Viewer = Settings,
                        session: Session = PageSession):
    """Withdraw a campaign coupon (uses already made stay)."""
    view = void_coupon(session, shop, coupon_id, actor=viewer.actor)
    return redirect(request, f"/loyalty/rewards{view.shop_query}")
