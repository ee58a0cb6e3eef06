"""The shop's year: shopping festivals, the Spring Festival logistics pause and the hours people buy at."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import numpy as np
from lunardate import LunarDate

from .records import Window

# Relative orders per local hour: quiet at night, a lunch bump, the evening peak.
HOURS = np.array([3, 1.5, 0.8, 0.5, 0.4, 0.5, 1, 2, 3.5, 4.5, 5, 5,
                  5.5, 5, 4.5, 4.5, 5, 5, 5.5, 6.5, 8, 9, 8.5, 6])
HOURS_P = HOURS / HOURS.sum()
HOURS_1111 = HOURS.copy()
HOURS_1111[0] *= 12  # 双11 starts at midnight
HOURS_1111[1] *= 3
HOURS_1111_P = HOURS_1111 / HOURS_1111.sum()

# Days whose orders take longer to ship and arrive late more often (parcel peaks after the big sales).
PEAKS = (((11, 11), 8), ((12, 12), 4), ((6, 18), 4))


@lru_cache
def spring_festival(year: int) -> date:
    """The first day of the lunar year (春节) in the solar calendar."""
    return LunarDate(year, 1, 1).to_solar_date()


def festival_factor(day: date) -> float:
    """How much busier (or quieter) a day is than an ordinary one for new buyers."""
    md = (day.month, day.day)
    factor = {(11, 11): 8.0, (11, 10): 2.5, (12, 12): 3.0, (6, 18): 4.0, (3, 8): 2.5}.get(md)
    if factor is None:  # the pre-sale (预售) weeks before 双11 and 618 are busier too
        factor = 1.4 if (day.month == 11 and day.day < 10) or (day.month == 6 and day.day < 18) else 1.0
    if any(abs((day - spring_festival(year)).days) <= 7 for year in (day.year, day.year + 1)):
        factor *= 0.4  # families travel home; shops and couriers slow down
    return factor * (1.1 if day.weekday() >= 5 else 1.0)


def day_weights(window: Window) -> np.ndarray:
    """Probability of each day of the window for a new customer: growth from 1 to 1.8 times, festivals."""
    n = window.days
    weights = np.array([(1.0 + 0.8 * d / max(n - 1, 1)) * festival_factor(window.start + timedelta(days=d))
                        for d in range(n)])
    return weights / weights.sum()


def second_of_day(rng: np.random.Generator, day: date) -> int:
    """A second after local midnight at which someone orders on `day`."""
    probs = HOURS_1111_P if (day.month, day.day) == (11, 11) else HOURS_P
    return int(rng.choice(24, p=probs)) * 3600 + int(rng.integers(0, 3600))


def is_peak(day: date) -> bool:
    """Within the week of parcels after 双11, 双12 or 618."""
    return any(day.month == m and 0 <= day.day - d < days for (m, d), days in PEAKS)


def near_spring_festival(day: date) -> bool:
    """Within the days around 春节 when parcels crawl."""
    return any(-3 <= (day - spring_festival(y)).days <= 6 for y in (day.year, day.year + 1))


def shipping_resumes(day: date) -> date | None:
    """If couriers stop on `day` for the Spring Festival, the day they start again."""
    for year in (day.year, day.year + 1):
        festival = spring_festival(year)
        if -2 <= (day - festival).days <= 5:
            return festival + timedelta(days=6)
    return None
