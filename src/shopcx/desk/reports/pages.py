"""The desk's reports page (ECharts: SLA compliance, volume by category, backlog age, recovery, root causes) with the
per-agent coaching figures, and the ticket list as an Excel workbook under the list's filters.

Per-agent figures are coaching, not a ranking: an agent sees their own row only; managers see every agent, in name
order, never sorted by a figure."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from ...core import i18n
from ...shops import service as shops
from ...staff import service as staff
from ...web import exports
from ...web.auth import PageSession, Viewer, require, verify_csrf
from ...web.format import mask_text
from ...web.sheets import Column, Sheet
from ..pages.tickets import list_context
from ..service import views
from . import service

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
Reader = Depends(require("desk:read"))
WINDOWS = (30, 90, 180, 365)


def _shop(session: Session, code: str):
    listed = shops.list_shops(session)
    if code:
        return shops.get_shop(session, code), listed
    return (listed[0] if listed else None), listed


def _charts(rep: service.Report, locale: str) -> dict:
    t = lambda key: i18n.t(key, locale)  # noqa: E731
    cat = lambda c: t(f"desk.category.{c or 'none'}")  # noqa: E731
    return {
        "sla": {"labels": [t(f"desk.metric.{m}") for m in rep.sla], "met": [v["met"] for v in rep.sla.values()],
                "missed": [v["missed"] for v in rep.sla.values()], "met_label": t("desk.reports.met"),
                "missed_label": t("desk.reports.missed")},
        "category": {"labels": [cat(c) for c, _, _ in rep.by_category], "values": [n for _, n, _ in rep.by_category],
                     "cumulative": [round(s * 100, 1) for _, _, s in rep.by_category],
                     "label": t("desk.reports.tickets"), "cum_label": t("desk.reports.cumulative")},
        "backlog": {"labels": [t(f"desk.reports.age.{k}") for k in rep.backlog], "values": list(rep.backlog.values()),
                    "label": t("desk.reports.open_tickets")},
        "recovery": {"labels": [t(f"desk.reports.took.{k}") for k in rep.recovery.buckets],
                     "values": [round(r * 100, 1) if r is not None else None for _, _, r in
                                rep.recovery.buckets.values()],
                     "shop": round(rep.recovery.shop_rate * 100, 1) if rep.recovery.shop_rate is not None else None,
                     "label": t("desk.reports.bought_again"), "shop_label": t("desk.reports.shop_repurchase")},
    }


@router.get("/desk/reports")
def desk_reports(request: Request, shop: str = "", days: int = 90, viewer: Viewer = Reader,
                 session: Session = PageSession):
    """The desk's reports for one shop and window; per-agent figures as coaching."""
    days = days if days in WINDOWS else 90
    found, listed = _shop(session, shop)
    rep = service.report(session, found, days=days) if found is not None else None
    names = {u.id: u.display_name for u in staff.list_users(session)}
    agents = []
    if rep is not None:
        mine = [a for a in rep.agents if a.owner_id == viewer.user_id]
        agents = sorted(rep.agents, key=lambda a: names.get(a.owner_id, "")) if viewer.can("desk:settings") else mine
    return render_reports(request, viewer, {"report": rep, "shop": found, "shops": listed, "days": days,
                                            "windows": WINDOWS, "agents": agents, "names": names,
                                            "charts": _charts(rep, viewer.locale) if rep else None})


def render_reports(request: Request, viewer: Viewer, context: dict):
    from ...web.templating import render

    return render(request, "desk/reports.html", context, viewer=viewer)


COLUMNS = [Column("id", "desk.export.id", "int", 8), Column("shop", "desk.export.shop", width=14),
           Column("created_at", "desk.export.created_at", "datetime", 17),
           Column("channel", "desk.channel", width=10), Column("subject", "desk.export.subject", width=40),
           Column("category", "desk.category", width=12), Column("priority", "desk.priority", width=8),
           Column("status", "desk.status", width=10), Column("owner", "desk.export.owner", width=12),
           Column("first_response_at", "desk.export.first_response_at", "datetime", 17),
           Column("resolved_at", "desk.export.resolved_at", "datetime", 17),
           Column("root_cause", "desk.export.root_cause", width=40)]


@router.get("/desk/export.xlsx")
def desk_export(request: Request, status: str = "active", priority: str = "", owner: str = "", overdue: str = "",
                shop: str = "", soon: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """The ticket list under its filters as an Excel workbook (texts masked for roles without `pii`)."""
    context = list_context(session, viewer, status=status, priority=priority, owner=owner, overdue=overdue,
                           shop=shop, page=1, soon=soon)
    where = context["where"]
    locale, reveal = viewer.locale, viewer.can("pii")
    shop_rows = {s.id: s for s in shops.list_shops(session)}
    names = {u.id: u.display_name for u in staff.list_users(session)}
    first = next(iter(shop_rows.values()), None)
    sheet = Sheet(i18n.t("desk.tickets", locale), COLUMNS, tz=first.timezone if first else "UTC", locale=locale,
                  reveal_pii=reveal)

    def rows(s: Session, offset: int, limit: int) -> list[dict]:
        found, _ = views.search(s, where, offset=offset, limit=limit)
        return [{"id": t.id, "shop": shop_rows[t.shop_id].name, "tz": shop_rows[t.shop_id].timezone,
                 "created_at": t.created_at, "channel": i18n.t(f"desk.channel.{t.channel}", locale),
                 "subject": t.subject if reveal else mask_text(t.subject),
                 "category": i18n.t(f"desk.category.{t.category or 'none'}", locale),
                 "priority": i18n.t(f"desk.priority.{t.priority}", locale),
                 "status": i18n.t(f"desk.status.{t.status}", locale), "owner": names.get(t.owner_id),
                 "first_response_at": t.first_response_at, "resolved_at": t.resolved_at,
                 "root_cause": t.root_cause if reveal else mask_text(t.root_cause),
                 "customer_id": t.customer_id} for t in found]

    return exports.respond(request, viewer, session, exports.Export("desk_tickets", sheet, context["total"], rows,
                                                                    filters=dict(request.query_params),
                                                                    personal=("text",)))

