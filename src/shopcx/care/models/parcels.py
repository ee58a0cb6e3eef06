"""A parcel's milestones against the promised date, and whether it is late or stalled (issue 16, delivery care).

Milestones come from the shipment record (shipped, delivered, damaged) and the carrier's scans (in transit, out
for delivery). A parcel is late when it was delivered after its promise or is still out after it; it will miss
the promise when it is not out for delivery on the promised day; it is stalled when nothing has been scanned for
`stall_hours` since the last scan (or since it was shipped).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MILESTONES = ("shipped", "in_transit", "out_for_delivery", "delivered", "damaged")


@dataclass(frozen=True)
class Scan:
    """One carrier status update."""

    status: str
    at: datetime
    location: str | None = None


@dataclass(frozen=True)
class ParcelState:
    """The milestones reached (name, when, where), the status and the warnings."""

    milestones: tuple[tuple[str, datetime, str | None], ...]
    status: str  # the latest milestone, or "waiting" before shipping
    late: bool
    at_risk: bool  # not delivered and will miss (or has missed) the promise
    stalled: bool
    last_scan_at: datetime | None
    hours_since_scan: float | None
    hours_late: float | None


def parcel_state(*, shipped_at: datetime | None, promised_at: datetime | None, delivered_at: datetime | None,
                 damaged: bool, scans: list[Scan], now: datetime, stall_hours: int = 48) -> ParcelState:
    """The parcel's state at `now` (all times aware)."""
    marks: list[tuple[str, datetime, str | None]] = []
    if shipped_at:
        marks.append(("shipped", shipped_at, None))
    for scan in sorted(scans, key=lambda s: s.at):
        if scan.status in ("in_transit", "out_for_delivery"):
            marks.append((scan.status, scan.at, scan.location))
    if delivered_at:
        marks.append(("delivered", delivered_at, None))
    if damaged:
        marks.append(("damaged", delivered_at or (marks[-1][1] if marks else now), None))
    marks.sort(key=lambda m: m[1])
    status = marks[-1][0] if marks else "waiting"
    late = hours_late = None
    if promised_at:
        end = delivered_at or now
        late = end > promised_at
        hours_late = max(0.0, (end - promised_at).total_seconds() / 3600) if late else 0.0
    last = max((m[1] for m in marks), default=None)
    delivered = delivered_at is not None
    since = (now - last).total_seconds() / 3600 if last and not delivered else None
    stalled = bool(shipped_at) and not delivered and since is not None and since >= stall_hours
    out_today = any(m[0] == "out_for_delivery" for m in marks)
    at_risk = bool(promised_at) and not delivered and (
        now > promised_at or (now >= promised_at - timedelta(hours=24) and not out_today) or stalled)
    return ParcelState(tuple(marks), status, bool(late), at_risk, stalled, last, since, hours_late)
