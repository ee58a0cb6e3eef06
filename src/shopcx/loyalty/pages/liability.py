"""The liability report: outstanding points in money, what expires when, breakage, with charts."""


from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from ...web.auth import PageSession, Viewer
from ...web.templating import render
from .. import repository
from ..service import reports
from .base import (
    ProgramView,
    Reader,
    program_view,
)


def liability_context(session: Session, viewer: Viewer, shop: str) -> dict:
    """The liability report and the figures its charts draw (the same numbers as its tables)."""
    view = program_view(session, shop)
    context = {"view": view, "tz": view.tz, "currency": view.currency}
    if view.active is None:
        return context | {"report": None}
    report = reports.liability(session, view.active, today=view.today)
    by_month = _expiring_by_month(session, view)
    names = [row["name_zh"] if viewer.locale == "zh" else row["name_en"] for row in report["tiers"]]
    chart = {"months": [row["month"] for row in by_month], "expiring": [row["points"] for row in by_month],
             "tiers": names, "members": [row["members"] for row in report["tiers"]]}
    return context | {"report": report, "by_month": by_month, "chart": chart}


def _expiring_by_month(session: Session, view: ProgramView, months: int = 13) -> list[dict]:
    """Points that will expire in this and the next 12 months (shop-local): a year's lots all show."""
    return repository.expiring_by_month(session, view.program.id, today=view.today, months=months)


router = APIRouter()


@router.get("/loyalty/liability")
def loyalty_liability(request: Request, shop: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """Outstanding points valued in money, what expires next month, breakage, with charts."""
    context = liability_context(session, viewer, shop)
    return render(request, "loyalty/liability.html", context, viewer=viewer)
