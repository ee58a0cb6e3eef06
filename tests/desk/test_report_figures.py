"""The desk's report figures on hand-worked examples (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shopcx.desk.reports import figures

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def test_compliance_counts_met_missed_and_running():
    now = T0 + 10 * H
    clocks = [("first_response", T0 + H, T0 + 2 * H, False),   # stopped before due: met
              ("first_response", T0 + 3 * H, T0 + 2 * H, False),  # stopped after due: missed
              ("first_response", None, T0 + 20 * H, False),      # running, not yet due
              ("first_response", None, T0 + 5 * H, False),       # running past due: missed
              ("resolution", T0 + H, T0 + 9 * H, True)]          # marked breached: missed
    got = figures.compliance(clocks, now)
    assert got["first_response"] == {"met": 1, "missed": 2, "running": 1, "rate": 1 / 3}
    assert got["resolution"] == {"met": 0, "missed": 1, "running": 0, "rate": 0.0}


def test_backlog_ages_in_buckets():
    now = T0 + 30 * D
    opened = [now - 2 * H, now - 2 * D, now - 3 * D, now - 10 * D, now - 15 * D, now - 15 * D]
    assert figures.backlog_ages(opened, now) == {"lt1d": 1, "d1_3": 1, "d3_7": 1, "d7_14": 1, "gt14d": 2}


def test_recovery_by_resolution_time_beside_the_shop_rate():
    # Customers 1–4 complained; 1 (solved in 5 h) and 3 (solved in 2 days) bought again after; 2 (solved in 10 h)
    # only bought before; 4 is unresolved and bought after. Customer 5 never complained, ordered twice.
    complaints = [(1, T0, T0 + 5 * H), (2, T0, T0 + 10 * H), (3, T0, T0 + 2 * D), (4, T0, None),
                  (1, T0 + 9 * D, T0 + 20 * D)]  # a second complaint of 1: only the first counts
    # Orders: 1 at T0 − 1 d and T0 + 5 d, 2 at T0 − 3 d, 3 at T0 − 1 d and T0 + 8 d, 4 at T0 + 1 d, 5 twice before
    # T0, 6 once: the complainants' latest orders, and 6 buyers of whom 1, 3 and 5 ordered twice.
    last = {1: T0 + 5 * D, 2: T0 - 3 * D, 3: T0 + 8 * D, 4: T0 + D}
    rec = figures.recovery(complaints, last, 6, 3)
    assert rec.buckets == {"le1d": (2, 1, 0.5), "d1_3": (1, 1, 1.0), "unresolved": (1, 1, 1.0)}
    assert rec.shop_rate == 0.5 and rec.shop_customers == 6
    # a latest order placed at the very moment the ticket opened is not "after" it
    assert figures.recovery([(2, T0, T0 + H)], {2: T0}, 1, 0).buckets == {"le1d": (1, 0, 0.0)}


def test_pareto_sorts_and_accumulates():
    got = figures.pareto(["顺丰", "中通", "中通", None, "中通", "顺丰"])
    assert got == [("中通", 3, 0.5), ("顺丰", 2, 5 / 6), (None, 1, 1.0)]


def test_agent_figures_are_medians_and_csat_is_the_share_of_4_and_5():
    rows = [(7, T0, T0 + 10 * timedelta(minutes=1), T0 + 2 * H, 5),
            (7, T0, T0 + 30 * timedelta(minutes=1), T0 + 6 * H, 3),
            (7, T0, T0 + 20 * timedelta(minutes=1), None, None),
            (9, T0, None, None, None)]
    a7, a9 = figures.agent_figures(rows)
    assert (a7.owner_id, a7.tickets, a7.first_response_median_min, a7.resolution_median_h) == (7, 3, 20.0, 4.0)
    assert (a7.csat, a7.rated) == (0.5, 2)
    assert (a9.first_response_median_min, a9.resolution_median_h, a9.csat) == (None, None, None)
