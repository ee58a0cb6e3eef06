"""Staff pages of the desk: the ticket list (filters, SLA badges), a new ticket from staff input (a phone call, a
pasted 旺旺/千牛 chat), one ticket (thread, reply / note, status, assignment, the order and shipment beside it) and
the SLA settings (policies, weekly hours, the manager's holiday table).

A refused action is rolled back and shown next to its form with what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ...core import clock, i18n
from ...core.errors import InvalidInput, ShopCXError
from ...shops import service as shops
from ...staff import service as staff
from ...web.auth import PageSession, Viewer, require, verify_csrf
from ...web.deps import RowId
from ...web.templating import acted, is_htmx, render
from .. import service
from ..service import notes, notices, sla, views
from .tools import ticket_tools, tier_context

Reader = Depends(require("desk:read"))
Writer = Depends(require("desk:write"))
Manager = Depends(require("desk:settings"))
PAGE_SIZE = 50


def _staff_names(session: Session) -> dict[int, str]:
    return {user.id: user.display_name for user in staff.list_users(session)}


def _shop(session: Session, code: str):
    code = (code or "").strip()
    if code:
        return shops.get_shop(session, code)
    found = shops.list_shops(session)
    if not found:
        raise InvalidInput("required", "shop: create a shop first", field="shop")
    return found[0]


def _form_int(text: str, field: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise InvalidInput("invalid_input", f"{field}: '{text}' is not a number", field=field)
    return int(text)


# ---- the list -----------------------------------------------------------------------------------------------------

# The agent's daily views (name, query, access key): each is the list's filters preset, so a view is a link the
# agent can bookmark and the export under it lists the same tickets.
INBOX_VIEWS = (("mine", "status=active&owner=me", "m"), ("unassigned", "status=active&owner=none", "u"),
               ("breaching_soon", "status=active&soon=1", "b"), ("waiting_buyer", "status=waiting_buyer", "w"),
               ("overdue", "status=active&overdue=1", "o"))


def _active_view(status: str, priority: str, owner: str, overdue: str, soon: str) -> str | None:
    """The view whose preset filters are exactly the ones on screen (none once the agent adds another)."""
    shown = {"status": status, "priority": priority, "owner": owner, "overdue": overdue, "soon": soon}
    for name, query, _key in INBOX_VIEWS:
        if shown == dict.fromkeys(shown, "") | dict(parse_qsl(query)):
            return name
    return None


def list_context(session: Session, viewer: Viewer, *, status: str, priority: str, owner: str, overdue: str,
                 shop: str, page: int, soon: str = "") -> dict:
    where = views.TicketFilter(
        shop_id=shops.get_shop(session, shop).id if shop else None,
        status=sla.check_choice(status, (*service.STATUSES, "active"), "status", optional=True),
        priority=sla.check_choice(priority, sla.PRIORITIES, "priority", optional=True),
        owner_id=viewer.user_id if owner == "me" else _form_int(owner, "owner") if owner not in ("", "none") else None,
        unassigned=owner == "none", overdue=overdue == "1", breaching_soon=soon == "1")
    rows, total = views.search(session, where, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return {"warnings": _calendar_warnings(session, viewer), "tickets": rows, "total": total,
            "badges": views.badges(session, rows), "names": _staff_names(session),
            "filters": {"status": status, "priority": priority, "owner": owner, "overdue": overdue, "shop": shop,
                        "soon": soon},
            "views": INBOX_VIEWS, "active_view": _active_view(status, priority, owner, overdue, soon),
            "statuses": service.STATUSES, "priorities": sla.PRIORITIES, "shops": shops.list_shops(session),
            "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
            "notice_count": len(notices.for_user(session, viewer.user_id)),
            "where": where}  # the export (reports/pages.py) lists the same filter


def _calendar_warnings(session: Session, viewer: Viewer) -> list[str]:
    """Each shop whose calendar for this or next year is not confirmed yet (a year chinese-calendar does not know
    and the manager has not marked as entered): the SLA clocks fall back on the weekly hours there."""
    out = []
    for shop in shops.list_shops(session):
        text = service.shop_calendar(session, shop).warning(clock.today_in(shop.timezone), viewer.locale)
        if text:
            out.append(f"{shop.name}: {text}")
    return out


# ---- one ticket ---------------------------------------------------------------------------------------------------


def ticket_context(session: Session, viewer: Viewer, ticket_id: int) -> dict:
    from ...customers import service as customers
    from ...orders import service as orders
    from ..channels.sources import sources_of

    ticket = service.get_ticket(session, ticket_id)
    shop = shops.get_shop_by_id(session, ticket.shop_id)
    order = orders.get_order(session, ticket.order_id) if ticket.order_id else None
    shipment = next((s for s in order.shipments if s.id == ticket.shipment_id), None) if order else None
    customer = customers.get_customer(session, ticket.customer_id) if ticket.customer_id else None
    users = [u for u in staff.list_users(session) if u.is_active and u.role in ("agent", "manager", "owner")]
    thread = service.thread(session, ticket)
    return {"ticket": ticket, "shop": shop, "tz": shop.timezone, "order": order, "shipment": shipment,
            "customer": customer, "thread": thread, "events": service.history(session, ticket),
            "notes": notes.rendered(thread, viewer.locale, shop.timezone),
            "clocks": service.states(session, ticket), "names": _staff_names(session), "owners": users,
            "moves": service.TRANSITIONS.get(ticket.status, ()), "priorities": sla.PRIORITIES,
            "categories": service.CATEGORIES, "can_write": viewer.can("desk:write"), "errors": {}, "values": {},
            "done": None, "sources": sources_of(session, ticket)} | ticket_tools(session, viewer, ticket, shop)


def _acted(request: Request, session: Session, viewer: Viewer, ticket_id: int, form_name: str, values: dict,
           action: Callable[[], None]):
    """Run one action on a ticket; answer with the ticket's body (HTMX) or the page, a refusal shown inline."""
    def act() -> None:
        service.get_ticket(session, ticket_id)
        action()

    return acted(request, session, viewer, form_name=form_name, values=values, action=act,
                 context=lambda: ticket_context(session, viewer, ticket_id), body="desk/_ticket_body.html",
                 page="desk/ticket.html", done_url=f"/desk/tickets/{ticket_id}")


