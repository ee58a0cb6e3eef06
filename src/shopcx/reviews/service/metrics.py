"""Ratings metrics as plain dicts the pages chart and the API returns; each states the dates it covers.

Windows are local days of the shop (a review's `reviewed_on`), both ends included. Definitions (DESIGN.md §4):
DSR = per dimension the mean of the 1–5 ratings of the last 180 days, against a benchmark as ±%;
好评率 = 好评 / all reviews, where 系统默认好评 count as 好评 (as on Taobao) but never in DSR.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import InvalidInput
from ...shops.models import Shop
from .. import repository, rules
from ..repository import Scope
from .settings import settings_for

MAX_SPAN_DAYS = 3 * 366
PERIODS = ("day", "week", "month")
GROUPS = ("product", "category", "carrier")


def today(shop: Shop) -> date:
    return clock.today_in(shop.timezone)


def window(shop: Shop, start: date | None, end: date | None, default_days: int = rules.DSR_WINDOW_DAYS,
           ) -> tuple[date, date]:
    """(start, end) with defaults: end = today in the shop's timezone, start = end − default_days + 1."""
    end = end or today(shop)
    start = start or end - timedelta(days=default_days - 1)
    if start > end:
        raise InvalidInput("invalid_window", "start: comes after end", field="start")
    if (end - start).days >= MAX_SPAN_DAYS:
        raise InvalidInput("invalid_window", f"start: a window is at most {MAX_SPAN_DAYS} days", field="start")
    return start, end


def scope(shop: Shop, *, product_id: int | None = None, category: str | None = None,
          carrier: str | None = None) -> Scope:
    return Scope(shop_id=shop.id, product_id=product_id, category=category, carrier=carrier)


def _scope_dict(sc: Scope) -> dict:
    return {"product_id": sc.product_id, "category": sc.category, "carrier": sc.carrier}


# --- DSR -----------------------------------------------------------------------------------------------------


def dsr_summary(session: Session, shop: Shop, *, as_of: date | None = None, sc: Scope | None = None) -> dict:
    """Per dimension over the 180 days to as_of: count, mean, benchmark and the gap as ±%."""
    sc = sc or scope(shop)
    as_of = as_of or today(shop)
    first, last = rules.dsr_window(as_of)
    daily = repository.dsr_daily(session, sc, first, last)
    benchmarks = settings_for(session, shop.id, shop.platform).benchmarks
    dims = []
    for dim in rules.DIMENSIONS:
        total, count = rules.window_totals(daily[dim], as_of)
        value = rules.mean(total, count)
        dims.append({"dimension": dim, "count": count, "mean": value, "benchmark": benchmarks.get(dim),
                     "gap_pct": rules.benchmark_gap_pct(value, benchmarks.get(dim))})
    return {"shop": shop.code, "as_of": as_of.isoformat(), "window_days": rules.DSR_WINDOW_DAYS,
            "window_start": first.isoformat(), "window_end": last.isoformat(), "scope": _scope_dict(sc),
            "dimensions": dims}


def dsr_series(session: Session, shop: Shop, *, start: date | None = None, end: date | None = None,
               sc: Scope | None = None) -> dict:
    """For each day of the range, each dimension's 180-day rolling mean and count (the DSR lines)."""
    sc = sc or scope(shop)
    start, end = window(shop, start, end, default_days=90)
    daily = repository.dsr_daily(session, sc, start - timedelta(days=rules.DSR_WINDOW_DAYS - 1), end)
    series = {dim: rules.rolling_series(daily[dim], start, end) for dim in rules.DIMENSIONS}
    points = []
    for index in range((end - start).days + 1):
        day = start + timedelta(days=index)
        point = {"date": day.isoformat()}
        for dim in rules.DIMENSIONS:
            _, value, count = series[dim][index]
            point[dim] = value
            point[f"{dim}_count"] = count
        points.append(point)
    benchmarks = settings_for(session, shop.id, shop.platform).benchmarks
    return {"shop": shop.code, "start": start.isoformat(), "end": end.isoformat(), "as_of": end.isoformat(),
            "window_days": rules.DSR_WINDOW_DAYS, "benchmarks": benchmarks, "scope": _scope_dict(sc),
            "points": points}


