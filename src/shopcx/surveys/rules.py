"""Survey measures as pure functions: CSAT, NPS, CES, SERVQUAL gaps, the satisfaction index, IPA, wave changes.

Definitions are those of DESIGN.md section 4:
- NPS = %(9–10) − %(0–6) on a 0–10 item (Reichheld 2003, "The one number you need to grow", HBR 81(12)), in
  points from −100 to 100, with the multinomial Wald interval of Rocks (2016) (see `shopcx.core.stats`).
- CSAT = share of 4–5 on a 1–5 item, with a Wilson interval (Newcombe 1998a). CES = mean of a 1–7 agreement item.
- SERVQUAL (Parasuraman, Zeithaml & Berry 1988, "SERVQUAL: a multiple-item scale for measuring consumer perceptions
  of service quality", Journal of Retailing 64(1):12–40): gap = perception − expectation per item on 1–7, a
  dimension's gap = mean of its items' gaps, overall = mean of the five dimension gaps, or their mean weighted by
  stated importance (the 100-point allocation of Parasuraman, Berry & Zeithaml 1991).
- Satisfaction index (Fornell, Johnson, Anderson, Cha & Bryant 1996, "The American Customer Satisfaction Index",
  Journal of Marketing 60(4):7–18): (Σwᵢx̄ᵢ − min·Σwᵢ) / ((max − min)·Σwᵢ) × 100, equal weights unless given.
- Importance–performance analysis (Martilla & James 1977, "Importance-performance analysis", Journal of Marketing
  41(1):77–79): importance stated or derived by regressing the overall item on the drivers, performance = mean
  score, four quadrants split at the means (or given cut points).

Shares are on 0–1, NPS in points, means on the item's own scale. Answers are whole numbers on their scale; anything
else raises InvalidInput naming the field and the answer's position.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..core import stats
from ..core.errors import InvalidInput

DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")

CONCENTRATE_HERE = "concentrate_here"
KEEP_UP = "keep_up_the_good_work"
LOW_PRIORITY = "low_priority"
POSSIBLE_OVERKILL = "possible_overkill"
QUADRANT_LABELS = {CONCENTRATE_HERE: "concentrate here", KEEP_UP: "keep up the good work",
                   LOW_PRIORITY: "low priority", POSSIBLE_OVERKILL: "possible overkill"}

CSAT_SCALE = (1, 5)
NPS_SCALE = (0, 10)
CES_SCALE = (1, 7)
SERVQUAL_SCALE = (1, 7)
# A respondent whose perceptions fall a full scale point short of expectations on average is followed up.
SERVQUAL_DETRACTOR_GAP = -1.0


@dataclass(frozen=True, slots=True)
class Measure:
    """A survey measure and its interval from n answers; unit: 'share' (0–1), 'points' (NPS) or 'mean' (scale)."""

    name: str
    value: float
    low: float
    high: float
    n: int
    unit: str
    level: float = 0.95


@dataclass(frozen=True, slots=True)
class Change:
    """A measure's change from one wave to the next (after − before) with its interval and a plain-words verdict."""

    name: str
    before: Measure
    after: Measure
    difference: float
    low: float
    high: float
    p_value: float | None
    significant: bool
    direction: str
    verdict: str


@dataclass(frozen=True, slots=True)
class Servqual:
    """SERVQUAL gaps (perception − expectation): per item, per dimension, overall, and importance-weighted."""

    items: dict[str, float]
    dimensions: dict[str, float]
    overall: float
    weighted: float | None
    answers: dict[str, int]


@dataclass(frozen=True, slots=True)
class IpaItem:
    """One driver on the IPA grid; gap = best performance − its performance, priority = importance × gap."""

    name: str
    importance: float
    performance: float
    quadrant: str
    gap: float
    priority: float


@dataclass(frozen=True, slots=True)
class Ipa:
    """An importance–performance grid, its cut points, and the drivers to fix first (highest priority first)."""

    items: list[IpaItem]
    importance_cut: float
    performance_cut: float
    fix_first: list[IpaItem]


