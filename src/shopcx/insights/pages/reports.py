"""The customer-value report screens: overview (CLV, Pareto/Lorenz), RFM grid, lifecycle, cohorts, at-risk and
key customers.

Every page reads one stored analysis run (the latest, or `?run=<id>`) through the insights service; a chart's
JSON is built from the same service call as the table under it.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from ...core import i18n
from ...core.errors import NotFound
from ...core.settings import get_settings
from ...shops import service as shops
from ...web.auth import PageSession, Viewer, require
from ...web.deps import parse_id
from ...web.pagination import Page, page_number
from ...web.templating import render, wants_fragment
from .. import service as insights
from .format import (
    FUNNEL,
    cohort_chart,
    histogram_chart,
    lorenz_chart,
    model_rows,
    movement_chart,
    percent,
    rfm_chart,
    segment_slug,
    share,
    whole_money,
)
from .run import may_run
from .run import state as analysis_state

router = APIRouter()

TABS = (("overview", "/insights", "scores"), ("rfm", "/insights/rfm", "rfm"),
        ("lifecycle", "/insights/lifecycle", "scores"), ("cohorts", "/insights/cohorts", "cohorts"),
        ("at_risk", "/insights/at-risk", "at_risk"), ("key_customers", "/insights/key-customers", "key_customers"))
RUNS_LISTED = 20
ROWS_PER_PAGE = 25

Reader = Depends(require("customers:read"))


def chosen_run(session: Session, run: str):
    """The run asked for by `?run=<id>`, else the latest one (None when nothing was analysed yet)."""
    if not run:
        return insights.latest_run(session)
    run_id = parse_id(run)
    found = insights.get_run(session, run_id) if run_id else None
    if found is None:
        raise NotFound("analysis_run_not_found", f"run: there is no analysis run '{run}'", field="run")
    return found


def _shop_timezone(session: Session) -> str:
    listed = shops.list_shops(session)
    return listed[0].timezone if listed else get_settings().default_timezone


def _page(request: Request, viewer: Viewer, session: Session, tab: str, run: str, build) -> object:
    """Render tab `tab` of the analysis (or the empty state); `build(run)` adds the tab's own context."""
    chosen = chosen_run(session, run)
    export = next(which for key, _, which in TABS if key == tab)
    context = {"tab": tab, "tabs": TABS, "run": chosen, "run_query": f"?run={chosen.id}" if run and chosen else "",
               "export": export, "tz": _shop_timezone(session), "can_run": may_run(viewer),
               "analysis": analysis_state()}
    runs = insights.list_runs(session, offset=0, limit=RUNS_LISTED)[0]
    if chosen is None:
        context["last_attempt"] = runs[0] if runs else None
        return render(request, "insights/empty.html", context, viewer=viewer)
    context["runs"] = [r for r in runs if r.status == "done"]
    context |= {"currency": chosen.currency, "pct": percent, "slug": segment_slug,
                "whole_money": lambda amount: whole_money(amount, chosen.currency)}
    context |= build(chosen)
    name = "insights/_rows.html" if wants_fragment(request, "results") else f"insights/{tab}.html"
    return render(request, name, context, viewer=viewer)


