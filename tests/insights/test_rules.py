"""Hand-worked examples for RFM, Pareto 20/80/30, lifecycle stages, repurchase rate and cohorts."""

from __future__ import annotations

import numpy as np
import pytest

from shopcx.insights import rules


def test_quintiles_ties_share_a_score_or_break_by_id():
    ids = np.arange(10)
    v = [1, 1, 1, 1, 1, 1, 1, 2, 3, 4]
    # ranks (min): 0×7, 7, 8, 9 → 1 + ⌊5·rank/10⌋
    np.testing.assert_array_equal(rules.quintile_scores(v, ids), [1] * 7 + [4, 5, 5])
    np.testing.assert_array_equal(rules.quintile_scores(v, ids, ties="first"), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
    # recency: fewer days = better
    np.testing.assert_array_equal(rules.quintile_scores([30, 1, 10, 100, 5], [1, 2, 3, 4, 5],
                                                        higher_is_better=False), [2, 5, 3, 1, 4])


def test_rfm_segments_by_hand():
    seg = rules.rfm_segment(r=[5, 5, 5, 3, 4, 1, 2, 2, 2, 1], f=[5, 1, 3, 1, 2, 5, 3, 1, 5, 1],
                            fm=[5, 3, 3, 1, 2, 5, 4, 2, 5, 2])
    assert list(seg) == ["Champions", "New", "Loyal", "Potential", "Potential", "Can't lose", "At risk",
                         "Hibernating", "Can't lose", "Lost"]
    every = rules.rfm_segment(*np.meshgrid(range(1, 6), range(1, 6), range(1, 6)))
    assert set(every.ravel()) == set(rules.SEGMENTS)


def test_rfm_scores_end_to_end():
    out = rules.rfm_scores([1, 2, 3, 4, 5], recency_days=[1, 2, 3, 200, 300], frequency=[9, 1, 5, 8, 1],
                           monetary=[900, 10, 500, 800, 5])
    np.testing.assert_array_equal(out.r, [5, 4, 3, 2, 1])
    np.testing.assert_array_equal(out.f, [4, 1, 2, 3, 1])  # four distinct order counts: scores 1–4
    np.testing.assert_array_equal(out.m, [5, 2, 3, 4, 1])
    assert list(out.segment) == ["Champions", "New", "Loyal", "At risk", "Lost"]


def test_pareto_by_hand():
    # ten customers; profits sum to 100; the top two bring 80, the bottom three lose 10
    profit = [50, 30, 10, 8, 6, 3, 3, -2, -3, -5]
    view = rules.pareto(np.arange(10), profit)
    assert view.total == 100
    assert view.top_share == pytest.approx(0.80)
    assert view.bottom_share == pytest.approx(-0.10)
    assert view.given_back == 10
    assert view.lorenz_x[0] == 0 and view.lorenz_y[-1] == pytest.approx(1.0)
    assert view.lorenz_y[3] == pytest.approx(-0.10)
    # five customers: 20% is exactly one customer, 30% is one and a half
    half = rules.pareto(np.arange(5), [40, 30, 20, 6, 4])
    assert half.top_share == pytest.approx(0.40)
    assert half.bottom_share == pytest.approx((4 + 3) / 100)
    assert half.given_back == 0


def test_lifecycle_by_hand():
    t = rules.LifecycleThresholds(at_risk_p_alive=0.5, lost_p_alive=0.2, gap_multiple=2.0)
    stages = rules.lifecycle_stage(
        n_orders=[0, 0, 1, 3, 3, 3, 2, 4, 5, 6, 3, 1, 4],
        has_inquiry=[False, True] + [False] * 11,
        referred=[False, False, False, False, True, False, False, False, True, False, False, False, False],
        nps=[-1, -1, -1, -1, -1, 10, -1, -1, -1, -1, -1, -1, -1],
        p_alive=[np.nan, np.nan, 1.0, 0.9, 0.9, 0.9, 0.3, 0.1, 0.9, 0.3, 0.1, 1.0, 0.4],
        recency_days=[0, 0, 5, 10, 10, 10, 10, 10, 100, 70, 70, 65, 22],
        usual_gap_days=[np.nan, np.nan, 30, 30, 30, 30, 30, 30, 40, 30, 30, 30, 10],
        thresholds=t,
    )
    assert list(stages) == [
        "suspect", "prospect", "first_time", "repeat", "advocate", "advocate",
        "repeat",     # P(alive) 0.3 but only 10 days after a 30-day rhythm: the two disagree
        "repeat",     # P(alive) 0.1, same: a frequent buyer's P(alive) dips fast, their rhythm says not yet
        "advocate",   # 100 days > 2 × 40 but P(alive) 0.9: the model says alive
        "at_risk",    # P(alive) 0.3 and 70 > 2 × 30: both agree
        "lost",       # P(alive) 0.1 and overdue
        "at_risk",    # one order (P(alive) 1 under BG/NBD): 65 > 2 × the shop's 30-day gap
        "at_risk",    # a Champion-like buyer every 10 days, silent for 22, P(alive) 0.4: both agree
    ]
    gap = rules.usual_gap_days([1, 3], np.array(["2024-01-01", "2024-01-01"], "datetime64[D]"),
                               np.array(["2024-01-01", "2024-01-21"], "datetime64[D]"))
    assert np.isnan(gap[0]) and gap[1] == 10


def test_repurchase_rate_by_hand():
    ids = [1, 1, 2, 3, 3, 3, 4]
    at = np.array(["2024-01-01", "2024-02-01", "2024-01-05", "2023-12-01", "2024-01-02", "2024-03-01",
                   "2024-03-02"], "datetime64[D]")
    whole = rules.repurchase_rate(ids, at)
    assert (whole.buyers, whole.repeaters, whole.rate) == (4, 2, 0.5)
    jan_feb = rules.repurchase_rate(ids, at, start="2024-01-01", end="2024-02-29")
    assert (jan_feb.buyers, jan_feb.repeaters) == (3, 1)


def test_monthly_cohorts_by_hand():
    ids = [1, 1, 2, 2, 3, 1]
    at = np.array(["2024-01-03", "2024-01-20", "2024-01-15", "2024-03-01", "2024-02-10", "2024-02-02"],
                  "datetime64[D]")
    amount = [100, 50, 200, 70, 300, 10]
    c = rules.monthly_cohorts(ids, at, amount, as_of="2024-03-31")
    assert list(c.months.astype(str)) == ["2024-01", "2024-02", "2024-03"]
    np.testing.assert_array_equal(c.sizes, [2, 1, 0])
    np.testing.assert_array_equal(c.active, [[2, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(c.revenue, [[350, 10, 70], [300, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(c.observed, [[True, True, True], [True, True, False], [True, False, False]])
    np.testing.assert_allclose(c.retention[0], [1.0, 0.5, 0.5])


def test_frequency_scores_leave_no_score_empty():
    # 70% one order, then 2, 3, 4 and 5–9 orders: quintile ranks would give 1 then jump to 4 (F2, F3 empty)
    counts = [1] * 70 + [2] * 15 + [3] * 8 + [4] * 4 + [5, 6, 9]
    f = rules.frequency_scores(counts)
    assert {c: int(s) for c, s in zip(counts, f, strict=True)} == {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 5, 9: 5}
    old = rules.quintile_scores(counts, np.arange(len(counts)))
    assert set(old.tolist()) == {1, 4, 5}  # what the quintiles did
    # ten customers with counts 5,4,3,3,2,2,1,1,1,1: the groups close at 2, 4, 6, 8 customers
    np.testing.assert_array_equal(rules.frequency_scores([5, 4, 3, 3, 2, 2, 1, 1, 1, 1]),
                                  [5, 4, 3, 3, 2, 2, 1, 1, 1, 1])
    # spread counts behave like quintiles: ten different counts, two per score
    np.testing.assert_array_equal(rules.frequency_scores(range(10, 0, -1)), [5, 5, 4, 4, 3, 3, 2, 2, 1, 1])
    # fewer than five distinct counts: scores 1…k, none skipped; everyone equal: all F = 1
    np.testing.assert_array_equal(rules.frequency_scores([1, 1, 1, 7]), [1, 1, 1, 2])
    np.testing.assert_array_equal(rules.frequency_scores([3, 3]), [1, 1])
    assert len(rules.frequency_scores([])) == 0
