"""BG/NBD: Fader, Hardie & Lee (2005), "'Counting your customers' the easy way: an alternative to the
Pareto/NBD model", Marketing Science 24(2), 275–284 (equations cited as FHL eq. n), and the note
"Computing P(alive) using the BG/NBD model" (Fader, Hardie & Lee 2008, brucehardie.com/notes/021).

While active a customer buys at Poisson rate λ ~ Gamma(r, α); after each purchase he drops out with
probability p ~ Beta(a, b). Inputs per customer: x repeat purchases, recency t_x, age T (one time unit).
All formulas are evaluated in log space so that x = 0, t_x = T, T → 0, T → ∞ and huge x stay finite.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.integrate import quad
from scipy.special import betaln, digamma, gammaln, hyp2f1

from shopcx.insights.models._fit import as_arrays, check_rfm, collapse, finite, maximise

_A_ONE = 1e-6  # (a+b+x-1)/(a-1)·[…] has a removable singularity at a = 1: evaluated at 1 ± this and averaged


@dataclass(frozen=True)
class BGNBD:
    """Fitted (or given) BG/NBD parameters; `log_likelihood` is the weighted total at the optimum."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")
    converged: bool = True
    n_customers: float = 0.0
    n_unique: int = 0

    @property
    def params(self) -> tuple[float, float, float, float]:
        return self.r, self.alpha, self.a, self.b


def _prepare(x, t_x, T, weights):
    x, t_x, T = (np.asarray(v, dtype=np.float64).ravel() for v in (x, t_x, T))
    check_rfm(x, t_x, T)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    ux, xi = np.unique(x, return_inverse=True)
    return x, t_x, T, w, ux, xi.ravel()


def _ll_terms(v, x, t_x, T, ux, xi, grad: bool):
    """Per-row log-likelihood (FHL eq. 6, in the log form of their appendix) and, if asked, its gradient."""
    with np.errstate(all="ignore"):  # the optimiser may probe extreme values; non-finite totals are rejected
        return _ll_terms_raw(np.exp(v), x, t_x, T, ux, xi, grad)


def _ll_terms_raw(params, x, t_x, T, ux, xi, grad: bool):
    r, al, a, b = params
    has = x > 0
    # Terms that depend on x only are computed once per distinct x.
    a12 = (gammaln(r + ux) - gammaln(r) + r * np.log(al) + gammaln(a + b) - gammaln(b)
           + gammaln(b + ux) - gammaln(a + b + ux))[xi]
    l_T = np.log(al + T)
    l_tx = np.log(al + t_x)
    bx1 = b + np.maximum(x, 1.0) - 1.0
    a3 = -(r + x) * l_T
    a4 = np.where(has, np.log(a) - np.log(bx1) - (r + x) * l_tx, -np.inf)
    m = np.maximum(a3, a4)
    e3 = np.exp(a3 - m)
    e4 = np.exp(a4 - m)
    s = e3 + e4
    ll = a12 + m + np.log(s)
    if not grad:
        return ll, None
    p3, p4 = e3 / s, e4 / s
    dr = (digamma(r + ux) - digamma(r) + np.log(al))[xi] - p3 * l_T - p4 * l_tx
    dal = r / al - (r + x) * (p3 / (al + T) + p4 / (al + t_x))
    da = (digamma(a + b) - digamma(a + b + ux))[xi] + p4 / a
    db = (digamma(a + b) + digamma(b + ux) - digamma(b) - digamma(a + b + ux))[xi] - p4 / bx1
    return ll, (dr * r, dal * al, da * a, db * b)


def log_likelihood(params: BGNBD, x, t_x, T, weights=None) -> float:
    """Σ weights · ln L(r, α, a, b | x, t_x, T) (FHL eq. 6)."""
    x, t_x, T, w, ux, xi = _prepare(x, t_x, T, weights)
    ll, _ = _ll_terms(np.log(params.params), x, t_x, T, ux, xi, grad=False)
    return float(np.dot(w, ll))


def fit(x, t_x, T, weights=None, *, collapse_rows: bool = True) -> BGNBD:
    """Maximum-likelihood (r, α, a, b) over log-parameters with the analytic gradient (FHL section 3).

    weights: how many customers each row stands for. With `collapse_rows` identical (x, t_x, T) rows are
    merged first, which makes integer-day data of millions of customers a few hundred thousand rows.
    """
    x, t_x, T = (np.asarray(v, dtype=np.float64).ravel() for v in (x, t_x, T))
    if collapse_rows:
        c = collapse(x, t_x, T, weights=weights)
        x, t_x, T = c.columns
        weights = c.weights
    x, t_x, T, w, ux, xi = _prepare(x, t_x, T, weights)
    if len(x) == 0 or w.sum() <= 0:
        raise ValueError("BG/NBD needs at least one customer")
    wsum = w.sum()

    def f_and_g(v):
        ll, g = _ll_terms(v, x, t_x, T, ux, xi, grad=True)
        return -np.dot(w, ll) / wsum, -np.array([np.dot(w, gi) for gi in g]) / wsum

    def f(v):
        return -np.dot(w, _ll_terms(v, x, t_x, T, ux, xi, grad=False)[0]) / wsum

    rate = max(np.dot(w, x) / max(np.dot(w, T), 1e-12), 1e-6)
    start = np.log([1.0, 1.0 / rate, 1.0, 1.0])
    v, nll, ok = maximise(f_and_g, f, start)
    r, al, a, b = np.exp(v)
    return BGNBD(float(r), float(al), float(a), float(b), float(-nll * wsum), ok, float(wsum), len(x))


