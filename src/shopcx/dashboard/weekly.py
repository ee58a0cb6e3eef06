"""The weekly report: every Monday 09:00 shop time (and on demand), one per shop and week (building it again
returns the one built): the loop's figures against last week's report, last year's week and the target, the three
biggest movements in a sentence each, the top complaint causes, and the worst products and carriers."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import clock, i18n, money
from ..reviews import service as reviews
from ..shops import service as shops
from ..shops.models import Shop
from ..staff.service import Actor
from . import figures as loop
from .models import WeeklyReport
from .targets import targets_for

DUE_WEEKDAY, DUE_HOUR = 0, 9  # Monday 09:00, shop-local


def week_of(day: date) -> date:
    """The Monday of day's week."""
    return day - timedelta(days=day.weekday())


def last_complete_week(shop: Shop, now: datetime | None = None) -> date:
    """The Monday of the last full week before the shop's today."""
    return week_of(clock.today_in(shop.timezone) if now is None else now.astimezone(ZoneInfo(shop.timezone)).date()) \
        - timedelta(days=7)


def _number(f: loop.Figure):
    return f.value if isinstance(f.value, int | float) else sum(f.value.values()) if isinstance(f.value, dict) \
        else None


def movements(rows: list[dict], limit: int = 3) -> list[dict]:
    """The `limit` figures that moved most against last week, by relative change (a hand-checkable rule:
    |now − before| / max(|before|, tiny))."""
    moved = [r for r in rows if r["value"] is not None and r["last_week"] is not None and r["value"] != r["last_week"]]
    moved.sort(key=lambda r: -abs(r["value"] - r["last_week"]) / max(abs(r["last_week"]), 1e-9))
    return moved[:limit]


def sentence(row: dict, locale: str) -> str:
    """One movement in a sentence, in the reader's language."""
    up = row["value"] > row["last_week"]
    better = up if row["higher_is_better"] is not False else not up
    return i18n.t("weekly.moved_" + ("up" if up else "down"), locale,
                  figure=i18n.t(f"dashboard.figure.{row['key']}", locale), before=shown(row, "last_week"),
                  now=shown(row, "value"),
                  verdict=i18n.t("weekly.better" if better else "weekly.worse", locale)
                  if row["higher_is_better"] is not None else "")


def shown(row: dict, key: str) -> str:
    """A figure's value (or last week's, the target…) as the report prints it; '—' when there is none."""
    value = row[key]
    if value is None:
        return "—"
    if row["unit"] == "share":
        return f"{100 * value:.1f}%"
    if row["unit"] == "score":
        return f"{value:.2f}"
    if row["unit"] == "index":
        return f"{value:.1f}"
    if row["unit"] == "money" and row.get("currency"):  # reports before the currency was kept show minor units
        return money.format_minor(round(value), row["currency"])
    return f"{value:,.0f}"


def sentences(report: WeeklyReport, locale: str) -> list[str]:
    """The report's biggest movements, each in a sentence in locale."""
    rows = {r["key"]: r for r in report.content["figures"]}
    return [sentence(rows[k], locale) for k in report.content["movements"]]


def _previous(session: Session, shop_id: int, week_on: date) -> WeeklyReport | None:
    return session.scalar(select(WeeklyReport).where(WeeklyReport.shop_id == shop_id, WeeklyReport.week_on == week_on))


def build_report(session: Session, shop: Shop, week_on: date, *, actor: Actor) -> tuple[WeeklyReport, bool]:
    """The shop's report for the week starting week_on (a Monday): (report, built now?); idempotent."""
    week_on = week_of(week_on)
    found = _previous(session, shop.id, week_on)
    if found is not None:
        return found, False
    targets = targets_for(session, shop.id)
    current = loop.figures(session, shops.list_shops(session), shop, can=lambda _p: True, targets=targets)
    last_week = _previous(session, shop.id, week_on - timedelta(days=7))
    last_year = _previous(session, shop.id, week_on - timedelta(weeks=52))
    before = {r["key"]: r["value"] for r in (last_week.content["figures"] if last_week else [])}
    year_ago = {r["key"]: r["value"] for r in (last_year.content["figures"] if last_year else [])}
    rows = [{"key": f.key, "unit": f.unit, "value": _number(f), "as_of": f.as_of, "target": f.target,
             "higher_is_better": f.higher_is_better, "last_week": before.get(f.key), "last_year": year_ago.get(f.key),
             "currency": next(iter(f.value)) if isinstance(f.value, dict) and len(f.value) == 1 else None}
            for f in current]
    end = week_on + timedelta(days=6)
    start = end - timedelta(days=89)
    causes = reviews.negatives_by_driver(session, shop, start=start, end=end)["drivers"][:5]
    worst = {by: reviews.bad_rate_ranking(session, shop, by=by, start=start, end=end, min_count=3, limit=5)["items"]
             for by in ("product", "carrier")}
    content = {"week_on": week_on.isoformat(), "shop": shop.code, "figures": rows,
               "movements": [r["key"] for r in movements(rows)], "causes": causes,
               "worst": {k: [{"label": r["label"], "bad_rate": r["bad_rate"], "total": r["total"]} for r in v]
                         for k, v in worst.items()}}
    report = WeeklyReport(shop_id=shop.id, week_on=week_on, built_at=clock.now(), built_by=actor.label,
                          content=content)
    session.add(report)
    session.flush()
    return report, True


def due_shops(session: Session, now: datetime) -> list[tuple[Shop, date]]:
    """Shops where it is Monday 09:xx now (shop-local) and last week's report is not built yet."""
    out = []
    for shop in shops.list_shops(session):
        local = now.astimezone(ZoneInfo(shop.timezone))
        week_on = week_of(local.date()) - timedelta(days=7)
        if local.weekday() == DUE_WEEKDAY and local.hour >= DUE_HOUR and _previous(session, shop.id, week_on) is None:
            out.append((shop, week_on))
    return out


def list_reports(session: Session, shop_id: int | None = None, limit: int = 200) -> list[WeeklyReport]:
    stmt = select(WeeklyReport).order_by(WeeklyReport.week_on.desc(), WeeklyReport.shop_id).limit(limit)
    return list(session.scalars(stmt.where(WeeklyReport.shop_id == shop_id) if shop_id else stmt))


def workbook(report: WeeklyReport, locale: str) -> bytes:
    """The report as an Excel workbook: figures, movements, complaint causes, worst products and carriers."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = i18n.t("weekly.sheet_figures", locale)[:31]
    sheet.append([i18n.t(k, locale) for k in ("weekly.col_figure", "weekly.col_value", "weekly.col_last_week",
                                              "weekly.col_last_year", "weekly.col_target", "weekly.col_as_of")])
    for r in report.content["figures"]:
        sheet.append([i18n.t(f"dashboard.figure.{r['key']}", locale), r["value"], r["last_week"], r["last_year"],
                      r["target"], r["as_of"]])
    moved = book.create_sheet(i18n.t("weekly.sheet_movements", locale)[:31])
    for text in sentences(report, locale):
        moved.append([text])
    causes = book.create_sheet(i18n.t("weekly.sheet_causes", locale)[:31])
    for c in report.content["causes"]:
        causes.append([c["driver"], c["total"]])
    for by, items in report.content["worst"].items():
        worst = book.create_sheet(i18n.t(f"weekly.sheet_worst_{by}", locale)[:31])
        for item in items:
            worst.append([item["label"], item["bad_rate"], item["total"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
