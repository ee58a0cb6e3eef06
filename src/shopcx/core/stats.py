"""Statistics shared by several domains: intervals and tests for proportions, means, NPS, and a seeded control group.

Sources:
- Wilson, E. B. (1927), "Probable inference, the law of succession, and statistical inference", JASA 22:209–212;
  recommended as method 3 of Newcombe, R. G. (1998a), "Two-sided confidence intervals for the single proportion:
  comparison of seven methods", Statistics in Medicine 17:857–872.
- Newcombe, R. G. (1998b), "Interval estimation for the difference between independent proportions: comparison of
  eleven methods", Statistics in Medicine 17:873–890: method 10 (hybrid score, no continuity correction) is the
  default here, method 1 (Wald) is kept for comparison.
- Welch, B. L. (1947), "The generalization of 'Student's' problem when several different population variances are
  involved", Biometrika 34:28–35; Satterthwaite, F. E. (1946) for the degrees of freedom.
- Efron, B. & Tibshirani, R. J. (1993), An Introduction to the Bootstrap, Chapman & Hall: the two-sample bootstrap
  (resample each group on its own, ch. 8), the percentile interval (ch. 13) and the BCa interval (ch. 14), whose
  acceleration for several samples follows Davison, A. C. & Hinkley, D. V. (1997), Bootstrap Methods and their
  Application, Cambridge University Press, §5.3.
- Reichheld, F. F. (2003), "The one number you need to grow", Harvard Business Review 81(12) defines NPS; its
  variance as a difference of two proportions of one multinomial sample, Var = (p₊ + p₋ − (p₊ − p₋)²)/n, is the
  Wald form of Rocks, B. (2016), "Interval estimation for the 'net promoter score'", The American Statistician
  70(4):365–372.

Proportions are on the 0–1 scale and NPS on −1…1 here; the survey rules turn them into percent and points.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as _sp

from .errors import InvalidInput

# Draws held in memory at once by the bootstrap (8 bytes each): 32 MB whatever the group size.
_BOOTSTRAP_CHUNK = 1 << 22


@dataclass(frozen=True, slots=True)
class Interval:
    """An estimate with a two-sided interval at `level`, and the test of 'the true value is 0' where one applies."""

    estimate: float
    low: float
    high: float
    level: float = 0.95
    method: str = ""
    statistic: float | None = None
    p_value: float | None = None
    df: float | None = None

    def contains(self, value: float) -> bool:
        """True when value lies inside the closed interval."""
        return self.low <= value <= self.high

    @property
    def significant(self) -> bool:
        """True when the interval excludes 0 (a difference is significant at `level`)."""
        return self.low > 0 or self.high < 0


@dataclass(frozen=True, slots=True)
class SignificanceTest:
    """A test statistic and its two-sided p-value."""

    statistic: float
    p_value: float
    method: str = ""
    df: float | None = None


def z_quantile(level: float = 0.95) -> float:
    """The standard normal quantile for a two-sided interval at level (1.959964… for 0.95)."""
    _check_level(level)
    return float(_sp.norm.ppf(0.5 + level / 2))


def wilson_interval(successes: int, n: int, level: float = 0.95) -> Interval:
    """Wilson score interval for a proportion (Wilson 1927; Newcombe 1998a, method 3)."""
    _check_count(successes, n, "successes")
    z = z_quantile(level)
    p = successes / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denominator = 1 + z * z / n
    # Clamp rounding noise: at 0/n the lower bound is exactly 0 and at n/n the upper is exactly 1.
    low = 0.0 if successes == 0 else (centre - half) / denominator
    high = 1.0 if successes == n else (centre + half) / denominator
    return Interval(p, low, high, level, "wilson")


def proportion_difference(x1: int, n1: int, x2: int, n2: int, level: float = 0.95,
                          method: str = "newcombe") -> Interval:
    """p₁ − p₂ of two independent groups with an interval: Newcombe's hybrid score (1998b, method 10) or Wald.

    Newcombe is the default because campaign conversions are often a few percent with a small control group, where
    the Wald interval undercovers badly and collapses to a single point at 0/n (Newcombe 1998b, table I); the hybrid
    score interval stays close to its nominal coverage, never leaves [−1, 1] and is still closed form.
    """
    _check_count(x1, n1, "x1")
    _check_count(x2, n2, "x2")
    p1, p2 = x1 / n1, x2 / n2
    delta = p1 - p2
    if method == "newcombe":
        w1, w2 = wilson_interval(x1, n1, level), wilson_interval(x2, n2, level)
        low = delta - math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2)
        high = delta + math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2)
        return Interval(delta, low, high, level, "newcombe hybrid score")
    if method == "wald":
        half = z_quantile(level) * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        return Interval(delta, delta - half, delta + half, level, "wald")
    raise InvalidInput("invalid_method", f"method: '{method}' is not 'newcombe' or 'wald'", field="method")


def two_proportion_z_test(x1: int, n1: int, x2: int, n2: int) -> SignificanceTest:
    """Two-sided z test of p₁ = p₂ with the pooled proportion in the standard error."""
    _check_count(x1, n1, "x1")
    _check_count(x2, n2, "x2")
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return _z_test(x1 / n1 - x2 / n2, se, "two-proportion z (pooled)")


def welch(a: Sequence[float], b: Sequence[float], level: float = 0.95) -> Interval:
    """mean(a) − mean(b) with Welch's t interval and test, Welch–Satterthwaite degrees of freedom."""
    x, y = _sample(a, "a", minimum=2), _sample(b, "b", minimum=2)
    return welch_from_summary(float(x.mean()), float(x.var(ddof=1)), len(x),
                              float(y.mean()), float(y.var(ddof=1)), len(y), level)


