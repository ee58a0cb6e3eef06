"""The desk's periodic work, every five minutes: SLA warnings and the escalation ladder, promise reminders and
broken promises. Each runs in its own transaction (session_scope commits); a step already taken is never repeated."""

from __future__ import annotations

import logging

from huey import crontab

from ..core import clock, db, jobs

log = logging.getLogger("shopcx.desk")


def run_duties(now=None) -> dict:
    """One pass: the SLA ladder over tickets with running clocks, then the promises due."""
    from .service import ladder, promises

    now = now or clock.now()
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