def dsr_forecast(session: Session, shop: Shop, *, as_of: date | None = None, horizon: int = rules.FORECAST_DAYS,
                 sc: Scope | None = None) -> dict:
    """Per dimension: the ratings leaving the 180-day window in the next `horizon` days, the score after, and
    how many 5-star ratings lift it by 0.1."""
    if not 1 <= horizon <= rules.DSR_WINDOW_DAYS:
        raise InvalidInput("invalid_input", f"horizon: 1–{rules.DSR_WINDOW_DAYS} days", field="horizon")
    sc = sc or scope(shop)
    as_of = as_of or today(shop)
    first, last = rules.dsr_window(as_of)
    daily = repository.dsr_daily(session, sc, first, last)
    return {"shop": shop.code, "as_of": as_of.isoformat(), "horizon_days": horizon,
            "window_days": rules.DSR_WINDOW_DAYS, "scope": _scope_dict(sc),
            "dimensions": [rules.forecast(dim, daily[dim], as_of, horizon=horizon).as_dict()
                           for dim in rules.DIMENSIONS]}


# --- classes and 好评率 -------------------------------------------------------------------------------------------


def _counts_of(rows) -> rules.ClassCounts:
    counts = rules.ClassCounts()
    for _, cls, default, hidden, has_text, n in rows:
        setattr(counts, cls, getattr(counts, cls) + n)
        counts.default_good += n if default else 0
        counts.hidden_negative += n if hidden else 0
        counts.with_text += n if has_text else 0
    return counts


def class_counts(session: Session, shop: Shop, *, start: date | None = None, end: date | None = None,
                 sc: Scope | None = None) -> dict:
    """Reviews by class in the window with the 好评率, default good reviews and hidden negatives apart."""
    sc = sc or scope(shop)
    start, end = window(shop, start, end)
    counts = _counts_of(repository.class_daily(session, sc, start, end))
    return {"shop": shop.code, "start": start.isoformat(), "end": end.isoformat(), "scope": _scope_dict(sc),
            **counts.as_dict()}


