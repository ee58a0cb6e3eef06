"""The home page's figures, kept per scope, so a large shop's home page does not recompute every aggregate.

A small shop's figures take a few tens of milliseconds and are computed on every view, so they are always current.
When computing them took longer than `home_quick_ms` (setting, 250 ms: a large ledger, millions of orders), the
page shows the kept
snapshot with the time it was computed, and the worker recomputes it once it is stale: a source changed (the
outbox marks it, see `mark_stale`), its day is over, or it is older than MAX_AGE (a change that sends no event,
such as a ticket's clock running out). The figures are the same service calls as without the snapshot; only
when they were computed differs, and the page says when.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..core import clock, db
from ..core.settings import get_settings
from ..orders import service as orders
from ..shops import service as shops
from ..shops.models import Shop
from ..web.pages import monthly_figures
from . import figures as loop
from .models import HomeSnapshot

log = logging.getLogger("shopcx.dashboard")
MAX_AGE = timedelta(minutes=10)


@dataclass
class Home:
    """What the home page draws from the aggregates: every figure (unfiltered), the order totals, the months."""

    figures: list[loop.Figure]
    stats: dict
    months: list[dict]
    computed_at: datetime
    refreshing: bool = False  # a kept snapshot shown while the worker recomputes it


def scope_of(one: Shop | None) -> str:
    return f"shop:{one.id}" if one is not None else "all"


def _today(shops_: list[Shop], one: Shop | None):
    return clock.today_in(one.timezone if one is not None else shops_[0].timezone if shops_ else "UTC")


def compute(session: Session, shops_: list[Shop], one: Shop | None) -> tuple[Home, int]:
    """The aggregates computed now, and how long that took in milliseconds."""
    start = time.perf_counter()
    found = loop.figures(session, shops_, one, can=lambda _permission: True)
    home = Home(found, orders.stats(session), monthly_figures(session, get_settings().default_timezone),
                clock.now())
    return home, round((time.perf_counter() - start) * 1000)


def _content(home: Home) -> dict:
    figures = [{k: v for k, v in dataclasses.asdict(f).items() if k != "target"} for f in home.figures]
    return {"figures": figures, "stats": home.stats, "months": home.months}


def _home(row: HomeSnapshot, refreshing: bool) -> Home:
    content = row.content
    known = {f.name for f in dataclasses.fields(loop.Figure)}  # a snapshot kept by an older version reads too
    figures = [loop.Figure(**{k: v for k, v in f.items() if k in known}) for f in content["figures"]]
    return Home(figures, content["stats"], content["months"], row.computed_at, refreshing)


def _store(scope: str, home: Home, day, took_ms: int) -> None:
    """Keep the snapshot in its own short unit of work (the page's session only reads); two writers racing keep
    either. Never raises: a snapshot not kept is computed again by the next view or the worker."""
    def work() -> None:
        with db.session_scope() as session:
            row = session.scalar(select(HomeSnapshot).where(HomeSnapshot.scope == scope))
            if row is None:
                row = HomeSnapshot(scope=scope)
                session.add(row)
            row.day, row.computed_at, row.compute_ms, row.stale = day, home.computed_at, took_ms, False
            row.content = _content(home)
    try:
        db.retrying(work, what="home snapshot")
    except Exception as exc:  # e.g. SQLite busy past the retries: the figures shown are fresh either way
        log.warning("home snapshot %s not kept: %s", scope, str(exc).splitlines()[0] if str(exc) else exc)


def _is_stale(row: HomeSnapshot, day, now: datetime) -> bool:
    return row.stale or row.day != day or now - row.computed_at > MAX_AGE


def home(session: Session, shops_: list[Shop], one: Shop | None) -> Home:
    """The home page's aggregates: computed now for a quick scope, else the kept snapshot (fresh, or stale while
    the worker recomputes it); the first view of a scope computes and keeps it."""
    scope, day = scope_of(one), _today(shops_, one)
    row = session.scalar(select(HomeSnapshot).where(HomeSnapshot.scope == scope))
    if row is not None and row.compute_ms >= get_settings().home_quick_ms:
        return _home(row, refreshing=_is_stale(row, day, clock.now()))
    fresh, took = compute(session, shops_, one)
    if row is None or row.compute_ms != took // 50 * 50:
        _store(scope, fresh, day, took // 50 * 50)  # rounded: a quick scope is not rewritten on every view
    return fresh


def refresh_stale() -> int:
    """The worker's minute: recompute every kept snapshot that is stale and too slow for the page; returns how
    many were recomputed."""
    now = clock.now()
    with db.session_scope() as session:
        rows = list(session.scalars(select(HomeSnapshot)
                                    .where(HomeSnapshot.compute_ms >= get_settings().home_quick_ms)))
        listed = shops.list_shops(session)
        due = []
        for row in rows:
            one = None if row.scope == "all" else next((s for s in listed if f"shop:{s.id}" == row.scope), None)
            if row.scope != "all" and one is None:
                continue  # a removed shop: its snapshot is never shown again, so it is not recomputed
            if _is_stale(row, _today(listed, one), now):
                due.append((row.scope, one))
    for scope, one in due:
        with db.session_scope() as session:
            listed = shops.list_shops(session)
            fresh, took = compute(session, listed, one)
        _store(scope, fresh, _today(listed, one), took // 50 * 50)
    return len(due)


def mark_stale(session: Session, shop_id: int | None) -> None:
    """A source of the figures changed (an outbox event): the shop's snapshot and the all-shops one are stale."""
    stmt = update(HomeSnapshot).values(stale=True)
    if shop_id is not None:  # an event without a shop (an erasure) may touch any shop's figures
        stmt = stmt.where(HomeSnapshot.scope.in_(["all", f"shop:{shop_id}"]))
    session.execute(stmt)