@router.get("/insights")
def insights_overview(request: Request, run: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """Value overview: CLV distribution, Pareto/Lorenz curve with the 20/80/30 figures, totals, model."""

    def build(chosen) -> dict:
        figures = insights.value_overview(session, chosen)
        labels = {"customers": i18n.t("insights.customers", viewer.locale),
                  "lorenz": i18n.t("insights.lorenz_curve", viewer.locale),
                  "equality": i18n.t("insights.equality_line", viewer.locale),
                  "customer_share": i18n.t("insights.customer_share", viewer.locale),
                  "revenue_share": i18n.t("insights.value_share", viewer.locale)}
        return {"figures": figures, "model": model_rows(figures.get("model")),
                "histogram": histogram_chart(figures, chosen.currency, labels),
                "lorenz": lorenz_chart(figures, labels)}

    return _page(request, viewer, session, "overview", run, build)


@router.get("/insights/rfm")
def rfm(request: Request, run: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """The 5×5 recency × frequency heat map and the named segments with their size and value."""

    def build(chosen) -> dict:
        grid = insights.rfm_grid(session, chosen)
        total = sum(s["customers"] for s in grid["segments"]) or 0
        labels = {"r": i18n.t("insights.r_score", viewer.locale), "f": i18n.t("insights.f_score", viewer.locale),
                  "customers": i18n.t("insights.customers", viewer.locale),
                  "monetary": i18n.t("insights.monetary", viewer.locale),
                  "clv": i18n.t("insights.clv", viewer.locale)}
        cells = {(c["r"], c["f"]): c for c in grid["cells"]}
        return {"grid": grid, "cells": cells, "total": total, "notes": grid.get("notes"),
                "segments": [s | {"slug": segment_slug(s["segment"]), "share": share(s["customers"], total)}
                             for s in grid["segments"]],
                "chart": rfm_chart(grid, chosen.currency, labels)}

    return _page(request, viewer, session, "rfm", run, build)


@router.get("/insights/lifecycle")
def lifecycle(request: Request, run: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """The lifecycle funnel (猜疑 → 品牌宣传, plus at risk and lost) and the moves since the previous run."""

    def build(chosen) -> dict:
        figures = insights.lifecycle(session, chosen)
        counts = {s["stage"]: s["customers"] for s in figures["stages"]}
        total = sum(counts.values())
        stages = [{"stage": stage, "customers": counts.get(stage, 0), "share": share(counts.get(stage, 0), total)}
                  for stage in FUNNEL]
        stages += [{"stage": s, "customers": n, "share": share(n, total)} for s, n in counts.items()
                   if s not in FUNNEL]
        label = {stage: i18n.t(f"insights.stage.{stage}", viewer.locale)
                 for stage in (*counts, *FUNNEL, "entered", "left")}
        # None: the customer was not scored in that run (no paid order yet then, or none counted any more now).
        movements = sorted(({"from": m["from"] or "entered", "to": m["to"] or "left", "customers": m["customers"]}
                            for m in figures["movements"]), key=lambda m: -m["customers"])
        return {"stages": stages, "total": total, "previous_as_of": figures.get("previous_as_of"),
                "stage_counts": counts,
                "repurchase": figures.get("repurchase"), "notes": figures.get("notes"),
                "movements": [m for m in movements if m["from"] != m["to"]],
                "stayed": sum(m["customers"] for m in movements if m["from"] == m["to"]),
                "funnel": {"stages": [{"name": label[s["stage"]], "value": s["customers"], "stage": s["stage"]}
                                      for s in stages],
                           "customers": i18n.t("insights.customers", viewer.locale)},
                "sankey": movement_chart([m for m in movements if m["from"] != m["to"]], label,
                                         i18n.t("insights.before", viewer.locale),
                                         i18n.t("insights.now", viewer.locale))}

    return _page(request, viewer, session, "lifecycle", run, build)


@router.get("/insights/cohorts")
def cohorts(request: Request, run: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """Monthly acquisition cohorts: retention heat map and revenue per cohort and month since acquisition."""

    def build(chosen) -> dict:
        figures = insights.cohorts(session, chosen)
        labels = {"cohort": i18n.t("insights.cohort", viewer.locale),
                  "since_name": i18n.t("insights.months_since", viewer.locale),
                  "retention": i18n.t("insights.retention", viewer.locale)}
        return {"figures": figures, "width": max((len(row) for row in figures["retention"]), default=0),
                "chart": cohort_chart(figures, labels)}

    return _page(request, viewer, session, "cohorts", run, build)


def _list_page(request: Request, viewer: Viewer, session: Session, tab: str, run: str, page: str, fetch):
    number = page_number(page)

    def build(chosen) -> dict:
        rows, total = fetch(session, chosen, offset=(number - 1) * ROWS_PER_PAGE, limit=ROWS_PER_PAGE)
        return {"rows": rows, "page": Page(number, ROWS_PER_PAGE, total),
                "notes": (chosen.figures or {}).get("notes")}

    return _page(request, viewer, session, tab, run, build)


@router.get("/insights/at-risk")
def at_risk(request: Request, run: str = "", page: str = "1", viewer: Viewer = Reader,
            session: Session = PageSession):
    """Customers at risk of leaving, the most value at stake first (paginated)."""
    return _list_page(request, viewer, session, "at_risk", run, page, insights.at_risk)


@router.get("/insights/key-customers")
def key_customers(request: Request, run: str = "", page: str = "1", viewer: Viewer = Reader,
                  session: Session = PageSession):
    """Key customers: high current and predicted value (paginated)."""
    return _list_page(request, viewer, session, "key_customers", run, page, insights.key_customers)
