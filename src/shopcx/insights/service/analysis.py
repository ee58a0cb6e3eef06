"""`run_analysis`: the customer-value snapshot (DESIGN.md §2.7) computed from the stored orders and appended.

Calibration = all paid sale orders up to the as-of date, in days. BG/NBD (Fader, Hardie & Lee 2005) gives P(alive)
and expected purchases, Gamma-Gamma (FHL 2005, "RFM and CLV") the expected order value of repeat buyers, and
their product the discounted CLV. RFM, segments, lifecycle stages, Pareto 20/80/30, repurchase rate and cohorts
follow DESIGN.md §4 (insights.rules). Advocates are found by kept referrals (loyalty) and 好评 with text (reviews);
NPS answers and the inquiries/carts a prospect needs are not stored yet: nobody is a prospect until they are.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ...core import clock
from ...core.db import retrying, session_scope
from ...core.errors import InvalidInput, ShopCXError
from ...core.settings import get_settings
from ...shops import service as shops
from .. import repository, rules
from ..models import bgnbd, clv, gammagamma
from ..models.summary import Transactions, summarize
from ..tables import AnalysisRun

log = logging.getLogger("shopcx.insights")
ABANDONED_AFTER = timedelta(hours=3)
ABANDONED_MESSAGE = "interrupted: the process running the analysis stopped before it finished"
Progress = Callable[[str, int, int], None]
STEPS = ("load", "summary", "fit", "predict", "segments", "store")

# Defaults; a run stores the values it used in `params` (thresholds of DESIGN.md §4 'Lifecycle').
DEFAULT_PARAMS: dict = {
    "unit": "day",
    "horizon_days": 90,  # expected purchases are for the next 90 days
    "clv_months": 12,
    "monthly_discount": 0.01,  # CLV discount rate per month
    "at_risk_p_alive": 0.5,
    "lost_p_alive": 0.2,
    "gap_multiple": 2.0,  # at risk when days since the last order > 2 × the customer's usual gap
    "key_clv_quantile": 0.8,  # key customers: CLV in the top 20% …
    "key_min_p_alive": 0.5,  # … and P(alive) at least this
    "next_purchase_max_days": 365,  # no expected next purchase further away than this
    "cohort_months": 36,  # the most recent acquisition months kept in the cohort matrices
    "lorenz_points": 101,
    "histogram_bins": 20,
}


def merged_params(overrides: dict | None) -> dict:
    """The defaults, then SHOPCX_ANALYSIS_PARAMS, then the run's overrides; unknown names are refused."""
    params = dict(DEFAULT_PARAMS)
    for name, value in {**get_settings().analysis_params, **(overrides or {})}.items():
        if name not in DEFAULT_PARAMS or name == "unit":
            raise InvalidInput("unknown_parameter", f"params: '{name}' is not an analysis parameter", field="params")
        params[name] = type(DEFAULT_PARAMS[name])(value)
    if not 0 < params["lost_p_alive"] <= params["at_risk_p_alive"] < 1:
        raise InvalidInput("invalid_thresholds", "params: need 0 < lost_p_alive ≤ at_risk_p_alive < 1",
                           field="params")
    return params


