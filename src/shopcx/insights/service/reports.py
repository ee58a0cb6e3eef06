"""What the pages and the API show of a stored snapshot: overview, RFM grid, lifecycle, cohorts, lists, trend.

Every answer states the date it was computed for (`as_of`). Key customers = CLV at or above the run's
`key_clv_quantile` (top 20% by default, and above zero) and P(alive) ≥ `key_min_p_alive` (0.5): valuable
and still buying. The at-risk list = customers in stage at_risk (DESIGN.md §4), by value at stake
(CLV × churn risk) descending.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session

from ...core.errors import Conflict, InvalidInput, NotFound
from ...shops import service as shops
from .. import repository, rules
from ..tables import AnalysisRun, CustomerScore

EXPORTS = ("scores", "at_risk", "key_customers", "rfm", "cohorts")
SEGMENT_CODES = tuple(rules.SEGMENT_CODES)  # champions, loyal, …, lost: the RFM segments by code
STAGE_ORDER = rules.STAGES  # suspect → prospect → first_time → repeat → advocate, then at_risk, lost


def latest_run(session: Session, shop_code: str | None = None) -> AnalysisRun | None:
    """The finished run with the latest as-of date for the shop (None: the all-shops runs)."""
    shop_id = shops.get_shop(session, shop_code).id if shop_code else None
    return repository.latest_run(session, shop_id)


def get_run(session: Session, run_id: int) -> AnalysisRun:
    """One run (any status) or NotFound."""
    return repository.get_run(session, run_id)


def list_runs(session: Session, *, offset: int = 0, limit: int = 50) -> tuple[list[AnalysisRun], int]:
    """One page of runs, newest first, and their number."""
    return repository.list_runs(session, offset=max(offset, 0), limit=min(max(limit, 1), 500))


def previous_run(session: Session, run: AnalysisRun) -> AnalysisRun | None:
    """The finished run of the same scope before this one, for movements and trends."""
    return repository.previous_run(session, run)


def _done(run: AnalysisRun) -> dict:
    if run.status != "done":
        raise Conflict("analysis_not_done", f"run: analysis run {run.id} is {run.status}", field="run")
    return run.figures


def _head(run: AnalysisRun) -> dict:
    return {"run_id": run.id, "as_of": run.as_of_on.isoformat(), "currency": run.currency, "shop_id": run.shop_id}


def value_overview(session: Session, run: AnalysisRun) -> dict:
    """CLV histogram, Lorenz curve with the 20/80/30 figures, totals and the fitted models of a run."""
    figures = _done(run)
    pareto = figures["pareto"] or {"top20_share": 0.0, "bottom30_share": 0.0, "given_back_amount": 0,
                                   "total_amount": 0, "customers": 0, "measure": "revenue"}
    return _head(run) | {"clv_histogram": figures["clv_histogram"], "lorenz": figures["lorenz"], "pareto": pareto,
                         "totals": figures["totals"], "model": figures["model"], "repurchase": figures["repurchase"],
                         "key_customers": figures["key_customers"], "params": run.params}


def rfm_grid(session: Session, run: AnalysisRun) -> dict:
    """The 5×5 R×F grid (customers, Σ monetary, Σ CLV per cell) and the named segments with size and value."""
    figures = _done(run)
    return _head(run) | {"cells": figures["rfm_cells"], "segments": figures["segments"],
                         "notes": figures.get("notes")}


def lifecycle(session: Session, run: AnalysisRun) -> dict:
    """Stage counts in funnel order and the movements since the previous run (from/to None: not scored there)."""
    figures = _done(run)
    stages = [{"stage": stage, "customers": int(figures["stages"].get(stage, 0))} for stage in STAGE_ORDER]
    previous = previous_run(session, run)
    moves = []
    if previous is not None:
        rank = {stage: i for i, stage in enumerate(STAGE_ORDER)}
        found = repository.movements(session, run.id, previous.id)
        found.sort(key=lambda m: (rank.get(m[0], -1), rank.get(m[1], -1)))
        moves = [{"from": a, "to": b, "customers": int(n)} for a, b, n in found]
    return _head(run) | {"stages": stages, "movements": moves,
                         "previous_run_id": previous.id if previous else None,
                         "previous_as_of": previous.as_of_on.isoformat() if previous else None,
                         "repurchase": figures["repurchase"], "data_gaps": figures.get("data_gaps", {}),
                         "notes": figures.get("notes")}


def cohorts(session: Session, run: AnalysisRun) -> dict:
    """Monthly acquisition cohorts: labels, sizes, retention shares and revenue (None = not yet observed)."""
    c = _done(run)["cohorts"]
    return _head(run) | {"months": c["months"], "sizes": c["sizes"], "retention": c["retention"],
                         "revenue": c["revenue"]}


def _at_risk_query():
    return ([CustomerScore.stage == "at_risk"],
            [CustomerScore.value_at_stake_amount.desc(), CustomerScore.customer_id])


def _key_query(run: AnalysisRun):
    key = run.figures.get("key_customers") or {}
    return ([CustomerScore.clv_amount >= key.get("min_clv_amount", 1),
             CustomerScore.p_alive >= key.get("min_p_alive", run.params.get("key_min_p_alive", 0.5))],
            [CustomerScore.clv_amount.desc(), CustomerScore.customer_id])


def at_risk(session: Session, run: AnalysisRun, *, offset: int = 0, limit: int = 50) -> tuple[list[dict], int]:
    """Customers at risk, by value at stake (CLV × churn risk) descending; rows of repository.ROW_COLUMNS."""
    _done(run)
    where, order = _at_risk_query()
    return repository.score_page(session, run.id, where, order, offset=max(offset, 0), limit=min(max(limit, 1), 500))


def key_customers(session: Session, run: AnalysisRun, *, offset: int = 0,
                  limit: int = 50) -> tuple[list[dict], int]:
    """Key customers (top CLV and likely alive, see the module docstring), by CLV descending."""
    _done(run)
    where, order = _key_query(run)
    return repository.score_page(session, run.id, where, order, offset=max(offset, 0), limit=min(max(limit, 1), 500))


def score_dict(score: CustomerScore, run: AnalysisRun) -> dict:
    """One customer's scores in one run, as plain values."""
    return {"run_id": run.id, "shop_id": run.shop_id, "as_of": run.as_of_on.isoformat(), "currency": run.currency,
            "stage": score.stage, "segment": score.segment, "r_score": score.r_score, "f_score": score.f_score,
            "m_score": score.m_score, "recency_days": score.recency_days, "orders": score.orders,
            "monetary_amount": score.monetary_amount, "p_alive": score.p_alive,
            "expected_purchases": score.expected_purchases, "expected_order_amount": score.expected_order_amount,
            "clv_amount": score.clv_amount, "churn_risk": score.churn_risk,
            "next_purchase_on": score.next_purchase_on.isoformat() if score.next_purchase_on else None,
            "value_at_stake_amount": score.value_at_stake_amount,
            "horizon_days": run.params.get("horizon_days", 90)}


