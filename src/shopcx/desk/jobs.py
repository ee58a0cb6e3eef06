"""The desk's work on the worker: every five minutes the SLA warnings and the escalation ladder, promise reminders
and broken promises (each in its own transaction; a step already taken is never repeated); a survey detractor
taken over as a ticket; and the outgoing webhooks: each desk event becomes its subscribers' deliveries, sent right
after, and every minute the deliveries due for another try."""

from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy.orm import Session

from ..core import clock, db, jobs
from ..core.events import OutboxEvent

log = logging.getLogger("shopcx.desk")


@jobs.on_event("survey_detractor")
def take_over_detractor(session: Session, event: OutboxEvent) -> None:
    """A detractor's answer becomes one ticket (channel survey, the follow-up's owner, due by the desk's SLA); the
    survey's follow-up closes pointing at it, so the case is worked in one place."""
    from ..core import i18n
    from ..shops import service as shops
    from ..staff.service import SYSTEM
    from ..surveys import service as surveys
    from .channels.hooks import ticket_from_survey
    from .service import notes, tickets

    payload = event.payload or {}
    if not payload.get("shop_id") or not payload.get("response_id"):
        return
    shop = shops.get_shop_by_id(session, payload["shop_id"])
    summary = f"{str(payload.get('reason', 'survey')).upper()} {payload.get('score', '')}".strip()
    ticket = ticket_from_survey(session, shop, response_id=payload["response_id"],
                                customer_id=payload.get("customer_id"), summary=summary)
    if payload.get("owner_id") and ticket.owner_id is None:
        tickets.assign(session, ticket, payload["owner_id"], actor=SYSTEM)
    case = next((case for case in surveys.followups(session, [shop.id], customer_id=payload.get("customer_id"))
                 if case.id == event.aggregate_id), None)
    if case is not None:
        note = i18n.t("desk.note.followup_to_ticket", notes.shop_locale(shop), id=ticket.id)
        surveys.close_followup(session, [shop.id], case.id, note, actor=SYSTEM)


@jobs.on_event("desk_event")
def deliver_desk_event(session: Session, event: OutboxEvent) -> None:
    """One delivery per subscriber of the event (never a second for one already given), sent after commit."""
    from .webhooks import delivery

    ids = delivery.prepare(session, event)
    if ids:
        jobs.defer(lambda: delivery.send_due(ids=ids))


def send_webhooks() -> dict:
    """The deliveries due for another try (backoff after a failure)."""
    from .webhooks import delivery

    return delivery.send_due()


def run_duties(now=None) -> dict:
    """One pass: warning times for clocks started before they were kept, the SLA ladder over tickets with running
    clocks, then the promises due."""
    from .service import ladder, promises, sla

    now = now or clock.now()
    with db.session_scope() as session:
        sla.fill_warn_times(session)
    with db.session_scope() as session:
        steps = ladder.run(session, now)
    with db.session_scope() as session:
        done = promises.run_due(session, now)
    if steps or any(done.values()):
        log.info("desk duties: %s SLA steps, %s", steps, done)
    return {"sla_steps": steps} | done


def register_periodic() -> None:
    """Register the desk's duties on the queue; core.jobs.register_periodic calls this."""
    jobs.queue().periodic_task(crontab(minute="*/5"), name="desk_duties")(run_duties)
    jobs.queue().periodic_task(crontab(minute="*"), name="desk_webhooks")(send_webhooks)
