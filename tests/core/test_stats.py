"""Shared statistics against published tables and hand-worked examples (never the code's own output)."""

import math

import numpy as np
import pytest
from scipy import stats as sp

from shopcx.core import stats
from shopcx.core.errors import InvalidInput

Z = 1.959963984540054  # Φ⁻¹(0.975)


def test_z_quantile():
    assert stats.z_quantile() == pytest.approx(Z, abs=1e-12)
    assert stats.z_quantile(0.90) == pytest.approx(1.644853627, abs=1e-9)


@pytest.mark.parametrize(("x", "n", "low", "high"), [
    # Newcombe (1998a), table II, method 3 (Wilson score without continuity correction).
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0000, 0.1611), (1, 29, 0.0061, 0.1718)])
def test_wilson_matches_newcombe_1998a(x, n, low, high):
    interval = stats.wilson_interval(x, n)
    assert interval.estimate == pytest.approx(x / n)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_wilson_by_hand():
    # 0/20: the upper bound is z²/(n + z²) = 3.841459/23.841459 = 0.161125.
    assert stats.wilson_interval(0, 20).high == pytest.approx(3.841459 / 23.841459, abs=1e-6)
    # 6/10: centre 0.6 + z²/20 = 0.792073, half z·√(0.024 + z²/400) = 0.359287, divided by 1 + z²/10 = 1.384146.
    interval = stats.wilson_interval(6, 10)
    assert (interval.low, interval.high) == (pytest.approx(0.312674, abs=1e-6), pytest.approx(0.831820, abs=1e-6))
    assert stats.wilson_interval(10, 10).high == 1.0


@pytest.mark.parametrize(("x1", "n1", "x2", "n2", "low", "high"), [
    # Newcombe (1998b), table II, method 10 (hybrid score without continuity correction), examples (a)–(h).
    (56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090), (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775), (0, 10, 0, 10, -0.2775, 0.2775), (10, 10, 0, 20, 0.6791, 1.0000),
    (10, 10, 0, 10, 0.6075, 1.0000)])
def test_newcombe_hybrid_score_matches_table_ii(x1, n1, x2, n2, low, high):
    interval = stats.proportion_difference(x1, n1, x2, n2)
    assert interval.estimate == pytest.approx(x1 / n1 - x2 / n2)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)
    assert interval.method.startswith("newcombe")


def test_wald_difference_by_hand_and_its_collapse_at_zero():
    # 56/70 − 48/80: se = √(0.8·0.2/70 + 0.6·0.4/80) = √0.0052857 = 0.0727029; ± z·se = ± 0.142495 (Newcombe's
    # method 1: 0.0575 to 0.3425).
    interval = stats.proportion_difference(56, 70, 48, 80, method="wald")
    assert (interval.low, interval.high) == (pytest.approx(0.057505, abs=1e-6), pytest.approx(0.342495, abs=1e-6))
    # 9/10 − 3/10: se = √(0.009 + 0.021) = 0.173205; 0.6 ± 0.339476 (Newcombe: 0.2605 to 0.9395).
    interval = stats.proportion_difference(9, 10, 3, 10, method="wald")
    assert (interval.low, interval.high) == (pytest.approx(0.260524, abs=1e-6), pytest.approx(0.939476, abs=1e-6))
    # The reason Newcombe is the default: Wald says "exactly 0" from 0/10 and 0/20.
    interval = stats.proportion_difference(0, 10, 0, 20, method="wald")
    assert interval.low == interval.high == 0


def test_two_proportion_z_test_by_hand():
    # Pooled p = 104/150; se = √(0.693333·0.306667·(1/70 + 1/80)) = 0.0754668; z = 0.2/0.0754668 = 2.65017.
    test = stats.two_proportion_z_test(56, 70, 48, 80)
    assert test.statistic == pytest.approx(2.65017, abs=1e-5)
    assert test.p_value == pytest.approx(2 * sp.norm.sf(2.65017), abs=1e-6)  # ≈ 0.0080 from a normal table
    assert test.p_value == pytest.approx(0.0080, abs=1e-4)


