"""Survey sending on the worker: invitations after outbox events (order delivered + N days, ticket closed, review
received) and the hourly reminders to non-responders."""

from __future__ import annotations

import logging
from datetime import timedelta

from huey import crontab
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import clock, db, jobs
from ...core.events import OutboxEvent
from ...staff.service import SYSTEM
from ..tables import Survey
from .service import send_invitations, send_reminders, triggered_surveys
from .tables import SurveySending

log = logging.getLogger("shopcx.surveys")


def _on(trigger: str, session: Session, event: OutboxEvent) -> None:
    payload = event.payload or {}
    shop_id, customer_id = payload.get("shop_id"), payload.get("customer_id")
    if not shop_id or not customer_id:
        return
    now = clock.now()
    for survey in triggered_surveys(session, shop_id, trigger):
        delay = session.get(SurveySending, survey.id).delay_days
        order_id = event.aggregate_id if event.aggregate == "order" else payload.get("order_id")
        send_invitations(session, survey, [customer_id], wave=f"auto-{now:%Y-%m}", actor=SYSTEM,
                         not_before=now + timedelta(days=delay), order_id=order_id,
                         ticket_id=event.aggregate_id if event.aggregate == "ticket" else None)


@jobs.on_event("order_delivered")
def on_order_delivered(session: Session, event: OutboxEvent) -> None:
    """An order delivered: its buyer is invited N days later (the survey's delay) to the surveys that ask."""
    _on("order_delivered", session, event)


@jobs.on_event("review_received")
def on_review_received(session: Session, event: OutboxEvent) -> None:
    """A review received: its writer is invited to the surveys that follow reviews."""
    _on("review_received", session, event)


@jobs.on_event("ticket_closed")
def on_ticket_closed(session: Session, event: OutboxEvent) -> None:
    """A ticket closed: the complainant gets the CES/CSAT survey, its invitation naming the ticket (the desk shows
    the answer on that ticket and in its reports)."""
    _on("ticket_closed", session, event)


def remind_all() -> int:
    """Reminders for every survey that sends them."""
    total = 0
    with db.session_scope() as session:
        ids = list(session.scalars(select(SurveySending.survey_id).where(SurveySending.reminders > 0)))
    for survey_id in ids:
        with db.session_scope(write=True) as session:
            survey = session.get(Survey, survey_id)
            if survey is not None and survey.published_version is not None:
                total += send_reminders(session, survey)
    if total:
        log.info("survey reminders queued: %s", total)
    return total


def register_periodic() -> None:
    """The hourly reminders; core.jobs.register_periodic calls this."""
    jobs.queue().periodic_task(crontab(minute="7"), name="surveys_remind")(remind_all)