ticket_acted = _acted  # the answer, compensation and promise screens act on the ticket page the same way


# ---- settings -----------------------------------------------------------------------------------------------------


def settings_context(session: Session, viewer: Viewer, shop_code: str) -> dict:
    shop = _shop(session, shop_code)
    row = service.settings_of(session, shop.id)
    calendar = service.shop_calendar(session, shop)
    rows = {(p.priority, p.channel): p for p in service.policies(session, shop.id)}
    return {"shop": shop, "shops": shops.list_shops(session), "weekly": row.weekly_hours,
            "holidays": service.holidays(session, shop.id), "policies": rows, "defaults": sla.DEFAULT_TARGETS,
            "priorities": sla.PRIORITIES, "channels": sla.CHANNELS,
            "warning": calendar.warning(clock.today_in(shop.timezone), viewer.locale),
            "unconfirmed": calendar.unconfirmed_years(clock.today_in(shop.timezone)),
            "errors": {}, "values": {}, "done": None} | tier_context(session, shop)


def _settings_acted(request: Request, session: Session, viewer: Viewer, shop_code: str, form_name: str,
                    values: dict, action: Callable[[], None]):
    try:
        action()
    except ShopCXError as exc:
        session.rollback()
        context = settings_context(session, viewer, shop_code)
        context |= {"errors": {form_name: i18n.error_text(exc, viewer.locale)}, "values": {form_name: values}}
        return render(request, "desk/settings.html", context, viewer=viewer, status=exc.status)
    return RedirectResponse(f"/desk/settings?shop={shop_code}&done={form_name}", status_code=303)


