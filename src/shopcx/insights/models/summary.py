"""Per-customer (x, t_x, T, mean repeat value) from a tidy transactions table.

The recency-frequency summary of Fader, Hardie & Lee (2005), "Counting your customers the easy way",
Marketing Science 24(2), section 2, computed as lifetimes' `summary_data_from_transaction_data` and
`calibration_and_holdout_data` do: purchases that fall in the same grain (day, or time unit) count as one
purchase whose value is their sum; x = number of *repeat* purchase periods, t_x = time from the first to the last
purchase, T = time from the first purchase to the calibration cut-off, monetary = mean value of the repeat
purchases (0 when x = 0; Fader, Hardie & Lee 2005, "RFM and CLV", leave the first purchase out).

Columns have fixed names (customer_id, at, amount) so the same definition runs on any columnar engine.
Dates are calendar dates in the shop's timezone: pass local dates or naive local datetimes.
Everything is vectorised with one sort of the (customer, period) keys, so 10M rows take a few seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

UNIT_DAYS = {"D": 1.0, "W": 7.0}
_MONDAY_OFFSET = 4  # 1970-01-01 was a Thursday; weekly grain starts on Monday as pandas' W-SUN periods


@dataclass(frozen=True)
class Transactions:
    """A tidy transactions table: one row per order; `amount` in integer minor units (分)."""

    customer_id: np.ndarray
    at: np.ndarray
    amount: np.ndarray

    @classmethod
    def from_columns(cls, customer_id, at, amount) -> Transactions:
        """Check the three columns and convert them to NumPy arrays (`at` to datetime64[D])."""
        cid = np.asarray(customer_id)
        days = to_days(at)
        amt = np.asarray(amount)
        if not (len(cid) == len(days) == len(amt)):
            raise ValueError(f"columns differ in length: customer_id {len(cid)}, at {len(days)}, amount {len(amt)}")
        if amt.dtype.kind not in "iu":
            raise ValueError(f"amount must be integer minor units, got dtype {amt.dtype}")
        return cls(cid, days, amt.astype(np.int64, copy=False))


@dataclass(frozen=True)
class Summary:
    """One row per customer seen by the cut-off; times in the chosen unit."""

    customer_id: np.ndarray
    x: np.ndarray  # repeat purchase periods in calibration
    t_x: np.ndarray  # first → last purchase
    T: np.ndarray  # first purchase → cut-off
    monetary: np.ndarray  # mean value of the repeat purchases (minor units; 0 when x = 0)
    first_on: np.ndarray  # datetime64[D] of the first purchase
    total_amount: np.ndarray  # all calibration purchases, int64 minor units
    x_holdout: np.ndarray | None = None  # purchase periods in (cut-off, holdout_end]
    monetary_holdout: np.ndarray | None = None  # their mean value (0 when none)
    duration_holdout: float = 0.0

    def __len__(self) -> int:
        return len(self.x)


def to_days(at) -> np.ndarray:
    """datetime64 of any resolution, `datetime.date`/`datetime` objects or ISO strings → datetime64[D]."""
    arr = np.asarray(at)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[D]")
    if arr.dtype == object and arr.size and isinstance(arr.flat[0], dt.datetime):
        arr = np.array([v.replace(tzinfo=None) for v in arr.ravel()], dtype="datetime64[us]")
    return arr.astype("datetime64[D]")


def _unit_days(unit: str | float) -> float:
    if isinstance(unit, str):
        if unit not in UNIT_DAYS:
            raise ValueError(f"unit must be one of {sorted(UNIT_DAYS)} or a number of days, got {unit!r}")
        return UNIT_DAYS[unit]
    if not unit > 0:
        raise ValueError(f"unit must be a positive number of days, got {unit!r}")
    return float(unit)


def _period(days: np.ndarray, grain_days: int) -> np.ndarray:
    d = days.astype(np.int64)
    if grain_days == 1:
        return d
    return (d - _MONDAY_OFFSET) // grain_days if grain_days == 7 else d // grain_days


def summarize(
    tx: Transactions,
    cutoff,
    *,
    unit: str | float = "D",
    grain: str = "D",
    holdout_end=None,
) -> Summary:
    """Recency/frequency/monetary summary at `cutoff` (inclusive), optionally with a holdout to `holdout_end`.

    unit: "D" (days), "W" (weeks) or a number of days per unit for t_x and T.
    grain: "D" counts purchases on the same calendar day as one (lifetimes' freq="D"); "unit" counts purchases
    in the same unit-long period as one (lifetimes' freq="W": Monday-to-Sunday weeks) and measures times between
    periods.
    """
    unit_days = _unit_days(unit)
    if grain == "D":
        grain_days = 1
    elif grain == "unit":
        if unit_days != int(unit_days):
            raise ValueError("grain='unit' needs a whole number of days per unit")
        grain_days = int(unit_days)
    else:
        raise ValueError(f"grain must be 'D' or 'unit', got {grain!r}")
    cut_day = np.datetime64(cutoff, "D").astype(np.int64)
    end_day = cut_day if holdout_end is None else np.datetime64(holdout_end, "D").astype(np.int64)
    if end_day < cut_day:
        raise ValueError(f"holdout_end {holdout_end} is before the cut-off {cutoff}")

    days = tx.at.astype("datetime64[D]").astype(np.int64)
    keep = days <= end_day
    cid_all, days, amount = tx.customer_id[keep], days[keep], tx.amount[keep]
    period = _period(days, grain_days)
    cut_period = _period(np.array([cut_day]), grain_days)[0]

    # Customer codes: integer ids are used directly when their range allows, else np.unique codes them.
    if cid_all.dtype.kind in "iu" and len(cid_all):
        base = int(cid_all.min())
        code = cid_all.astype(np.int64) - base
        n_codes = int(code.max()) + 1
        ids = None
    else:
        ids, code = np.unique(cid_all, return_inverse=True)
        code = code.astype(np.int64)
        n_codes = len(ids)
    p0 = int(period.min()) if len(period) else 0
    span = (int(period.max()) - p0 + 1) if len(period) else 1
    if n_codes * span >= 2**62:
        ids, code = np.unique(cid_all, return_inverse=True)
        code, n_codes = code.astype(np.int64), len(ids)
    key = code * span + (period - p0)
    order = np.argsort(key, kind="stable")
    skey = key[order]
    starts = np.flatnonzero(np.r_[True, skey[1:] != skey[:-1]]) if len(skey) else np.array([], np.int64)
    p_key = skey[starts]
    p_amount = np.add.reduceat(amount[order], starts) if len(starts) else np.array([], np.int64)
    p_first_day = np.minimum.reduceat(days[order], starts) if len(starts) else starts
    p_code = p_key // span
    p_per = p_key % span + p0
    in_cal = p_per <= cut_period

    # Customers exist from their first purchase; those whose first purchase is after the cut-off are left out.
    c_starts = np.flatnonzero(np.r_[True, p_code[1:] != p_code[:-1]]) if len(p_code) else starts[:0]
    c_first_per = p_per[c_starts]
    c_keep = c_first_per <= cut_period
    n_cal = np.add.reduceat(in_cal.astype(np.int64), c_starts) if len(c_starts) else c_starts
    cal_amount = np.add.reduceat(np.where(in_cal, p_amount, 0), c_starts) if len(c_starts) else c_starts
    last_idx = c_starts + np.maximum(n_cal, 1) - 1
    first_amount = p_amount[c_starts]
    x = n_cal - 1
    first_day = p_first_day[c_starts]
    if grain_days == 1:
        t_x = (p_per[last_idx] - c_first_per) / unit_days
        T = (cut_day - first_day) / unit_days
    else:
        t_x = (p_per[last_idx] - c_first_per).astype(np.float64)
        T = (cut_period - c_first_per).astype(np.float64)
    monetary = np.divide(cal_amount - first_amount, x, out=np.zeros(len(x)), where=x > 0)

    c_codes = p_code[c_starts]
    customer_id = (c_codes + base).astype(cid_all.dtype) if ids is None else ids[c_codes]
    out = dict(
        customer_id=customer_id,
        x=x,
        t_x=t_x.astype(np.float64),
        T=T.astype(np.float64),
        monetary=monetary,
        first_on=first_day.astype("datetime64[D]"),
        total_amount=cal_amount.astype(np.int64),
    )
    if holdout_end is not None:
        n_all = np.diff(np.r_[c_starts, len(p_code)])
        x_h = n_all - n_cal
        hold_amount = np.add.reduceat(np.where(in_cal, 0, p_amount), c_starts) if len(c_starts) else c_starts
        out["x_holdout"] = x_h
        out["monetary_holdout"] = np.divide(hold_amount, x_h, out=np.zeros(len(x_h)), where=x_h > 0)
        out["duration_holdout"] = float(end_day - cut_day) / unit_days if grain_days == 1 else float(
            _period(np.array([end_day]), grain_days)[0] - cut_period
        )
    for name in ("customer_id", "x", "t_x", "T", "monetary", "first_on", "total_amount", "x_holdout",
                 "monetary_holdout"):
        if name in out:
            out[name] = out[name][c_keep]
    return Summary(**out)