def check_scores(values: Sequence[int], scale: tuple[int, int], field: str) -> np.ndarray:
    """Answers as an integer array, or InvalidInput naming the field and the first bad answer's position."""
    low, high = scale
    x = np.asarray(values)
    if x.ndim != 1 or x.dtype.kind == "b":
        raise InvalidInput("invalid_score", f"{field}: expected a list of whole-number answers", field=field)
    if len(x) == 0:
        raise InvalidInput("no_answers", f"{field}: no answers", field=field)
    if x.dtype.kind == "f":
        whole = np.isfinite(x) & (x == np.round(x))
        if not whole.all():
            position = int(np.argmin(whole))
            raise InvalidInput("invalid_score", f"{field}: answer {position + 1} ({x[position]}) is not a whole number",
                               field=field)
        x = x.astype(np.int64)
    elif x.dtype.kind not in "iu":
        for position, value in enumerate(values):
            if not isinstance(value, int | np.integer) or isinstance(value, bool):
                raise InvalidInput("invalid_score", f"{field}: answer {position + 1} ({value!r}) is not a whole number",
                                   field=field)
        x = x.astype(np.int64)
    outside = (x < low) | (x > high)
    if outside.any():
        position = int(np.argmax(outside))
        raise InvalidInput("score_out_of_range", f"{field}: answer {position + 1} is {x[position]}, "
                           f"outside the {low}–{high} scale", field=field)
    return x


def nps_group(score: int) -> str:
    """'detractor' (0–6), 'passive' (7–8) or 'promoter' (9–10) (Reichheld 2003)."""
    value = int(check_scores([score], NPS_SCALE, "nps")[0])
    return "promoter" if value >= 9 else "passive" if value >= 7 else "detractor"


def is_csat_detractor(score: int) -> bool:
    """True for a CSAT answer of 1 or 2 on 1–5: the answer opens a follow-up case."""
    return int(check_scores([score], CSAT_SCALE, "csat")[0]) <= 2


def is_servqual_detractor(gap: float, threshold: float = SERVQUAL_DETRACTOR_GAP) -> bool:
    """True when a respondent's overall SERVQUAL gap is below the threshold (perceptions short of expectations)."""
    if not math.isfinite(gap):
        raise InvalidInput("invalid_gap", f"gap: {gap} is not a number", field="gap")
    return gap < threshold


def csat(scores: Sequence[int], *, level: float = 0.95, field: str = "csat") -> Measure:
    """CSAT = share of 4–5 answers on 1–5, with a Wilson interval."""
    x = check_scores(scores, CSAT_SCALE, field)
    interval = stats.wilson_interval(int((x >= 4).sum()), len(x), level)
    return Measure("csat", interval.estimate, interval.low, interval.high, len(x), "share", level)


def nps_counts(scores: Sequence[int], field: str = "nps") -> tuple[int, int, int]:
    """(promoters, passives, detractors) among 0–10 answers."""
    x = check_scores(scores, NPS_SCALE, field)
    promoters, detractors = int((x >= 9).sum()), int((x <= 6).sum())
    return promoters, len(x) - promoters - detractors, detractors


def nps(scores: Sequence[int], *, level: float = 0.95, field: str = "nps") -> Measure:
    """NPS = %(9–10) − %(0–6) in points (−100…100), with its interval."""
    return nps_from_counts(*nps_counts(scores, field), level=level)


def nps_from_counts(promoters: int, passives: int, detractors: int, *, level: float = 0.95) -> Measure:
    """NPS in points from the three counts, with the multinomial Wald interval (Rocks 2016)."""
    interval = stats.nps_interval(promoters, passives, detractors, level)
    return Measure("nps", 100 * interval.estimate, 100 * interval.low, 100 * interval.high,
                   promoters + passives + detractors, "points", level)


def ces(scores: Sequence[int], *, level: float = 0.95, field: str = "ces") -> Measure:
    """CES = mean of a 1–7 agreement item, with a t interval."""
    measure = mean_score(scores, scale=CES_SCALE, level=level, field=field)
    return Measure("ces", measure.value, measure.low, measure.high, measure.n, "mean", level)


def mean_score(scores: Sequence[int], *, scale: tuple[int, int], level: float = 0.95,
               field: str = "score") -> Measure:
    """The mean answer on a rating item with a t interval (NaN bounds from a single answer)."""
    x = check_scores(scores, scale, field)
    interval = stats.mean_interval(x, level)
    return Measure(field, interval.estimate, interval.low, interval.high, len(x), "mean", level)


