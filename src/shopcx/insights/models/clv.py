"""Discounted customer lifetime value: Gamma-Gamma × a purchase model (Fader, Hardie & Lee 2005, "RFM and CLV",
JMR 42(4), section "CLV"), in the discrete monthly form lifetimes' `customer_lifetime_value` uses:

    CLV = Σ_{k=1..N} E[M | x, z̄] · (E[Y(k·u)] − E[Y((k−1)·u)]) / (1 + d)^k

with u = time units per month and d the monthly discount rate. The purchase part depends on (x, t_x, T) only,
so it is computed once per distinct row (`collapse`) and spread back.
"""

from __future__ import annotations

import numpy as np

from shopcx.insights.models import bgnbd, gammagamma, paretonbd
from shopcx.insights.models._fit import collapse, finite

DAYS_PER_MONTH = 365.25 / 12
UNITS_PER_MONTH = {"D": DAYS_PER_MONTH, "W": DAYS_PER_MONTH / 7}
LIFETIMES_UNITS_PER_MONTH = {"D": 30.0, "W": 4.345}  # lifetimes' rounder factors, for like-for-like comparison


def expected_purchases(model, t, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T] under a fitted BG/NBD or Pareto/NBD model."""
    if isinstance(model, bgnbd.BGNBD):
        return bgnbd.expected_purchases(model, t, x, t_x, T)
    if isinstance(model, paretonbd.ParetoNBD):
        return paretonbd.expected_purchases(model, t, x, t_x, T)
    raise TypeError(f"expected a BGNBD or ParetoNBD model, got {type(model).__name__}")


def discounted_purchases(model, x, t_x, T, *, months: int = 12, monthly_discount: float = 0.01,
                         units_per_month: float = UNITS_PER_MONTH["D"], collapse_rows: bool = True) -> np.ndarray:
    """Σ_k (E[Y(k·u)] − E[Y((k−1)·u)]) / (1+d)^k: discounted expected purchases over `months` months."""
    if months < 0 or monthly_discount <= -1 or units_per_month <= 0:
        raise ValueError("months must be >= 0, monthly_discount > -1 and units_per_month > 0")
    x, t_x, T = (np.asarray(v, dtype=np.float64).ravel() for v in (x, t_x, T))
    c = collapse(x, t_x, T) if collapse_rows else None
    ux, utx, uT = c.columns if c is not None else (x, t_x, T)
    total = np.zeros(len(ux))
    previous = np.zeros(len(ux))
    for k in range(1, months + 1):
        current = expected_purchases(model, k * units_per_month, ux, utx, uT)
        total += np.maximum(current - previous, 0.0) / (1.0 + monthly_discount) ** k
        previous = current
    return finite(c.expand(total) if c is not None else total)


def customer_lifetime_value(model, spend: gammagamma.GammaGamma, x, t_x, T, monetary, *, months: int = 12,
                            monthly_discount: float = 0.01, units_per_month: float = UNITS_PER_MONTH["D"],
                            collapse_rows: bool = True) -> np.ndarray:
    """Discounted CLV over `months` months, in the unit of `monetary` (e.g. 分)."""
    value = gammagamma.expected_order_value(spend, x, monetary)
    n = discounted_purchases(model, x, t_x, T, months=months, monthly_discount=monthly_discount,
                             units_per_month=units_per_month, collapse_rows=collapse_rows)
    return finite(value.ravel() * n)
