"""Builders for survey tests: a finished customer-value analysis scoring some customers (for waves to a segment or
a lifecycle stage)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from shopcx.insights.tables import AnalysisRun, CustomerScore


def scored_run(session, shop_id: int | None, people: dict[int, tuple[str, str]], *,
               as_of: date = date(2026, 12, 1)) -> AnalysisRun:
    """A finished analysis run (of one shop, or of all shops with None) giving each customer id a (stage, RFM
    segment as stored, e.g. "Champions")."""
    at = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    run = AnalysisRun(shop_id=shop_id, as_of_on=as_of, currency="CNY", status="done", started_at=at, finished_at=at,
                      customers=len(people), params={}, figures={})
    session.add(run)
    session.flush()
    session.add_all(CustomerScore(run_id=run.id, customer_id=cid, stage=stage, segment=segment, r_score=3, f_score=3,
                                  m_score=3, recency_days=10, orders=2, monetary_amount=1000, p_alive=0.5,
                                  expected_purchases=0.5, expected_order_amount=1000, clv_amount=1000, churn_risk=0.5,
                                  value_at_stake_amount=100) for cid, (stage, segment) in people.items())
    session.flush()
    return run