def run_analysis(*, as_of: date | None = None, shop_code: str | None = None, params: dict | None = None,
                 progress: Progress | None = None) -> AnalysisRun:
    """Compute and store one snapshot (a job boundary: its own transactions); returns the run, done or failed."""
    tick = progress or (lambda step, done, total: None)
    settings = get_settings()
    used = merged_params(params)

    def start() -> tuple[int, int | None, date, str]:
        with session_scope(write=True) as session:
            # A run whose process was killed never records its end; long after any run could take, it is failed.
            repository.fail_abandoned_runs(session, clock.now() - ABANDONED_AFTER, ABANDONED_MESSAGE)
            shop = shops.get_shop(session, shop_code) if shop_code else None
            shop_id = shop.id if shop else None
            # Default: the last complete day in the shop's (or the default) timezone.
            day = as_of or clock.today_in(shop.timezone if shop else settings.default_timezone) - timedelta(days=1)
            currencies = repository.paid_currencies(session, shop_id)
            if len(currencies) > 1:
                raise InvalidInput("mixed_currencies", f"shop: paid orders are in {', '.join(currencies)}; "
                                   "analyse one shop at a time (--shop)", field="shop")
            currency = currencies[0] if currencies else (shop.currency if shop else settings.default_currency)
            run = AnalysisRun(shop_id=shop_id, as_of_on=day, currency=currency, status="running",
                              started_at=clock.now(), customers=0, params=used, figures={})
            session.add(run)
            session.flush()
            return run.id, shop_id, day, currency

    run_id, shop_id, as_of, currency = retrying(start, what="starting an analysis run")
    try:
        # Read in one read-only transaction, compute with none open, store in one short write transaction:
        # staff keep writing meanwhile (a read transaction that later writes fails on SQLite when they do).
        with session_scope() as session:
            tx = repository.load_transactions(session, shop_id=shop_id, currency=currency, as_of=as_of)
            signals = advocacy_signals(session, shop_id)
            contacts = repository.count_contacts(session, shop_id)
        tick("load", 1, len(STEPS))
        result = compute(tx, as_of, used, tick, signals)
        result.figures["stages"]["suspect"] = max(contacts - result.n, 0)
        rows = result.rows(run_id)

        def store() -> AnalysisRun:
            with session_scope(write=True) as session:
                repository.insert_scores(session, rows)
                run = repository.get_run(session, run_id)
                run.figures, run.customers = result.figures, result.n
                run.status, run.finished_at = "done", clock.now()
                return run

        run = retrying(store, what=f"storing analysis run {run_id}")
        tick("store", len(STEPS), len(STEPS))
        return run
    except ShopCXError as exc:
        return _fail(run_id, exc.message)
    except BaseException as exc:
        try:
            _fail(run_id, f"internal error: {type(exc).__name__}: {exc}")
        except Exception:  # keep the first error; the log says the run could not be marked
            log.exception("analysis run %s failed and could not be recorded as failed", run_id)
        raise


def _fail(run_id: int, message: str) -> AnalysisRun:
    """Record the run as failed in a fresh transaction of its own (retried when another writer holds the lock)."""
    def record() -> AnalysisRun:
        with session_scope(write=True) as session:
            run = repository.get_run(session, run_id)
            run.status, run.error, run.finished_at = "failed", message[:2000], clock.now()
            return run

    return retrying(record, what=f"recording analysis run {run_id} as failed")


@dataclass
class Result:
    """Per-customer arrays (aligned on `customer_id`) and the run's figures."""

    n: int
    columns: dict
    figures: dict

    def rows(self, run_id: int) -> list[tuple]:
        """Score rows in repository.SCORE_COLUMNS order, as plain Python values."""
        c = self.columns
        if not self.n:
            return []
        names = repository.SCORE_COLUMNS[1:]
        lists = [c[name].tolist() for name in names]
        return [(run_id, *values) for values in zip(*lists, strict=True)]


def _empty_figures(as_of: date, params: dict) -> dict:
    stages = {stage: 0 for stage in rules.STAGES}
    return {"as_of": as_of.isoformat(), "customers": 0, "model": None, "pareto": None, "lorenz": [],
            "repurchase": {"buyers": 0, "repeaters": 0, "rate": 0.0, "buyers_365": 0, "repeaters_365": 0,
                           "rate_365": 0.0},
            "stages": stages, "rfm_cells": [], "segments": [], "clv_histogram": [],
            "cohorts": {"months": [], "sizes": [], "retention": [], "revenue": []},
            "totals": {"customers": 0, "clv_amount": 0, "expected_purchases": 0.0, "monetary_amount": 0,
                       "value_at_stake_amount": 0},
            "key_customers": {"min_clv_amount": 0, "min_p_alive": params["key_min_p_alive"], "customers": 0},
            "data_gaps": DATA_GAPS}


DATA_GAPS = {"advocate": "NPS answers are not stored yet: advocates are found by kept referrals and 好评 with text",
             "prospect": "inquiries, carts and registrations are not stored yet: no customer is a prospect"}


def advocacy_signals(session, shop_id: int | None) -> dict[str, set[int]]:
    """Who recommends the shop: referred a customer who kept their order, wrote a 好评 with text, or answered
    NPS 9–10 in their latest survey answer (`promoted`)."""
    from ...loyalty import service as loyalty
    from ...reviews import service as reviews
    from ...surveys import service as surveys

    return {"referred": loyalty.customers_who_referred(session, shop_id),
            "praised": set(reviews.customers_with_text_good_review(session, shop_id=shop_id)),
            "promoted": surveys.promoters(session, shop_id)}


