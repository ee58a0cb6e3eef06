"""Random and extreme inputs (property-style, seeded): every prediction and log-likelihood is finite and in range."""

from __future__ import annotations

import numpy as np
import pytest

from shopcx.insights.models import BGNBD, GammaGamma, ParetoNBD, bgnbd, clv, gammagamma, paretonbd

EDGE_ROWS = np.array([
    # x, t_x, T
    [0, 0.0, 0.0],  # bought today, nothing else
    [0, 0.0, 1e-6],
    [0, 0.0, 1e7],  # very long T
    [1, 1e-6, 1e-6],  # one-day customer, t_x = T
    [5, 40.0, 40.0],  # t_x = T
    [1e6, 1e-3, 1e7],  # huge frequency, long ago
    [1e6, 999.0, 1000.0],
    [1e7, 1e4, 1e4],
    [3, 0.5, 1e7],
    [2, 1e7 - 1, 1e7],
])


def random_params(rng, k):
    return np.exp(rng.uniform(np.log(1e-3), np.log(1e3), size=k))


def random_rows(rng, n):
    T = np.exp(rng.uniform(np.log(1e-4), np.log(1e6), n)) * (rng.random(n) > 0.05)
    x = np.floor(np.exp(rng.uniform(0, np.log(1e6), n))) * (rng.random(n) > 0.3)
    t_x = np.where(x > 0, T * rng.random(n) ** 0.2, 0.0)
    t_x = np.where(rng.random(n) < 0.1, T, t_x) * (x > 0)
    rows = np.column_stack([x, t_x, T])
    return np.vstack([rows, EDGE_ROWS])


def _check_predictions(module, params, rows, t):
    x, t_x, T = rows.T
    alive = module.p_alive(params, x, t_x, T)
    assert np.all(np.isfinite(alive)) and np.all((alive >= 0) & (alive <= 1))
    e_short = module.expected_purchases(params, t, x, t_x, T)
    e_long = module.expected_purchases(params, 2 * t, x, t_x, T)
    assert np.all(np.isfinite(e_short)) and np.all(e_short >= 0)
    # scipy's ₂F₁ is good to ~1e-6 relative at absurd fitted parameters (a ≈ 700, b ≈ 1.6e5, z → 1)
    assert np.all(e_long >= e_short * (1 - 1e-5) - 1e-9), "E[Y(t)] must grow with t"
    ll = module.log_likelihood(params, x, t_x, T)
    assert np.isfinite(ll)


@pytest.mark.parametrize("seed", range(12))
def test_bgnbd_random_params_and_rows_are_finite(seed):
    rng = np.random.default_rng(seed)
    r, al, a, b = random_params(rng, 4)
    params = BGNBD(r, al, a, b)
    _check_predictions(bgnbd, params, random_rows(rng, 400), t=rng.uniform(0.1, 1e4))


@pytest.mark.parametrize("seed", range(12))
def test_paretonbd_random_params_and_rows_are_finite(seed):
    rng = np.random.default_rng(100 + seed)
    params = ParetoNBD(*random_params(rng, 4))
    _check_predictions(paretonbd, params, random_rows(rng, 400), t=rng.uniform(0.1, 1e4))


@pytest.mark.parametrize("params", [BGNBD(0.243, 4.414, 1.0, 2.426), BGNBD(0.243, 4.414, 0.3, 0.7),
                                    BGNBD(0.243, 4.414, 0.793, 2.426), BGNBD(50.0, 1e-3, 1e3, 1e-3)])
def test_bgnbd_edge_rows(params):
    _check_predictions(bgnbd, params, EDGE_ROWS, t=52.0)
    x, t_x, T = EDGE_ROWS.T
    assert np.all(bgnbd.p_alive(params, x[x == 0], t_x[x == 0], T[x == 0]) == 1.0)


@pytest.mark.parametrize("params", [ParetoNBD(0.553, 10.578, 0.606, 11.669), ParetoNBD(0.553, 10.578, 1.0, 11.669),
                                    ParetoNBD(0.5, 1e-3, 0.5, 1e3), ParetoNBD(0.5, 1e3, 0.5, 1e-3)])
def test_paretonbd_edge_rows(params):
    _check_predictions(paretonbd, params, EDGE_ROWS, t=52.0)


def test_huge_frequency_recent_buyer_keeps_buying():
    """x = 10⁶ over 10⁴ weeks, last purchase at T: about x/T = 100 purchases per week, alive."""
    b = BGNBD(0.243, 4.414, 0.793, 2.426)
    assert bgnbd.p_alive(b, 1e6, 1e4, 1e4)[()] > 0.99
    assert bgnbd.expected_purchases(b, 1.0, 1e6, 1e4, 1e4)[()] == pytest.approx(100, rel=0.01)
    p = ParetoNBD(0.553, 10.578, 0.606, 11.669)
    assert paretonbd.expected_purchases(p, 1.0, 1e6, 1e4, 1e4)[()] == pytest.approx(100, rel=0.01)
    # the same customer silent for 1000 weeks is surely gone
    assert bgnbd.p_alive(b, 1e6, 9e3, 1e4)[()] < 1e-100
    assert paretonbd.p_alive(p, 1e6, 9e3, 1e4)[()] < 1e-100


@pytest.mark.parametrize("seed", range(6))
def test_fits_on_random_data_are_finite(seed):
    rng = np.random.default_rng(200 + seed)
    rows = random_rows(rng, 200)
    rows[:, 0] = np.minimum(rows[:, 0], 200)
    x, t_x, T = rows.T
    for module in (bgnbd, paretonbd):
        fitted = module.fit(x, t_x, T)
        assert np.all(np.isfinite(fitted.params)) and np.all(np.array(fitted.params) > 0)
        assert np.isfinite(fitted.log_likelihood)
        _check_predictions(module, fitted, rows, t=10.0)
    m = np.exp(rng.normal(3, 2, len(x)))
    g = gammagamma.fit(x, m)
    assert np.all(np.isfinite(g.params)) and np.isfinite(g.log_likelihood)
    value = clv.customer_lifetime_value(bgnbd.fit(x, t_x, T), g, x, t_x, T, m, months=24)
    assert np.all(np.isfinite(value)) and np.all(value >= 0)


def test_gammagamma_q_below_one_stays_finite():
    g = GammaGamma(p=2.0, q=0.5, gamma=10.0)
    v = gammagamma.expected_order_value(g, [0, 1, 1e6], [0.0, 5.0, 5.0])
    assert np.all(np.isfinite(v)) and np.all(v > 0)
