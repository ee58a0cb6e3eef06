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


def ecsi_rows(shared_data) -> list[dict[str, int]]:
    """The 250 ECSI respondents (../shared/data/ecsi_satisfaction); answers of 0 become 1, since the shipped
    questionnaire asks on 1–10."""
    import csv

    with (shared_data / "ecsi_satisfaction" / "satisfaction.csv").open(newline="") as fh:
        return [{k: max(1, int(v)) for k, v in row.items() if k and k != "gender"} for row in csv.DictReader(fh)]


def store_answers(session, shop_id: int, survey, version, rows: list[dict[str, int]], *, at: datetime,
                  wave: str | None = None) -> None:
    """Submitted responses as if answered through links (complaints left unanswered)."""
    from shopcx.surveys.tables import Answer, Response

    for row in rows:
        response = Response(shop_id=shop_id, survey_id=survey.id, version_id=version.id, locale="zh", partial=False,
                            anonymous=False, started_at=at, updated_at=at, submitted_at=at, wave=wave)
        session.add(response)
        session.flush()
        session.add_all(Answer(response_id=response.id, question=k, value=v, score=float(v)) for k, v in row.items())
    session.flush()


def ecsi_by_hand(rows: list[dict[str, int]]):
    """(the PLS model of the rows as R plspm's ECSI example, each row's satisfaction index by hand): Σ(w/Σw)·x over
    the SAT items on 1–10, rescaled to 0–100."""
    import numpy as np

    from shopcx.surveys.models import pls

    blocks = {b: [k for k in rows[0] if k.rstrip("0123456789") == b.lower()]
              for b in ("IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY")}
    spec = {"blocks": {b: {"items": items} for b, items in blocks.items()},
            "paths": [["IMAG", "EXPE"], ["IMAG", "SAT"], ["IMAG", "LOY"], ["EXPE", "QUAL"], ["EXPE", "VAL"],
                      ["EXPE", "SAT"], ["QUAL", "VAL"], ["QUAL", "SAT"], ["VAL", "SAT"], ["SAT", "LOY"]],
            "scheme": "centroid", "scaled": False, "index": "SAT", "scale": [1, 10]}
    model = pls.estimate({k: [r[k] for r in rows] for k in rows[0]}, spec)
    w = np.array([model.weights[model.items.index(k)] for k in blocks["SAT"]])
    x = np.array([[r[k] for k in blocks["SAT"]] for r in rows])
    return model, (x @ (w / w.sum()) - 1) / 9 * 100
