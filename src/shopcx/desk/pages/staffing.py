"""Shifts and skills: the shop's assignment method, and for each desk member their team, whether they lead it, the
categories they handle and their weekly shift (in the shop's timezone)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from ...shops import service as shops
from ...web.auth import PageSession, Viewer, require, verify_csrf
from ...web.templating import render
from .. import playbook, service
from ..service import members, staffing
from .tickets import _form_int, _shop
from .tools import settings_saved

Manager = Depends(require("desk:settings"))


def staffing_context(session: Session, shop_code: str) -> dict:
    shop = _shop(session, shop_code)
    users = [u for u in staffing.active_staff(session) if u.role in staffing.DESK_ROLES]
    return {"shop": shop, "shops": shops.list_shops(session), "users": users, "profiles": staffing.agents(session),
            "loads": staffing.loads(session), "method": staffing.method_of(session, shop.id),
            "methods": playbook.METHODS, "categories": service.CATEGORIES, "errors": {}, "values": {},
            "done": None, "tab": "staffing"}


router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/desk/settings/staffing")
def desk_staffing(request: Request, shop: str = "", done: str = "", viewer: Viewer = Manager,
                  session: Session = PageSession):
    """Who is on the desk, their skills and shifts, and how tickets are assigned."""
    return render(request, "desk/staffing.html", staffing_context(session, shop) | {"done": done or None},
                  viewer=viewer)


@router.post("/desk/settings/staffing")
async def desk_staffing_save(request: Request, viewer: Viewer = Manager, session: Session = PageSession):
    """Save the assignment method, or one member's team, lead flag, skills and shift."""
    form = await request.form()
    shop = str(form.get("shop", ""))
    values = {key: str(value) for key, value in form.items() if key != "csrf_token"}

    def act():
        found = _shop(session, shop)
        if form.get("method"):
            staffing.set_method(session, found, str(form.get("method")), actor=viewer.actor)
            return
        staffing.save_agent(session, _form_int(str(form.get("user_id", "")), "owner") or 0,
                            team=str(form.get("team", "")), is_lead=form.get("is_lead") == "1",
                            skills=[str(s) for s in form.getlist("skills")],
                            shift=[str(form.get(f"shift{i}", "")) for i in range(7)], actor=viewer.actor)
    return settings_saved(request, session, viewer, form_name="staffing", values=values, action=act,
                          context=lambda: staffing_context(session, shop), template="desk/staffing.html",
                          done_url=f"/desk/settings/staffing?shop={shop}&done=staffing")


@router.post("/desk/settings/tier-policy")
def desk_tier_policy(request: Request, shop: str = Form(""), tier: str = Form(""), priority: str = Form(""),
                     first_response: str = Form(""), next_response: str = Form(""), resolution: str = Form(""),
                     viewer: Viewer = Manager, session: Session = PageSession):
    """Save the SLA targets for one loyalty tier and priority (shown on the SLA tab)."""
    from .tickets import settings_context

    values = {"tier": tier, "priority": priority, "first_response": first_response, "next_response": next_response,
              "resolution": resolution}
    return settings_saved(request, session, viewer, form_name="tier_policy", values=values,
                          context=lambda: settings_context(session, viewer, shop), template="desk/settings.html",
                          done_url=f"/desk/settings?shop={shop}&done=tier_policy",
                          action=lambda: members.save_tier_policy(
                              session, _shop(session, shop), tier_code=tier, priority=priority,
                              first_response=first_response, next_response=next_response, resolution=resolution,
                              actor=viewer.actor))
