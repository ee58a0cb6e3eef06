"""Pure figures of the desk's reports, over plain tuples (no database), tested on hand-worked examples.

- SLA compliance of a clock: met when it stopped no later than its due time and was never marked breached.
- Backlog age: whole days since the ticket was opened, in buckets.
- Recovery: a complainant "bought again" when they placed an order after the ticket was opened; grouped by how long
  the resolution took, beside the shop's repurchase rate (DESIGN.md: share of customers with ≥2 orders among those
  with ≥1).
- Pareto: counts in falling order with the cumulative share.
- CSAT (DESIGN.md): share of 4–5 among the 1–5 ratings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

AGE_BUCKETS = ((1, "lt1d"), (3, "d1_3"), (7, "d3_7"), (14, "d7_14"), (None, "gt14d"))
RESOLUTION_BUCKETS = ((timedelta(days=1), "le1d"), (timedelta(days=3), "d1_3"), (timedelta(days=7), "d3_7"),
                      (None, "gt7d"))


def sla_met(stopped_at: datetime | None, due_at: datetime | None, breached: bool, now: datetime) -> bool | None:
    """True met, False missed, None still running and not yet late."""
    if breached:
        return False
    if stopped_at is None:
        return False if due_at is not None and now > due_at else None
    return due_at is None or stopped_at <= due_at


def compliance(clocks: list[tuple[str, datetime | None, datetime | None, bool]], now: datetime) -> dict[str, dict]:
    """metric -> {met, missed, running, rate}: rate = met / (met + missed), None with nothing decided."""
    out: dict[str, dict] = {}
    for metric, stopped, due, breached in clocks:
        row = out.setdefault(metric, {"met": 0, "missed": 0, "running": 0})
        verdict = sla_met(stopped, due, breached, now)
        row["running" if verdict is None else "met" if verdict else "missed"] += 1
    for row in out.values():
        decided = row["met"] + row["missed"]
        row["rate"] = row["met"] / decided if decided else None
    return out


def backlog_ages(opened: list[datetime], now: datetime) -> dict[str, int]:
    """Open tickets per age bucket (days since opened: <1, 1–3, 3–7, 7–14, >14)."""
    out = {name: 0 for _, name in AGE_BUCKETS}
    for at in opened:
        days = (now - at).total_seconds() / 86400
        out[next(name for limit, name in AGE_BUCKETS if limit is None or days < limit)] += 1
    return out


def resolution_bucket(opened: datetime, resolved: datetime | None) -> str:
    if resolved is None:
        return "unresolved"
    took = resolved - opened
    return next(name for limit, name in RESOLUTION_BUCKETS if limit is None or took <= limit)


@dataclass
class Recovery:
    buckets: dict[str, tuple[int, int, float | None]]  # bucket -> (complainants, bought again, rate)
    shop_rate: float | None
    shop_customers: int


def recovery(complaints: list[tuple[int, datetime, datetime | None]], last_orders: dict[int, datetime],
             buyers: int, repeat: int) -> Recovery:
    """complaints: (customer, opened, resolved or None) — a customer's first complaint counts; last_orders: each
    complainant's latest order (bought again = it was placed after the ticket opened); buyers, repeat: the shop's
    customers with ≥1 and ≥2 orders. Rate per resolution bucket beside the shop's repurchase rate."""
    first: dict[int, tuple[datetime, datetime | None]] = {}
    for customer, opened, resolved in sorted(complaints, key=lambda c: c[1]):
        first.setdefault(customer, (opened, resolved))
    counts: dict[str, list[int]] = {}
    for customer, (opened, resolved) in first.items():
        row = counts.setdefault(resolution_bucket(opened, resolved), [0, 0])
        row[0] += 1
        row[1] += customer in last_orders and last_orders[customer] > opened
    order = [name for _, name in RESOLUTION_BUCKETS] + ["unresolved"]
    buckets = {name: (counts[name][0], counts[name][1], counts[name][1] / counts[name][0])
               for name in order if name in counts}
    return Recovery(buckets, repeat / buyers if buyers else None, buyers)


def pareto(values: list[str | None], *, limit: int = 10) -> list[tuple[str | None, int, float]]:
    """(value, count, cumulative share) in falling count order (ties by value), the first `limit`."""
    counted = sorted(Counter(values).items(), key=lambda kv: (-kv[1], str(kv[0])))
    total, running, out = len(values), 0, []
    for value, n in counted[:limit]:
        running += n
        out.append((value, n, running / total))
    return out


def csat(scores: list[int]) -> float | None:
    """Share of 4–5 among 1–5 ratings; None without ratings."""
    return sum(s >= 4 for s in scores) / len(scores) if scores else None


@dataclass
class AgentFigures:
    owner_id: int
    tickets: int
    first_response_median_min: float | None
    resolution_median_h: float | None
    csat: float | None
    rated: int


def agent_figures(rows: list[tuple[int, datetime, datetime | None, datetime | None, int | None]]) -> list[AgentFigures]:
    """rows: (owner, opened, first response, resolved, rating or None) -> one figure set per owner (wall-clock
    medians: minutes to the first response, hours to resolution)."""
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    out = []
    for owner, items in sorted(grouped.items()):
        first = [(r[2] - r[1]).total_seconds() / 60 for r in items if r[2] is not None]
        solved = [(r[3] - r[1]).total_seconds() / 3600 for r in items if r[3] is not None]
        scores = [r[4] for r in items if r[4] is not None]
        out.append(AgentFigures(owner, len(items), median(first) if first else None,
                                median(solved) if solved else None, csat(scores), len(scores)))
    return out
