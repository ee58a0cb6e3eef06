"""Approvals (分级授权), the liability report with its charts, and the rewards catalogue with campaign coupons."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from ..core.errors import InvalidInput, NotFound
from ..core.money import to_minor
from ..core.settings import get_settings
from ..staff.service import Actor
from ..web.auth import Viewer
from ..web.pagination import Page
from . import adjustments, coupons, reports, repository, rewards
from .pages_base import ProgramView, day_field, last_day, program_view, tier_name, whole_number
from .tiers import local_midnight

MAX_CODES_AT_ONCE = 500
DECISIONS = {"approve": True, "reject": False}


def _require_active(view: ProgramView) -> None:
    if view.active is None:
        raise NotFound("no_program", "this shop has no published loyalty program")


# --- approvals ---------------------------------------------------------------------------------------------------

def _request_rows(view: ProgramView, viewer: Viewer, rows: list) -> list[dict]:
    """Each request with what the viewer may do about it: their own (four eyes) or above their limit."""
    limit = adjustments.limit_for(view.active, viewer.actor)
    result = []
    for row in rows:
        request = row.request
        own = request.requested_by_id == viewer.user_id or request.requested_by == viewer.actor.label
        result.append({"row": row, "own": own, "over_limit": abs(request.points) > limit,
                       "may_decide": viewer.can("loyalty:approve") and not own and abs(request.points) <= limit})
    return result


def approvals_context(session: Session, viewer: Viewer, shop: str, page: int) -> dict:
    """Pending adjustment requests (oldest first) and the latest decisions."""
    view = program_view(session, shop)
    context = {"view": view, "tz": view.tz, "currency": view.currency}
    if view.active is None:
        return context | {"requests": [], "page": Page(1, 1, 0), "decided": []}
    size = get_settings().page_size
    rows, total = repository.adjustment_requests(session, view.program.id, status="pending", page=page,
                                                 page_size=size)
    recent, _ = repository.adjustment_requests(session, view.program.id, status=None, page_size=20)
    return context | {"requests": _request_rows(view, viewer, rows), "page": Page(page, size, total),
                      "decided": [row for row in recent if row.request.status != "pending"],
                      "limit": adjustments.limit_for(view.active, viewer.actor)}


def decide(session: Session, viewer: Viewer, shop: str, request_id: int, decision: str, note: str) -> dict:
    """Approve or reject one request; the service enforces four eyes and the approver's own limit."""
    if decision not in DECISIONS:
        raise NotFound("page_not_found", "there is no page at this address")
    view = program_view(session, shop)
    _require_active(view)
    decided = adjustments.decide(session, view.active, request_id, DECISIONS[decision], note, actor=viewer.actor)
    return {"view": view, "decided_request": decided, "tz": view.tz}


# --- liability ---------------------------------------------------------------------------------------------------

def liability_context(session: Session, viewer: Viewer, shop: str) -> dict:
    """The liability report and the figures its charts draw (the same numbers as its tables)."""
    view = program_view(session, shop)
    context = {"view": view, "tz": view.tz, "currency": view.currency}
    if view.active is None:
        return context | {"report": None}
    report = reports.liability(session, view.active, today=view.today)
    by_month = _expiring_by_month(session, view)
    names = [row["name_zh"] if viewer.locale == "zh" else row["name_en"] for row in report["tiers"]]
    chart = {"months": [row["month"] for row in by_month], "expiring": [row["points"] for row in by_month],
             "tiers": names, "members": [row["members"] for row in report["tiers"]]}
    return context | {"report": report, "by_month": by_month, "chart": chart}


def _expiring_by_month(session: Session, view: ProgramView, months: int = 13) -> list[dict]:
    """Points that will expire in this and the next 12 months (shop-local): a year's lots all show."""
    return repository.expiring_by_month(session, view.program.id, today=view.today, months=months)


# --- rewards and coupons -----------------------------------------------------------------------------------------

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
    _require_active(view)
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
    _require_active(view)
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
