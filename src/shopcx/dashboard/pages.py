"""The home page (the loop's figures for one shop or all, each with trend, target and date, and today's list) and
the owner's targets page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from ..core import i18n
from ..core.errors import InvalidInput
from ..core.settings import get_settings
from ..customers import service as customers
from ..imports import service as imports
from ..shops import service as shops
from ..web import format as fmt
from ..web.auth import PageSession, Viewer, current_viewer, require, verify_csrf
from ..web.deps import RowId, parse_id
from ..web.templating import render, wants_fragment
from . import attention as today_list
from . import figures as loop
from . import snapshots
from . import targets as goals
from . import timeline as activity

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
Owner = Depends(require("settings:manage"))


def chosen_shop(session: Session, shop: str):
    """(every shop, the one asked for by ?shop=<id> or None for all shops)."""
    listed = shops.list_shops(session)
    wanted = parse_id(shop) if shop else None
    return listed, next((s for s in listed if s.id == wanted), None)


def shown(figure: loop.Figure, locale: str) -> str:
    """A figure's value as the card shows it."""
    value = figure.value
    if figure.unit == "money":
        return " · ".join(fmt.money(amount, currency) for currency, amount in sorted(value.items())) or "—"
    if figure.unit == "share":
        return fmt.percent(value)
    if figure.unit == "nps":
        return f"{value:+.0f}"
    if figure.unit == "score":
        return f"{value:.2f}"
    if figure.unit == "index":
        return f"{value:.1f}"
    return fmt.number(value)


def shown_interval(figure: loop.Figure) -> str:
    """A figure's 95% interval in its own unit ('' when it has none)."""
    if not figure.interval:
        return ""
    low, high = (loop.Figure(figure.key, {c: round(v) for c in figure.value} if figure.unit == "money" else v,
                             figure.unit, "", "", "") for v in figure.interval)
    return f"{shown(low, '')} – {shown(high, '')}"


def shown_target(figure: loop.Figure, value: float | None) -> str:
    if value is None:
        return ""
    if figure.unit == "money":
        return fmt.number(int(value))
    return shown(loop.Figure(figure.key, value, figure.unit, "", "", ""), "")


def spark(trend: list) -> str:
    """SVG polyline points (100 × 24 box) for a trend; gaps are skipped."""
    values = [v for v in trend if v is not None]
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = 100 / max(len(trend) - 1, 1)
    return " ".join(f"{i * step:.1f},{22 - (v - low) / span * 20:.1f}" for i, v in enumerate(trend) if v is not None)


def direction(figure: loop.Figure) -> str | None:
    """'up', 'down' or 'flat' against the value before (None without one)."""
    if figure.previous is None or not isinstance(figure.value, int | float):
        return None
    return "up" if figure.value > figure.previous else "down" if figure.value < figure.previous else "flat"


def home_context(session: Session, can, shop: str) -> dict:
    """Everything the home page shows for a viewer (or token) allowed `can`; the API returns the same figures and
    list. The aggregates come kept for a large shop (snapshots.py), with the time they were computed."""
    listed, one = chosen_shop(session, shop)
    kept = snapshots.home(session, listed, one)
    found = loop.visible(kept.figures, can=can, targets=goals.targets_for(session, one.id if one else None))
    items = today_list.attention(session, listed, one, can=can)
    return {"shops": listed, "shop": one, "figures": found, "items": items, "kept": kept}


@router.get("/")
def home(request: Request, shop: str = "", viewer: Viewer = Depends(current_viewer), session: Session = PageSession):
    """The loop on one page: figures with trend, target and date; today's list; orders per month."""
    tz = get_settings().default_timezone
    context = home_context(session, viewer.can, shop)
    months = context["kept"].months
    chart = {"months": [m["month"] for m in months], "orders": [m["orders"] for m in months],
             "label": i18n.t("home.chart_orders", viewer.locale)}
    jobs = imports.list_jobs(session, offset=0, limit=5)[0] if viewer.can("imports:run") else []
    context |= {"stats": context["kept"].stats, "months": months, "chart": chart, "jobs": jobs, "tz": tz,
                "shown": shown, "spark": spark, "direction": direction, "shown_target": shown_target,
                "shown_interval": shown_interval}
    return render(request, "dashboard/home.html", context, viewer=viewer)


def target_value(raw: str, key: str) -> float | None:
    """A target typed on the form: empty clears it; shares are typed in percent (92 means 92 %), kept as 0–1."""
    raw = raw.strip().replace("%", "").replace(",", "")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput("invalid_number", f"{key}: a number", field=key) from None
    return value / 100 if key not in goals.RANGES else value


def targets_context(session: Session, shop: str) -> dict:
    listed, one = chosen_shop(session, shop)
    current = goals.targets_for(session, one.id if one else None)
    rows = [{"key": key, "value": current.get(key), "percent": key not in goals.RANGES} for key in loop.ORDER]
    return {"shops": listed, "shop": one, "rows": rows}


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form as text fields (read before the sync route runs)."""
    return {key: str(value) for key, value in (await request.form()).items()}


@router.get("/dashboard/targets")
def dashboard_targets(request: Request, shop: str = "", viewer: Viewer = Owner, session: Session = PageSession):
    """The owner's target per figure, for all shops or one."""
    return render(request, "dashboard/targets.html", targets_context(session, shop), viewer=viewer)


@router.post("/dashboard/targets")
def dashboard_targets_save(request: Request, form: dict = Depends(form_fields), viewer: Viewer = Owner,
                           session: Session = PageSession):
    """Save the targets form (an empty field clears that target)."""
    _, one = chosen_shop(session, form.get("shop", ""))
    for key in loop.ORDER:
        if key in form:
            goals.set_target(session, one.id if one else None, key, target_value(form[key], key),
                             actor=viewer.actor)
    context = targets_context(session, form.get("shop", "")) | {"saved": True}
    return render(request, "dashboard/targets.html", context, viewer=viewer)


@router.get("/customers/{customer_id}/timeline")
def dashboard_customer_timeline(request: Request, customer_id: RowId, kind: str = "",
                                viewer: Viewer = Depends(require("customers:read")), session: Session = PageSession):
    """Everything every department did for the customer and how they responded, filtered by kind (HTMX: rows)."""
    customer = customers.get_customer(session, customer_id)
    chosen = activity.parse_kinds(kind)
    entries = activity.timeline(session, customer.id, can=viewer.can, kinds=chosen, limit=200)
    values = {"rows": activity.view(entries, viewer.locale), "customer_id": customer.id, "chosen": chosen,
              "kinds": [k for k in activity.KINDS if viewer.can(activity.KIND_PERMISSION[k])]}
    context = {"customer": customer, "panel": {"values": values}}
    if wants_fragment(request, "timeline-rows"):
        return render(request, "dashboard/_timeline_rows.html", context, viewer=viewer)
    return render(request, "dashboard/timeline.html", context, viewer=viewer)