def test_welch_by_hand():
    # a = 1..5: mean 3, s² = 2.5; b = 2, 4, 6: mean 4, s² = 4. se = √(2.5/5 + 4/3) = √1.833333 = 1.354006;
    # t = −1/1.354006 = −0.738549; df = 1.833333²/(0.5²/4 + 1.333333²/2) = 3.361111/0.951389 = 3.532847.
    interval = stats.welch([1, 2, 3, 4, 5], [2, 4, 6])
    assert interval.estimate == pytest.approx(-1)
    assert interval.statistic == pytest.approx(-0.738549, abs=1e-6)
    assert interval.df == pytest.approx(3.532847, abs=1e-6)
    half = sp.t.ppf(0.975, 3.532847) * 1.354006
    assert (interval.low, interval.high) == (pytest.approx(-1 - half, abs=1e-5), pytest.approx(-1 + half, abs=1e-5))
    reference = sp.ttest_ind([1, 2, 3, 4, 5], [2, 4, 6], equal_var=False)
    assert interval.p_value == pytest.approx(reference.pvalue, abs=1e-9)
    assert not interval.significant


def test_welch_with_constant_groups_is_exact():
    interval = stats.welch([5, 5, 5], [2, 2])
    assert (interval.low, interval.estimate, interval.high, interval.p_value) == (3, 3, 3, 0)


def test_mean_interval_by_hand():
    # 1..5: mean 3, s = 1.581139, se = 0.707107, t(0.975; 4) = 2.776445 (tables: 2.776) → ± 1.963243.
    interval = stats.mean_interval([1, 2, 3, 4, 5])
    assert (interval.low, interval.high) == (pytest.approx(1.036757, abs=1e-5), pytest.approx(4.963243, abs=1e-5))
    assert math.isnan(stats.mean_interval([4]).low)


def test_nps_interval_by_hand():
    # 50 promoters, 30 passives, 20 detractors: NPS = 0.3; Var = (0.5 + 0.2 − 0.3²)/100 = 0.0061;
    # se = 0.0781025; ± z·se = ± 0.153078.
    interval = stats.nps_interval(50, 30, 20)
    assert interval.estimate == pytest.approx(0.3)
    assert (interval.low, interval.high) == (pytest.approx(0.146922, abs=1e-6), pytest.approx(0.453078, abs=1e-6))
    # All promoters: variance (1 − 1)/n = 0.
    assert stats.nps_interval(7, 0, 0).low == 1.0


def test_nps_change_by_hand():
    # Wave 1 (50, 30, 20): NPS 0.30, Var 0.0061. Wave 2 (60, 25, 15): NPS 0.45, Var (0.75 − 0.2025)/100 = 0.005475.
    # se = √0.011575 = 0.107587; z = 0.15/0.107587 = 1.394218; interval 0.15 ± 0.210867.
    change = stats.nps_change((50, 30, 20), (60, 25, 15))
    assert change.estimate == pytest.approx(0.15)
    assert change.statistic == pytest.approx(1.394218, abs=1e-6)
    assert change.p_value == pytest.approx(0.16325, abs=1e-5)
    assert (change.low, change.high) == (pytest.approx(-0.060867, abs=1e-6), pytest.approx(0.360867, abs=1e-6))
    assert not change.significant


def test_bootstrap_of_constant_groups_is_the_difference():
    interval = stats.bootstrap_mean_difference([5, 5, 5], [2, 2], seed=1)
    assert (interval.low, interval.estimate, interval.high) == (3, 3, 3)


def test_bootstrap_resamples_have_the_exact_distribution():
    # Resampling [0, 0, 10] three times: the number of 10s is Binomial(3, 1/3), so the mean is 0, 10/3, 20/3, 10
    # with probabilities 8/27, 12/27, 6/27, 1/27. The zeros shortcut must give exactly this.
    means = stats._resampled_means(np.array([0, 0, 10]), 200_000, np.random.default_rng(7))
    for value, probability in ((0, 8 / 27), (10 / 3, 12 / 27), (20 / 3, 6 / 27), (10, 1 / 27)):
        share = np.isclose(means, value).mean()
        assert share == pytest.approx(probability, abs=4 * math.sqrt(probability * (1 - probability) / 200_000))
    # Hence the 2.5% quantile is 0 and the 97.5% quantile is 10 (P(mean ≤ 20/3) = 26/27 = 0.963 < 0.975).
    interval = stats.bootstrap_mean_difference([0, 0, 10], [0], resamples=20_000, seed=3)
    assert (interval.low, interval.high) == (0, 10)


def test_bootstrap_is_seeded_and_stratified():
    rng = np.random.default_rng(11)
    a, b = rng.integers(0, 100, 300), rng.integers(0, 100, 200)
    first = stats.bootstrap_mean_difference(a, b, seed=42)
    assert first == stats.bootstrap_mean_difference(a, b, seed=42)
    assert first != stats.bootstrap_mean_difference(a, b, seed=43)
    # With about normal means, the percentile interval is close to Welch's (Efron & Tibshirani 1993, ch. 13).
    welch = stats.welch(a, b)
    assert first.low == pytest.approx(welch.low, abs=0.1 * (welch.high - welch.low))
    assert first.high == pytest.approx(welch.high, abs=0.1 * (welch.high - welch.low))