def period_start(day: date, period: str) -> date:
    """The first day of the day's week (Monday) or month."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def good_rate_trend(session: Session, shop: Shop, *, start: date | None = None, end: date | None = None,
                    period: str = "week", sc: Scope | None = None) -> dict:
    """好评率 and counts per day, week (from Monday) or month; a partial first or last period says so."""
    if period not in PERIODS:
        raise InvalidInput("invalid_input", f"period: one of {', '.join(PERIODS)}", field="period")
    sc = sc or scope(shop)
    start, end = window(shop, start, end, default_days=182)
    buckets: dict[date, list] = defaultdict(list)
    for row in repository.class_daily(session, sc, start, end):
        buckets[period_start(row[0], period)].append(row)
    points = []
    key = period_start(start, period)
    while key <= end:
        counts = _counts_of(buckets.get(key, []))
        following = _next_period(key, period)
        points.append({"period": key.isoformat(), "partial": key < start or following - timedelta(days=1) > end,
                       **counts.as_dict()})
        key = following
    return {"shop": shop.code, "start": start.isoformat(), "end": end.isoformat(), "period": period,
            "scope": _scope_dict(sc), "points": points}


def _next_period(day: date, period: str) -> date:
    if period == "week":
        return day + timedelta(days=7)
    if period == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def class_counts_by(session: Session, shop: Shop, *, by: str, start: date | None = None, end: date | None = None,
                    sc: Scope | None = None) -> dict:
    """Reviews by class per product, category or carrier in the window."""
    if by not in GROUPS:
        raise InvalidInput("invalid_input", f"by: one of {', '.join(GROUPS)}", field="by")
    sc = sc or scope(shop)
    start, end = window(shop, start, end)
    groups: dict[object, tuple[str | None, rules.ClassCounts]] = {}
    for key, label, cls, default, hidden, n in repository.class_by_group(session, sc, start, end, by):
        entry = groups.setdefault(key, (label, rules.ClassCounts()))
        counts = entry[1]
        setattr(counts, cls, getattr(counts, cls) + n)
        counts.default_good += n if default else 0
        counts.hidden_negative += n if hidden else 0
    rows = [{"key": key, "label": label, **counts.as_dict(), "bad_rate": _rate(counts.bad, counts.total)}
            for key, (label, counts) in groups.items()]
    rows.sort(key=lambda r: (-r["total"], str(r["label"] or "")))
    return {"shop": shop.code, "start": start.isoformat(), "end": end.isoformat(), "by": by,
            "scope": _scope_dict(sc), "groups": rows}


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def bad_rate_ranking(session: Session, shop: Shop, *, by: str = "product", start: date | None = None,
                     end: date | None = None, min_count: int = 5, limit: int = 20, sc: Scope | None = None) -> dict:
    """Products, categories or carriers ranked by 差评 rate (差评 / reviews), those with at least min_count reviews."""
    if min_count < 1:
        raise InvalidInput("invalid_input", "min_count: at least 1", field="min_count")
    grouped = class_counts_by(session, shop, by=by, start=start, end=end, sc=sc)
    ranked = [row for row in grouped["groups"] if row["total"] >= min_count]
    ranked.sort(key=lambda r: (-r["bad_rate"], -r["total"], str(r["label"] or "")))
    return {**{k: v for k, v in grouped.items() if k != "groups"}, "min_count": min_count,
            "left_out": len(grouped["groups"]) - len(ranked), "items": ranked[:limit]}


def negatives_by_driver(session: Session, shop: Shop, *, start: date | None = None, end: date | None = None,
                        sc: Scope | None = None) -> dict:
    """中/差评 and hidden negatives per driver their text is about (a review may name several; none = 'unknown')."""
    sc = sc or scope(shop)
    start, end = window(shop, start, end)
    tally: dict[str, dict[str, int]] = defaultdict(lambda: {"bad": 0, "neutral": 0, "hidden_negative": 0})
    reviews = 0
    for cls, hidden, aspects in repository.negative_aspects(session, sc, start, end):
        reviews += 1
        column = "hidden_negative" if cls == "good" and hidden else cls
        for driver in aspects or ["unknown"]:
            tally[driver][column] += 1
    order = {d: i for i, d in enumerate((*_DRIVERS, "unknown"))}
    rows = [{"driver": d, **v, "total": sum(v.values())} for d, v in tally.items()]
    rows.sort(key=lambda r: (-r["total"], order.get(r["driver"], 99), r["driver"]))
    return {"shop": shop.code, "start": start.isoformat(), "end": end.isoformat(), "scope": _scope_dict(sc),
            "reviews": reviews, "drivers": rows}


_DRIVERS = ("quality", "description", "service", "logistics", "packaging", "price", "security")


def late_vs_rating(session: Session, shop: Shop, *, start: date | None = None, end: date | None = None,
                   sc: Scope | None = None) -> dict:
    """Mean stars, mean 物流服务 rating and class shares of reviews whose delivery was late, on time, had no
    promised time, or had no shipment. Late is judged at the review's time (orders.rules.shipment_is_late)."""
    sc = sc or scope(shop)
    start, end = window(shop, start, end)
    groups = {name: {"reviews": 0, "stars_total": 0, "stars_count": 0, "logistics_total": 0, "logistics_count": 0,
                     "good": 0, "neutral": 0, "bad": 0}
              for name in ("late", "on_time", "no_promise", "no_shipment")}
    for name, cls, reviews, stars_total, stars_count, logistics_total, logistics_count in \
            repository.delivery_groups(session, sc, start, end):
        g = groups[name]
        g["reviews"] += reviews
        g[cls] += reviews
        g["stars_total"] += int(stars_total)
        g["stars_count"] += stars_count
        g["logistics_total"] += int(logistics_total)
        g["logistics_count"] += logistics_count
    rows = []
    for name, g in groups.items():
        rows.append({"group": name, "reviews": g["reviews"], "good": g["good"], "neutral": g["neutral"],
                     "bad": g["bad"], "mean_stars": rules.mean(g["stars_total"], g["stars_count"]),
                     "stars_count": g["stars_count"],
                     "mean_logistics": rules.mean(g["logistics_total"], g["logistics_count"]),
                     "logistics_count": g["logistics_count"], "good_rate": rules.good_rate(g["good"], g["reviews"]),
                     "bad_rate": _rate(g["bad"], g["reviews"])})
    return {"shop": shop.code, "start": start.isoformat(), "end": end.isoformat(), "scope": _scope_dict(sc),
            "groups": rows}


