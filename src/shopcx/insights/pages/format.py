"""Chart data for the customer-value pages, shaped from the service's figures (no queries, no I/O)."""

from __future__ import annotations

import re
from decimal import Decimal

from ...core.money import exponent, format_minor
from ...web.format import finite, percent
from ..rules import segment_slug

# The lifecycle in the order the articles tell it (DESIGN.md §4), then the two ways out.
FUNNEL = ("suspect", "prospect", "first_time", "repeat", "advocate", "at_risk", "lost")


def share(part: float | None, whole: float | None) -> float | None:
    """part / whole, or None when there is no whole."""
    return None if not whole or part is None else part / whole



def short_money(amount: int | float | None, currency: str) -> str:
    """Minor units as money without a zero fraction ('¥1,200' rather than '¥1,200.00')."""
    if amount is None:
        return "—"
    text = format_minor(int(round(amount)), currency)
    return re.sub(r"\.0+$", "", text)


def whole_money(amount: int | float | None, currency: str) -> str:
    """Minor units rounded to whole major units ('¥1,190'), for dense tables; exports keep the exact amount."""
    if amount is None:
        return "—"
    return short_money(int(major(amount, currency).to_integral_value()) * 10 ** exponent(currency), currency)


def major(amount: int | float | None, currency: str) -> Decimal | None:
    """Minor units as an exact number of major units (1999 CNY -> 19.99)."""
    if amount is None:
        return None
    return Decimal(int(round(amount))).scaleb(-exponent(currency))



def histogram_chart(figures: dict, currency: str, labels: dict) -> dict:
    """The CLV distribution as bar labels ('¥0–¥100') and customer counts."""
    bins = figures.get("clv_histogram") or []
    return {"labels": [f"{short_money(b['from'], currency)}–{short_money(b['to'], currency)}" for b in bins],
            "customers": [int(b["customers"]) for b in bins], "name": labels["customers"]}


def lorenz_chart(figures: dict, labels: dict) -> dict:
    """The Lorenz curve in percent (customers least valuable first) with the line of equality."""
    points = [[round(100 * x, 2), round(100 * y, 2)] for x, y in figures.get("lorenz") or []
              if finite(x) is not None and finite(y) is not None]
    return {"points": points, "name": labels["lorenz"], "equality": labels["equality"],
            "x_name": labels["customer_share"], "y_name": labels["revenue_share"]}


def rfm_chart(grid: dict, currency: str, labels: dict) -> dict:
    """Heat-map cells [F−1, R−1, customers, monetary, CLV] (money already formatted) and axis names."""
    cells = [[int(c["f"]) - 1, int(c["r"]) - 1, int(c["customers"]), format_minor(int(c["monetary_amount"]), currency),
              format_minor(int(c["clv_amount"]), currency)] for c in grid.get("cells") or []]
    return {"cells": cells, "max": max((c[2] for c in cells), default=0), "scores": ["1", "2", "3", "4", "5"],
            **labels}


def movement_chart(movements: list[dict], label: dict, before: str, now: str) -> dict:
    """Stage moves between two runs as a Sankey: left nodes are the earlier stages, right nodes the current."""
    nodes, links = {}, []
    for m in movements:
        if not m["customers"]:
            continue
        source, target = f"a:{m['from']}", f"b:{m['to']}"
        nodes[source] = label.get(m["from"], m["from"]) + ("" if m["from"] == "entered" else f" · {before}")
        nodes[target] = label.get(m["to"], m["to"]) + ("" if m["to"] == "left" else f" · {now}")
        links.append({"source": source, "target": target, "value": int(m["customers"])})
    return {"nodes": [{"name": key, "label": text} for key, text in nodes.items()], "links": links}


def cohort_chart(figures: dict, labels: dict) -> dict:
    """Retention heat-map cells [months since acquisition, cohort row, percent]; months not yet observed and
    months in which nobody was acquired are left out."""
    months = [str(m)[:7] for m in figures.get("months") or []]
    cells = []
    sizes = figures.get("sizes") or []
    for row, values in enumerate(figures.get("retention") or []):
        if row < len(sizes) and not sizes[row]:
            continue  # nobody acquired that month: no shares to show
        for col, value in enumerate(values):
            number = finite(value)
            if number is not None:
                cells.append([col, row, round(100 * number, 1)])
    width = max((len(r) for r in figures.get("retention") or []), default=0)
    return {"months": months, "since": list(range(width)), "cells": cells, **labels}


def _param_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, int):
        return f"{value:,}"
    number = finite(value)
    return str(value) if number is None else f"{number:,.4f}"


def model_rows(model) -> list[dict]:
    """The fitted models as [{"model", "fitted", "params": [(name, text)]}]; scalars (the unit) are left out."""
    models = []
    for name, fitted in (model or {}).items():
        if isinstance(fitted, dict):
            models.append({"model": name, "fitted": True,
                           "params": [(key, _param_text(value)) for key, value in fitted.items()]})
        elif fitted is None:
            models.append({"model": name, "fitted": False, "params": []})
    return models


def value_card(value: dict, locale: str) -> dict | None:
    """The customer page's value card from `customer_value`: latest scores, the translated one-line explanation and
    the P(alive) trend over runs; None when the customer has no scores."""
    from ...core import i18n

    latest = (value or {}).get("latest")
    if not latest:
        return None
    currency = latest["currency"]
    explanation = value.get("explain") or {}
    values = dict(explanation.get("vars") or {})
    for name in ("clv_amount", "value_at_stake_amount"):
        if values.get(name) is not None:
            values[name] = format_minor(int(values[name]), currency)
    values["stage"] = i18n.t(f"insights.stage.{values.get('stage')}", locale)
    values["segment"] = i18n.t(f"insights.segment.{segment_slug(values.get('segment') or '')}", locale)
    values["next_purchase_on"] = values.get("next_purchase_on") or "—"
    key = explanation.get("key")
    text = i18n.t(key, locale, **values) if key and i18n.has(key, locale) else explanation.get("text")
    trend = value.get("trend") or []
    return {"latest": latest, "currency": currency, "segment_slug": segment_slug(latest["segment"]),
            "p_alive": percent(latest["p_alive"]), "explanation": text,
            "chart": {"dates": [t["as_of"] for t in trend], "name": i18n.t("insights.p_alive", locale),
                      "p_alive": [round(100 * t["p_alive"], 1) for t in trend]}}
