"""The messaging worker job: the sender drains the queue every minute (quiet hours and caps defer, retries wait
for their backoff)."""

from __future__ import annotations

import logging

from huey import crontab

from ..core import jobs
from .sender import send_due

log = logging.getLogger("shopcx.messaging")


def send_queued() -> None:
    """One run of the sender over what is due."""
    report = send_due()
    if report.done:
        log.info("messages: %s sent, %s retry later, %s failed, %s bounced, %s skipped, %s deferred",
                 report.sent, report.retried, report.failed, report.bounced, report.skipped, report.deferred)


def register_periodic() -> None:
    """Register the sender on the queue; core.jobs.register_periodic calls this."""
    jobs.queue().periodic_task(crontab(minute="*"), name="messaging_send")(send_queued)
