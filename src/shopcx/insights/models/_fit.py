"""Shared maximum-likelihood machinery: collapsing identical rows and optimising over log-parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

_LOG_BOUND = 12.0  # parameters live in [e^-12, e^12]: wide enough for any real data, keeps the optimiser finite


@dataclass(frozen=True)
class Collapsed:
    """Unique rows of a few columns, their counts (weights) and the index mapping each input row to its unique row."""

    columns: tuple[np.ndarray, ...]
    weights: np.ndarray
    inverse: np.ndarray

    def expand(self, values: np.ndarray) -> np.ndarray:
        """Per-unique-row values → per-input-row values."""
        return values[self.inverse]


def collapse(*columns, weights=None) -> Collapsed:
    """Group identical rows of the given columns (e.g. x, t_x, T) and add up their weights."""
    cols = [np.asarray(c, dtype=np.float64).ravel() for c in columns]
    n = len(cols[0])
    if any(len(c) != n for c in cols):
        raise ValueError("columns differ in length")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if n == 0:
        return Collapsed(tuple(cols), w, np.zeros(0, np.int64))
    # One 1-D sort of a combined integer key built from per-column codes is faster than np.unique(axis=0).
    codes = [np.unique(c, return_inverse=True) for c in cols]
    if np.prod([float(len(u)) for u, _ in codes]) < 2.0**62:
        key = np.zeros(n, np.int64)
        for u, code in codes:
            key = key * len(u) + code.ravel()
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)
    else:  # too many distinct values for one integer key
        _, first, inv = np.unique(np.column_stack(cols), axis=0, return_index=True, return_inverse=True)
    return Collapsed(tuple(c[first] for c in cols), np.bincount(inv, weights=w, minlength=len(first)), inv.ravel())


def as_arrays(*values) -> list[np.ndarray]:
    """Broadcast inputs to float64 arrays of one shape."""
    return list(np.broadcast_arrays(*[np.asarray(v, dtype=np.float64) for v in values]))


def check_rfm(x, t_x, T) -> None:
    """Refuse inputs no model can be fitted on (with the offending row)."""
    for name, arr in (("x", x), ("t_x", t_x), ("T", T)):
        bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
        if len(bad):
            raise ValueError(f"{name} must be finite and >= 0; row {bad[0]} is {arr[bad[0]]}")
    bad = np.flatnonzero(t_x > T * (1 + 1e-12) + 1e-12)
    if len(bad):
        raise ValueError(f"t_x must be <= T; row {bad[0]} has t_x={t_x[bad[0]]}, T={T[bad[0]]}")
    bad = np.flatnonzero((x == 0) & (t_x > 0))
    if len(bad):
        raise ValueError(f"t_x must be 0 when x = 0; row {bad[0]} has t_x={t_x[bad[0]]}")


def maximise(
    neg_ll_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]] | None,
    neg_ll: Callable[[np.ndarray], float],
    start: np.ndarray,
) -> tuple[np.ndarray, float, bool]:
    """Minimise a negative log-likelihood over log-parameters: L-BFGS-B, then Nelder-Mead if that fails.

    Returns (log-parameters, negative LL, converged).
    """
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(start)

    def safe(v):
        f = neg_ll(v)
        return f if np.isfinite(f) else 1e300

    if neg_ll_and_grad is not None:

        def fg(v):
            f, g = neg_ll_and_grad(v)
            if not (np.isfinite(f) and np.all(np.isfinite(g))):
                return 1e300, np.zeros_like(v)
            return f, g

        res = optimize.minimize(fg, start, jac=True, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9})
    else:
        res = optimize.minimize(safe, start, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-9})
    ok = bool(np.isfinite(res.fun) and res.fun < 1e299 and (res.success or _small_grad(res)))
    if not ok:
        nm = optimize.minimize(safe, res.x if np.all(np.isfinite(res.x)) else start, method="Nelder-Mead",
                               options={"maxiter": 20000, "xatol": 1e-10, "fatol": 1e-12, "adaptive": True})
        if nm.fun < res.fun or not np.isfinite(res.fun):
            res = nm
        ok = bool(nm.success and np.isfinite(nm.fun) and nm.fun < 1e299)
    return np.clip(res.x, -_LOG_BOUND, _LOG_BOUND), float(res.fun), ok


def _small_grad(res) -> bool:
    jac = getattr(res, "jac", None)
    return jac is not None and bool(np.all(np.abs(jac) < 1e-5))


def finite(values: np.ndarray, upper: float = 1e300) -> np.ndarray:
    """Last line of defence: NaN → 0, ±inf → ±upper (tests assert it is never needed on valid input)."""
    return np.nan_to_num(values, nan=0.0, posinf=upper, neginf=-upper)
