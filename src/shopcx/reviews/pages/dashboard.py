"""The ratings dashboard: DSR lines over the rolling 180 days against the benchmark, 好评率 trend, negatives by
driver, 差评-rate rankings, late delivery vs rating, the DSR forecast, class counts, revision rate and response
time per agent. Every chart's JSON is shaped here from the same service call as the table beside it.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from ...core import i18n
from ...core.errors import InvalidInput
from ...web.auth import PageSession, Viewer
from ...web.deps import parse_id
from ...web.templating import render
from .. import rules, service
from ..service import metrics, views
from .base import Reader
from .parts import form_date, form_int, helpers, shop_choice

PERIODS = ("week", "month")
DEFAULT_DAYS = rules.DSR_WINDOW_DAYS
DEFAULT_MIN_COUNT = 5
DRIVER_COLUMNS = ("bad", "neutral", "hidden_negative")
LATE_GROUPS = ("late", "on_time", "no_promise", "no_shipment")


def _round(value, digits: int = 3):
    return None if value is None else round(float(value), digits)


def _label(key: str, locale: str) -> str:
    return i18n.t(key, locale)


def dsr_chart(series: dict, summary: dict, locale: str) -> dict:
    """Per dimension the daily 180-day mean, its benchmark and gap, for the DSR line chart."""
    gaps = {d["dimension"]: d["gap_pct"] for d in summary["dimensions"]}
    return {"dates": [p["date"] for p in series["points"]],
            "lines": [{"key": dim, "name": _label(f"review.dsr.{dim}", locale),
                       "values": [_round(p[dim]) for p in series["points"]],
                       "benchmark": series["benchmarks"].get(dim), "gap_pct": _round(gaps.get(dim), 2)}
                      for dim in rules.DIMENSIONS],
            "benchmark_name": _label("review.dsr.benchmark", locale)}


def good_rate_chart(trend: dict, locale: str) -> dict:
    """好评率 per period in percent, with the reviews counted."""
    return {"periods": [p["period"] for p in trend["points"]],
            "rates": [None if p["good_rate"] is None else round(100 * p["good_rate"], 1) for p in trend["points"]],
            "totals": [p["total"] for p in trend["points"]],
            "partial": [p["partial"] for p in trend["points"]],
            "name": _label("review.metric.good_rate", locale), "count_name": _label("reviews.reviews", locale)}


def driver_chart(drivers: dict, locale: str) -> dict:
    """Negative reviews per driver, stacked by 差评 / 中评 / hidden dissatisfaction."""
    names = {"bad": _label("review.class.bad", locale), "neutral": _label("review.class.neutral", locale),
             "hidden_negative": _label("review.hidden_negative", locale)}
    rows = drivers["drivers"]
    return {"drivers": [_label(f"review.driver.{r['driver']}", locale) if i18n.has(f"review.driver.{r['driver']}",
                                                                                   locale) else r["driver"]
                        for r in rows],
            "series": [{"key": col, "name": names[col], "values": [r[col] for r in rows]} for col in DRIVER_COLUMNS]}


def late_chart(late: dict, locale: str) -> dict:
    """Mean stars and mean 物流服务 of reviews by delivery: late, on time, no promise, no shipment."""
    groups = {g["group"]: g for g in late["groups"]}
    return {"groups": [_label(f"review.delivery.{name}", locale) for name in LATE_GROUPS],
            "stars": [_round(groups[name]["mean_stars"], 2) for name in LATE_GROUPS],
            "logistics": [_round(groups[name]["mean_logistics"], 2) for name in LATE_GROUPS],
            "reviews": [groups[name]["reviews"] for name in LATE_GROUPS],
            "stars_name": _label("reviews.mean_stars", locale),
            "logistics_name": _label("reviews.mean_logistics", locale)}


def forecast_chart(forecast: dict, locale: str) -> dict:
    """Each dimension's projected 180-day mean day by day over the horizon, if nothing new is rated."""
    dims = forecast["dimensions"]
    dates = [p["date"] for p in dims[0]["path"]] if dims else []
    return {"dates": dates, "lines": [{"key": d["dimension"], "name": _label(f"review.dsr.{d['dimension']}", locale),
                                       "values": [_round(p["mean"]) for p in d["path"]]} for d in dims]}