def customer_trend(session: Session, customer_id: int) -> list[dict]:
    """The customer's scores across finished runs, oldest as-of first (stage, segment, P(alive), CLV …)."""
    return [score_dict(score, run) for score, run in repository.customer_scores(session, customer_id)]


def customer_value(session: Session, customer_id: int) -> dict:
    """The latest score (with its explanation) and the trend, for the customer page and the API."""
    trend = customer_trend(session, customer_id)
    latest = trend[-1] if trend else None
    return {"customer_id": customer_id, "latest": latest, "explain": explain(latest) if latest else None,
            "trend": trend}


def explain(score) -> dict:
    """A one-line explanation as {"key": i18n key, "vars": {...}, "text": English}; `score` is a CustomerScore
    or a `score_dict`."""
    get = score.get if isinstance(score, dict) else lambda name: getattr(score, name)
    next_on = get("next_purchase_on")
    values = {"stage": get("stage"), "segment": get("segment"), "p_alive_pct": round(100 * get("p_alive")),
              "recency_days": get("recency_days"), "orders": get("orders"), "clv_amount": get("clv_amount"),
              "value_at_stake_amount": get("value_at_stake_amount"),
              "next_purchase_on": next_on.isoformat() if isinstance(next_on, date) else next_on}
    stage = values["stage"]
    text = {
        "lost": "{orders} orders, the last {recency_days} days ago; only {p_alive_pct}% likely still a customer.",
        "at_risk": "{orders} orders, the last {recency_days} days ago (longer than usual); {p_alive_pct}% likely "
                   "still a customer, value at stake {value_at_stake_amount}.",
        "advocate": "A repeat buyer who recommends the shop; {p_alive_pct}% likely still a customer.",
        "repeat": "{orders} orders, the last {recency_days} days ago; {p_alive_pct}% likely still a customer, "
                  "next order expected around {next_purchase_on}.",
        "first_time": "One order {recency_days} days ago; a second order would make a repeat customer.",
    }.get(stage, "{stage}")
    return {"key": f"insights.explain.{stage}", "vars": values, "text": text.format(**values)}


