"""Today's list's key customers newly at risk, kept per pair of analysis runs.

Who is newly at risk follows from two finished runs only (the latest of the scope and the one before it), and a
finished run never changes, so the answer is computed once per pair, with the insights service calls of the
lifecycle and at-risk pages, and kept (`HomeAtRisk`): a view reads it instead of comparing a million scores again.
Only ids and values at stake are kept; names are read on every view, so an edit or an erasure shows at once.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import clock, db
from ..customers import service as customers
from ..insights import service as insights
from ..shops import service as shops
from ..shops.models import Shop
from .models import HomeAtRisk, HomeSnapshot

if TYPE_CHECKING:
    from ..insights.tables import AnalysisRun

log = logging.getLogger("shopcx.dashboard")
ROWS = 24  # the at-risk page's first rows looked at: today's list shows a few, the page has the rest


def compute(session: Session, run: AnalysisRun, previous: AnalysisRun) -> list[tuple[int, int]]:
    """(customer id, value at stake) of the at-risk page's first ROWS customers whose stage in `previous` was
    another one, in the page's order (value at stake descending): the lifecycle page's movements say whether any
    customer moved into at-risk, the at-risk page's rows and each customer's trend say who."""
    life = insights.lifecycle(session, run)
    if not any(m["to"] == "at_risk" and m["from"] != "at_risk" for m in life["movements"]):
        return []
    rows, _ = insights.at_risk(session, run, limit=ROWS)
    out = []
    for row in rows:
        trend = insights.customer_trend(session, row["customer_id"])
        before = next((t for t in trend if t["run_id"] == previous.id), None)
        if before is not None and before["stage"] != "at_risk":
            out.append((row["customer_id"], row["value_at_stake_amount"]))
    return out


def _kept(session: Session, run_id: int, previous_id: int) -> HomeAtRisk | None:
    return session.scalar(select(HomeAtRisk).where(HomeAtRisk.run_id == run_id,
                                                   HomeAtRisk.previous_run_id == previous_id))


def _store(run_id: int, previous_id: int, found: list[tuple[int, int]], took_ms: int) -> None:
    """Keep a pair's answer in its own short unit of work (the page's session only reads); two writers racing keep
    either. Never raises: an answer not kept is computed again by the next view or the worker."""
    def work() -> None:
        with db.session_scope() as session:
            if _kept(session, run_id, previous_id) is None:
                session.add(HomeAtRisk(run_id=run_id, previous_run_id=previous_id, computed_at=clock.now(),
                                       compute_ms=took_ms, customers=[list(pair) for pair in found]))
    try:
        db.retrying(work, what="home at-risk list")
    except Exception as exc:
        log.warning("at-risk list of runs %s/%s not kept: %s", run_id, previous_id,
                    str(exc).splitlines()[0] if str(exc) else exc)


def _keep(session: Session, run: AnalysisRun, previous: AnalysisRun) -> list[tuple[int, int]]:
    """Compute a pair's answer and keep it, with the time it took."""
    start = time.perf_counter()
    found = compute(session, run, previous)
    _store(run.id, previous.id, found, round((time.perf_counter() - start) * 1000))
    return found


def _pair(session: Session, one: Shop | None) -> tuple[AnalysisRun, AnalysisRun] | None:
    run = insights.latest_run(session, one.code if one else None)
    previous = insights.previous_run(session, run) if run is not None else None
    return (run, previous) if previous is not None else None


def newly_at_risk(session: Session, one: Shop | None) -> tuple[AnalysisRun | None, list[dict]]:
    """The latest run of the scope and its customers newly at risk ({customer_id, name, value_at_stake_amount}, the
    at-risk page's order): kept per pair of runs, computed and kept on the first view; names as they are now."""
    pair = _pair(session, one)
    if pair is None:
        return None, []
    run, previous = pair
    kept = _kept(session, run.id, previous.id)
    found = [(int(c), int(a)) for c, a in kept.customers] if kept is not None else _keep(session, run, previous)
    people = customers.customers_by_ids(session, [c for c, _ in found]) if found else {}
    # A customer deleted since (not erased: an erased one keeps its row, without a name) has left the page too.
    return run, [{"customer_id": c, "name": people[c].name, "value_at_stake_amount": a}
                 for c, a in found if c in people]


def warm() -> int:
    """The worker's minute: compute the pairs not kept yet of the scopes whose home page was viewed (all shops, and
    each shop with a kept snapshot), so no view waits for them after an analysis; returns how many were kept."""
    with db.session_scope() as session:
        scopes = set(session.scalars(select(HomeSnapshot.scope)))
        viewed = [s for s in shops.list_shops(session) if f"shop:{s.id}" in scopes]
        due = []
        for one in ([None] if "all" in scopes else []) + viewed:
            pair = _pair(session, one)
            if pair is not None and _kept(session, pair[0].id, pair[1].id) is None:
                due.append((pair[0].id, pair[1].id))
    for run_id, previous_id in due:
        with db.session_scope() as session:
            _keep(session, insights.get_run(session, run_id), insights.get_run(session, previous_id))
    return len(due)
