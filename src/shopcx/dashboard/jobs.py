"""The weekly report's schedule: every hour the worker builds last week's report for each shop where it is Monday
09:00 or later, shop-local, and the report is not built yet (so a worker that was down catches up). The home
page's kept figures: marked stale by the events of their sources, recomputed every minute when stale."""

from __future__ import annotations

import logging

from huey import crontab

from ..core import clock, db, jobs
from ..staff.service import Actor
from . import at_risk, delivery, snapshots
from .models import WeeklyReport
from .weekly import build_report, due_shops

log = logging.getLogger("shopcx.dashboard")
WORKER = Actor(label="worker", role="owner")


def build_due_reports() -> int:
    """Build every report that is due now and mail it; returns how many were built. Each report is committed
    before its mails go out, and each report's mails are recorded in their own unit of work, so a mail is sent
    once even when a later shop fails."""
    built, ids = 0, []
    with db.session_scope(write=True) as session:
        for shop, week_on in due_shops(session, clock.now()):
            report, new = build_report(session, shop, week_on, actor=WORKER)
            built += new
            ids.append(report.id)
    for report_id in ids + unsent_reports():
        with db.session_scope(write=True) as session:
            delivery.deliver(session, session.get(WeeklyReport, report_id))
    log.info("weekly reports built: %s", built)
    return built


def unsent_reports() -> list[int]:
    """Recent reports with a mail still to retry (a server that was away)."""
    with db.session_scope() as session:
        return delivery.retry_due(session)


# Events that change a figure of the home page (orders, refunds, imports, reviews, tickets, tiers, surveys,
# referrals, erasures, promises, callbacks, sends). Changes without an event (time passing: a promise falls
# overdue, a ticket's clock runs out) are caught by the snapshot's age (snapshots.MAX_AGE). Today's list is read
# on every view, so it needs no marking.
FIGURE_TOPICS = ("order_created", "order_paid", "order_shipped", "order_delivered", "order_completed",
                 "order_cancelled", "order_refunded", "orders_imported", "review_received", "review_revised",
                 "ticket_closed", "member_tier_changed", "survey_detractor", "referral_rewarded", "customer_erased",
                 "promise_changed", "callbacks_changed", "messages_settled")


def _figures_changed(session, event) -> None:
    shop_id = (event.payload or {}).get("shop_id")
    snapshots.mark_stale(session, shop_id if isinstance(shop_id, int) else None)


for _topic in FIGURE_TOPICS:
    jobs.on_event(_topic)(_figures_changed)


def refresh_home_snapshots() -> int:
    refreshed = snapshots.refresh_stale()
    if refreshed:
        log.info("home snapshots recomputed: %s", refreshed)
    kept = at_risk.warm()  # after an analysis, its customers newly at risk before anyone opens the page
    if kept:
        log.info("home at-risk lists kept: %s", kept)
    return refreshed


def register_periodic() -> None:
    jobs.queue().periodic_task(crontab(minute="5"), name="dashboard_weekly_reports")(build_due_reports)
    jobs.queue().periodic_task(crontab(minute="*"), name="dashboard_home_snapshots")(refresh_home_snapshots)
