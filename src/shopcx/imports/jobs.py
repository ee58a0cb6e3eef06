"""Background work of the imports domain: jobs whose process died are marked interrupted (every 5 minutes)."""

from __future__ import annotations

import logging

from huey import crontab

from ..core import jobs

log = logging.getLogger("shopcx.imports")


def mark_interrupted() -> int:
    """Mark running imports whose heartbeat stopped as interrupted; returns how many."""
    from . import service

    count = service.mark_interrupted()
    if count:
        log.warning("%s import job(s) stopped without finishing; marked interrupted (they can be resumed)", count)
    return count


def register_periodic() -> None:
    """Register the sweep on the queue; core.jobs.register_periodic calls this."""
    huey = jobs.queue()
    huey.periodic_task(crontab(minute="*/5"), name="imports_mark_interrupted")(mark_interrupted)
