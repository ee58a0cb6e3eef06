"""Compensation on the ticket page (graded authority, 分级授权: granted at once within the agent's limit, else a
request someone with a higher limit decides), the requests waiting for a decision, and the limits per role."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from ...core import i18n
from ...core.money import format_minor, to_minor
from ...customers import service as customers
from ...shops import service as shops
from ...web import exports
from ...web.auth import PageSession, Viewer, require, verify_csrf
from ...web.deps import RowId
from ...web.format import mask_text
from ...web.sheets import Column, Sheet
from ...web.templating import render
from .. import playbook, service
from ..service import authority
from .tickets import _shop, ticket_acted
from .tools import settings_saved

Writer = Depends(require("desk:write"))
Manager = Depends(require("desk:settings"))


def to_value(kind: str, text: str, currency: str, field: str = "amount") -> int:
    """What the form says in the units people type: yuan for money kinds, whole points for points."""
    text = (text or "").strip().replace(",", "")
    if kind in playbook.POINTS_KINDS:
        return authority.whole_amount(text, field)
    return to_minor(text or "x", currency, field)


def shown(kind: str, value: int, currency: str) -> str:
    return f"{value:,}" if kind in playbook.POINTS_KINDS else format_minor(value, currency)


def limits_context(session: Session, shop_code: str) -> dict:
    shop = _shop(session, shop_code)
    return {"shop": shop, "shops": shops.list_shops(session), "limits": authority.limits_of(session, shop.id),
            "roles": authority.ROLES, "kinds": authority.KINDS, "shown": shown, "errors": {}, "values": {},
            "done": None, "tab": "limits", "currency": shop.currency}


router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/desk/settings/limits")
def desk_limits(request: Request, shop: str = "", done: str = "", viewer: Viewer = Manager,
                session: Session = PageSession):
    """Each role's compensation limits per ticket and per day, by kind."""
    context = limits_context(session, shop) | {"done": done or None}
    return render(request, "desk/limits.html", context, viewer=viewer)


@router.post("/desk/settings/limits")
def desk_limits_save(request: Request, shop: str = Form(""), role: str = Form(""), kind: str = Form(""),
                     per_ticket: str = Form(""), per_day: str = Form(""), viewer: Viewer = Manager,
                     session: Session = PageSession):
    """Save one role's limits for one kind (the owner's and managers' only by the owner)."""
    values = {"role": role, "kind": kind, "per_ticket": per_ticket, "per_day": per_day}

    def act():
        found = _shop(session, shop)
        checked = service.sla.check_choice(kind, authority.KINDS, "kind")
        authority.save_limit(session, found, role=role, kind=checked, actor=viewer.actor,
                             per_ticket=to_value(checked, per_ticket, found.currency, "per_ticket"),
                             per_day=to_value(checked, per_day, found.currency, "per_day"))
    return settings_saved(request, session, viewer, form_name="limit", values=values, action=act,
                          context=lambda: limits_context(session, shop), template="desk/limits.html",
                          done_url=f"/desk/settings/limits?shop={shop}&done=limit")


@router.get("/desk/approvals")
def desk_approvals(request: Request, viewer: Viewer = Writer, session: Session = PageSession):
    """Compensation requests waiting for a decision (someone else's, within reach of one's limit)."""
    rows = authority.pending(session)
    return render(request, "desk/approvals.html", {"rows": rows, "shown": shown, "viewer_id": viewer.user_id},
                  viewer=viewer)


APPROVAL_COLUMNS = [Column("id", "desk.approval_export.id", "int", 8), Column("ticket_id", "desk.promise_export.ticket",
                                                                           "int", 8),
                    Column("shop", "desk.export.shop", width=14),
                    Column("created_at", "desk.approval_export.requested_at", "datetime", 17),
                    Column("kind", "desk.comp_kind", width=10), Column("amount", "desk.approval_export.amount",
                                                                       width=12),
                    Column("reason", "desk.comp_reason", width=40),
                    Column("requested_by", "desk.approval_export.requested_by", width=14),
                    Column("customer", "desk.approval_export.customer", width=14),
                    Column("phone", "desk.approval_export.phone", width=14, pii="phone")]


@router.get("/desk/approvals.xlsx")
def desk_approvals_export(request: Request, viewer: Viewer = Writer, session: Session = PageSession):
    """The requests waiting for a decision as an Excel workbook, oldest first as on the page; the buyer's phone
    and the reason's free text are masked for roles without `pii`."""
    locale, reveal = viewer.locale, viewer.can("pii")
    shop_rows = {s.id: s for s in shops.list_shops(session)}
    waiting = authority.pending(session)
    buyers = customers.customers_by_ids(session, [c.customer_id for c in waiting if c.customer_id is not None])
    first = next(iter(shop_rows.values()), None)
    sheet = Sheet(i18n.t("desk.approvals", locale), APPROVAL_COLUMNS, tz=first.timezone if first else "UTC",
                  locale=locale, reveal_pii=reveal)

    def rows(s: Session, offset: int, limit: int) -> list[dict]:
        out = []
        for c in waiting[offset:offset + limit]:
            buyer = buyers.get(c.customer_id)
            buyer = None if buyer is None or buyer.erased_at is not None else buyer  # an erased buyer stays unnamed
            out.append({"id": c.id, "ticket_id": c.ticket_id, "shop": shop_rows[c.shop_id].name,
                        "tz": shop_rows[c.shop_id].timezone, "created_at": c.created_at,
                        "kind": i18n.t(f"desk.comp_kind.{c.kind}", locale),
                        "amount": shown(c.kind, c.value, c.currency),
                        "reason": c.reason if reveal else mask_text(c.reason), "requested_by": c.requested_by,
                        "customer": buyer.name if buyer else None, "phone": buyer.phone if buyer else None,
                        "customer_id": buyer.id if buyer else None})
        return out

    return exports.respond(request, viewer, session, exports.Export("desk_approvals", sheet, len(waiting), rows))


@router.post("/desk/tickets/{ticket_id}/compensation")
def desk_compensation(request: Request, ticket_id: RowId, kind: str = Form(""), amount: str = Form(""),
                      reason: str = Form(""), viewer: Viewer = Writer, session: Session = PageSession):
    """Grant within one's limit, else ask; above every limit refused with the highest limit named."""
    def act():
        ticket = service.get_ticket(session, ticket_id)
        currency = shops.get_shop_by_id(session, ticket.shop_id).currency
        checked = service.sla.check_choice(kind, authority.KINDS, "kind")
        authority.request_compensation(session, ticket, kind=checked, value=to_value(checked, amount, currency),
                                       reason=reason, actor=viewer.actor)
    return ticket_acted(request, session, viewer, ticket_id, "compensation",
                        {"kind": kind, "amount": amount, "reason": reason}, act)


@router.post("/desk/compensation/{compensation_id}/decide")
def desk_compensation_decide(request: Request, compensation_id: RowId, decision: str = Form(""),
                             note: str = Form(""), viewer: Viewer = Writer, session: Session = PageSession):
    """Approve (issue) or reject a request: never one's own, never above one's own limit."""
    ticket_id = authority.get_compensation(session, compensation_id).ticket_id
    return ticket_acted(request, session, viewer, ticket_id, "compensation", {"note": note},
                        lambda: authority.decide(session, compensation_id, approve=decision == "approve", note=note,
                                                 actor=viewer.actor))
