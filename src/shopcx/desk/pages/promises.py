"""The promise register on the ticket page (make one, mark it kept or broken with evidence), the customer page's
panel of open promises, and promise keeping per agent and for the shop (coaching: an agent sees their own figure
and the shop's; managers see everyone's — never a public ranking)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from ...core import clock, i18n
from ...core.errors import InvalidInput
from ...core.face import Panel
from ...shops import service as shops
from ...web import exports
from ...web.auth import PageSession, Viewer, require, verify_csrf
from ...web.deps import RowId
from ...web.format import mask_text
from ...web.sheets import Column, Sheet
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
    pending, pending_total = promises.open_due(session, shop_id, None, limit=OPEN_SHOWN)
    return render(request, "desk/promises.html", {"figures": figures, "shops": shops.list_shops(session),
                                                  "shop": shop, "notices": notices.for_user(session, viewer.user_id),
                                                  "pending": pending, "pending_total": pending_total,
                                                  "now": clock.now()},
                  viewer=viewer)


OPEN_SHOWN = 50  # the page shows the 50 soonest due; the workbook has them all
PROMISE_COLUMNS = [Column("id", "desk.export.id", "int", 8), Column("shop", "desk.export.shop", width=14),
                   Column("due_at", "desk.promise_due", "datetime", 17),
                   Column("what", "desk.promise_what", width=50),
                   Column("made_by", "desk.promise_export.made_by", width=14),
                   Column("made_at", "desk.promise_export.made_at", "datetime", 17),
                   Column("ticket_id", "desk.promise_export.ticket", "int", 10)]


@router.get("/desk/promises.xlsx")
def desk_promises_export(request: Request, shop: str = "", viewer: Viewer = Reader,
                         session: Session = PageSession):
    """The open promises (承诺登记), soonest due first, as an Excel workbook; the promise text is masked for roles
    that do not see personal data, as the ticket export masks subjects."""
    shop_id = shops.get_shop(session, shop).id if shop else None
    shop_rows = {s.id: s for s in shops.list_shops(session)}
    reveal = viewer.can("pii")
    first = shop_rows.get(shop_id) or next(iter(shop_rows.values()), None)
    sheet = Sheet(i18n.t("desk.promises", viewer.locale), PROMISE_COLUMNS, tz=first.timezone if first else "UTC",
                  locale=viewer.locale, reveal_pii=reveal)

    def rows(s: Session, offset: int, limit: int) -> list[dict]:
        found, _ = promises.open_due(s, shop_id, None, offset=offset, limit=limit)
        return [{"id": p.id, "shop": shop_rows[p.shop_id].name, "tz": shop_rows[p.shop_id].timezone,
                 "due_at": p.due_at, "what": p.what if reveal else mask_text(p.what), "made_by": p.made_by,
                 "made_at": p.made_at, "ticket_id": p.ticket_id, "customer_id": p.customer_id} for p in found]

    _, total = promises.open_due(session, shop_id, None, limit=0)
    return exports.respond(request, viewer, session, exports.Export("desk_promises", sheet, total, rows,
                                                                    filters=dict(request.query_params),
                                                                    personal=("text",)))


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
