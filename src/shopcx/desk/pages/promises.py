"""The promise register on the ticket page (make one, mark it kept or broken with evidence), the customer page's
panel of open promises, and promise keeping per agent and for the shop (coaching: an agent sees their own figure
and the shop's; managers see everyone's — never a public ranking)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import InvalidInput
from ...core.face import Panel
from ...shops import service as shops
from ...web.auth import PageSession, Viewer, require, verify_csrf
from ...web.deps import RowId
from ...web.templating import render
from .. import service
from ..service import notices, promises
from .tickets import ticket_acted

Reader = Depends(require("desk:read"))
Writer = Depends(require("desk:write"))


def local_due(text: str, tz_name: str) -> datetime:
    """A datetime-local field ("2026-03-06T18:00") in the shop's timezone, as UTC."""
    try:
        value = datetime.fromisoformat((text or "").strip())
    except ValueError:
        raise InvalidInput("invalid_date", f"due_at: '{text}' is not a date and time", field="due_at") from None
    return clock.to_utc(value, tz_name)


def panel(session: Session, customer, viewer: Viewer) -> Panel | None:
    """The customer page's section: the promises still open to this buyer."""
    if not viewer.can("desk:read"):
        return None
    rows = promises.open_for_customer(session, customer.id)
    if not rows:
        return None
    return Panel("desk/_customer_promises.html", {"rows": rows}, "/static/desk-tools.css")


router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/desk/promises")
def desk_promises(request: Request, shop: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """Promise keeping for the shop and per agent (managers see all agents, an agent their own), and the notices."""
    shop_id = shops.get_shop(session, shop).id if shop else None
    figures = promises.keeping(session, shop_id)
    if not viewer.can("desk:settings"):
        figures["agents"] = {k: v for k, v in figures["agents"].items() if k == viewer.actor.label}
    return render(request, "desk/promises.html", {"figures": figures, "shops": shops.list_shops(session),
                                                  "shop": shop, "notices": notices.for_user(session, viewer.user_id)},
                  viewer=viewer)


@router.post("/desk/notices/read")
def desk_notices_read(request: Request, viewer: Viewer = Reader, session: Session = PageSession):
    """Mark one's notices as read."""
    from fastapi.responses import RedirectResponse

    notices.mark_read(session, viewer.user_id)
    return RedirectResponse("/desk/promises", status_code=303)


@router.post("/desk/tickets/{ticket_id}/promise")
def desk_promise_make(request: Request, ticket_id: RowId, what: str = Form(""), due: str = Form(""),
                      viewer: Viewer = Writer, session: Session = PageSession):
    """Register a promise made to the ticket's buyer, due at a local time."""
    def act():
        ticket = service.get_ticket(session, ticket_id)
        tz_name = shops.get_shop_by_id(session, ticket.shop_id).timezone
        promises.make_promise(session, ticket, what=what, due_at=local_due(due, tz_name), actor=viewer.actor)
    return ticket_acted(request, session, viewer, ticket_id, "promise", {"what": what, "due": due}, act)


@router.post("/desk/promises/{promise_id}/close")
def desk_promise_close(request: Request, promise_id: RowId, outcome: str = Form(""), evidence: str = Form(""),
                       viewer: Viewer = Writer, session: Session = PageSession):
    """Mark a promise kept or broken, with the evidence; a broken one escalates."""
    ticket_id = promises.get_promise(session, promise_id).ticket_id
    if ticket_id is None:  # made outside a ticket (a VIP callback): no ticket page to answer with
        from fastapi.responses import RedirectResponse

        promises.close_promise(session, promise_id, kept=outcome == "kept", evidence=evidence, actor=viewer.actor)
        return RedirectResponse("/desk/promises", status_code=303)
    return ticket_acted(request, session, viewer, ticket_id, "promise", {"evidence": evidence},
                        lambda: promises.close_promise(session, promise_id, kept=outcome == "kept",
                                                       evidence=evidence, actor=viewer.actor))
