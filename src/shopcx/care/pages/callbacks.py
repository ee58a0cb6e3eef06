"""Callback screens: the agent's list of calls due today (their own and unassigned, or everyone's), the rules run,
and the task page with the customer, the script for the task's type and the outcome form."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import InvalidInput
from ...core.face import Panel
from ...web.auth import PageSession, Viewer
from ...web.deps import RowId, parse_id
from ...web.pagination import Page, page_number
from ...web.templating import render
from ..models import callbacks as rules
from ..service import callbacks as calls
from .base import Caller, area, chosen_shop

router = APIRouter()


@router.get("/care/callbacks")
def care_callbacks(request: Request, shop: str = "", whose: str = "mine", page: str = "1", viewer: Viewer = Caller,
                   session: Session = PageSession):
    """Calls due today or earlier, earliest first: mine (my own and my VIP customers'), unassigned or all."""
    chosen, listed = chosen_shop(session, shop)
    today = clock.today_in(chosen.timezone)
    number = page_number(page)
    rows, total = calls.due_list(session, shop_id=chosen.id, today=today, user_id=viewer.user_id, whose=whose,
                                 offset=(number - 1) * 25, limit=25)
    return render(request, "care/callbacks.html", area("callbacks", chosen, listed, viewer) | {
        "rows": rows, "page": Page(number, 25, total), "today": today, "whose": whose, "choices": calls.WHOSE,
        "names": _names(session)}, viewer=viewer)


def _names(session: Session) -> dict[int, str]:
    return {u.id: u.display_name or u.username for u in calls.agents(session)}


def manager_panel(session: Session, customer, viewer: Viewer) -> Panel | None:
    """The customer page's section: the VIP manager per shop where the customer is top tier, and who may be one."""
    if not viewer.can("callbacks:work"):
        return None
    rows = calls.vip_standing(session, customer.id)
    if not rows:
        return None
    return Panel("care/_vip_manager.html", {"rows": rows, "agents": calls.agents(session), "names": _names(session),
                                            "customer_id": customer.id})


@router.post("/care/callbacks/plan")
def care_callbacks_plan(request: Request, shop: str = "", viewer: Viewer = Caller, session: Session = PageSession):
    """Create today's call tasks by the rules now (idempotent)."""
    chosen, _ = chosen_shop(session, shop)
    calls.plan_calls(session, chosen)
    return RedirectResponse(f"/care/callbacks?shop={chosen.code}&whose=all", status_code=303)


@router.get("/care/callbacks/{task_id}")
def care_callback(request: Request, task_id: RowId, viewer: Viewer = Caller, session: Session = PageSession):
    """One call task: who, why, the script, recent orders, the outcome form and what earlier calls noted."""
    task = calls.get_task(session, task_id)
    chosen, listed = chosen_shop(session, None)
    chosen = next(s for s in listed if s.id == task.shop_id)
    view = calls.task_view(session, task)
    name = view["customer"].name if view["customer"] and view["customer"].name else "—"
    return render(request, "care/task.html", area("callbacks", chosen, listed, viewer) | view | {
        "agents": calls.agents(session), "names": _names(session),
        "script": calls.script(task, name=name, shop_name=chosen.name, locale=viewer.locale),
        "outcomes": rules.OUTCOMES, "sentiments": rules.SENTIMENTS, "today": clock.today_in(chosen.timezone)},
        viewer=viewer)


@router.post("/care/callbacks/{task_id}")
async def care_callback_record(request: Request, task_id: RowId, viewer: Viewer = Caller,
                               session: Session = PageSession):
    """Record the call's outcome."""
    task = calls.get_task(session, task_id)
    form = await request.form()
    calls.record_outcome(session, task, form.get("outcome", ""), actor=viewer.actor, notes=form.get("notes"),
                         sentiment=form.get("sentiment") or None, promise=form.get("promise"),
                         call_back_on=_date(form, "call_back_on"), promise_due=_date(form, "promise_due"))
    return RedirectResponse(f"/care/callbacks/{task.id}", status_code=303)


def _date(form, field: str) -> date | None:
    raw = form.get(field) or ""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise InvalidInput("invalid_date", f"{field}: '{raw}' is not a date", field=field) from None


@router.post("/care/callbacks/{task_id}/promise")
async def care_callback_promise(request: Request, task_id: RowId, viewer: Viewer = Caller,
                                session: Session = PageSession):
    """Mark the promise made during the call kept or broken in the promise register, with the evidence."""
    task = calls.get_task(session, task_id)
    form = await request.form()
    calls.close_promise(session, task, kept=form.get("outcome") == "kept", evidence=form.get("evidence") or "",
                        actor=viewer.actor)
    return RedirectResponse(f"/care/callbacks/{task.id}", status_code=303)


@router.post("/care/managers")
async def care_manager_assign(request: Request, shop: str = "", viewer: Viewer = Caller,
                              session: Session = PageSession):
    """Make a staff member the VIP manager of a customer."""
    chosen, _ = chosen_shop(session, shop)
    form = await request.form()
    customer_id, user_id = parse_id(form.get("customer_id") or ""), parse_id(form.get("user_id") or "")
    if customer_id is None or user_id is None:
        raise InvalidInput("required", "customer_id, user_id: both are needed", field="customer")
    calls.assign_manager(session, chosen, customer_id, user_id, actor=viewer.actor)
    back = parse_id(form.get("task_id") or "")
    if form.get("back") == "customer":
        return RedirectResponse(f"/customers/{customer_id}#vip-manager", status_code=303)
    return RedirectResponse(f"/care/callbacks/{back}" if back else "/care/callbacks", status_code=303)