def servqual(pairs: Mapping[str, Sequence[tuple[int, int]]], dimension_of: Mapping[str, str], *,
             importance: Mapping[str, float] | None = None) -> Servqual:
    """SERVQUAL gaps from (expectation, perception) answers per item on 1–7 (Parasuraman, Zeithaml & Berry 1988).

    An item's gap is the mean of P − E over the respondents who answered it; the overall gap is the mean of the
    dimensions that have items (an audit may score fewer than five), weighted by `importance` per dimension when
    given (any non-negative numbers, e.g. the 100 points a respondent allocates; normalised here).
    """
    if not pairs:
        raise InvalidInput("no_answers", "servqual: no items answered", field="servqual")
    items: dict[str, float] = {}
    answers: dict[str, int] = {}
    by_dimension: dict[str, list[float]] = {}
    for item, item_pairs in pairs.items():
        dimension = dimension_of.get(item)
        if dimension not in DIMENSIONS:
            raise InvalidInput("unknown_dimension", f"{item}: dimension '{dimension}' is not one of "
                               f"{', '.join(DIMENSIONS)}", field=item)
        rows = np.asarray(item_pairs)
        if rows.ndim != 2 or rows.shape[1] != 2:
            raise InvalidInput("invalid_pair", f"{item}: expected (expectation, perception) pairs", field=item)
        expectation = check_scores(rows[:, 0], SERVQUAL_SCALE, f"{item}.expectation")
        perception = check_scores(rows[:, 1], SERVQUAL_SCALE, f"{item}.perception")
        items[item] = float((perception - expectation).mean())
        answers[item] = len(rows)
        by_dimension.setdefault(dimension, []).append(items[item])
    dimensions = {d: float(np.mean(by_dimension[d])) for d in DIMENSIONS if d in by_dimension}
    overall = float(np.mean(list(dimensions.values())))
    weighted = None
    if importance is not None:
        weighted = _weighted_mean(dimensions, _dimension_weights(importance, dimensions))
    return Servqual(items, dimensions, overall, weighted, answers)


def respondent_gap(answers: Mapping[str, tuple[int, int]], dimension_of: Mapping[str, str]) -> float:
    """One respondent's overall SERVQUAL gap from their (expectation, perception) per item."""
    return servqual({item: [pair] for item, pair in answers.items()}, dimension_of).overall


def satisfaction_index(item_means: Mapping[str, float], *, scale: tuple[float, float] = (1, 10),
                       weights: Mapping[str, float] | None = None) -> float:
    """0–100 index (Σwᵢx̄ᵢ − min·Σwᵢ) / ((max − min)·Σwᵢ) × 100 (Fornell et al. 1996); equal weights by default.

    The default scale is ACSI's 1–10; pass the survey's own (e.g. (1, 5)) for other items.
    """
    low, high = scale
    if not high > low:
        raise InvalidInput("invalid_scale", f"scale: {scale} needs max > min", field="scale")
    if not item_means:
        raise InvalidInput("no_answers", "satisfaction index: no items", field="item_means")
    for item, mean in item_means.items():
        if not (math.isfinite(mean) and low <= mean <= high):
            raise InvalidInput("score_out_of_range", f"{item}: mean {mean} is outside the {low}–{high} scale",
                               field=item)
    w = {item: 1.0 for item in item_means} if weights is None else _weights(item_means, weights, "weights")
    total = sum(w.values())
    weighted_sum = sum(w[item] * item_means[item] for item in item_means)
    return (weighted_sum - low * total) / ((high - low) * total) * 100


def derived_importance(overall: Sequence[float], drivers: Mapping[str, Sequence[float]], *,
                       standardized: bool = True) -> dict[str, float]:
    """Each driver's importance as its coefficient in the OLS regression of the overall item on all drivers.

    Standardised coefficients (b·sd(x)/sd(y)) by default, so drivers on different scales compare; a negative value is
    returned as it is (a driver that hurts overall satisfaction, or collinearity), not clipped.
    """
    y = np.asarray(overall, dtype=np.float64)
    names = list(drivers)
    if not names:
        raise InvalidInput("no_drivers", "drivers: none given", field="drivers")
    columns = []
    for name in names:
        column = np.asarray(drivers[name], dtype=np.float64)
        if column.shape != y.shape:
            raise InvalidInput("length_mismatch", f"{name}: {len(column)} answers for {len(y)} overall answers",
                               field=name)
        columns.append(column)
    if len(y) < len(names) + 2:
        raise InvalidInput("too_few_answers", f"overall: {len(y)} answers cannot estimate {len(names)} drivers",
                           field="overall")
    if not (np.isfinite(y).all() and all(np.isfinite(c).all() for c in columns)):
        raise InvalidInput("invalid_values", "drivers: every answer must be a number", field="drivers")
    design = np.column_stack([np.ones_like(y), *columns])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise InvalidInput("collinear_drivers", "drivers: some driver is constant or a combination of others",
                           field="drivers")
    coefficients = np.linalg.lstsq(design, y, rcond=None)[0][1:]
    if standardized:
        sd_y = y.std(ddof=1)
        if sd_y == 0:
            raise InvalidInput("constant_overall", "overall: every answer is the same", field="overall")
        coefficients = coefficients * np.array([c.std(ddof=1) for c in columns]) / sd_y
    return {name: float(b) for name, b in zip(names, coefficients, strict=True)}


