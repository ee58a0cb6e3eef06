"""The daily customer-value snapshot: a huey periodic task at 03:00, run by `shopcx worker`."""

from __future__ import annotations

import logging

from huey import crontab

from ..core import jobs

log = logging.getLogger("shopcx.insights")
DAILY = {"hour": "3", "minute": "0"}  # after midnight in the server's clock, when yesterday is complete


def analyze_daily() -> None:
    """Snapshot all shops as of yesterday, then each shop on its own (shop runs are what the pages show per shop)."""
    from ..core import db
    from ..shops import service as shops
    from .service.analysis import run_analysis

    with db.session_scope() as session:
        codes = [shop.code for shop in shops.list_shops(session) if shop.is_active]
    for code in [None, *codes]:
        try:
            run = run_analysis(shop_code=code)
            log.info("customer-value snapshot %s for %s: %s", run.id, code or "all shops", run.status)
        except Exception:  # one shop's failure (e.g. mixed currencies over all shops) must not stop the others
            log.exception("customer-value snapshot for %s failed", code or "all shops")


def register_periodic() -> None:
    """Register the daily task on the queue; core.jobs.register_periodic calls this."""
    huey = jobs.queue()
    huey.periodic_task(crontab(**DAILY), name="insights_analyze_daily")(analyze_daily)
