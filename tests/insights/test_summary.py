"""Hand-worked summaries: same-day purchases count once, x excludes the first purchase, holdout counts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from shopcx.insights.models.summary import Transactions, summarize


def table():
    rows = [  # customer, day, amount (分)
        (7, "2024-01-01", 1000), (7, "2024-01-01", 500),  # same day: one purchase of 1500
        (7, "2024-01-08", 2000), (7, "2024-01-15", 4000),
        (3, "2024-01-10", 900),
        (5, "2024-01-20", 100), (5, "2024-02-05", 300),  # the second is in the holdout
        (9, "2024-02-10", 700),  # first purchase after the cut-off: not a calibration customer
    ]
    cid, at, amt = zip(*rows, strict=True)
    return Transactions.from_columns(np.array(cid), np.array(at, dtype="datetime64[D]"), np.array(amt))


def test_summary_by_hand_in_days():
    s = summarize(table(), "2024-01-31", holdout_end="2024-02-29")
    np.testing.assert_array_equal(s.customer_id, [3, 5, 7])
    np.testing.assert_array_equal(s.x, [0, 0, 2])
    np.testing.assert_array_equal(s.t_x, [0, 0, 14])
    np.testing.assert_array_equal(s.T, [21, 11, 30])
    np.testing.assert_array_equal(s.monetary, [0, 0, 3000])  # (2000 + 4000) / 2, first purchase left out
    np.testing.assert_array_equal(s.total_amount, [900, 100, 7500])
    np.testing.assert_array_equal(s.x_holdout, [0, 1, 0])
    np.testing.assert_array_equal(s.monetary_holdout, [0, 300, 0])
    assert s.duration_holdout == 29
    assert s.first_on[2] == np.datetime64("2024-01-01")


def test_summary_in_weeks_and_weekly_grain():
    s = summarize(table(), "2024-01-31", unit="W")
    assert s.T[2] == pytest.approx(30 / 7) and s.t_x[2] == 2.0
    # weekly grain (Monday–Sunday; 2024-01-01 is a Monday): 01-01, 01-08, 01-15 are three different weeks
    w = summarize(table(), "2024-01-31", unit="W", grain="unit")
    np.testing.assert_array_equal(w.x, [0, 0, 2])
    np.testing.assert_array_equal(w.T, [3, 2, 4])


def test_string_ids_and_date_objects():
    tx = Transactions.from_columns(["b", "a", "b"], [dt.date(2024, 1, 1), dt.date(2024, 1, 2),
                                                     dt.datetime(2024, 1, 3, 23, 59)], [1, 2, 3])
    s = summarize(tx, dt.date(2024, 1, 3))
    np.testing.assert_array_equal(s.customer_id, ["a", "b"])
    np.testing.assert_array_equal(s.x, [0, 1])
    np.testing.assert_array_equal(s.t_x, [0, 2])


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="integer minor units"):
        Transactions.from_columns([1], ["2024-01-01"], [1.5])
    with pytest.raises(ValueError, match="differ in length"):
        Transactions.from_columns([1, 2], ["2024-01-01"], [1])
    with pytest.raises(ValueError, match="before the cut-off"):
        summarize(table(), "2024-01-31", holdout_end="2024-01-01")
