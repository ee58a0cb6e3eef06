"""Pareto/NBD: Schmittlein, Morrison & Colombo (1987), "Counting your customers: who are they and what will
they do next?", Management Science 33(1), with the likelihood, P(alive) and conditional expectation as derived
in Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and related expressions"
(brucehardie.com/notes/009; cited as FH eq. n).

While active a customer buys at Poisson rate λ ~ Gamma(r, α); his lifetime is exponential with rate
μ ~ Gamma(s, β). FH eq. 18–20 need ₂F₁ whose parameters grow with x; the branch with α < β is rewritten with
Euler's transformation so no term overflows for huge x, and all sums are taken in log space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import quad
from scipy.special import gammaln, hyp2f1

from shopcx.insights.models._fit import as_arrays, check_rfm, collapse, finite, maximise


@dataclass(frozen=True)
class ParetoNBD:
    """Fitted (or given) Pareto/NBD parameters; `log_likelihood` is the weighted total at the optimum."""

    r: float
    alpha: float
    s: float
    beta: float
    log_likelihood: float = float("nan")
    converged: bool = True
    n_customers: float = 0.0
    n_unique: int = 0

    @property
    def params(self) -> tuple[float, float, float, float]:
        return self.r, self.alpha, self.s, self.beta


def _log_G(r, al, s, be, x, y):
    """ln ∫_y^∞ (α+τ)^−(r+x) (β+τ)^−(s+1) dτ: FH eq. 19 (α ≥ β) and eq. 20 (α < β, Euler-transformed)."""
    rsx = r + s + x
    if al >= be:
        z = (al - be) / (al + y)
        return -rsx * np.log(al + y) + np.log(hyp2f1(rsx, s + 1.0, rsx + 1.0, z)) - np.log(rsx)
    # ₂F₁(r+s+x, r+x; r+s+x+1; z) = (1−z)^(1−r−x) ₂F₁(1, s+1; r+s+x+1; z), z = (β−α)/(β+y)
    z = (be - al) / (be + y)
    return (-rsx * np.log(be + y) + (1.0 - r - x) * (np.log(al + y) - np.log(be + y))
            + np.log(hyp2f1(1.0, s + 1.0, rsx + 1.0, z)) - np.log(rsx))


def _log_middle(r, al, s, be, x, t_x, T):
    """ln[s·(G(t_x) − G(T))], the 'died between t_x and T' part of FH eq. 18 (−inf when t_x = T)."""
    with np.errstate(all="ignore"):
        g_tx = _log_G(r, al, s, be, x, t_x)
        g_T = _log_G(r, al, s, be, x, T)
        d = np.minimum(g_T - g_tx, 0.0)
        out = np.log(s) + g_tx + np.log(-np.expm1(d))
    bad = np.isnan(out) | (out == np.inf)
    if bad.any():  # ₂F₁ with huge parameters and z → 1 (β ≪ α, T ≈ 0): integrate numerically instead
        out = np.array(out, dtype=np.float64, copy=True)
        xb, txb, Tb = np.broadcast_arrays(x, t_x, T)
        for i in zip(*np.nonzero(bad), strict=True):
            out[i] = np.log(s) + _log_middle_quad(r, al, s, be, xb[i], txb[i], Tb[i])
    return out


def _log_middle_quad(r, al, s, be, x, t_x, T):
    """ln ∫_{t_x}^T (α+τ)^−(r+x) (β+τ)^−(s+1) dτ by adaptive quadrature on geometric pieces (FH eq. 11)."""
    if T <= t_x:
        return -np.inf
    n, m = r + x, s + 1.0

    def scaled(v):  # integrand divided by its value at v = 0, so it starts at 1 and decreases
        return np.exp(-n * np.log1p(v / (al + t_x)) - m * np.log1p(v / (be + t_x)))

    scale = min((al + t_x) / n, (be + t_x) / m, T - t_x)
    edges = np.unique(np.minimum(scale * 10.0 ** np.arange(0, 40), T - t_x))
    total = quad(scaled, 0.0, edges[0])[0]
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        total += quad(scaled, lo, hi)[0]
    return -n * np.log(al + t_x) - m * np.log(be + t_x) + np.log(max(total, 1e-300))


def _ll(v, x, t_x, T, ux, xi):
    r, al, s, be = np.exp(v)
    head = (gammaln(r + ux) - gammaln(r))[xi] + r * np.log(al) + s * np.log(be)
    alive = -(r + x) * np.log(al + T) - s * np.log(be + T)
    return head + np.logaddexp(alive, _log_middle(r, al, s, be, x, t_x, T))


def _prepare(x, t_x, T, weights):
    x, t_x, T = (np.asarray(v, dtype=np.float64).ravel() for v in (x, t_x, T))
    check_rfm(x, t_x, T)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    ux, xi = np.unique(x, return_inverse=True)
    return x, t_x, T, w, ux, xi.ravel()


def log_likelihood(params: ParetoNBD, x, t_x, T, weights=None) -> float:
    """Σ weights · ln L(r, α, s, β | x, t_x, T) (FH eq. 18)."""
    x, t_x, T, w, ux, xi = _prepare(x, t_x, T, weights)
    return float(np.dot(w, _ll(np.log(params.params), x, t_x, T, ux, xi)))


def fit(x, t_x, T, weights=None, *, collapse_rows: bool = True) -> ParetoNBD:
    """Maximum-likelihood (r, α, s, β) over log-parameters (L-BFGS-B with numerical gradient; ₂F₁ has no cheap
    parameter derivatives), Nelder-Mead as fallback."""
    x, t_x, T = (np.asarray(v, dtype=np.float64).ravel() for v in (x, t_x, T))
    if collapse_rows:
        c = collapse(x, t_x, T, weights=weights)
        x, t_x, T = c.columns
        weights = c.weights
    x, t_x, T, w, ux, xi = _prepare(x, t_x, T, weights)
    if len(x) == 0 or w.sum() <= 0:
        raise ValueError("Pareto/NBD needs at least one customer")
    wsum = w.sum()

    def f(v):
        with np.errstate(all="ignore"):
            return -np.dot(w, _ll(v, x, t_x, T, ux, xi)) / wsum

    rate = max(np.dot(w, x) / max(np.dot(w, T), 1e-12), 1e-6)
    mean_T = max(np.dot(w, T) / wsum, 1e-6)
    v, nll, ok = maximise(None, f, np.log([1.0, 1.0 / rate, 1.0, mean_T]))
    r, al, s, be = np.exp(v)
    return ParetoNBD(float(r), float(al), float(s), float(be), float(-nll * wsum), ok, float(wsum), len(x))


def _log_odds_dead(params: ParetoNBD, x, t_x, T):
    r, al, s, be = params.params
    return (r + x) * np.log(al + T) + s * np.log(be + T) + _log_middle(r, al, s, be, x, t_x, T)


def p_alive(params: ParetoNBD, x, t_x, T) -> np.ndarray:
    """P(alive | x, t_x, T) (FH eq. 31), 1 when t_x = T."""
    x, t_x, T = as_arrays(x, t_x, T)
    with np.errstate(over="ignore", invalid="ignore"):
        p = np.exp(-np.logaddexp(0.0, _log_odds_dead(params, x, t_x, T)))
    return finite(np.clip(p, 0.0, 1.0))


def expected_purchases(params: ParetoNBD, t, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T] = (r+x)(β+T)/((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)] · P(alive) (FH eq. 41);
    the limit (r+x)(β+T)/(α+T) · ln((β+T+t)/(β+T)) · P(alive) at s = 1."""
    t, x, t_x, T = as_arrays(t, x, t_x, T)
    r, al, s, be = params.params
    u = np.log1p(t / (be + T))
    e = s - 1.0
    h = u if abs(e) < 1e-12 else -np.expm1(-e * u) / e
    out = (r + x) / (al + T) * (be + T) * h * p_alive(params, x, t_x, T)
    return finite(np.where(t > 0, np.maximum(out, 0.0), 0.0))


def expected_purchases_new(params: ParetoNBD, t) -> np.ndarray:
    """E[X(t)] for a customer just acquired (FH eq. 27): the conditional expectation at x = t_x = T = 0."""
    t = np.asarray(t, dtype=np.float64)
    zero = np.zeros_like(t)
    return expected_purchases(params, t, zero, zero, zero)
