"""Pure functions for reading satisfaction against the operations behind it: a measure per segment (window,
product, category, carrier, agent, tier, lifecycle stage, delivery late / on time / damaged), a delivery's status,
importance from PLS total effects, performance on 0–100, and an IPA "fix first" list from those.

Importance–performance analysis follows Martilla & James (1977) as `rules.ipa` does; derived importance is either
the total effect of a driver block on satisfaction in the PLS path model (direct + indirect, Lohmöller 1989; the
ACSI "impact" of Fornell et al. 1996) or the regression coefficient of `rules.derived_importance`.
Performance is put on 0–100 as (mean − min) / (max − min) × 100, the ACSI convention, so items on different
scales compare on one grid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ...core.errors import InvalidInput
from .. import rules

LATE, ON_TIME, DAMAGED = "late", "on_time", "damaged"


@dataclass(frozen=True, slots=True)
class SegmentMeasure:
    """One segment's measure (CSAT / NPS / CES with its interval) and its difference to all answers."""

    segment: str
    measure: rules.Measure
    versus_all: float


def delivery_status(promised_at: datetime | None, delivered_at: datetime | None, damaged: bool) -> str | None:
    """damaged (whatever the time), late (delivered after the promised time), on time, or None when the parcel was
    not delivered or had no promised time and arrived undamaged."""
    if damaged:
        return DAMAGED
    if promised_at is None or delivered_at is None:
        return None
    return LATE if delivered_at > promised_at else ON_TIME


def by_segment(rows: Iterable[tuple[str | None, int]], measure: Callable[[Sequence[int]], rules.Measure], *,
               min_answers: int = 1) -> list[SegmentMeasure]:
    """The measure per segment of (segment, score) rows: segments with at least `min_answers` answers, most
    answers first (ties by name); rows without a segment count only in the whole. `versus_all` = segment − all."""
    groups: dict[str, list[int]] = {}
    everyone: list[int] = []
    for segment, score in rows:
        everyone.append(score)
        if segment is not None and segment != "":
            groups.setdefault(str(segment), []).append(score)
    if not everyone:
        return []
    whole = measure(everyone).value
    out = [SegmentMeasure(name, m := measure(scores), m.value - whole) for name, scores in groups.items()
           if len(scores) >= min_answers]
    return sorted(out, key=lambda s: (-s.measure.n, s.segment))


def to_hundred(mean: float, scale: tuple[float, float]) -> float:
    """A mean on its answer scale as 0–100: (mean − min) / (max − min) × 100."""
    low, high = scale
    if high <= low:
        raise InvalidInput("invalid_scale", f"scale: {low}–{high} is not a range", field="scale")
    return (mean - low) / (high - low) * 100


def effects_importance(effects: Iterable[tuple[str, str, float]], target: str) -> dict[str, float]:
    """Each block's total effect on `target` from (source, target, total effect) rows: the PLS importance of
    the drivers of satisfaction. Blocks with no path to the target are left out."""
    out = {source: float(total) for source, to, total in effects if to == target and source != target}
    if not out:
        raise InvalidInput("no_drivers", f"{target}: no block has an effect on it", field="index")
    return out


def fix_first(performance: Mapping[str, float], importance: Mapping[str, float]) -> rules.Ipa:
    """The IPA grid split at the means and its ranked "fix first" list (importance × gap to the best driver)."""
    return rules.ipa(performance, importance)