def welch_from_summary(mean1: float, var1: float, n1: int, mean2: float, var2: float, n2: int,
                       level: float = 0.95) -> Interval:
    """Welch's interval and test from each group's mean, sample variance (n − 1) and size."""
    _check_level(level)
    if n1 < 2 or n2 < 2:
        raise InvalidInput("too_few_answers", "each group needs at least 2 values for a variance", field="n")
    a, b = var1 / n1, var2 / n2
    se = math.sqrt(a + b)
    delta = mean1 - mean2
    if se == 0:
        # Both groups constant: the difference is known exactly.
        return Interval(delta, delta, delta, level, "welch t", _degenerate_stat(delta), float(delta == 0),
                        float(n1 + n2 - 2))
    df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    t = delta / se
    half = float(_sp.t.ppf(0.5 + level / 2, df)) * se
    return Interval(delta, delta - half, delta + half, level, "welch t", t, float(2 * _sp.t.sf(abs(t), df)), df)


def mean_interval(values: Sequence[float], level: float = 0.95) -> Interval:
    """The mean with a one-sample t interval; with one value the interval is undefined (NaN)."""
    x = _sample(values, "values", minimum=1)
    _check_level(level)
    mean = float(x.mean())
    if len(x) < 2:
        return Interval(mean, math.nan, math.nan, level, "t")
    half = float(_sp.t.ppf(0.5 + level / 2, len(x) - 1)) * float(x.std(ddof=1)) / math.sqrt(len(x))
    return Interval(mean, mean - half, mean + half, level, "t", df=float(len(x) - 1))


def bootstrap_mean_difference(a: Sequence[float], b: Sequence[float], *, resamples: int = 2000, seed: int = 0,
                              level: float = 0.95, method: str = "percentile") -> Interval:
    """mean(a) − mean(b) with a seeded bootstrap interval, each group resampled on its own.

    Efron & Tibshirani (1993): the two-sample bootstrap keeps each group's size (stratified by group, ch. 8); the
    percentile interval (the default) takes the α/2 and 1 − α/2 quantiles of the resampled differences (ch. 13);
    "bca" shifts those quantiles for bias and skewness (ch. 14) and covers better on long-tailed amounts such as
    revenue per person. The same seed gives the same interval.
    """
    _check_level(level)
    if method not in ("percentile", "bca"):
        raise InvalidInput("invalid_method", f"method: '{method}' is not 'percentile' or 'bca'", field="method")
    if resamples < 100:
        raise InvalidInput("invalid_resamples", "resamples: at least 100 are needed for a 95% percentile interval",
                           field="resamples")
    x, y = _sample(a, "a", minimum=1), _sample(b, "b", minimum=1)
    rng = np.random.default_rng(seed)
    diffs = _resampled_means(x, resamples, rng) - _resampled_means(y, resamples, rng)
    estimate = float(x.mean() - y.mean())
    levels = np.array([0.5 - level / 2, 0.5 + level / 2])
    if method == "bca":
        levels = _bca_levels(diffs, estimate, _acceleration(x, y), levels)
    low, high = np.quantile(diffs, levels)
    return Interval(estimate, float(low), float(high), level, f"{method} bootstrap")