# --- revisions and response time -----------------------------------------------------------------------------


def _agent_label(names: dict[int, str], staff_id: int | None) -> str:
    return names.get(staff_id, f"#{staff_id}") if staff_id is not None else "unassigned"


def revision_stats(session: Session, shop: Shop, *, start: date | None = None, end: date | None = None,
                   by_agent: bool = False, sc: Scope | None = None) -> dict:
    """Revision rate of the 中/差评 that arrived in the window (revised to a better class / all), per class,
    with the share revised after a logged contact; per agent = per case owner."""
    sc = sc or scope(shop)
    start, end = window(shop, start, end)
    rows = list(repository.negative_rows(session, sc, start, end))
    improvements = repository.first_improvements(session, [row[0] for row in rows])
    overall = {"neutral": [0, 0], "bad": [0, 0]}
    after_contact = 0
    days: list[float] = []
    agents: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for review_id, first_class, _cls, reviewed_at, _replied, _by, owner_id, _contact_at, _staff in rows:
        revised = review_id in improvements
        overall[first_class][0] += 1
        overall[first_class][1] += revised
        agents[owner_id][0] += 1
        agents[owner_id][1] += revised
        if revised:
            at, contact_id = improvements[review_id]
            after_contact += contact_id is not None
            days.append((at - reviewed_at).total_seconds() / 86400)
    negatives = sum(v[0] for v in overall.values())
    revised_total = sum(v[1] for v in overall.values())
    out = {"shop": shop.code, "start": start.isoformat(), "end": end.isoformat(), "scope": _scope_dict(sc),
           "negatives": negatives, "revised": revised_total,
           "revision_rate": rules.revision_rate(negatives, revised_total),
           "by_class": {cls: {"reviews": n, "revised": r, "revision_rate": rules.revision_rate(n, r)}
                        for cls, (n, r) in overall.items()},
           "revised_after_contact": after_contact,
           "median_days_to_revision": statistics.median(days) if days else None}
    if by_agent:
        names = repository.staff_names(session, {k for k in agents if k is not None})
        out["agents"] = sorted(({"staff_id": k, "name": _agent_label(names, k), "reviews": n, "revised": r,
                                 "revision_rate": rules.revision_rate(n, r)} for k, (n, r) in agents.items()),
                               key=lambda a: (-a["reviews"], a["name"]))
    return out


def response_times(session: Session, shop: Shop, *, start: date | None = None, end: date | None = None,
                   by_agent: bool = False, sc: Scope | None = None) -> dict:
    """Hours from a 中/差评 to the seller's first response (public reply or logged contact, whichever came
    first); per agent = whoever gave that first response."""
    sc = sc or scope(shop)
    start, end = window(shop, start, end)
    hours: list[float] = []
    unanswered = 0
    per_agent: dict[int | None, list[float]] = defaultdict(list)
    by_class: dict[str, list[float]] = {"neutral": [], "bad": []}
    for (_id, first_class, _cls, reviewed_at, replied_at, replied_by, _owner, contact_at,
         contact_staff) in repository.negative_rows(session, sc, start, end):
        options = [(at, who) for at, who in ((replied_at, replied_by), (contact_at, contact_staff)) if at is not None]
        if not options:
            unanswered += 1
            continue
        at, who = min(options, key=lambda o: o[0])
        value = rules.response_hours(reviewed_at, at)
        hours.append(value)
        by_class[first_class].append(value)
        per_agent[who].append(value)
    out = {"shop": shop.code, "start": start.isoformat(), "end": end.isoformat(), "scope": _scope_dict(sc),
           **rules.duration_summary(hours, unanswered),
           "by_class": {cls: rules.duration_summary(values) for cls, values in by_class.items()}}
    if by_agent:
        names = repository.staff_names(session, {k for k in per_agent if k is not None})
        out["agents"] = sorted(({"staff_id": k, "name": _agent_label(names, k) if k is not None else "platform",
                                 **rules.duration_summary(v)} for k, v in per_agent.items()),
                               key=lambda a: (-a["responded"], a["name"]))
    return out
