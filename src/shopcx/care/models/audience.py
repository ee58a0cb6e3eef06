"""An audience: who a campaign reaches, as a filter over the latest customer-value analysis and the customer record.

Each field narrows the audience; an empty list or None means "any". Consent is required on the campaign's
channel unless `consent` is False (a staff call list needs none). Erased customers and demo identities are never
in an audience (DESIGN.md, capability 10; the issue's buyer rights).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

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