def nps_interval(promoters: int, passives: int, detractors: int, level: float = 0.95) -> Interval:
    """NPS = p₊ − p₋ on −1…1 with a Wald interval, Var = (p₊ + p₋ − (p₊ − p₋)²)/n (Rocks 2016)."""
    n, p_plus, p_minus = _nps_shares(promoters, passives, detractors)
    nps = p_plus - p_minus
    half = z_quantile(level) * math.sqrt(_nps_variance(p_plus, p_minus, n))
    return Interval(nps, max(-1.0, nps - half), min(1.0, nps + half), level, "wald (multinomial)")


def nps_change(before: tuple[int, int, int], after: tuple[int, int, int], level: float = 0.95) -> Interval:
    """NPS(after) − NPS(before) of two independent waves, from (promoters, passives, detractors): interval and z test.

    The waves are independent samples, so the variance of the difference is the sum of the two multinomial
    variances (Rocks 2016).
    """
    n1, plus1, minus1 = _nps_shares(*before)
    n2, plus2, minus2 = _nps_shares(*after)
    delta = (plus2 - minus2) - (plus1 - minus1)
    se = math.sqrt(_nps_variance(plus1, minus1, n1) + _nps_variance(plus2, minus2, n2))
    half = z_quantile(level) * se
    test = _z_test(delta, se, "z")
    return Interval(delta, delta - half, delta + half, level, "wald (multinomial)", test.statistic, test.p_value)


