"""Internal customers (内部客户): staff satisfaction (eNPS) by quarter, shown only for groups of at least
MIN_GROUP answers so no one's answer can be singled out; and per-agent coaching figures from the desk's report
(each agent sees their own beside the team's median; managers see the team; nothing is ranked)."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from sqlalchemy.orm import Session

from ..core.stats import nps_interval
from ..desk.reports import service as desk_reports
from ..shops import service as shops
from ..staff import service as staff
from ..surveys import service as surveys

MIN_GROUP = 5
COACHING_DAYS = 90


def quarter_of(day) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def enps_groups(scores: list[tuple[str, int]]) -> list[dict]:
    """(quarter, 0–10 score) -> per quarter, oldest first: answers and eNPS (−100…100, Reichheld 2003) or None
    when the quarter has fewer than MIN_GROUP answers (hidden, not rounded to zero)."""
    by: dict[str, list[int]] = {}
    for quarter, score in scores:
        by.setdefault(quarter, []).append(score)
    out = []
    for quarter in sorted(by):
        values = by[quarter]
        shown = len(values) >= MIN_GROUP
        interval = nps_interval(sum(v >= 9 for v in values), sum(7 <= v <= 8 for v in values),
                                sum(v <= 6 for v in values)) if shown else None
        out.append({"quarter": quarter, "answers": len(values),
                    "enps": round(100 * interval.estimate, 1) if shown else None,
                    "low": round(100 * interval.low, 1) if shown else None,
                    "high": round(100 * interval.high, 1) if shown else None})
    return out


def enps_results(session: Session) -> list[dict]:
    """Every eNPS survey with its quarters (submitted answers only)."""
    found = []
    for survey, _answered in surveys.list_surveys(session, [s.id for s in shops.list_shops(session)]):
        if survey.kind != "enps":
            continue
        rows, _ = surveys.responses(session, survey, limit=100_000)
        scores = []
        for response in rows:
            if response.partial or response.submitted_at is None:
                continue
            value = surveys.answers_of(session, response).get("enps")
            if isinstance(value, int | float) and 0 <= value <= 10:
                scores.append((quarter_of(response.submitted_at), int(value)))
        found.append({"survey": survey, "answers": len(scores), "quarters": enps_groups(scores)})
    return found


@dataclass
class Coaching:
    """One agent's figures and the team's median of each (None: not enough to say)."""

    user_id: int
    name: str
    tickets: int
    first_response_min: float | None
    resolution_h: float | None
    csat: float | None


def _team(session: Session) -> list[Coaching]:
    names = {u.id: u.display_name or u.username for u in staff.list_users(session)}
    merged: dict[int, list] = {}
    for shop in shops.list_shops(session):
        for a in desk_reports.report(session, shop, days=COACHING_DAYS).agents:
            merged.setdefault(a.owner_id, []).append(a)
    out = []
    for user_id, parts in merged.items():
        tickets = sum(p.tickets for p in parts)

        def weighted(attr, parts=parts):
            pairs = [(getattr(p, attr), p.tickets) for p in parts if getattr(p, attr) is not None]
            return sum(v * w for v, w in pairs) / sum(w for _, w in pairs) if pairs else None

        out.append(Coaching(user_id, names.get(user_id, f"#{user_id}"), tickets, weighted("first_response_median_min"),
                            weighted("resolution_median_h"), weighted("csat")))
    return sorted(out, key=lambda c: c.name)  # by name: never a ranking


def team_median(team: list[Coaching]) -> dict[str, float | None]:
    """The median of each figure over the agents who have one."""
    out = {}
    for attr in ("tickets", "first_response_min", "resolution_h", "csat"):
        values = [getattr(c, attr) for c in team if getattr(c, attr) is not None]
        out[attr] = median(values) if values else None
    return out


def coaching(session: Session, user_id: int, *, manager: bool) -> dict:
    """The viewer's own figures and the team median; a manager also gets every agent's row (alphabetical)."""
    team = _team(session)
    return {"mine": next((c for c in team if c.user_id == user_id), None), "median": team_median(team),
            "team": team if manager else [], "agents": len(team), "days": COACHING_DAYS}
