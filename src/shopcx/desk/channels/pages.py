"""Staff pages of the desk's channels: take a review-care case over as a ticket (then open that ticket), the review
page's section for it, and the downloads behind the ticket page's sources (a kept attachment, a received mail)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ...core.errors import PermissionDenied
from ...core.face import Panel
from ...web.auth import PageSession, Viewer, require, verify_csrf
from ...web.deps import RowId
from . import hooks, sources

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
Reader = Depends(require("desk:read"))


def review_panel(session: Session, review, case, viewer: Viewer) -> Panel | None:
    """The review page's desk section for a 中/差评 care case: the ticket that took it over, or the button that
    takes it over (for staff who may write tickets)."""
    if case is None or not viewer.can("desk:read"):
        return None
    ticket = hooks.ticket_for_case(session, case.id)
    if ticket is None and (case.status == "closed" or not viewer.can("desk:write")):
        return None
    return Panel("desk/_review_ticket.html", {"case": case, "ticket": ticket})


def _download(content: bytes, name: str, content_type: str) -> Response:
    """Buyer-sent bytes as a download, never drawn inline: the browser must not run what a buyer mailed us."""
    safe = re.sub(r"[^\w.\-]+", "_", name, flags=re.ASCII).strip("._") or "file"
    return Response(content, media_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{safe}"', "X-Content-Type-Options": "nosniff"})


@router.post("/desk/review-cases/{case_id}/take-over")
def desk_take_over_case(request: Request, case_id: RowId, viewer: Viewer = Depends(require("desk:write")),
                        session: Session = PageSession):
    """The desk takes the care case over (one ticket, its history as a note) and shows the ticket."""
    ticket = hooks.take_over_case(session, case_id, actor=viewer.actor)
    return RedirectResponse(f"/desk/tickets/{ticket.id}", status_code=303)


@router.get("/desk/attachments/{attachment_id}")
def desk_attachment(attachment_id: RowId, viewer: Viewer = Reader, session: Session = PageSession):
    """A file kept from a buyer's mail, as a download."""
    found = sources.attachment_file(session, attachment_id)
    return _download(found.content, found.name, "application/octet-stream")


@router.get("/desk/mails/{mail_id}.eml")
def desk_mail(mail_id: RowId, viewer: Viewer = Reader, session: Session = PageSession):
    """A received mail as it arrived (an .eml file any mail program opens): its headers and body carry the buyer's
    address and whatever contacts they wrote, so only roles that see personal data unmasked may download it."""
    if not viewer.can("pii"):
        raise PermissionDenied("forbidden", "permission 'pii' is needed to download a raw mail")
    found = sources.inbound_mail(session, mail_id)
    return _download(found.raw, f"mail-{found.id}.eml", "message/rfc822")
