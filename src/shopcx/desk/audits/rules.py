"""Pure rules of mystery-shopper audits: the rubric's overall score and the results per agent, dimension and month.

The rubric scores the five SERVQUAL dimensions (Parasuraman, Zeithaml & Berry 1988) — tangibles, reliability,
responsiveness, assurance, empathy — each 1–5; overall = their unweighted mean. Response time = whole minutes from
the shopper's contact to the first answer (None: never answered)."""

from __future__ import annotations

from datetime import datetime

DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")


def overall(scores: dict[str, int]) -> float:
    return sum(scores[d] for d in DIMENSIONS) / len(DIMENSIONS)


def response_minutes(contacted_at: datetime, answered_at: datetime | None) -> int | None:
    if answered_at is None:
        return None
    return int((answered_at - contacted_at).total_seconds() // 60)


def by_agent_month(rows: list[tuple[int | None, str, dict[str, int], int | None]]) -> dict:
    """rows: (agent, 'YYYY-MM', scores, response minutes) -> {agent: {month: {dimension: mean, 'overall': mean,
    'response_minutes': mean or None, 'audits': n}}}."""
    grouped: dict = {}
    for agent, month, scores, minutes in rows:
        grouped.setdefault(agent, {}).setdefault(month, []).append((scores, minutes))
    out: dict = {}
    for agent, months in grouped.items():
        for month, items in sorted(months.items()):
            cell = {d: sum(s[d] for s, _ in items) / len(items) for d in DIMENSIONS}
            cell["overall"] = sum(overall(s) for s, _ in items) / len(items)
            timed = [m for _, m in items if m is not None]
            cell["response_minutes"] = sum(timed) / len(timed) if timed else None
            cell["audits"] = len(items)
            out.setdefault(agent, {})[month] = cell
    return out


def trend(rows: list[tuple[int | None, str, dict[str, int], int | None]]) -> dict:
    """The overall score month by month (rows as for `by_agent_month`): {"months": sorted 'YYYY-MM' with an audit,
    "all": the mean overall score of every audit that month, "agents": {agent: the same for the audits of that agent
    (None: audits of the whole desk)}}; a month without an audit of that series is None (a gap in the line)."""
    months = sorted({month for _, month, _, _ in rows})
    every: dict[str, list[float]] = {}
    per: dict = {}
    for agent, month, scores, _ in rows:
        every.setdefault(month, []).append(overall(scores))
        per.setdefault(agent, {}).setdefault(month, []).append(overall(scores))

    def line(by_month: dict[str, list[float]]) -> list[float | None]:
        return [round(sum(v) / len(v), 2) if (v := by_month.get(m)) else None for m in months]

    return {"months": months, "all": line(every), "agents": {agent: line(by_month) for agent, by_month in per.items()}}


def by_agent(rows: list[tuple[int | None, str, dict[str, int], int | None]]) -> dict[int, tuple[float, int]]:
    """rows as for `by_agent_month` -> {agent: (mean overall score, audits)}; audits of the whole desk (agent None)
    belong to no one."""
    grouped: dict[int, list[float]] = {}
    for agent, _, scores, _ in rows:
        if agent is not None:
            grouped.setdefault(agent, []).append(overall(scores))
    return {agent: (sum(values) / len(values), len(values)) for agent, values in grouped.items()}