def test_bca_acceleration_and_levels_by_hand():
    # x = [0, 0, 10], y = [0]: influence (x − x̄)/3 = −10/9, −10/9, 20/9 and 0. Σl³ = 6000/729, Σl² = 600/81,
    # a = Σl³/(6·(Σl²)^1.5) = 1000/600^1.5 = 0.068041.
    a = stats._acceleration(np.array([0, 0, 10]), np.array([0]))
    assert a == pytest.approx(0.068041, abs=1e-6)
    # The exact resampling distribution (27 equally likely outcomes): 8 at 0, 12 at 10/3, 6 at 20/3, 1 at 10.
    # Below the estimate 10/3, ties counted half: (8 + 6)/27, z₀ = Φ⁻¹(14/27) = 0.046436;
    # levels Φ(z₀ + (z₀ ∓ 1.959964)/(1 − a(z₀ ∓ 1.959964))) = Φ(−1.646652) = 0.049815 and Φ(2.370050) = 0.991107.
    diffs = np.array([0.0] * 8 + [10 / 3] * 12 + [20 / 3] * 6 + [10.0])
    levels = stats._bca_levels(diffs, 10 / 3, a, np.array([0.025, 0.975]))
    assert levels == pytest.approx([0.049815, 0.991107], abs=1e-6)


def test_bca_moves_towards_the_long_tail():
    # Right-skewed amounts: the acceleration is positive and both quantile levels move up from the percentile ones.
    rng = np.random.default_rng(5)
    a = np.where(rng.random(400) < 0.1, rng.choice([1_000, 50_000], 400, p=[0.9, 0.1]), 0)
    b = np.zeros(50, dtype=np.int64)
    percentile = stats.bootstrap_mean_difference(a, b, seed=9)
    bca = stats.bootstrap_mean_difference(a, b, seed=9, method="bca")
    assert bca.estimate == percentile.estimate
    assert bca.low > percentile.low and bca.high > percentile.high
    assert stats.bootstrap_mean_difference([4, 4], [1], method="bca").low == 3


def test_control_group_is_stable_and_near_its_share():
    ids = [f"c{i}" for i in range(100_000)]
    treated, control = stats.split_control(ids, seed=2024, share=0.10)
    assert len(treated) + len(control) == 100_000
    # Binomial(100,000, 0.1): sd of the share = √(0.09/100,000) = 0.00095; allow 4 sd.
    assert len(control) / 100_000 == pytest.approx(0.10, abs=0.0038)
    # Reordering, shrinking or growing the list moves nobody.
    control_set = set(control)
    _, again = stats.split_control(reversed(ids[:5_000] + ["new1", "new2"]), seed=2024, share=0.10)
    assert set(again) - {"new1", "new2"} == control_set & set(ids[:5_000])
    assert all(stats.in_control_group(key, 2024, 0.10) for key in control[:100])
    # Another seed draws another group: the overlap is about share² = 1% of the ids.
    _, other = stats.split_control(ids, seed=2025, share=0.10)
    assert len(control_set & set(other)) / 100_000 == pytest.approx(0.01, abs=0.002)


def test_bad_input_names_the_field():
    with pytest.raises(InvalidInput) as err:
        stats.wilson_interval(11, 10)
    assert err.value.field == "successes"
    with pytest.raises(InvalidInput) as err:
        stats.proportion_difference(1, 0, 1, 10)
    assert err.value.field == "x1"
    with pytest.raises(InvalidInput) as err:
        stats.proportion_difference(1, 10, 1, 10, method="exact")
    assert err.value.field == "method"
    with pytest.raises(InvalidInput) as err:
        stats.split_control(["a"], seed=1, share=1.5)
    assert err.value.field == "share"
    with pytest.raises(InvalidInput) as err:
        stats.welch([1], [1, 2])
    assert err.value.field == "a"
    with pytest.raises(InvalidInput) as err:
        stats.nps_interval(0, 0, 0)
    assert err.value.code == "no_answers"
    with pytest.raises(InvalidInput):
        stats.bootstrap_mean_difference([1.0, float("nan")], [1.0])
    with pytest.raises(InvalidInput) as err:
        stats.bootstrap_mean_difference([1], [1], method="bc")
    assert err.value.field == "method"