def control_bucket(key: Hashable, seed: int | str) -> float:
    """A uniform number in [0, 1) fixed by (seed, key): the same person and seed always give the same number."""
    digest = hashlib.blake2b(f"{seed}\x1f{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def in_control_group(key: Hashable, seed: int | str, share: float) -> bool:
    """True when the person falls in the random control group of this seed (bucket below the share)."""
    _check_share(share)
    return control_bucket(key, seed) < share


def split_control(keys: Iterable[Hashable], *, seed: int | str, share: float) -> tuple[list, list]:
    """(treated, control) in the input order; each person's group depends only on their key and the seed.

    A hash of seed and key, not a shuffle of the list, decides: adding, removing or reordering people never moves
    anyone else between groups, and the realised share is Binomial(n, share)/n around the target.
    """
    _check_share(share)
    treated, control = [], []
    for key in keys:
        (control if control_bucket(key, seed) < share else treated).append(key)
    return treated, control


def _resampled_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Means of `resamples` bootstrap samples of values (with replacement, same size), vectorised in chunks.

    Zeros add nothing to a sum, so a resample is drawn as its number of non-zero picks, Binomial(n, k/n), and that
    many uniform picks among the k non-zero values: the same distribution as n picks among all values, at the cost
    of k instead of n draws (most people in a campaign buy nothing).
    """
    n = len(values)
    nonzero = values[values != 0]
    k = len(nonzero)
    if k == 0:
        return np.zeros(resamples)
    counts = np.full(resamples, n, dtype=np.int64) if k == n else rng.binomial(n, k / n, size=resamples)
    sums = np.empty(resamples, dtype=np.float64)
    rows = max(1, _BOOTSTRAP_CHUNK // max(k, 1))
    for start in range(0, resamples, rows):
        chunk = counts[start:start + rows]
        picks = nonzero[rng.integers(0, k, int(chunk.sum()))]
        # Differences of a running sum give every resample's sum at once (exact for integer amounts).
        running = np.concatenate(([0], np.cumsum(picks)))
        ends = np.cumsum(chunk)
        sums[start:start + rows] = running[ends] - running[ends - chunk]
    return sums / n


def _acceleration(x: np.ndarray, y: np.ndarray) -> float:
    """BCa acceleration of mean(x) − mean(y) from the empirical influence values (Davison & Hinkley 1997, eq. 5.25).

    For a mean the influence of an observation is its deviation from the mean; each group's is divided by its size,
    and the control group's enters with a minus sign (Efron & Tibshirani 1993, eq. 14.15, for two samples).
    """
    influence = np.concatenate(((x - x.mean()) / len(x), -(y - y.mean()) / len(y)))
    squares = float((influence**2).sum())
    return 0.0 if squares == 0 else float((influence**3).sum()) / (6 * squares**1.5)


def _bca_levels(diffs: np.ndarray, estimate: float, acceleration: float, levels: np.ndarray) -> np.ndarray:
    """The quantile levels Φ(z₀ + (z₀ + z_α)/(1 − a(z₀ + z_α))) of the BCa interval (Efron & Tibshirani, 14.10)."""
    # Bias correction from the share of resamples below the estimate, ties counted half (amounts are discrete),
    # kept off 0 and 1 so that z₀ stays finite.
    below = (np.count_nonzero(diffs < estimate) + 0.5 * np.count_nonzero(diffs == estimate)) / len(diffs)
    below = min(max(below, 0.5 / len(diffs)), 1 - 0.5 / len(diffs))
    z0 = float(_sp.norm.ppf(below))
    z = _sp.norm.ppf(levels)
    return _sp.norm.cdf(z0 + (z0 + z) / (1 - acceleration * (z0 + z)))


def _nps_shares(promoters: int, passives: int, detractors: int) -> tuple[int, float, float]:
    for name, count in (("promoters", promoters), ("passives", passives), ("detractors", detractors)):
        if not _is_int(count) or count < 0:
            raise InvalidInput("invalid_count", f"{name}: '{count}' is not a count", field=name)
    n = promoters + passives + detractors
    if n == 0:
        raise InvalidInput("no_answers", "NPS needs at least one answer", field="n")
    return n, promoters / n, detractors / n


def _nps_variance(p_plus: float, p_minus: float, n: int) -> float:
    return (p_plus + p_minus - (p_plus - p_minus) ** 2) / n


def _z_test(delta: float, se: float, method: str) -> SignificanceTest:
    if se == 0:
        return SignificanceTest(_degenerate_stat(delta), float(delta == 0), method)
    z = delta / se
    return SignificanceTest(z, float(2 * _sp.norm.sf(abs(z))), method)


def _degenerate_stat(delta: float) -> float:
    return 0.0 if delta == 0 else math.copysign(math.inf, delta)


def _sample(values: Sequence[float], field: str, minimum: int) -> np.ndarray:
    x = np.asarray(values)
    if x.ndim != 1 or x.dtype.kind not in "iuf":
        raise InvalidInput("invalid_values", f"{field}: expected a list of numbers", field=field)
    if len(x) < minimum:
        raise InvalidInput("too_few_answers", f"{field}: needs at least {minimum} value(s), got {len(x)}", field=field)
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise InvalidInput("invalid_values", f"{field}: value {int(np.argmin(np.isfinite(x))) + 1} is not finite",
                           field=field)
    return x


def _check_count(successes: int, n: int, field: str) -> None:
    if not _is_int(n) or n <= 0:
        raise InvalidInput("invalid_count", f"{field}: group size '{n}' must be a positive whole number", field=field)
    if not _is_int(successes) or not 0 <= successes <= n:
        raise InvalidInput("invalid_count", f"{field}: '{successes}' is not a count between 0 and {n}", field=field)


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise InvalidInput("invalid_level", f"level: {level} is not between 0 and 1", field="level")


def _check_share(share: float) -> None:
    if not 0 < share < 1:
        raise InvalidInput("invalid_share", f"share: {share} is not strictly between 0 and 1", field="share")


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)