def _day(text: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise InvalidInput("invalid_date", f"day: '{text}' is not a date (YYYY-MM-DD)", field="day") from None


router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/desk")
def desk_tickets(request: Request, status: str = "active", priority: str = "", owner: str = "", overdue: str = "",
                 shop: str = "", soon: str = "", page: int = 1, viewer: Viewer = Reader,
                 session: Session = PageSession):
    """The ticket list: filters by status, priority, owner, overdue and breaching soon; each row with its SLA
    badge. The inbox views are these filters preset."""
    context = list_context(session, viewer, status=status, priority=priority, owner=owner, overdue=overdue,
                           shop=shop, page=max(1, min(page, 10**6)), soon=soon)
    name = "desk/_list_results.html" if is_htmx(request) else "desk/list.html"
    return render(request, name, context, viewer=viewer)


@router.get("/desk/new")
def desk_new(request: Request, viewer: Viewer = Writer, session: Session = PageSession):
    """The form for a ticket from a phone call or a pasted chat."""
    return render(request, "desk/new.html", {"shops": shops.list_shops(session), "channels": sla.CHANNELS,
                                             "priorities": sla.PRIORITIES, "categories": service.CATEGORIES,
                                             "values": {}, "error": None}, viewer=viewer)


@router.post("/desk/new")
def desk_create(request: Request, shop: str = Form(""), channel: str = Form("phone"), subject: str = Form(""),
                body: str = Form(""), order: str = Form(""), priority: str = Form("normal"),
                category: str = Form(""), tags: str = Form(""), viewer: Viewer = Writer,
                session: Session = PageSession):
    """Create the ticket (assigned round-robin among agents) and open it."""
    values = {"shop": shop, "channel": channel, "subject": subject, "body": body, "order": order,
              "priority": priority, "category": category, "tags": tags}
    try:
        ticket = service.create_ticket(session, _shop(session, shop), channel=channel, subject=subject, body=body,
                                       order=order, priority=priority, category=category or None,
                                       tags=tags.replace("，", ",").split(","), actor=viewer.actor)
    except ShopCXError as exc:
        session.rollback()
        context = {"shops": shops.list_shops(session), "channels": sla.CHANNELS, "priorities": sla.PRIORITIES,
                   "categories": service.CATEGORIES, "values": values,
                   "error": i18n.error_text(exc, viewer.locale)}
        return render(request, "desk/new.html", context, viewer=viewer, status=exc.status)
    return RedirectResponse(f"/desk/tickets/{ticket.id}", status_code=303)


@router.get("/desk/settings")
def desk_settings(request: Request, shop: str = "", done: str = "", viewer: Viewer = Manager,
                  session: Session = PageSession):
    """SLA policies per priority and channel, the weekly hours and the manager's holiday table."""
    context = settings_context(session, viewer, shop) | {"done": done or None}
    return render(request, "desk/settings.html", context, viewer=viewer)


@router.post("/desk/settings/policy")
def desk_settings_policy(request: Request, shop: str = Form(""), priority: str = Form(""), channel: str = Form(""),
                         first_response: str = Form(""), next_response: str = Form(""),
                         resolution: str = Form(""), viewer: Viewer = Manager, session: Session = PageSession):
    """Save one policy; open tickets it governs get new due times."""
    values = {"priority": priority, "channel": channel, "first_response": first_response,
              "next_response": next_response, "resolution": resolution}
    return _settings_acted(request, session, viewer, shop, "policy", values, lambda: service.save_policy(
        session, _shop(session, shop), priority=priority, channel=channel or None, first_response=first_response,
        next_response=next_response, resolution=resolution, actor=viewer.actor))


@router.post("/desk/settings/hours")
async def desk_settings_hours(request: Request, viewer: Viewer = Manager, session: Session = PageSession):
    """Save the weekly hours (one field per weekday, Monday first)."""
    form = await request.form()
    shop = str(form.get("shop", ""))
    weekly = [str(form.get(f"day{i}", "")) for i in range(7)]
    return _settings_acted(request, session, viewer, shop, "hours", {f"day{i}": h for i, h in enumerate(weekly)},
                           lambda: service.set_weekly_hours(session, _shop(session, shop), weekly,
                                                            actor=viewer.actor))


@router.post("/desk/settings/holiday")
def desk_settings_holiday(request: Request, shop: str = Form(""), day: str = Form(""), hours: str = Form(""),
                          note: str = Form(""), remove: str = Form(""), viewer: Viewer = Manager,
                          session: Session = PageSession):
    """Add or change a day in the holiday table (off, or worked with hours), or remove it."""
    values = {"day": day, "hours": hours, "note": note}

    def act():
        found = _shop(session, shop)
        if remove:
            service.remove_holiday(session, found, _day(day), actor=viewer.actor)
        else:
            service.set_holiday(session, found, _day(day), hours, note=note, actor=viewer.actor)
    return _settings_acted(request, session, viewer, shop, "holiday", values, act)


@router.post("/desk/settings/confirm-year")
def desk_settings_confirm_year(request: Request, shop: str = Form(""), year: str = Form(""),
                               viewer: Viewer = Manager, session: Session = PageSession):
    """The manager has entered every holiday and 调休 day of the year: its days stop being unconfirmed."""
    def act():
        number = _form_int(year, "year")
        if number is None or not 2000 <= number <= 2200:
            raise InvalidInput("invalid_input", f"year: '{year}' is not a year", field="year")
        service.confirm_year(session, _shop(session, shop), number, actor=viewer.actor)
    return _settings_acted(request, session, viewer, shop, "holiday", {}, act)


@router.get("/desk/tickets/{ticket_id}")
def desk_ticket(request: Request, ticket_id: RowId, done: str = "", viewer: Viewer = Reader,
                session: Session = PageSession):
    """One ticket: thread, SLA clocks, status and assignment, the order and shipment beside it."""
    context = ticket_context(session, viewer, ticket_id) | {"done": done or None}
    return render(request, "desk/ticket.html", context, viewer=viewer)


@router.post("/desk/tickets/{ticket_id}/message")
def desk_ticket_message(request: Request, ticket_id: RowId, kind: str = Form("reply"), body: str = Form(""),
                        viewer: Viewer = Writer, session: Session = PageSession):
    """A public reply (checked by the outgoing-text guard), an internal note, or the buyer's words."""
    return _acted(request, session, viewer, ticket_id, "message", {"kind": kind, "body": body},
                  lambda: service.add_message(session, service.get_ticket(session, ticket_id), kind, body,
                                              actor=viewer.actor))


@router.post("/desk/tickets/{ticket_id}/status")
def desk_ticket_status(request: Request, ticket_id: RowId, status: str = Form(""), root_cause: str = Form(""),
                       viewer: Viewer = Writer, session: Session = PageSession):
    """Move the ticket (resolving needs the root cause)."""
    return _acted(request, session, viewer, ticket_id, "status", {"status": status, "root_cause": root_cause},
                  lambda: service.transition(session, service.get_ticket(session, ticket_id), status,
                                             root_cause=root_cause or None, actor=viewer.actor))


@router.post("/desk/tickets/{ticket_id}/assign")
def desk_ticket_assign(request: Request, ticket_id: RowId, owner_id: str = Form(""), priority: str = Form(""),
                       category: str = Form(""), viewer: Viewer = Writer, session: Session = PageSession):
    """Owner (empty: unassigned), priority (the SLA clocks follow) and category."""
    def act():
        ticket = service.get_ticket(session, ticket_id)
        service.assign(session, ticket, _form_int(owner_id, "owner"), actor=viewer.actor)
        if priority:
            service.set_priority(session, ticket, priority, actor=viewer.actor)
        service.set_category(session, ticket, category or None, actor=viewer.actor)
    return _acted(request, session, viewer, ticket_id, "assign",
                  {"owner_id": owner_id, "priority": priority, "category": category}, act)
