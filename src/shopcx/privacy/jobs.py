"""Retention as a periodic job: raw import rows and message bodies older than the configured days are deleted."""

from __future__ import annotations

import logging

from huey import crontab

from ..core import db, jobs
from .erasure import apply_retention

log = logging.getLogger("shopcx.privacy")


def run_retention() -> dict[str, int]:
    """One pass of the retention rules, in its own transaction."""
    with db.session_scope(write=True) as session:
        done = apply_retention(session)
    log.info("retention: %s", done)
    return done


def register_periodic() -> None:
    """Every night at 03:17 (server time)."""
    jobs.queue().periodic_task(crontab(minute="17", hour="3"), name="privacy_retention")(run_retention)