def ipa(performance: Mapping[str, float], importance: Mapping[str, float], *,
        cuts: tuple[float, float] | None = None) -> Ipa:
    """Importance–performance grid (Martilla & James 1977), split at the means or at cuts=(importance, performance).

    A driver on a cut line counts as high on that axis. "Fix first" ranks the drivers with positive importance and a
    gap to the best performer by importance × gap, largest first (ties by name).
    """
    if not performance:
        raise InvalidInput("no_drivers", "performance: no drivers", field="performance")
    for name in performance:
        if name not in importance:
            raise InvalidInput("missing_importance", f"{name}: no importance given", field=name)
        for value, what in ((performance[name], "performance"), (importance[name], "importance")):
            if not math.isfinite(value):
                raise InvalidInput("invalid_values", f"{name}: {what} {value} is not a number", field=name)
    names = list(performance)
    importance_cut, performance_cut = cuts if cuts is not None else (
        float(np.mean([importance[n] for n in names])), float(np.mean([performance[n] for n in names])))
    best = max(performance.values())
    items = []
    for name in names:
        high_importance, high_performance = importance[name] >= importance_cut, performance[name] >= performance_cut
        quadrant = ((KEEP_UP if high_performance else CONCENTRATE_HERE) if high_importance
                    else (POSSIBLE_OVERKILL if high_performance else LOW_PRIORITY))
        gap = best - performance[name]
        items.append(IpaItem(name, float(importance[name]), float(performance[name]), quadrant, float(gap),
                             float(importance[name] * gap)))
    fix_first = sorted((i for i in items if i.gap > 0 and i.importance > 0), key=lambda i: (-i.priority, i.name))
    return Ipa(items, importance_cut, performance_cut, fix_first)


def compare_csat(before: Sequence[int], after: Sequence[int], *, level: float = 0.95) -> Change:
    """CSAT change between two independent waves: Newcombe interval for the difference, pooled z-test p-value.

    Significance is read from the interval (the verdict must agree with the numbers shown); the pooled z test's
    p-value is reported beside it and can disagree only at the very margin.
    """
    x = check_scores(before, CSAT_SCALE, "before")
    y = check_scores(after, CSAT_SCALE, "after")
    satisfied_before, satisfied_after = int((x >= 4).sum()), int((y >= 4).sum())
    interval = stats.proportion_difference(satisfied_after, len(y), satisfied_before, len(x), level)
    test = stats.two_proportion_z_test(satisfied_after, len(y), satisfied_before, len(x))
    return _change("CSAT", csat(x, level=level), csat(y, level=level), interval, test.p_value, scale=100)


def compare_nps(before: Sequence[int], after: Sequence[int], *, level: float = 0.95) -> Change:
    """NPS change between two independent waves, in points, with interval and z test (Rocks 2016)."""
    counts_before, counts_after = nps_counts(before, "before"), nps_counts(after, "after")
    interval = stats.nps_change(counts_before, counts_after, level)
    return _change("NPS", nps_from_counts(*counts_before, level=level), nps_from_counts(*counts_after, level=level),
                   interval, interval.p_value, scale=100)


def compare_ces(before: Sequence[int], after: Sequence[int], *, level: float = 0.95) -> Change:
    """CES change between two independent waves, with Welch's interval and test."""
    return compare_means(before, after, scale=CES_SCALE, level=level, name="CES")