def export_rows(session: Session, run: AnalysisRun, which: str) -> tuple[list[str], Iterable[tuple]]:
    """(header, rows) of one export of a run: scores, at_risk, key_customers, rfm or cohorts."""
    figures = _done(run)
    if which not in EXPORTS:
        raise InvalidInput("unknown_export", f"which: '{which}' is not one of {', '.join(EXPORTS)}", field="which")
    if which == "rfm":
        header = ["kind", "r", "f", "segment", "customers", "monetary_amount", "clv_amount"]
        rows = [("cell", c["r"], c["f"], None, c["customers"], c["monetary_amount"], c["clv_amount"])
                for c in figures["rfm_cells"]]
        rows += [("segment", None, None, s["segment"], s["customers"], s["monetary_amount"], s["clv_amount"])
                 for s in figures["segments"]]
        return header, rows
    if which == "cohorts":
        c = figures["cohorts"]
        width = len(c["months"])
        header = ["cohort", "measure", "customers"] + [f"month_{j}" for j in range(width)]
        rows = []
        for i, month in enumerate(c["months"]):
            rows.append((month, "retention", c["sizes"][i], *c["retention"][i]))
            rows.append((month, "revenue", c["sizes"][i], *c["revenue"][i]))
        return header, rows
    if which == "scores":
        columns = ["customer_id", "name", *repository.SCORE_COLUMNS[2:]]
        where, order = [], [CustomerScore.customer_id]
    else:
        columns = [*repository.ROW_COLUMNS, "churn_risk", "monetary_amount", "next_purchase_on"]
        where, order = _at_risk_query() if which == "at_risk" else _key_query(run)
    return columns, repository.iter_score_rows(session, run.id, where, order, columns)


def audience_of(session: Session, shop_id: int, *, segment: str | None = None,
                stage: str | None = None) -> tuple[AnalysisRun, list[int]]:
    """The shop's customers in an RFM segment (its code: champions, at_risk, …) and/or a lifecycle stage of the
    latest finished analysis (the shop's own, else the all-shops one), and that run."""
    if segment and segment not in rules.SEGMENT_CODES:
        raise InvalidInput("invalid_choice", f"segment: '{segment}' is not one of {', '.join(rules.SEGMENT_CODES)}",
                           field="segment", values={"value": segment, "choices": ", ".join(rules.SEGMENT_CODES)})
    if stage and stage not in rules.STAGES:
        raise InvalidInput("invalid_choice", f"stage: '{stage}' is not one of {', '.join(rules.STAGES)}",
                           field="stage", values={"value": stage, "choices": ", ".join(rules.STAGES)})
    run = repository.latest_run(session, shop_id) or repository.latest_run(session, None)
    if run is None:
        raise NotFound("analysis_not_found", "audience: segments and stages need a finished customer value "
                       "analysis; run one first", field="audience")
    ids = repository.scored_customer_ids(session, run.id, segments=[rules.SEGMENT_CODES[segment]] if segment else (),
                                         stages=[stage] if stage else (), shop_id=shop_id)
    return run, ids
