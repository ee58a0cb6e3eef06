"""run_analysis on a hand-built shop whose RFM cells, segments, stages, Pareto shares and repurchase rate are
worked out by hand below; snapshots are append-only; nothing non-finite is stored; the reports' contract."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from shopcx.core.errors import InvalidInput, NotFound
from shopcx.customers import service as customers
from shopcx.customers.schemas import CustomerIn
from shopcx.insights import service
from shopcx.insights.tables import AnalysisRun, CustomerScore
from shopcx.staff.service import SYSTEM

from ..factories import make_order, make_shop

AS_OF = date(2026, 3, 31)
TEN_AM = datetime(2026, 3, 31, 2, 0, tzinfo=timezone.utc)  # 10:00 in Asia/Shanghai

# name: [(days before AS_OF, yuan), ...]; recency, orders and monetary below follow from these.
BUYERS = {
    "c1": [(120, 200), (90, 200), (60, 200), (30, 200), (1, 200)],
    "c2": [(100, 200), (70, 200), (40, 200), (3, 200)],
    "c3": [(70, 200), (40, 200), (10, 200)],
    "c4": [(260, 300), (230, 300), (200, 300)],
    "c5": [(45, 150), (15, 150)],
    "c6": [(430, 250), (400, 250)],
    "c9": [(50, 50)],
    "c10": [(600, 2000)],
}
# Worked by hand (DESIGN.md §4; R, M: score = 1 + ⌊5·rank/n⌋, equal values share the lowest rank; F: groups of
# whole order counts closing at 2, 4, 6, 8 of the 10 customers (rules.frequency_scores); FM = ⌈(F+M)/2⌉):
# recency 1,3,10,200,15,400,2,20,50,600 → R 5,4,4,2,3,1,5,3,2,1; orders 5,4,3,3,2,2,1,1,1,1 → F 5,4,3,3,2,2,1,1,1,1;
# monetary 1000,800,600,900,300,500,100,70,50,2000 → M 5,4,3,4,2,3,2,1,1,5.
EXPECTED_RFM = {
    "c1": (5, 5, 5, "Champions"), "c2": (4, 4, 4, "Champions"), "c3": (4, 3, 3, "Loyal"),
    "c4": (2, 3, 4, "At risk"), "c5": (3, 2, 2, "Potential"), "c6": (1, 2, 3, "At risk"), "c7": (5, 1, 2, "New"),
    "c8": (3, 1, 1, "Potential"), "c9": (2, 1, 1, "Hibernating"), "c10": (1, 1, 5, "At risk"),
}
MONETARY = {"c1": 1000, "c2": 800, "c3": 600, "c4": 900, "c5": 300, "c6": 500, "c7": 100, "c8": 70, "c9": 50,
            "c10": 2000}


def _buyer(name: str) -> dict:
    return {"source": "taobao", "external_id": f"hand-{name}", "name": name}


def _line(yuan: int) -> list[dict]:
    return [{"sku": "TEA-1", "name": "茶", "quantity": 1, "unit_price_amount": yuan * 100}]


@pytest.fixture
def hand_shop(session):
    """Ten buyers as in BUYERS plus c7/c8, four customers with no paid order up to AS_OF, a guest order."""
    shop = make_shop(session, code="hand")
    for name, orders in BUYERS.items():
        for days, yuan in orders:
            make_order(session, shop, customer=_buyer(name), placed_at=TEN_AM - timedelta(days=days), lines=_line(yuan))
    # c7: 01:00 on 29 March in Shanghai (still 28 March in UTC): recency 2 only if days are local.
    make_order(session, shop, customer=_buyer("c7"), placed_at=datetime(2026, 3, 28, 17, 0, tzinfo=timezone.utc),
               lines=_line(100))
    make_order(session, shop, customer=_buyer("c7"), status="cancelled", placed_at=TEN_AM, lines=_line(900))
    # c8: 100 paid, 30 refunded → 70.
    make_order(session, shop, customer=_buyer("c8"), placed_at=TEN_AM - timedelta(days=20), lines=_line(100),
               refunds=[{"external_id": "rf-c8", "amount": 3000}])
    make_order(session, shop, customer=_buyer("c11"), status="cancelled", placed_at=TEN_AM, lines=_line(80))
    make_order(session, shop, customer=_buyer("c12"), status="refunded", placed_at=TEN_AM, lines=_line(80),
               refunds=[{"external_id": "rf-c12", "amount": 8000}])
    customers.upsert_customer(session, CustomerIn(source="taobao", external_id="hand-c13", name="c13"),
                              shop_id=shop.id, actor=SYSTEM)
    # c14: 00:30 on 1 April in Shanghai, after AS_OF (31 March in UTC).
    make_order(session, shop, customer=_buyer("c14"), placed_at=datetime(2026, 3, 31, 16, 30, tzinfo=timezone.utc),
               lines=_line(120))
    make_order(session, shop, customer=None, placed_at=TEN_AM, lines=_line(500))
    session.flush()
    return shop


def _scores(session, run) -> dict[str, CustomerScore]:
    from shopcx.customers.models import Customer

    rows = session.execute(select(Customer.name, CustomerScore).join(Customer, Customer.id == CustomerScore.customer_id)
                           .where(CustomerScore.run_id == run.id).execution_options(populate_existing=True)).all()
    return {name: score for name, score in rows}


def test_hand_built_shop(session, hand_shop):
    run = service.run_analysis(as_of=AS_OF, shop_code="hand")
    assert run.status == "done", run.error
    assert run.customers == 10 and run.as_of_on == AS_OF and run.currency == "CNY"
    scores = _scores(session, run)
    assert set(scores) == set(EXPECTED_RFM)
    for name, (r, f, m, segment) in EXPECTED_RFM.items():
        s = scores[name]
        assert (s.r_score, s.f_score, s.m_score, s.segment) == (r, f, m, segment), name
        assert s.monetary_amount == MONETARY[name] * 100, name
    assert {n: s.recency_days for n, s in scores.items()} == {"c1": 1, "c2": 3, "c3": 10, "c4": 200, "c5": 15,
                                                              "c6": 400, "c7": 2, "c8": 20, "c9": 50, "c10": 600}
    assert {n: s.orders for n, s in scores.items()} == {"c1": 5, "c2": 4, "c3": 3, "c4": 3, "c5": 2, "c6": 2,
                                                        "c7": 1, "c8": 1, "c9": 1, "c10": 1}
    f = run.figures
    # Pareto: top 2 of 10 = 2000 + 1000 of 6320; bottom 3 = 50 + 70 + 100.
    assert f["pareto"]["top20_share"] == pytest.approx(3000 / 6320)
    assert f["pareto"]["bottom30_share"] == pytest.approx(220 / 6320)
    assert f["pareto"]["total_amount"] == 632_000
    assert f["lorenz"][0] == [0.0, 0.0] and f["lorenz"][-1] == [1.0, 1.0] and len(f["lorenz"]) == 101
    assert (f["repurchase"]["buyers"], f["repurchase"]["repeaters"]) == (10, 6)
    assert f["repurchase"]["rate"] == pytest.approx(0.6)
    cells = {(c["r"], c["f"]): c["customers"] for c in f["rfm_cells"]}
    assert len(cells) == 25 and sum(cells.values()) == 10
    assert {k for k, v in cells.items() if v} == {(5, 5), (4, 4), (4, 3), (2, 3), (3, 2), (1, 2), (5, 1), (3, 1),
                                                  (2, 1), (1, 1)}
    segments = {s["segment"]: (s["customers"], s["monetary_amount"]) for s in f["segments"]}
    assert segments["Champions"] == (2, 180_000) and segments["At risk"] == (3, 340_000)
    assert f["notes"]["frequency_breaks"] == [
        {"f": score, "customers": n, "min_orders": score, "max_orders": score}
        for score, n in ((1, 4), (2, 2), (3, 2), (4, 1), (5, 1))]
    assert segments["Lost"] == (0, 0)

    # P(alive), checked against FHL (2005) eq. 13 with the fitted parameters: x = purchase days − 1, in days.
    m = f["model"]["bgnbd"]
    first = {"c1": 120, "c2": 100, "c3": 70, "c4": 260, "c5": 45, "c6": 430}
    for name, t_first in first.items():
        s = scores[name]
        x, T, t_x = s.orders - 1, t_first, t_first - s.recency_days
        odds = m["a"] / (m["b"] + x - 1) * ((m["alpha"] + T) / (m["alpha"] + t_x)) ** (m["r"] + x)
        assert s.p_alive == pytest.approx(1 / (1 + odds), rel=1e-9), name
        assert s.churn_risk == pytest.approx(1 - s.p_alive)
        overdue = s.recency_days > 2 * ((t_first - s.recency_days) / x)  # the customer's own rhythm
        expected_stage = ("lost" if s.p_alive < 0.2 and overdue else "at_risk" if s.p_alive < 0.5 and overdue
                          else "repeat")
        assert s.stage == expected_stage, name
    assert scores["c4"].stage in ("at_risk", "lost") and scores["c6"].stage in ("at_risk", "lost")
    # One-order buyers: P(alive) = 1 under BG/NBD; the repeaters' median gap (30 days) makes c10 overdue.
    assert {n: scores[n].stage for n in ("c7", "c8", "c9", "c10")} == {
        "c7": "first_time", "c8": "first_time", "c9": "first_time", "c10": "at_risk"}
    assert f["usual_gap_days_one_order"] == 30
    assert all(scores[n].p_alive == 1.0 for n in ("c7", "c8", "c9", "c10"))
    for s in scores.values():
        assert s.value_at_stake_amount == round(s.clv_amount * s.churn_risk)
        assert s.clv_amount >= 0 and s.expected_order_amount > 0
    # c11 (cancelled), c12 (refunded in full), c13 (no order) and c14 (after AS_OF) have no paid order yet.
    assert f["stages"]["suspect"] == 4 and f["stages"]["prospect"] == 0 and f["stages"]["advocate"] == 0
    assert sum(f["stages"].values()) == 14
    assert f["as_of"] == "2026-03-31"


def test_stored_rows_are_finite_and_bounded(session, hand_shop):
    run = service.run_analysis(as_of=AS_OF)
    for s in _scores(session, run).values():
        for value in (s.p_alive, s.expected_purchases, s.churn_risk):
            assert math.isfinite(value)
        assert 0 <= s.p_alive <= 1 and s.expected_purchases >= 0
        assert s.next_purchase_on is None or s.next_purchase_on > AS_OF


def test_snapshots_are_append_only_with_movements(session, hand_shop):
    first = service.run_analysis(as_of=AS_OF, shop_code="hand")
    second = service.run_analysis(as_of=AS_OF + timedelta(days=1), shop_code="hand")
    assert second.customers == 11  # c14 bought on 1 April (local)
    assert len(_scores(session, first)) == 10 and len(_scores(session, second)) == 11
    assert service.latest_run(session, "hand").id == second.id
    assert service.previous_run(session, second).id == first.id and service.previous_run(session, first) is None
    life = service.lifecycle(session, second)
    assert [s["stage"] for s in life["stages"]] == ["suspect", "prospect", "first_time", "repeat", "advocate",
                                                    "at_risk", "lost"]
    assert life["previous_run_id"] == first.id
    moves = life["movements"]
    assert {"from": None, "to": "first_time", "customers": 1} in moves
    assert sum(m["customers"] for m in moves) == 11
    assert service.lifecycle(session, first)["movements"] == []
    c1 = session.scalar(select(CustomerScore.customer_id).where(CustomerScore.run_id == first.id,
                                                               CustomerScore.recency_days == 1))
    trend = service.customer_trend(session, c1)
    assert [t["as_of"] for t in trend] == ["2026-03-31", "2026-04-01"]
    assert [t["recency_days"] for t in trend] == [1, 2]
    value = service.customer_value(session, c1)
    assert value["latest"]["run_id"] == second.id and value["explain"]["key"].startswith("insights.explain.")


def test_reports_follow_the_contract(session, hand_shop):
    run = service.run_analysis(as_of=AS_OF, shop_code="hand")
    overview = service.value_overview(session, run)
    assert overview["as_of"] == "2026-03-31" and overview["currency"] == "CNY"
    assert sum(b["customers"] for b in overview["clv_histogram"]) == 10
    assert all(b["from"] < b["to"] for b in overview["clv_histogram"])
    assert overview["totals"]["customers"] == 10 and overview["model"]["bgnbd"]["converged"] in (True, False)
    assert {"top20_share", "bottom30_share"} <= set(overview["pareto"])
    grid = service.rfm_grid(session, run)
    assert len(grid["cells"]) == 25 and [s["segment"] for s in grid["segments"]][0] == "Champions"
    coh = service.cohorts(session, run)
    assert len(coh["months"]) == len(coh["sizes"]) == len(coh["retention"]) == len(coh["revenue"])
    assert sum(coh["sizes"]) == 10 and coh["months"][-1] == "2026-03"
    assert all(row[0] == 1.0 for row, size in zip(coh["retention"], coh["sizes"], strict=True) if size)
    rows, total = service.at_risk(session, run, offset=0, limit=2)
    stakes = [r["value_at_stake_amount"] for r in rows]
    assert total == sum(1 for s in _scores(session, run).values() if s.stage == "at_risk")
    assert stakes == sorted(stakes, reverse=True) and all(r["stage"] == "at_risk" for r in rows)
    assert set(rows[0]) == {"customer_id", "name", "stage", "segment", "p_alive", "clv_amount",
                            "value_at_stake_amount", "recency_days", "orders"}
    keys, key_total = service.key_customers(session, run, offset=0, limit=50)
    assert key_total == len(keys) == run.figures["key_customers"]["customers"]
    assert all(k["p_alive"] >= 0.5 and k["clv_amount"] >= run.figures["key_customers"]["min_clv_amount"]
               for k in keys)
    for which in service.EXPORTS:
        header, body = service.export_rows(session, run, which)
        body = list(body)
        assert body and all(len(row) == len(header) for row in body), which
    with pytest.raises(InvalidInput):
        service.export_rows(session, run, "everything")
    assert service.explain(service.score_dict(_scores(session, run)["c10"], run))["key"] == "insights.explain.at_risk"


def test_empty_database_gives_an_empty_done_run(session):
    run = service.run_analysis(as_of=AS_OF)
    assert run.status == "done" and run.customers == 0
    assert service.value_overview(session, run)["clv_histogram"] == []
    assert service.at_risk(session, run) == ([], 0)


def test_mixed_currencies_need_a_shop_and_unknown_shops_are_refused(session, hand_shop):
    usd = make_shop(session, code="usd", currency="USD")
    make_order(session, usd, placed_at=TEN_AM, lines=_line(10))
    session.flush()
    with pytest.raises(InvalidInput) as error:
        service.run_analysis(as_of=AS_OF)
    assert error.value.code == "mixed_currencies"
    assert service.run_analysis(as_of=AS_OF, shop_code="usd").currency == "USD"
    with pytest.raises(NotFound):
        service.run_analysis(as_of=AS_OF, shop_code="nowhere")
    with pytest.raises(InvalidInput):
        service.run_analysis(as_of=AS_OF, params={"nonsense": 1})
    assert session.scalar(select(AnalysisRun.status).where(AnalysisRun.currency == "USD")) == "done"


@pytest.mark.slow
def test_uci_online_retail_end_to_end(session, shared_data, capsys):
    """Import the whole UCI file with the real importer, analyse it as of its last day, check sane headlines."""
    from pathlib import Path

    from shopcx.imports import service as imports

    path = shared_data / "online_retail_uci" / "online_retail.csv.gz"
    job = imports.create_job(session, kind="orders", format="online-retail", filename=path.name, shop_code=None,
                             actor_label="test")
    session.flush()
    assert imports.run_job(job.id, Path(path)).status == "done"
    run = service.run_analysis(as_of=date(2011, 12, 9))
    assert run.status == "done", run.error
    # 4,372 customers; 33 have only cancellations (C…) and one only a sale invoice worth 0 (counted from the file).
    assert run.customers == 4338
    f = run.figures
    assert f["stages"]["suspect"] == 4372 - 4338
    assert 0.5 < f["pareto"]["top20_share"] < 1 and 0 < f["pareto"]["bottom30_share"] < 0.1
    assert 0 < f["repurchase"]["rate"] < 1 and f["repurchase"]["buyers"] == 4338
    assert sum(f["stages"].values()) == 4372 and f["model"]["bgnbd"]["converged"]
    assert f["model"]["gammagamma"] is not None and f["totals"]["clv_amount"] > 0
    assert f["cohorts"]["months"][0] == "2010-12" and f["cohorts"]["months"][-1] == "2011-12"
    with capsys.disabled():
        from shopcx.insights.cli import headline

        print("\nUCI headline:", headline(run))


def test_thresholds_come_from_settings_and_unknown_names_are_refused(monkeypatch):
    from shopcx.core.errors import InvalidInput
    from shopcx.core.settings import get_settings
    from shopcx.insights.service.analysis import merged_params

    monkeypatch.setattr(get_settings(), "analysis_params", {"at_risk_p_alive": 0.4, "gap_multiple": 3})
    params = merged_params({"gap_multiple": 4})
    assert (params["at_risk_p_alive"], params["gap_multiple"]) == (0.4, 4.0)
    monkeypatch.setattr(get_settings(), "analysis_params", {"churn": 1})
    with pytest.raises(InvalidInput) as err:
        merged_params(None)
    assert err.value.field == "params"


def test_a_repeat_buyer_with_a_good_review_in_words_is_an_advocate(session, hand_shop):
    # DESIGN.md §4: advocate = repeat and (referred someone or NPS 9–10 or 好评 with text). c1 and c2 are active
    # repeat buyers; c1 praises in words, c2 gives five stars without a word: only c1 becomes an advocate.
    from shopcx.customers.models import Customer
    from shopcx.orders.models import Order
    from shopcx.reviews import service as reviews
    from shopcx.reviews.schemas import ReviewIn

    for name, text in (("c1", "质量很好，包装仔细，下次还来买"), ("c2", None)):
        order = session.scalars(select(Order).join(Customer, Customer.id == Order.customer_id)
                                .where(Customer.name == name).order_by(Order.id)).first()
        reviews.record_review(session, hand_shop, ReviewIn.model_validate(
            {"external_id": f"rv-{name}", "order_external_id": order.external_id, "stars": 5, "text": text,
             "reviewed_at": TEN_AM - timedelta(days=1)}), actor=SYSTEM)
    run = service.run_analysis(as_of=AS_OF, shop_code="hand")
    scores = _scores(session, run)
    assert scores["c1"].stage == "advocate" and scores["c2"].stage == "repeat"
    assert run.figures["stages"]["advocate"] == 1
