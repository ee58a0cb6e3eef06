"""Approvals (分级授权): adjustments above the asker's limit, decided by someone else (four eyes)."""


from __future__ import annotations

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session

from ...core.errors import NotFound
from ...core.settings import get_settings
from ...web.auth import PageSession, Viewer
from ...web.deps import RowId
from ...web.pagination import Page, page_number
from ...web.templating import render, wants_fragment
from .. import repository
from ..service.points import adjustments
from .base import (
    Approver,
    ProgramView,
    Reader,
    changed_part,
    program_view,
    require_active,
)

DECISIONS = {"approve": True, "reject": False}


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
    require_active(view)
    decided = adjustments.decide(session, view.active, request_id, DECISIONS[decision], note, actor=viewer.actor)
    return {"view": view, "decided_request": decided, "tz": view.tz}


router = APIRouter()


@router.get("/loyalty/approvals")
def loyalty_approvals(request: Request, shop: str = "", page: str = "1", viewer: Viewer = Reader,
                      session: Session = PageSession):
    """Adjustments waiting for a manager (分级授权), with who asked and the member's balance."""
    context = approvals_context(session, viewer, shop, page_number(page))
    name = "loyalty/_requests.html" if wants_fragment(request, "results") else "loyalty/approvals.html"
    return render(request, name, context, viewer=viewer)


@router.post("/loyalty/approvals/{request_id}/{decision}")
def loyalty_decide(request: Request, request_id: RowId, decision: str, shop: str = Form(""), note: str = Form(""),
                   viewer: Viewer = Approver, session: Session = PageSession):
    """Approve or reject one request (never one's own: four eyes)."""
    context = decide(session, viewer, shop, request_id, decision, note)
    return changed_part(request, f"/loyalty/approvals{context['view'].shop_query}", "loyalty/_decided.html", context,
                        viewer)