def compare_means(before: Sequence[int], after: Sequence[int], *, scale: tuple[int, int], level: float = 0.95,
                  name: str = "mean") -> Change:
    """Change of a rating item's mean between two independent waves, with Welch's interval and test."""
    x, y = check_scores(before, scale, "before"), check_scores(after, scale, "after")
    interval = stats.welch(y, x, level)
    return _change(name, mean_score(x, scale=scale, level=level, field=name),
                   mean_score(y, scale=scale, level=level, field=name), interval, interval.p_value, scale=1)


def _change(name: str, before: Measure, after: Measure, interval: stats.Interval, p_value: float | None,
            scale: float) -> Change:
    """The Change record and its verdict; scale turns the statistics' units into the ones shown (100 → points)."""
    difference, low, high = scale * interval.estimate, scale * interval.low, scale * interval.high
    direction = "up" if difference > 0 else "down" if difference < 0 else "flat"
    # Shares show as percentages and move in percentage points; NPS is already in points; means keep their scale.
    shown, digits, unit = {"share": ("{:.1%}", 1, " points"), "points": ("{:.1f}", 1, " points")}.get(
        before.unit, ("{:.2f}", 2, ""))
    diff, bounds = f"{difference:+.{digits}f}{unit}", f"{low:+.{digits}f} to {high:+.{digits}f}"
    moved = (f"stayed at {shown.format(after.value)}" if direction == "flat" else
             f"{'rose' if direction == 'up' else 'fell'} from {shown.format(before.value)} to "
             f"{shown.format(after.value)}")
    percent = f"{100 * interval.level:g}%"
    significant = interval.significant
    judgement = (f"significant at {percent}: the interval excludes 0" if significant
                 else f"not significant at {percent}: the interval includes 0, so this may be noise")
    verdict = f"{name} {moved} ({diff}, {percent} interval {bounds}): {judgement}."
    return Change(name, before, after, difference, low, high, p_value, significant, direction, verdict)


def _weights(items: Mapping[str, float], weights: Mapping[str, float], field: str) -> dict[str, float]:
    """Non-negative weights for exactly these items with a positive sum, or an error naming the item."""
    out = {}
    for item in items:
        if item not in weights:
            raise InvalidInput("missing_weight", f"{field}: no weight for '{item}'", field=item)
        weight = float(weights[item])
        if not (math.isfinite(weight) and weight >= 0):
            raise InvalidInput("invalid_weight", f"{field}: weight of '{item}' is {weight}; it must be ≥ 0",
                               field=item)
        out[item] = weight
    extra = sorted(set(weights) - set(items))
    if extra:
        raise InvalidInput("unknown_item", f"{field}: '{extra[0]}' is not among the items", field=extra[0])
    if sum(out.values()) <= 0:
        raise InvalidInput("invalid_weight", f"{field}: the weights add up to 0", field=field)
    return out


def _dimension_weights(importance: Mapping[str, float], present: Mapping[str, float]) -> dict[str, float]:
    """Importance of the dimensions present; a weight for a dimension the survey did not ask about is dropped."""
    for dimension in importance:
        if dimension not in DIMENSIONS:
            raise InvalidInput("unknown_dimension", f"importance: '{dimension}' is not one of {', '.join(DIMENSIONS)}",
                               field=dimension)
    return {d: importance[d] for d in present if d in importance}


def _weighted_mean(values: Mapping[str, float], weights: Mapping[str, float]) -> float:
    w = _weights(values, weights, "importance")
    return sum(w[k] * values[k] for k in values) / sum(w.values())


def detractor(scores: Mapping[str, float], pairs: Mapping[str, tuple[int, int]], dimension_of: Mapping[str, str], *,
              threshold: float = SERVQUAL_DETRACTOR_GAP) -> tuple[str, float] | None:
    """Why one answer needs a follow-up, first rule that holds: ("nps", score) for NPS 0–6, ("csat", score) for
    CSAT 1–2, ("servqual", gap) for an overall SERVQUAL gap below the threshold; None for everyone else."""
    if "nps" in scores and nps_group(int(scores["nps"])) == "detractor":
        return "nps", float(scores["nps"])
    if "csat" in scores and is_csat_detractor(int(scores["csat"])):
        return "csat", float(scores["csat"])
    if pairs:
        gap = respondent_gap(pairs, dimension_of)
        if is_servqual_detractor(gap, threshold):
            return "servqual", gap
    return None
