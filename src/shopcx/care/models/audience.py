"""An audience: who a campaign reaches, as a filter over the latest customer-value analysis and the customer record.

Each field narrows the audience; an empty list or None means "any". Consent is required on the campaign's
channel unless `consent` is False (a staff call list needs none). Erased customers and demo identities are never
in an audience (DESIGN.md, capability 10; the issue's buyer rights).
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass, field, fields

from ...core import stats
from ...core.errors import InvalidInput

SEGMENTS = ("Champions", "Loyal", "Potential", "New", "At risk", "Can't lose", "Hibernating", "Lost")
STAGES = ("first_time", "repeat", "advocate", "at_risk", "lost", "suspect", "prospect")
CHANNELS = ("email", "sms", "wechat", "agent")


@dataclass(frozen=True)
class Audience:
    """The filter; money in minor units, probabilities 0–1, days since the last order."""

    segments: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    last_order_min_days: int | None = None  # bought at least this many days ago (recency ≥)
    last_order_max_days: int | None = None  # bought within this many days (recency ≤)
    p_alive_min: float | None = None
    p_alive_max: float | None = None
    clv_min_amount: int | None = None
    clv_max_amount: int | None = None
    channel: str = "email"
    consent: bool = True
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready form (lists, not tuples) for storage on the campaign."""
        out = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items() if k != "extra"}


def _words(value, name: str, allowed: tuple[str, ...] | None) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    items = [value] if isinstance(value, str) else list(value)
    words = tuple(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))
    if allowed is not None:
        for word in words:
            if word not in allowed:
                raise InvalidInput("invalid_choice", f"{name}: '{word}' is not one of {', '.join(allowed)}",
                                   field=name, values={"value": word, "choices": ", ".join(allowed)})
    return words


def _number(value, name: str, *, whole: bool, low: float | None = None, high: float | None = None):
    if value in (None, ""):
        return None
    try:
        number = int(value) if whole else float(value)
    except (TypeError, ValueError):
        raise InvalidInput("invalid_number", f"{name}: '{value}' is not a number", field=name,
                           values={"value": str(value)}) from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise InvalidInput("out_of_range", f"{name}: {value} is outside {low}–{high}", field=name)
    return number


def parse_audience(data: dict | None) -> Audience:
    """An Audience from a form or JSON body (lists or single values); InvalidInput names the bad field."""
    data = dict(data or {})
    known = {f.name for f in fields(Audience)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput("unknown_field", f"audience: unknown field '{unknown[0]}'", field=unknown[0])
    channel = str(data.get("channel") or "email")
    if channel not in CHANNELS:
        raise InvalidInput("invalid_choice", f"channel: '{channel}' is not one of {', '.join(CHANNELS)}",
                           field="channel", values={"value": channel, "choices": ", ".join(CHANNELS)})
    consent = data.get("consent", True)
    if isinstance(consent, str):
        consent = consent.lower() not in ("0", "false", "no", "off", "")
    audience = Audience(
        segments=_words(data.get("segments"), "segments", SEGMENTS),
        stages=_words(data.get("stages"), "stages", STAGES),
        tiers=_words(data.get("tiers"), "tiers", None),
        tags=_words(data.get("tags"), "tags", None),
        last_order_min_days=_number(data.get("last_order_min_days"), "last_order_min_days", whole=True, low=0),
        last_order_max_days=_number(data.get("last_order_max_days"), "last_order_max_days", whole=True, low=0),
        p_alive_min=_number(data.get("p_alive_min"), "p_alive_min", whole=False, low=0, high=1),
        p_alive_max=_number(data.get("p_alive_max"), "p_alive_max", whole=False, low=0, high=1),
        clv_min_amount=_number(data.get("clv_min_amount"), "clv_min_amount", whole=True, low=0),
        clv_max_amount=_number(data.get("clv_max_amount"), "clv_max_amount", whole=True, low=0),
        channel=channel, consent=bool(consent))
    for low, high in (("last_order_min_days", "last_order_max_days"), ("p_alive_min", "p_alive_max"),
                      ("clv_min_amount", "clv_max_amount")):
        a, b = getattr(audience, low), getattr(audience, high)
        if a is not None and b is not None and a > b:
            raise InvalidInput("range_reversed", f"{low}: {a} is above {high}: {b}", field=low)
    return audience


def needs_scores(audience: Audience) -> bool:
    """True when the filter reads the customer-value analysis (segment, stage, recency, P(alive), CLV)."""
    return bool(audience.segments or audience.stages) or any(
        v is not None for v in (audience.last_order_min_days, audience.last_order_max_days, audience.p_alive_min,
                                audience.p_alive_max, audience.clv_min_amount, audience.clv_max_amount))


# A live count over a large customer base comes from a sample (issue 16: p95 < 1 s over 1,000,000 customers): a simple
# random sample of SAMPLE_SIZE customer ids. Only an audience whose whole 95% interval lies at or above EXACT_BELOW
# is shown as an estimate; a smaller one is counted exactly, and a campaign always draws from the exact audience. A
# first look at the sample's first PILOT_SIZE ids sends a clearly smaller audience straight to its exact count, so it
# does not pay for the full sample too.
SAMPLE_SIZE = 5_000
PILOT_SIZE = 1_000
EXACT_BELOW = 100_000


@dataclass(frozen=True)
class Sample:
    """The sampled customer ids (in random order) and how many ids the whole range low..high holds."""

    ids: tuple[int, ...]
    span: int

    def first(self, n: int) -> Sample:
        """The first n of the ids: itself a simple random sample of the range."""
        return Sample(self.ids[:n], self.span)


@dataclass(frozen=True)
class Estimate:
    """An audience size estimated from a sample: the point estimate and its 95% interval, in customers."""

    count: int
    low: int
    high: int
    hits: int
    sampled: int


def plan_sample(bounds: tuple[int, int] | None, key: int, size: int = SAMPLE_SIZE) -> Sample | None:
    """`size` ids drawn at random without replacement from bounds[0]..bounds[1], seeded by `key` (the shop, so the
    live count does not jump between two clicks); None when the range is too short to need one (fewer ids than
    EXACT_BELOW, or than two samples' worth): its customers are counted exactly. Drawn, not every n-th id, so no
    pattern in how ids were given out (two shops imported in turn) can line up with the sample."""
    if bounds is None:
        return None
    low, high = bounds
    span = high - low + 1
    if span < max(EXACT_BELOW, 2 * size):
        return None
    return Sample(tuple(random.Random(f"audience:{key}").sample(range(low, high + 1), size)), span)


def estimate(hits: int, sample: Sample) -> Estimate:
    """The audience when `hits` of the sampled ids are customers in it. Every id of the range is a unit (an id no
    customer holds is in no audience), so the audience = span × the share of units in it; the share comes with
    its Wilson 95% interval (core.stats.wilson_interval), without the finite-population correction (so a little
    wider than it must be, never narrower).

    Example: 7,000 of 10,000 sampled ids out of 1,000,000 → 700,000, 95% interval 690,942 to 708,904."""
    share = stats.wilson_interval(hits, len(sample.ids))
    return Estimate(round(share.estimate * sample.span), math.floor(share.low * sample.span),
                    math.ceil(share.high * sample.span), hits, len(sample.ids))
