"""Staff pages of the desk's channels: take a review-care case over as a ticket (then open that ticket)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ...web.auth import PageSession, Viewer, require, verify_csrf
from ...web.deps import RowId
from . import hooks

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.post("/desk/review-cases/{case_id}/take-over")
def desk_take_over_case(request: Request, case_id: RowId, viewer: Viewer = Depends(require("desk:write")),
                        session: Session = PageSession):
    """The desk takes the care case over (one ticket, its history as a note) and shows the ticket."""
    ticket = hooks.take_over_case(session, case_id, actor=viewer.actor)
    return RedirectResponse(f"/desk/tickets/{ticket.id}", status_code=303)
