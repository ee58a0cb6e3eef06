"""Internal customers (内部客户): staff satisfaction (eNPS) by quarter, shown only for groups of at least
MIN_GROUP answers so no one's answer can be singled out; and per-agent coaching figures, each from its domain's own
call: tickets (first response, resolution, CSAT) and promise keeping from the desk's report, the review-care
revision rate from the reviews' revision figures (per care-case owner), mystery-shopper scores from the audits,
callbacks done from care. Each agent sees their own beside the team's median; managers see the team by name,
alphabetically; nothing is ranked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from statistics import median

from sqlalchemy.orm import Session

from ..care.service import callbacks as care_calls
from ..core import clock
from ..core.stats import nps_interval
from ..desk.audits import service as audits
from ..desk.reports import service as desk_reports
from ..reviews import service as reviews
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
    """One agent's figures over the last COACHING_DAYS (None: nothing behind it, so not shown and not in the
    team's median). Rates carry the count they are of: 中/差评 cared for, promises decided, audits."""

    user_id: int
    name: str
    tickets: int | None
    first_response_min: float | None
    resolution_h: float | None
    csat: float | None
    revision_rate: float | None = None  # of the 中/差评 whose care case they own, the share the buyer revised up
    reviews_cared: int = 0
    promise_keeping: float | None = None  # kept ÷ (kept + broken) of the promises they made
    promises_decided: int = 0
    audit_score: float | None = None  # mean overall mystery-shopper score (1–5) of the audits of them
    audits: int = 0
    callbacks_done: int | None = None  # call tasks (回访) of theirs closed in the window


FIGURES = ("tickets", "first_response_min", "resolution_h", "csat", "revision_rate", "promise_keeping",
           "audit_score", "callbacks_done")


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _team(session: Session) -> list[Coaching]:
    """Every agent with a figure in the window, merged over the shops (rates from summed counts)."""
    names = {u.id: u.display_name or u.username for u in staff.list_users(session)}
    since = clock.now() - timedelta(days=COACHING_DAYS)
    desk: dict[int, list] = {}
    counts: dict[int, dict[str, float]] = {}

    def add(user_id: int, **values) -> None:
        row = counts.setdefault(user_id, dict.fromkeys(("cared", "revised", "kept", "decided", "score_sum",
                                                        "audits", "calls"), 0))
        for key, value in values.items():
            row[key] += value

    for shop in shops.list_shops(session):
        rep = desk_reports.report(session, shop, days=COACHING_DAYS)
        for a in rep.agents:
            desk.setdefault(a.owner_id, []).append(a)
            add(a.owner_id)
        for maker, kept in rep.promise_agents.items():
            add(maker, kept=kept["kept"], decided=kept["kept"] + kept["broken"])
        today = clock.today_in(shop.timezone)
        revised = reviews.revision_stats(session, shop, start=today - timedelta(days=COACHING_DAYS - 1), end=today,
                                         by_agent=True)
        for a in revised.get("agents", []):
            if a["staff_id"] is not None:
                add(a["staff_id"], cared=a["reviews"], revised=a["revised"])
        for agent, (mean, n) in audits.agent_scores(session, shop.id, since).items():
            add(agent, score_sum=mean * n, audits=n)
        for agent, done in care_calls.done_by_agent(session, shop.id, since).items():
            add(agent, calls=done)
    out = []
    for user_id, c in counts.items():
        parts = desk.get(user_id, [])

        def weighted(attr, parts=parts):
            pairs = [(getattr(p, attr), p.tickets) for p in parts if getattr(p, attr) is not None]
            return sum(v * w for v, w in pairs) / sum(w for _, w in pairs) if pairs else None

        out.append(Coaching(user_id, names.get(user_id, f"#{user_id}"), sum(p.tickets for p in parts) or None,
                            weighted("first_response_median_min"), weighted("resolution_median_h"), weighted("csat"),
                            revision_rate=_rate(c["revised"], c["cared"]), reviews_cared=int(c["cared"]),
                            promise_keeping=_rate(c["kept"], c["decided"]), promises_decided=int(c["decided"]),
                            audit_score=_rate(c["score_sum"], c["audits"]), audits=int(c["audits"]),
                            callbacks_done=int(c["calls"]) or None))
    return sorted(out, key=lambda c: c.name)  # by name: never a ranking


def team_median(team: list[Coaching]) -> dict[str, float | None]:
    """The median of each figure over the agents who have one."""
    out = {}
    for attr in FIGURES:
        values = [getattr(c, attr) for c in team if getattr(c, attr) is not None]
        out[attr] = median(values) if values else None
    return out


def coaching(session: Session, user_id: int, *, manager: bool) -> dict:
    """The viewer's own figures and the team median; a manager also gets every agent's row (alphabetical)."""
    team = _team(session)
    return {"mine": next((c for c in team if c.user_id == user_id), None), "median": team_median(team),
            "team": team if manager else [], "agents": len(team), "days": COACHING_DAYS}
