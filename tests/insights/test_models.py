"""Hand-worked checks of the model formulas: every expected value is computed here with the math module
(power series, Simpson's rule), never with the functions under test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shopcx.insights.models import BGNBD, GammaGamma, ParetoNBD, bgnbd, clv, collapse, gammagamma, paretonbd

BG = BGNBD(r=0.5, alpha=2.0, a=0.8, b=2.5)
PN_A_GT_B = ParetoNBD(r=0.6, alpha=12.0, s=0.7, beta=5.0)
PN_A_LT_B = ParetoNBD(r=0.6, alpha=3.0, s=0.7, beta=15.0)


def hyp2f1_series(a, b, c, z, terms=4000):
    total, term = 1.0, 1.0
    for n in range(terms):
        term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
        total += term
        if abs(term) < 1e-17 * abs(total):
            break
    return total


def simpson(f, lo, hi, n=20000):
    if hi == lo:
        return 0.0
    h = (hi - lo) / n
    s = f(lo) + f(hi) + sum((4 if i % 2 else 2) * f(lo + i * h) for i in range(1, n))
    return s * h / 3


def test_bgnbd_p_alive_by_hand():
    r, al, a, b = BG.params
    assert bgnbd.p_alive(BG, 0, 0, 10)[()] == 1.0  # x = 0: never observed to drop out
    x, t_x, T = 2, 5.0, 10.0
    expected = 1 / (1 + a / (b + x - 1) * ((al + T) / (al + t_x)) ** (r + x))
    assert bgnbd.p_alive(BG, x, t_x, T)[()] == pytest.approx(expected, rel=1e-12)
    assert bgnbd.p_alive(BG, x, T, T)[()] == pytest.approx(1 / (1 + a / (b + x - 1)), rel=1e-12)


@pytest.mark.parametrize("x,t_x,T,t", [(0, 0.0, 10.0, 4.0), (2, 5.0, 10.0, 4.0), (7, 30.0, 31.0, 6.0)])
def test_bgnbd_conditional_expectation_by_hand(x, t_x, T, t):
    r, al, a, b = BG.params
    z = t / (al + T + t)
    bracket = 1 - ((al + T) / (al + T + t)) ** (r + x) * hyp2f1_series(r + x, b + x, a + b + x - 1, z)
    denom = 1 + (a / (b + x - 1) * ((al + T) / (al + t_x)) ** (r + x) if x > 0 else 0)
    expected = (a + b + x - 1) / (a - 1) * bracket / denom
    assert bgnbd.expected_purchases(BG, t, x, t_x, T)[()] == pytest.approx(expected, rel=1e-10)


def test_bgnbd_unconditional_expectation_by_hand():
    r, al, a, b = BG.params
    t = 3.0
    expected = (a + b - 1) / (a - 1) * (1 - (al / (al + t)) ** r * hyp2f1_series(r, b, a + b - 1, t / (al + t)))
    assert bgnbd.expected_purchases_new(BG, t)[()] == pytest.approx(expected, rel=1e-10)


def test_bgnbd_a_equal_one_is_the_limit():
    near = [bgnbd.expected_purchases(BGNBD(0.5, 2.0, 1 + d, 2.5), 4.0, 3, 5.0, 10.0)[()] for d in (-1e-3, 1e-3)]
    at_one = bgnbd.expected_purchases(BGNBD(0.5, 2.0, 1.0, 2.5), 4.0, 3, 5.0, 10.0)[()]
    assert at_one == pytest.approx(sum(near) / 2, rel=1e-5)


def test_bgnbd_log_likelihood_by_hand():
    r, al, a, b = BG.params
    rows = [(0, 0.0, 10.0), (3, 6.0, 10.0)]
    total = 0.0
    for x, t_x, T in rows:
        beta_ratio = math.exp(math.lgamma(a + b) + math.lgamma(b + x) - math.lgamma(b) - math.lgamma(a + b + x))
        head = math.exp(math.lgamma(r + x) - math.lgamma(r)) * al**r
        like = beta_ratio * head / (al + T) ** (r + x)
        if x > 0:
            like += (beta_ratio * a / (b + x - 1)) * head / (al + t_x) ** (r + x)
        total += math.log(like)
    xs, txs, Ts = zip(*rows, strict=True)
    assert bgnbd.log_likelihood(BG, xs, txs, Ts) == pytest.approx(total, rel=1e-12)
    assert bgnbd.log_likelihood(BG, xs, txs, Ts, weights=[2, 1]) == pytest.approx(
        total + bgnbd.log_likelihood(BG, [0], [0.0], [10.0]), rel=1e-12
    )


def _pareto_by_hand(p, x, t_x, T):
    """(log-likelihood, P(alive)) by Simpson integration of FH eq. 11–18, in log space for large x."""
    r, al, s, be = p.params
    shift = (r + x) * math.log(al + T) + s * math.log(be + T)  # scale so the alive term is 1

    def integrand(tau):
        return math.exp(shift - (r + x) * math.log(al + tau) - (s + 1) * math.log(be + tau))

    dead = s * simpson(integrand, t_x, T)
    log_head = math.lgamma(r + x) - math.lgamma(r) + r * math.log(al) + s * math.log(be)
    return log_head - shift + math.log(1 + dead), 1 / (1 + dead)


@pytest.mark.parametrize("params", [PN_A_GT_B, PN_A_LT_B], ids=["alpha>beta", "alpha<beta"])
@pytest.mark.parametrize("x,t_x,T", [(0, 0.0, 20.0), (2, 7.0, 20.0), (5, 20.0, 20.0), (400, 15.0, 30.0)])
def test_paretonbd_likelihood_and_p_alive_by_integration(params, x, t_x, T):
    ll, alive = _pareto_by_hand(params, x, t_x, T)
    assert paretonbd.log_likelihood(params, [x], [t_x], [T]) == pytest.approx(ll, rel=1e-9, abs=1e-9)
    assert paretonbd.p_alive(params, x, t_x, T)[()] == pytest.approx(alive, rel=1e-8, abs=1e-12)


def test_paretonbd_conditional_expectation_by_hand():
    p = PN_A_LT_B
    r, al, s, be = p.params
    x, t_x, T, t = 2, 7.0, 20.0, 10.0
    _, alive = _pareto_by_hand(p, x, t_x, T)
    expected = (r + x) * (be + T) / ((al + T) * (s - 1)) * (1 - ((be + T) / (be + T + t)) ** (s - 1)) * alive
    assert paretonbd.expected_purchases(p, t, x, t_x, T)[()] == pytest.approx(expected, rel=1e-8)
    s_one = ParetoNBD(r, al, 1.0, be)
    limit = (r + x) * (be + T) / (al + T) * math.log((be + T + t) / (be + T))
    assert paretonbd.expected_purchases(s_one, t, x, T, T)[()] == pytest.approx(limit, rel=1e-12)


def test_gammagamma_expected_order_value_by_hand():
    g = GammaGamma(p=6.0, q=4.0, gamma=15.0)
    # (γp + p·x·z̄)/(p·x + q − 1) = (90 + 12·20)/(12 + 3) = 22; x = 0 → γp/(q−1) = 30
    np.testing.assert_allclose(gammagamma.expected_order_value(g, [2, 0], [20.0, 0.0]), [22.0, 30.0])


def test_gammagamma_log_likelihood_by_hand():
    p, q, g = 6.0, 4.0, 15.0
    x, m = 3, 20.0
    ll = (math.lgamma(p * x + q) - math.lgamma(p * x) - math.lgamma(q) + q * math.log(g)
          + (p * x - 1) * math.log(m) + p * x * math.log(x) - (p * x + q) * math.log(x * m + g))
    # customers with x = 0 or z̄ = 0 do not inform the fit
    assert gammagamma.log_likelihood(GammaGamma(p, q, g), [3, 0, 2], [20.0, 0.0, 0.0]) == pytest.approx(ll)


def test_clv_by_hand_with_pareto_alive_customer():
    p = ParetoNBD(r=0.6, alpha=3.0, s=2.0, beta=15.0)
    r, al, s, be = p.params
    g = GammaGamma(p=6.0, q=4.0, gamma=15.0)
    x, T, zbar, u, d = 2, 20.0, 20.0, 4.0, 0.01  # t_x = T: P(alive) = 1, so E[Y(t)] is elementary

    def e(t):
        return (r + x) * (be + T) / ((al + T) * (s - 1)) * (1 - ((be + T) / (be + T + t)) ** (s - 1))

    expected = sum(22.0 * (e(k * u) - e((k - 1) * u)) / (1 + d) ** k for k in range(1, 4))
    got = clv.customer_lifetime_value(p, g, [x], [T], [T], [zbar], months=3, monthly_discount=d, units_per_month=u)
    assert got[0] == pytest.approx(expected, rel=1e-12)


def _simulate_bgnbd(n, seed=7):
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.8, 1 / 4.0, n)
    drop = rng.beta(0.8, 2.5, n)
    T = rng.integers(1, 40, n).astype(float)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        now = 0.0
        while True:
            now += rng.exponential(1 / lam[i])
            if now > T[i]:
                break
            x[i], t_x[i] = x[i] + 1, now
            if rng.random() < drop[i]:
                break
    return x, np.round(t_x), T


def test_fit_with_weights_equals_fit_on_repeated_rows():
    x, t_x, T = _simulate_bgnbd(600)
    c = collapse(x, t_x, T)
    assert len(c.weights) < 600
    a = bgnbd.fit(*c.columns, weights=c.weights, collapse_rows=False)
    b = bgnbd.fit(x, t_x, T, collapse_rows=False)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-5)
    assert a.log_likelihood == pytest.approx(b.log_likelihood, rel=1e-10)
    assert 0.3 < a.r < 3 and 0.2 < a.a < 3  # recovers the simulated parameters roughly


def test_collapse_groups_identical_rows():
    c = collapse([1, 0, 1, 1], [2.0, 0.0, 2.0, 3.0], [5.0, 5.0, 5.0, 5.0])
    assert len(c.weights) == 3 and c.weights.sum() == 4
    np.testing.assert_array_equal(c.expand(c.columns[2]), [5.0] * 4)
    np.testing.assert_array_equal(c.expand(c.columns[0]), [1, 0, 1, 1])


def test_bad_inputs_are_refused_with_the_row():
    with pytest.raises(ValueError, match="row 1"):
        bgnbd.fit([0, 2], [0.0, 12.0], [10.0, 10.0])
    with pytest.raises(ValueError, match="x must be finite"):
        paretonbd.fit([np.nan], [0.0], [1.0])
    with pytest.raises(ValueError, match="at least two"):
        gammagamma.fit([0, 0], [0.0, 0.0])
