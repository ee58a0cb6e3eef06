"""Pure customer-value rules over per-customer arrays (DESIGN.md section 4 definitions; no I/O).

RFM (DESIGN.md §4): recency = days since last order, frequency = number of orders, monetary = total paid, each
scored 1–5 by quintile. Pareto 20/80/30, lifecycle stages, repurchase rate and monthly acquisition cohorts follow
the same section. Money stays in integer minor units; shares are floats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

SEGMENTS = ("Champions", "Loyal", "Potential", "New", "At risk", "Can't lose", "Hibernating", "Lost")
STAGES = ("suspect", "prospect", "first_time", "repeat", "advocate", "at_risk", "lost")


def segment_slug(name: str) -> str:
    """A segment's code (its label key): "Can't lose" -> "cant_lose", "At risk" -> "at_risk"."""
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower().replace("'", "")).strip("_")


SEGMENT_CODES = {segment_slug(name): name for name in SEGMENTS}  # champions -> Champions, as stored


def quintile_scores(values, customer_id, *, higher_is_better: bool = True, ties: str = "min") -> np.ndarray:
    """Scores 1–5 by quintile: score = 1 + ⌊5·rank/n⌋ with rank 0 for the worst customer.

    ties="min" (default): equal values share the rank of the first of them, so equal values always get equal
    scores (bins may then be unequal: if 70% bought once, all of them score F = 1).
    ties="first": order by value, then by customer id, giving equal-sized bins; equal values may then get
    different scores, decided by customer id. Both are deterministic.
    """
    v = np.asarray(values, dtype=np.float64)
    ids = np.asarray(customer_id)
    n = len(v)
    if n == 0:
        return np.zeros(0, np.int8)
    if len(ids) != n:
        raise ValueError(f"values and customer_id differ in length: {n} and {len(ids)}")
    if np.isnan(v).any():
        raise ValueError(f"values contain NaN at row {int(np.flatnonzero(np.isnan(v))[0])}")
    key = v if higher_is_better else -v
    order = np.lexsort((ids, key))  # worst first; customer id breaks ties
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    if ties == "min":
        sorted_key = key[order]
        first = np.searchsorted(sorted_key, sorted_key, side="left")
        rank[order] = first
    elif ties != "first":
        raise ValueError(f"ties must be 'min' or 'first', got {ties!r}")
    return (1 + (5 * rank) // n).astype(np.int8)


def frequency_scores(frequency) -> np.ndarray:
    """F scores 1–5 that leave no score empty: order counts are too tied for quintiles (when 70% bought once,
    quintile ranks jump from F = 1 to F = 4 and F = 2, 3 stay empty).

    The distinct order counts, lowest first, are cut into m = min(5, k) consecutive groups (k = number of distinct
    counts): a group closes once the customers so far reach its share j/m of all customers, or when the counts left
    are just enough for one group each. So equal counts share a score, each of the scores 1…m holds at least one
    count, and with five or more distinct counts all five scores are used; the highest score is m (k < 5: the
    best buyers score k). Example: counts 1 (70%), 2 (15%), 3 (8%), 4 (4%), 5+ (3%) give F = 1, 2, 3, 4, 5.
    """
    v = np.asarray(frequency, dtype=np.int64)
    if len(v) == 0:
        return np.zeros(0, np.int8)
    values, counts = np.unique(v, return_counts=True)
    k, n = len(values), len(v)
    m = min(5, k)
    group = np.empty(k, np.int8)
    score, seen = 1, 0
    for i, count in enumerate(counts):
        group[i] = score
        seen += int(count)
        left = k - i - 1
        if score < m and (seen * m >= n * score or left == m - score):
            score += 1
    return group[np.searchsorted(values, v)]


@dataclass(frozen=True)
class RFM:
    """Per-customer R, F, M scores (1–5), the combined FM score and the named segment."""

    r: np.ndarray
    f: np.ndarray
    m: np.ndarray
    fm: np.ndarray
    segment: np.ndarray


def rfm_scores(customer_id, recency_days, frequency, monetary, *, ties: str = "min") -> RFM:
    """RFM scores and segments (see `rfm_segment`): R and M by quintile (fewer days since the last order = higher
    R), F by `frequency_scores` (groups of whole order counts, no score left empty)."""
    r = quintile_scores(recency_days, customer_id, higher_is_better=False, ties=ties)
    f = frequency_scores(frequency)
    m = quintile_scores(monetary, customer_id, ties=ties)
    fm = ((f.astype(np.int16) + m + 1) // 2).astype(np.int8)
    return RFM(r, f, m, fm, rfm_segment(r, f, fm))


def rfm_segment(r, f, fm) -> np.ndarray:
    """Named segment from R, F and FM = ⌈(F+M)/2⌉; the first rule that matches wins:

    1. Champions    R ≥ 4 and FM ≥ 4
    2. New          R ≥ 4 and F = 1
    3. Loyal        R ≥ 3 and FM ≥ 3
    4. Potential    R ≥ 3 (and FM ≤ 2)
    5. Can't lose   R ≤ 2 and FM = 5
    6. At risk      R ≤ 2 and FM ≥ 3
    7. Hibernating  R = 2 (and FM ≤ 2)
    8. Lost         R = 1 (and FM ≤ 2)

    The rules partition the 5×5 R×FM grid, so every customer gets exactly one segment.
    """
    r, f, fm = (np.asarray(a) for a in (r, f, fm))
    conditions = [
        (r >= 4) & (fm >= 4),
        (r >= 4) & (f == 1),
        (r >= 3) & (fm >= 3),
        r >= 3,
        (r <= 2) & (fm == 5),
        (r <= 2) & (fm >= 3),
        r == 2,
    ]
    choices = ["Champions", "New", "Loyal", "Potential", "Can't lose", "At risk", "Hibernating"]
    return np.select(conditions, choices, default="Lost").astype(object)


@dataclass(frozen=True)
class ParetoView:
    """The 20/80/30 view of profit (DESIGN.md §4); shares are of the total; `lorenz_x/y` start at (0, 0)."""

    n_customers: int
    total: int
    top_share: float  # share of the total from the top `top` fraction of customers
    bottom_share: float  # share of the total from the bottom `bottom` fraction (negative: they lose money)
    given_back: int  # profit lost to the bottom fraction: max(0, −their sum), in minor units
    lorenz_x: np.ndarray  # cumulative share of customers, least valuable first
    lorenz_y: np.ndarray  # cumulative share of profit


def pareto(customer_id, profit, *, top: float = 0.2, bottom: float = 0.3) -> ParetoView:
    """Share of profit (revenue when no cost is known) from the top 20% and given back by the bottom 30%.

    Customers are ordered by profit, then by customer id; fractional customers at the 20%/30% marks are
    interpolated linearly along the cumulative curve, so n need not be a multiple of 10.
    """
    v = np.asarray(profit, dtype=np.int64)
    ids = np.asarray(customer_id)
    n = len(v)
    if n == 0:
        raise ValueError("Pareto view needs at least one customer")
    order = np.lexsort((ids, v))
    cum = np.r_[0, np.cumsum(v[order])]
    total = int(cum[-1])
    xs = np.arange(n + 1) / n

    def cum_at(fraction: float) -> float:
        return float(np.interp(fraction, xs, cum))

    bottom_sum = cum_at(bottom)
    top_sum = total - cum_at(1.0 - top)
    denom = total if total != 0 else 1
    return ParetoView(
        n_customers=n,
        total=total,
        top_share=top_sum / denom,
        bottom_share=bottom_sum / denom,
        given_back=int(round(max(0.0, -bottom_sum))),
        lorenz_x=xs,
        lorenz_y=cum / denom,
    )


@dataclass(frozen=True)
class LifecycleThresholds:
    """Settings for the lifecycle stages (DESIGN.md §4 'Lifecycle')."""

    at_risk_p_alive: float = 0.5
    lost_p_alive: float = 0.2
    gap_multiple: float = 2.0  # k: at risk when days since last order > k × the customer's usual gap
    promoter_nps: int = 9


def lifecycle_stage(
    n_orders,
    *,
    has_inquiry=None,
    referred=None,
    nps=None,
    praised=None,
    p_alive=None,
    recency_days=None,
    usual_gap_days=None,
    own_gap=None,
    thresholds: LifecycleThresholds = LifecycleThresholds(),
) -> np.ndarray:
    """Stage per customer, first match wins (DESIGN.md §4):

    lost       ≥1 order, P(alive) < lost_p_alive and (repeat buyers) overdue
    at_risk    ≥1 order, P(alive) < at_risk_p_alive and (repeat buyers) overdue; or a one-order buyer overdue
    (overdue: recency > gap_multiple × usual gap)
    advocate   ≥2 orders and (referred someone or NPS ≥ 9 or a 好评 with text: `praised`)
    repeat     ≥2 orders
    first_time 1 order
    prospect   no order, inquiry/cart/registration (`has_inquiry`)
    suspect    no order, contact only

    A repeat buyer has a rhythm of their own (`own_gap`, default ≥2 orders): the model's P(alive) and that rhythm
    must agree before the customer is at risk or lost, so a frequent buyer whose P(alive) dips a few days after
    their usual gap (BG/NBD falls fast for them) is not called at risk, nor one whose P(alive) is still high.
    A one-order buyer has no rhythm and BG/NBD gives them P(alive) = 1: the shop's usual gap stands in
    (passed as their usual_gap_days), and either signal alone marks them.
    Missing inputs (None, NaN P(alive), NaN usual gap, NPS < 0) never trigger their rule.
    """
    n = np.asarray(n_orders, dtype=np.int64)
    size = n.shape

    def flag(a, default=False):
        return np.zeros(size, bool) | default if a is None else np.asarray(a, dtype=bool)

    def num(a):
        return np.full(size, np.nan) if a is None else np.asarray(a, dtype=np.float64)

    pa, rec, gap = num(p_alive), num(recency_days), num(usual_gap_days)
    score = num(nps)
    buyer = n >= 1
    own = n >= 2 if own_gap is None else np.asarray(own_gap, dtype=bool)
    with np.errstate(invalid="ignore"):
        overdue = (gap > 0) & (rec > thresholds.gap_multiple * gap)
        low, very_low = pa < thresholds.at_risk_p_alive, pa < thresholds.lost_p_alive
        lost = buyer & very_low & (overdue | ~own)
        at_risk = buyer & np.where(own, low & overdue, low | overdue)
        promoter = score >= thresholds.promoter_nps
    advocate = (n >= 2) & (flag(referred) | promoter | flag(praised))
    conditions = [lost, at_risk, advocate, n >= 2, n == 1, flag(has_inquiry)]
    choices = ["lost", "at_risk", "advocate", "repeat", "first_time", "prospect"]
    return np.select(conditions, choices, default="suspect").astype(object)


def usual_gap_days(n_orders, first_day, last_day) -> np.ndarray:
    """Mean days between orders, (last − first)/(n − 1); NaN for customers with fewer than two orders."""
    n = np.asarray(n_orders, dtype=np.float64)
    span = (np.asarray(last_day, "datetime64[D]") - np.asarray(first_day, "datetime64[D]")).astype(np.float64)
    return np.divide(span, n - 1, out=np.full(n.shape, np.nan), where=n >= 2)


@dataclass(frozen=True)
class Repurchase:
    """Repurchase rate (DESIGN.md §4): customers with ≥2 orders among those with ≥1, in a window."""

    buyers: int
    repeaters: int

    @property
    def rate(self) -> float:
        return self.repeaters / self.buyers if self.buyers else 0.0


def repurchase_rate(customer_id, at, *, start=None, end=None) -> Repurchase:
    """Count orders (rows) per customer with `start` ≤ day ≤ `end` (either bound optional, inclusive)."""
    ids = np.asarray(customer_id)
    days = np.asarray(at).astype("datetime64[D]")
    keep = np.ones(len(ids), bool)
    if start is not None:
        keep &= days >= np.datetime64(start, "D")
    if end is not None:
        keep &= days <= np.datetime64(end, "D")
    _, counts = np.unique(ids[keep], return_counts=True)
    return Repurchase(int(len(counts)), int((counts >= 2).sum()))


@dataclass(frozen=True)
class Cohorts:
    """Monthly acquisition cohorts: row i = customers whose first order fell in `months[i]`; column j = j months
    later. `observed[i, j]` is False for cells after `as_of` (their counts are 0, not missing)."""

    months: np.ndarray  # datetime64[M]
    sizes: np.ndarray  # customers acquired per month
    active: np.ndarray  # int: cohort customers with ≥1 order in month i + j
    revenue: np.ndarray  # int64 minor units: their order amounts in month i + j
    observed: np.ndarray  # bool

    @property
    def retention(self) -> np.ndarray:
        """active / size (column 0 is 1.0 by construction)."""
        return self.active / np.maximum(self.sizes, 1)[:, None]


def monthly_cohorts(customer_id, at, amount, *, as_of) -> Cohorts:
    """Acquisition month = month of the customer's first order on or before `as_of`; orders after it are ignored."""
    ids = np.asarray(customer_id)
    month = np.asarray(at).astype("datetime64[M]")
    amount = np.asarray(amount, dtype=np.int64)
    last = np.datetime64(as_of, "M")
    keep = np.asarray(at).astype("datetime64[D]") <= np.datetime64(as_of, "D")
    ids, month, amount = ids[keep], month[keep], amount[keep]
    if len(ids) == 0:
        empty = np.zeros((0, 0), np.int64)
        return Cohorts(np.array([], "datetime64[M]"), np.zeros(0, np.int64), empty, empty, empty.astype(bool))
    uid, code = np.unique(ids, return_inverse=True)
    m = month.astype(np.int64)
    first = np.full(len(uid), np.iinfo(np.int64).max)
    np.minimum.at(first, code, m)
    m0, m_last = int(first.min()), int(last.astype(np.int64))
    n_rows = m_last - m0 + 1
    row = first[code] - m0
    col = m - first[code]
    sizes = np.bincount(first - m0, minlength=n_rows)
    cells = n_rows * n_rows
    # bincount sums in float64: exact for totals below 2^53 minor units (≈ 9·10^13 yuan)
    revenue = np.rint(np.bincount(row * n_rows + col, weights=amount, minlength=cells)).astype(np.int64)
    pair = np.unique(code.astype(np.int64) * n_rows + col)  # one count per (customer, month offset)
    pc = pair // n_rows
    active = np.bincount((first[pc] - m0) * n_rows + pair % n_rows, minlength=cells)
    revenue, active = revenue.reshape(n_rows, n_rows), active.reshape(n_rows, n_rows)
    observed = (np.arange(n_rows)[:, None] + np.arange(n_rows)[None, :]) <= (m_last - m0)
    months = (np.arange(n_rows) + m0).astype("datetime64[M]")
    return Cohorts(months, sizes, active, revenue, observed)