def class_chart(counts: dict, locale: str) -> dict:
    """Reviews by class for the pie chart."""
    return {"classes": [{"key": cls, "name": _label(f"review.class.{cls}", locale), "value": counts[cls]}
                        for cls in ("good", "neutral", "bad")]}


def _scope_from(shop, product: str, category: str, carrier: str):
    product_id = parse_id(product) if product else None
    category = category.strip()[:80] or None
    carrier = carrier.strip()[:60] or None
    return metrics.scope(shop, product_id=product_id, category=category, carrier=carrier)


def dashboard_context(session: Session, viewer: Viewer, *, shop: str, start: str, end: str, period: str,
                      product: str, category: str, carrier: str, min_count: str) -> dict:
    """The dashboard's figures and charts for a shop, window and optional product / category / carrier."""
    listed, chosen = shop_choice(session, shop, default_first=True)
    form = {"shop": str(chosen.id) if chosen else "", "start": start, "end": end, "product": product,
            "category": category, "carrier": carrier, "period": period if period in PERIODS else "week",
            "min_count": min_count}
    context: dict = {"shops": listed, "shop": chosen, "form": form, **helpers()}
    if chosen is None:
        return context
    last = form_date(end, "end") or metrics.today(chosen)
    first = form_date(start, "start") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidInput("invalid_window", "start: comes after end", field="start")
    form["start"], form["end"] = first.isoformat(), last.isoformat()
    least = form_int(min_count, "min_count", low=1, high=100_000) or DEFAULT_MIN_COUNT
    form["min_count"] = str(least)
    sc = _scope_from(chosen, product, category, carrier)
    window = {"start": first, "end": last, "sc": sc}
    locale = viewer.locale
    summary = service.dsr_summary(session, chosen, as_of=last, sc=sc)
    series = service.dsr_series(session, chosen, **window)
    forecast = service.dsr_forecast(session, chosen, as_of=last, sc=sc)
    counts = service.class_counts(session, chosen, **window)
    trend = service.good_rate_trend(session, chosen, period=form["period"], **window)
    drivers = service.negatives_by_driver(session, chosen, **window)
    late = service.late_vs_rating(session, chosen, **window)
    ranking = {by: service.bad_rate_ranking(session, chosen, by=by, min_count=least, **window)
               for by in ("product", "carrier")}
    revisions = service.revision_stats(session, chosen, by_agent=True, **window)
    responses = service.response_times(session, chosen, by_agent=True, **window)
    return context | {
        "summary": summary, "forecast": forecast, "counts": counts, "trend": trend, "drivers": drivers,
        "late": late, "ranking": ranking, "revisions": revisions, "responses": responses,
        "charts": {"dsr": dsr_chart(series, summary, locale), "good_rate": good_rate_chart(trend, locale),
                   "drivers": driver_chart(drivers, locale), "late": late_chart(late, locale),
                   "forecast": forecast_chart(forecast, locale), "classes": class_chart(counts, locale)},
        "products": views.reviewed_products(session, chosen.id), "categories": views.categories(session, chosen.id),
        "carriers": views.carriers(session, chosen.id),
    }


router = APIRouter()


@router.get("/reviews/dashboard")
def review_dashboard(request: Request, shop: str = "", start: str = "", end: str = "", period: str = "week",
                     product: str = "", category: str = "", carrier: str = "", min_count: str = "",
                     viewer: Viewer = Reader, session: Session = PageSession):
    """Ratings dashboard for a shop and window, optionally one product, category or carrier."""
    context = dashboard_context(session, viewer, shop=shop, start=start, end=end, period=period,
                                                product=product, category=category, carrier=carrier,
                                                min_count=min_count)
    return render(request, "reviews/dashboard.html", context, viewer=viewer)
