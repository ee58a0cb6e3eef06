"""The care worker: each hour the care moments of every shop for its local today (queuing is idempotent, so the
hourly repeats add nobody twice), the VIP call rules and the apologies for late or stalled parcels; every few
minutes the due messages are sent through the messaging domain; each night the bought-together table is recomputed."""

from __future__ import annotations

import logging

from huey import crontab

from ..core import clock, db, jobs
from ..shops import service as shops

log = logging.getLogger("shopcx.care")


def _each_shop(work, progress=None) -> list[tuple[str, object]]:
    with db.session_scope() as session:
        codes = [s.code for s in shops.list_shops(session)]
    results = []
    for index, code in enumerate(codes, 1):
        try:
            with db.session_scope(write=True) as session:
                shop = shops.get_shop(session, code)
                results.append((code, work(session, shop)))
        except Exception:  # one shop's failure must not stop the others; the next run retries (keys make it safe)
            log.exception("care work for shop %s failed", code)
        if progress:
            progress(index, len(codes))
    return results


def run_daily(*, progress=None) -> list[tuple[str, object]]:
    """Care moments, call rules and apologies for late or stalled parcels of every shop for its local today."""
    from .service.callbacks import plan_calls
    from .service.moments import run_moments
    from .service.parcels import apologise_for_late

    return _each_shop(lambda session, shop: {"moments": run_moments(session, shop),
                                             "calls": plan_calls(session, shop),
                                             "parcel_apologies": apologise_for_late(session, shop)}, progress)


def send_pending(*, limit: int = 500, deliver=None) -> dict[str, int]:
    """Send what is due through the messaging domain (batches of `limit`, one transaction each)."""
    from .service.sending import finish_campaigns, send_due

    if deliver is None:
        from .service.delivery import messaging_deliverer

        deliver = messaging_deliverer()
        if deliver is None:
            return {}
    with db.session_scope(write=True) as session:
        counts = send_due(session, deliver, now=clock.now(), limit=limit)
        finish_campaigns(session)
    return counts


def recompute_pairs() -> list[tuple[str, object]]:
    """Bought-together pairs of every shop."""
    from .service.recommendations import compute_pairs

    return _each_shop(lambda session, shop: compute_pairs(session, shop.id))


def register_periodic() -> None:
    """Register the care tasks on the queue; core.jobs.register_periodic calls this."""
    huey = jobs.queue()
    huey.periodic_task(crontab(minute="7"), name="care_daily")(run_daily)
    huey.periodic_task(crontab(minute="*/5"), name="care_send")(send_pending)
    huey.periodic_task(crontab(hour="3", minute="17"), name="care_pairs")(recompute_pairs)
