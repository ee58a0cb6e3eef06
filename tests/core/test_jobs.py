"""The outbox dispatcher hands events to handlers after commit and retries failures."""

from sqlalchemy import select

from shopcx.core import events, jobs
from shopcx.core.events import OutboxEvent


def test_dispatch_calls_handlers_and_marks_processed(session, monkeypatch):
    seen = []
    monkeypatch.setattr(jobs, "_handlers", {})
    jobs.on_event("order_paid")(lambda s, e: seen.append(e.payload["n"]))
    events.emit(session, "order_paid", "order", 1, n=1)
    events.emit(session, "order_shipped", "order", 1, n=2)
    session.flush()
    assert jobs.dispatch_outbox() == 2
    assert seen == [1]
    assert all(e.processed_at is not None for e in session.scalars(select(OutboxEvent)))
    assert jobs.dispatch_outbox() == 0


def test_failing_handler_is_retried_with_the_error_kept(session, monkeypatch):
    monkeypatch.setattr(jobs, "_handlers", {})

    def broken(s, e):
        raise RuntimeError("mail server down")

    jobs.on_event("order_paid")(broken)
    event = events.emit(session, "order_paid", "order", 7)
    session.flush()
    assert jobs.dispatch_outbox() == 0
    session.expire_all()
    stored = session.get(OutboxEvent, event.id)
    assert stored.processed_at is None and stored.attempts == 1 and "mail server down" in stored.last_error
