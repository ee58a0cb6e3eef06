"""The weekly report's schedule: every hour the worker builds last week's report for each shop where it is Monday
09:00 or later, shop-local, and the report is not built yet (so a worker that was down catches up)."""

from __future__ import annotations

import logging

from huey import crontab

from ..core import clock, db, jobs
from ..staff.service import Actor
from .weekly import build_report, due_shops

log = logging.getLogger("shopcx.dashboard")
WORKER = Actor(label="worker", role="owner")


def build_due_reports() -> int:
    """Build every report that is due now; returns how many were built."""
    built = 0
    with db.session_scope(write=True) as session:
        for shop, week_on in due_shops(session, clock.now()):
            built += build_report(session, shop, week_on, actor=WORKER)[1]
    log.info("weekly reports built: %s", built)
    return built


def register_periodic() -> None:
    jobs.queue().periodic_task(crontab(minute="5"), name="dashboard_weekly_reports")(build_due_reports)
