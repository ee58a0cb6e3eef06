"""The embedded setup's worker thread handles the outbox without `shopcx worker`."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from shopcx.core import db, events, jobs


def test_embedded_worker_dispatches_committed_events(fresh_db_url, engine):
    seen = []
    jobs.load_handlers()  # the domains' handlers first: the worker's round would otherwise register them after ours

    def handler(session, event):
        seen.append(event.payload["n"])

    jobs.on_event("customer_erased")(handler)
    own = db.make_engine(fresh_db_url)
    db.use_session_factory(sessionmaker(bind=own, expire_on_commit=False))
    try:
        with db.session_scope() as session:
            events.emit(session, "customer_erased", "customer", 1, n=41)
        worker = jobs.start_embedded(interval=0.05)
        deadline = time.monotonic() + 10
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.stop()
        assert seen == [41]
        with db.session_scope() as session:
            event = session.scalar(select(events.OutboxEvent))
            assert event.processed_at is not None and event.attempts == 1
    finally:
        jobs._handlers["customer_erased"].remove(handler)  # this one, not whichever was registered last
        db.use_session_factory(sessionmaker(bind=engine, expire_on_commit=False))
        own.dispose()