def compute(tx: repository.TxArrays, as_of: date, params: dict, tick: Progress,
            signals: dict[str, set[int]] | None = None) -> Result:
    """Everything of one snapshot from the tidy transactions (no database)."""
    total_steps = len(STEPS)
    if len(tx) == 0:
        return Result(0, {}, _empty_figures(as_of, params))
    days = tx.day.astype("datetime64[D]")
    summary = summarize(Transactions(tx.customer_id, days, tx.amount), as_of, unit="D")
    ids = summary.customer_id
    orders = _orders_per_customer(tx.customer_id, ids)
    first = summary.first_on.astype(np.int64)
    last = first + np.rint(summary.t_x).astype(np.int64)
    as_of_day = (as_of - repository._EPOCH).days
    recency = as_of_day - last
    monetary = summary.total_amount
    tick("summary", 2, total_steps)

    model = bgnbd.fit(summary.x, summary.t_x, summary.T)
    repeat = (summary.x > 0) & (summary.monetary > 0)
    try:
        spend = gammagamma.fit(summary.x, summary.monetary) if repeat.sum() >= 2 else None
    except ValueError:
        spend = None
    tick("fit", 3, total_steps)

    p_alive = bgnbd.p_alive(model, summary.x, summary.t_x, summary.T)
    expected = bgnbd.expected_purchases(model, float(params["horizon_days"]), summary.x, summary.t_x, summary.T)
    if spend is not None:
        order_value = gammagamma.expected_order_value(spend, summary.x, summary.monetary)
    else:  # too few repeat buyers to fit spend: everyone's mean order value
        order_value = np.full(len(ids), monetary.sum() / max(orders.sum(), 1), dtype=np.float64)
    purchases = clv.discounted_purchases(model, summary.x, summary.t_x, summary.T, months=params["clv_months"],
                                         monthly_discount=params["monthly_discount"])
    clv_amount = np.rint(order_value * purchases).astype(np.int64)
    churn = 1.0 - p_alive
    stake = np.rint(clv_amount * churn).astype(np.int64)  # the value at stake: CLV × churn risk
    tick("predict", 4, total_steps)

    rfm = rules.rfm_scores(ids, recency, orders, monetary)
    thresholds = rules.LifecycleThresholds(at_risk_p_alive=params["at_risk_p_alive"],
                                           lost_p_alive=params["lost_p_alive"], gap_multiple=params["gap_multiple"])
    gap = rules.usual_gap_days(orders, first.astype("datetime64[D]"), last.astype("datetime64[D]"))
    # A one-order customer has no gap of their own: the repeat buyers' median gap stands in for it, so a
    # first-time buyer long overdue is at risk (BG/NBD alone gives x = 0 a P(alive) of 1).
    gaps = gap[(orders >= 2) & (gap > 0)]
    shop_gap = float(np.median(gaps)) if len(gaps) else float("nan")
    gap = np.where(orders == 1, shop_gap, gap)
    signals = signals or {}

    def member(key: str):
        found = signals.get(key)
        return np.isin(ids, np.fromiter(found, dtype=np.int64, count=len(found))) if found else None

    referred, praised, promoted = member("referred"), member("praised"), member("promoted")
    nps = np.where(promoted, float(thresholds.promoter_nps), np.nan) if promoted is not None else None
    stage = rules.lifecycle_stage(orders, p_alive=p_alive, recency_days=recency, usual_gap_days=gap,
                                  own_gap=orders >= 2, referred=referred, praised=praised, nps=nps,
                                  thresholds=thresholds)
    next_on = _next_purchase(model, summary.x, summary.T, as_of_day, stage, params["next_purchase_max_days"])
    columns = {"customer_id": ids, "stage": stage, "segment": rfm.segment, "r_score": rfm.r, "f_score": rfm.f,
               "m_score": rfm.m, "recency_days": recency, "orders": orders, "monetary_amount": monetary,
               "p_alive": p_alive, "expected_purchases": expected,
               "expected_order_amount": np.rint(order_value).astype(np.int64), "clv_amount": clv_amount,
               "churn_risk": churn, "next_purchase_on": next_on, "value_at_stake_amount": stake}
    for name, values in columns.items():
        if values.dtype.kind == "f":
            assert np.isfinite(values).all(), f"{name} has NaN or inf"
    figures = _figures(tx, days, as_of, params, columns, model, spend)
    figures["usual_gap_days_one_order"] = round(shop_gap, 3) if np.isfinite(shop_gap) else None
    figures["notes"] = notes(columns, params, figures["usual_gap_days_one_order"], referred, praised,
                             nps_recorded=promoted is not None)
    tick("segments", 5, total_steps)
    return Result(len(ids), columns, figures)


