"""Staff pages for buyers' data rights: the requests with their deadlines, recording a request, a request's page
(download the export, erase with a confirmation when something is still open), and the retention settings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ..core import clock
from ..core.errors import InvalidInput
from ..web.auth import PageSession, Viewer, require, verify_csrf
from ..web.deps import RowId, parse_id
from ..web.pagination import Page, page_number
from ..web.templating import render
from . import erasure, service
from .models import KINDS, STATUSES

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
Manager = Depends(require("privacy:manage"))
VIEWS_PAGE = 50


def _int(raw: str, field: str) -> int:
    value = parse_id(raw)
    if value is None:
        raise InvalidInput("invalid_number", f"{field}: a whole number", field=field)
    return value


@router.get("/privacy")
def privacy_requests(request: Request, status: str = "", viewer: Viewer = Manager, session: Session = PageSession):
    """Data requests, the earliest deadline first; record one; the deadline and retention settings."""
    rows, total = service.list_requests(session, status=status if status in STATUSES else None, limit=200)
    return render(request, "privacy/requests.html", {
        "rows": rows, "total": total, "status": status, "statuses": STATUSES[1:], "kinds": KINDS,
        "settings": service.settings_of(session), "today": clock.today_in("Asia/Shanghai")}, viewer=viewer)


@router.get("/privacy/views")
def privacy_views(request: Request, page: str = "1", viewer: Viewer = Manager, session: Session = PageSession):
    """Who saw whose full contact details, when and where: a customer's page, or an export (one row per file,
    with how many customers it carried)."""
    number = page_number(page)
    rows, total = erasure.pii_log(session, offset=(number - 1) * VIEWS_PAGE, limit=VIEWS_PAGE)
    return render(request, "privacy/views.html", {"rows": rows, "page": Page(number, VIEWS_PAGE, total)},
                  viewer=viewer)


@router.post("/privacy/requests")
def privacy_record(customer: str = Form(""), kind: str = Form(""), note: str = Form(""), viewer: Viewer = Manager,
                   session: Session = PageSession):
    """Record a request taken by phone, chat or letter; opens its page."""
    found = service.record_request(session, _int(customer, "customer"), kind, actor=viewer.actor,
                                   note=note.strip() or None)
    return RedirectResponse(f"/privacy/requests/{found.id}", status_code=303)


@router.get("/privacy/requests/{request_id}")
def privacy_request(request: Request, request_id: RowId, viewer: Viewer = Manager, session: Session = PageSession):
    """One request: the customer, the deadline, and what can be done (export, erase)."""
    found = service.get_request(session, request_id)
    waiting = erasure.blockers(session, found.customer_id) if found.status == "open" and found.customer_id else []
    return render(request, "privacy/request.html", {"req": found, "blockers": waiting}, viewer=viewer)


@router.post("/privacy/requests/{request_id}/export")
def privacy_export(request_id: RowId, viewer: Viewer = Manager, session: Session = PageSession):
    """The buyer's data as a zip of JSON and CSV (the request is done once downloaded)."""
    found = service.get_request(session, request_id)
    data = erasure.export_zip(session, found.customer_id, actor=viewer.actor,
                              request=found if found.kind == "export" else None)
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="customer-{found.customer_id}-data.zip"'})


@router.post("/privacy/requests/{request_id}/erase")
def privacy_erase(request: Request, request_id: RowId, confirm: str = Form(""), viewer: Viewer = Manager,
                  session: Session = PageSession):
    """Erase the buyer's personal data everywhere (asks first when tickets are still open)."""
    found = service.get_request(session, request_id)
    erasure.erase_customer(session, found.customer_id, actor=viewer.actor, confirmed=confirm == "yes",
                           request=found)
    return RedirectResponse(f"/privacy/requests/{found.id}", status_code=303)


@router.post("/privacy/settings")
def privacy_settings(deadline_working_days: str = Form(""), raw_rows_days: str = Form(""),
                     message_days: str = Form(""), viewer: Viewer = Manager, session: Session = PageSession):
    """Save the deadline and retention periods."""
    service.save_settings(session, deadline_working_days=_int(deadline_working_days, "deadline_working_days"),
                          raw_rows_days=_int(raw_rows_days, "raw_rows_days"),
                          message_days=_int(message_days, "message_days"), actor=viewer.actor)
    return RedirectResponse("/privacy", status_code=303)
