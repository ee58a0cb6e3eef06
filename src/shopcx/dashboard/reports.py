"""The weekly reports' archive: every report built, one report's page, its Excel workbook, and building one on
demand (idempotent: the week's report is built once)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ..core.errors import InvalidInput, NotFound
from ..shops import service as shops
from ..staff import service as staff
from ..web.auth import PageSession, Viewer, require, verify_csrf
from ..web.deps import RowId, parse_id
from ..web.templating import render
from . import delivery, internal, weekly
from .models import WeeklyReport

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
Reader = Depends(require("customers:read"))
Owner = Depends(require("settings:manage"))


def _report(session: Session, report_id: int) -> WeeklyReport:
    found = session.get(WeeklyReport, report_id)
    if found is None:
        raise NotFound("report_not_found", f"report: no weekly report {report_id}", field="report")
    return found


@router.get("/reports/weekly")
def dashboard_weekly(request: Request, viewer: Viewer = Reader, session: Session = PageSession):
    """The archive of weekly reports, newest first, and building one on demand."""
    listed = shops.list_shops(session)
    return render(request, "dashboard/weekly_list.html", {
        "reports": weekly.list_reports(session), "shops": {s.id: s for s in listed}}, viewer=viewer)


@router.post("/reports/weekly")
def dashboard_weekly_build(shop: str = Form(""), week: str = Form(""), viewer: Viewer = Owner,
                           session: Session = PageSession):
    """Build a shop's report for a week now (the last full week by default); an existing one is opened."""
    found = next((s for s in shops.list_shops(session) if s.id == parse_id(shop)), None)
    if found is None:
        raise InvalidInput("required", "shop: choose a shop", field="shop")
    try:
        week_on = date.fromisoformat(week) if week else weekly.last_complete_week(found)
    except ValueError:
        raise InvalidInput("invalid_date", f"week: '{week}' is not a date (YYYY-MM-DD)", field="week") from None
    report, _ = weekly.build_report(session, found, week_on, actor=viewer.actor)
    return RedirectResponse(f"/reports/weekly/{report.id}", status_code=303)


@router.get("/reports/weekly/{report_id}.xlsx")
def dashboard_weekly_xlsx(report_id: RowId, viewer: Viewer = Reader, session: Session = PageSession):
    """The report as an Excel workbook."""
    report = _report(session, report_id)
    return Response(weekly.workbook(report, viewer.locale),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="weekly-{report.week_on}.xlsx"'})


@router.get("/reports/weekly/{report_id}.pdf")
def dashboard_weekly_pdf(report_id: RowId, viewer: Viewer = Reader, session: Session = PageSession):
    """The report as a PDF in the viewer's language, with its charts (the same file the e-mail carries)."""
    report = _report(session, report_id)
    return Response(delivery.pdf_of(session, report, viewer.locale), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="weekly-{report.week_on}.pdf"'})


@router.post("/reports/weekly/{report_id}/send")
def dashboard_weekly_send(report_id: RowId, viewer: Viewer = Owner, session: Session = PageSession):
    """Mail the report now to the recipients it has not reached yet (never twice to the same person)."""
    delivery.deliver(session, _report(session, report_id))
    return RedirectResponse(f"/reports/weekly/{report_id}#mails", status_code=303)


@router.get("/reports/weekly/{report_id}")
def dashboard_weekly_report(request: Request, report_id: RowId, viewer: Viewer = Reader,
                            session: Session = PageSession):
    """One weekly report: figures against last week, last year and target; movements; causes; worst items."""
    report = _report(session, report_id)
    return render(request, "dashboard/weekly.html", {
        "report": report, "shop": shops.get_shop_by_id(session, report.shop_id),
        "sentences": weekly.sentences(report, viewer.locale), "mails": delivery.mails_of(session, report),
        "users": {u.id: u for u in staff.list_users(session)}, "shown": weekly.shown}, viewer=viewer)


@router.get("/internal/enps")
def dashboard_enps(request: Request, viewer: Viewer = Depends(require("surveys:read")), session: Session = PageSession):
    """Staff satisfaction (eNPS) by quarter; a quarter with fewer than 5 answers is not shown."""
    return render(request, "dashboard/enps.html", {"results": internal.enps_results(session),
                                                   "min_group": internal.MIN_GROUP}, viewer=viewer)


@router.get("/coaching")
def dashboard_coaching(request: Request, viewer: Viewer = Depends(require("desk:read")),
                       session: Session = PageSession):
    """My service figures beside the team's median; managers see each agent (alphabetically, never ranked)."""
    context = internal.coaching(session, viewer.user_id, manager=viewer.can("staff:manage"))
    return render(request, "dashboard/coaching.html", context, viewer=viewer)