def _log_odds_dead(params: BGNBD, x, t_x, T):
    """ln[a/(b+x-1) · ((α+T)/(α+t_x))^(r+x)]: P(alive) = 1/(1+exp(this)) when x > 0 (FHL eq. 13)."""
    r, al, a, b = params.params
    bx1 = b + np.maximum(x, 1.0) - 1.0
    return np.log(a) - np.log(bx1) + (r + x) * (np.log(al + T) - np.log(al + t_x))


def p_alive(params: BGNBD, x, t_x, T) -> np.ndarray:
    """P(alive | x, t_x, T) (FHL eq. 13); exactly 1 when x = 0, as the model implies."""
    x, t_x, T = as_arrays(x, t_x, T)
    with np.errstate(over="ignore"):
        p = np.where(x > 0, np.exp(-np.logaddexp(0.0, _log_odds_dead(params, x, t_x, T))), 1.0)
    return finite(np.clip(p, 0.0, 1.0))


def _bracket(r, al, a, b, t, x, T):
    """(a+b+x-1)/(a-1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)], z = t/(α+T+t).

    Euler's transformation ₂F₁(A,B;C;z) = (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z) turns the product into
    (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; a+b+x−1; z), whose parameters no longer grow with x: no overflow for huge x.
    """
    c = a + b + x - 1.0
    z = t / (al + T + t)
    log1mz = np.log(al + T) - np.log(al + T + t)
    f2 = np.atleast_1d(hyp2f1(a + b - 1.0 - r, a - 1.0, c, z))
    lead = np.full(f2.shape, a - 1.0)
    direct = ~np.isfinite(f2) | (f2 == 0)
    if direct.any():  # the transformed series overflows (large a, z → 1): the original one converges there
        f2[direct] = hyp2f1(r + x[direct], b + x[direct], c[direct], z[direct])
        lead[direct] = r + x[direct]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        inner = lead * log1mz + np.log(np.abs(f2))
        # ₂F₁ is positive unless c < 0 (x = 0 and a + b < 1); keep expm1's precision where it is
        one_minus = np.where(f2 > 0, -np.expm1(inner), 1.0 + np.exp(inner))
        return c / (a - 1.0) * one_minus


def _body_quad(r, al, a, b, t, x, T) -> float:
    """E[(1/p)(1 − (1 + p·t/(α+T))^−(r+x))] over p ~ Beta(a, b+x): the same quantity as `_bracket`, from
    λ | alive ~ Gamma(r+x, α+T) and p | alive ~ Beta(a, b+x) (FHL section 4), by adaptive quadrature."""
    k = t / (al + T)
    n, bx = r + x, b + x
    log_norm = betaln(a, bx)

    def integrand(p):
        if p <= 0.0:
            return 0.0 if a < 1 else (n * k if a == 1 else 0.0) / np.exp(log_norm)
        gain = -np.expm1(-n * np.log1p(p * k)) / p
        return gain * np.exp((a - 1.0) * np.log(p) + (bx - 1.0) * np.log1p(-p) - log_norm) if p < 1 else 0.0

    mode = min(max((a - 1.0) / max(a + bx - 2.0, 1e-300), 0.0), 1.0)
    spread = np.sqrt(a * bx / ((a + bx) ** 2 * (a + bx + 1.0)))
    points = sorted({min(max(v, 1e-300), 1 - 1e-16) for v in (mode, mode - 5 * spread, mode + 5 * spread)})
    with warnings.catch_warnings():  # precision warnings at absurd parameters; the result is checked below
        warnings.simplefilter("ignore")
        value = quad(integrand, 0.0, 1.0, points=points, limit=200, epsabs=0.0, epsrel=1e-11)[0]
    return float(value) if np.isfinite(value) and value > 0 else 0.0


def expected_purchases(params: BGNBD, t, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T+t] (FHL eq. 10)."""
    t, x, t_x, T = as_arrays(t, x, t_x, T)
    shape = t.shape
    t, x, t_x, T = (np.atleast_1d(v).ravel() for v in (t, x, t_x, T))
    r, al, a, b = params.params
    if abs(a - 1.0) < _A_ONE:
        body = 0.5 * (_bracket(r, al, 1.0 - _A_ONE, b, t, x, T) + _bracket(r, al, 1.0 + _A_ONE, b, t, x, T))
    else:
        body = _bracket(r, al, a, b, t, x, T)
    bad = ~np.isfinite(body) | (body < 0)
    for i in np.flatnonzero(bad & (t > 0)):  # ₂F₁ lost (extreme a, b with z → 1, or c ≈ 0): integrate over p
        body[i] = _body_quad(r, al, a, b, t[i], x[i], T[i])
    with np.errstate(over="ignore"):
        alive = np.where(x > 0, np.exp(-np.logaddexp(0.0, _log_odds_dead(params, x, t_x, T))), 1.0)
    out = np.where(t > 0, np.maximum(body, 0.0) * alive, 0.0)
    return finite(out).reshape(shape)


def expected_purchases_new(params: BGNBD, t) -> np.ndarray:
    """E[X(t)] for a customer just acquired (FHL eq. 9): the conditional expectation at x = t_x = T = 0."""
    t = np.asarray(t, dtype=np.float64)
    zero = np.zeros_like(t)
    return expected_purchases(params, t, zero, zero, zero)