def notes(c: dict, params: dict, shop_gap: float | None, referred, praised, *, nps_recorded: bool = False) -> dict:
    """What the pages' footnotes say, from this run's data: the at-risk rule with its numbers, the order counts
    behind each F score, and why each lifecycle stage holds what it holds."""
    advocate = c["stage"] == "advocate"
    breaks = []
    for score in range(1, 6):
        counts = c["orders"][c["f_score"] == score]
        breaks.append({"f": score, "customers": int(len(counts)),
                       "min_orders": int(counts.min()) if len(counts) else None,
                       "max_orders": int(counts.max()) if len(counts) else None})
    return {
        "at_risk_rule": {"at_risk_p_alive": params["at_risk_p_alive"], "lost_p_alive": params["lost_p_alive"],
                         "gap_multiple": params["gap_multiple"], "shop_gap_days": shop_gap},
        "frequency_breaks": breaks,
        "advocate": {"customers": int(advocate.sum()),
                     "referred": int((advocate & referred).sum()) if referred is not None else 0,
                     "praised": int((advocate & praised).sum()) if praised is not None else 0,
                     "nps_recorded": nps_recorded},
        "prospect_recorded": False,
    }


def _orders_per_customer(customer_id: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Paid orders per customer of `ids` (sorted)."""
    base, span = int(customer_id.min()), int(customer_id.max()) - int(customer_id.min()) + 1
    if span <= 4 * len(customer_id) + 1_000_000:
        return np.bincount(customer_id - base, minlength=span)[ids - base].astype(np.int64)
    uid, counts = np.unique(customer_id, return_counts=True)
    return counts[np.searchsorted(uid, ids)].astype(np.int64)


def _next_purchase(model: bgnbd.BGNBD, x, T, as_of_day: int, stage, max_days: int) -> np.ndarray:
    """As-of + (α+T)/(r+x) days: the inverse of the mean purchase rate of an alive customer, λ | x, T ~
    Gamma(r+x, α+T) (FHL 2005 §4); none (NaT) when the customer is lost or it is more than `max_days` away."""
    wait = (model.alpha + T) / (model.r + x)
    ok = (wait <= max_days) & (stage != "lost")
    out = np.full(len(x), np.datetime64("NaT"), dtype="datetime64[D]")
    out[ok] = (as_of_day + np.ceil(wait[ok]).astype(np.int64)).astype("datetime64[D]")
    return out


def _figures(tx, days, as_of: date, params: dict, c: dict, model, spend) -> dict:
    """The run's aggregate figures (JSON: plain numbers and lists only)."""
    ids, monetary, clv_amount = c["customer_id"], c["monetary_amount"], c["clv_amount"]
    pareto = rules.pareto(ids, monetary)
    grid = np.linspace(0.0, 1.0, params["lorenz_points"])
    lorenz = np.interp(grid, pareto.lorenz_x, pareto.lorenz_y)
    # Repurchase rate (DESIGN.md §4) over all history and over the last 365 days, as rules.repurchase_rate
    # counts it, from per-customer order counts (a bincount instead of sorting 10M rows twice).
    everyone = rules.Repurchase(len(ids), int((c["orders"] >= 2).sum()))
    window = tx.day >= (as_of - repository._EPOCH).days - 364
    in_window = tx.customer_id[window]
    base, span = int(ids.min()), int(ids.max()) - int(ids.min()) + 1
    dense = span <= 4 * len(in_window) + 1_000_000
    recent_counts = np.bincount(in_window - base) if dense else np.unique(in_window, return_counts=True)[1]
    recent = rules.Repurchase(int((recent_counts >= 1).sum()), int((recent_counts >= 2).sum()))
    stages = {stage: 0 for stage in rules.STAGES}
    names, counts = np.unique(c["stage"].astype(str), return_counts=True)
    stages.update({str(k): int(v) for k, v in zip(names, counts, strict=True)})
    rf = (c["r_score"].astype(np.int64) - 1) * 5 + c["f_score"] - 1
    cells = _group(rf, [{"r": r, "f": f} for r in range(1, 6) for f in range(1, 6)], c)
    by_name = sorted(rules.SEGMENTS)
    segment_code = np.searchsorted(np.array(by_name), c["segment"].astype(str))
    segments = _group(np.array([rules.SEGMENTS.index(s) for s in by_name])[segment_code],
                      [{"segment": s} for s in rules.SEGMENTS], c)
    min_key = int(np.quantile(clv_amount, params["key_clv_quantile"], method="lower"))
    key = (clv_amount >= max(min_key, 1)) & (c["p_alive"] >= params["key_min_p_alive"])
    figures = {
        "as_of": as_of.isoformat(), "customers": len(ids),
        "model": {"unit": "day",
                  "bgnbd": {"r": model.r, "alpha": model.alpha, "a": model.a, "b": model.b,
                            "log_likelihood": model.log_likelihood, "converged": model.converged,
                            "customers": len(ids)},
                  "gammagamma": None if spend is None else {
                      "p": spend.p, "q": spend.q, "gamma": spend.gamma, "log_likelihood": spend.log_likelihood,
                      "converged": spend.converged, "customers": int(spend.n_customers)}},
        "pareto": {"top20_share": pareto.top_share, "bottom30_share": pareto.bottom_share,
                   "given_back_amount": pareto.given_back, "total_amount": pareto.total, "customers": len(ids),
                   "measure": "revenue"},
        "lorenz": [[float(x), float(y)] for x, y in zip(grid, lorenz, strict=True)],
        "repurchase": {"buyers": everyone.buyers, "repeaters": everyone.repeaters, "rate": everyone.rate,
                       "buyers_365": recent.buyers, "repeaters_365": recent.repeaters, "rate_365": recent.rate},
        "stages": stages, "rfm_cells": cells, "segments": segments,
        "clv_histogram": _histogram(clv_amount, params["histogram_bins"]),
        "cohorts": _cohorts(tx, days, as_of, params["cohort_months"]),
        "totals": {"customers": len(ids), "clv_amount": int(clv_amount.sum()),
                   "expected_purchases": float(c["expected_purchases"].sum()),
                   "monetary_amount": int(monetary.sum()),
                   "value_at_stake_amount": int(c["value_at_stake_amount"].sum())},
        "key_customers": {"min_clv_amount": max(min_key, 1), "min_p_alive": params["key_min_p_alive"],
                          "customers": int(key.sum())},
        "data_gaps": DATA_GAPS,
    }
    json.dumps(figures, allow_nan=False)  # raises on NaN/inf: none may reach the database
    return figures


def _group(codes: np.ndarray, labels: list[dict], c: dict) -> list[dict]:
    """Customers, Σ monetary and Σ CLV per group code (0 … len(labels) − 1), labelled."""
    size = len(labels)
    customers = np.bincount(codes, minlength=size)
    money = np.bincount(codes, weights=c["monetary_amount"], minlength=size)
    value = np.bincount(codes, weights=c["clv_amount"], minlength=size)
    return [label | {"customers": int(customers[i]), "monetary_amount": int(round(money[i])),
                     "clv_amount": int(round(value[i]))} for i, label in enumerate(labels)]


def _histogram(values: np.ndarray, bins: int) -> list[dict]:
    """Equal-width bins of CLV from 0 to a round step above the 99th percentile; the last bin takes the rest."""
    top = float(np.quantile(values, 0.99)) if len(values) else 0.0
    if top <= 0:
        return [{"from": 0, "to": int(values.max()) if len(values) else 0, "customers": len(values)}]
    raw = top / bins
    magnitude = 10 ** math.floor(math.log10(raw))
    step = int(next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw) or 1)
    edges = np.arange(bins + 1, dtype=np.int64) * max(step, 1)
    edges[-1] = max(int(values.max()), int(edges[-1])) + 1
    counts = np.histogram(np.clip(values, 0, None), bins=edges)[0]
    return [{"from": int(edges[i]), "to": int(edges[i + 1]), "customers": int(counts[i])} for i in range(bins)]


def _cohorts(tx, days, as_of: date, keep: int) -> dict:
    """Monthly acquisition cohorts: the `keep` most recent months, retention shares and revenue (minor units)."""
    cohorts = rules.monthly_cohorts(tx.customer_id, days, tx.amount, as_of=as_of)
    start = max(len(cohorts.months) - keep, 0)
    width = len(cohorts.months) - start
    rows = slice(start, None)
    retention = np.where(cohorts.observed, cohorts.retention, np.nan)[rows, :width]
    revenue = cohorts.revenue[rows, :width]
    observed = cohorts.observed[rows, :width]
    return {"months": [str(m) for m in cohorts.months[rows]], "sizes": cohorts.sizes[rows].tolist(),
            "retention": [[round(float(v), 6) if ok else None for v, ok in zip(r, o, strict=True)]
                          for r, o in zip(retention, observed, strict=True)],
            "revenue": [[int(v) if ok else None for v, ok in zip(r, o, strict=True)]
                        for r, o in zip(revenue, observed, strict=True)]}
