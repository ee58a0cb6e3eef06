"""Background work: the huey queue (memory, SQLite file or Redis by settings) and the outbox dispatcher.

Domain events are written to the outbox inside the business transaction; after commit the dispatcher hands
each one to the handlers registered for its topic and marks it processed, so a crash never loses an event
and a handler never sees an event whose transaction rolled back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from functools import lru_cache

from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import clock, db
from .events import OutboxEvent
from .settings import get_settings

log = logging.getLogger("shopcx.jobs")
Handler = Callable[[Session, OutboxEvent], None]
_handlers: dict[str, list[Handler]] = {}
MAX_ATTEMPTS = 10
# What the domains bring, given by the composition root (shopcx/domains.py): functions that import the modules
# whose handlers register with @on_event, and functions that register periodic tasks.
_handler_loaders: list[Callable[[], None]] = []
_periodic_loaders: list[Callable[[], None]] = []


def add_domains(*, handlers: list[Callable[[], None]], periodic: list[Callable[[], None]]) -> None:
    """Called once by the composition root: the domains' handler modules and periodic tasks."""
    _handler_loaders.extend(handlers)
    _periodic_loaders.extend(periodic)


def load_handlers() -> None:
    """Import every domain's handlers (idempotent: a module registers once, when first imported)."""
    for load in _handler_loaders:
        load()


def on_event(topic: str) -> Callable[[Handler], Handler]:
    """Register a handler for a domain event topic (used by later domains: loyalty, surveys, care)."""

    def decorator(handler: Handler) -> Handler:
        _handlers.setdefault(topic, []).append(handler)
        return handler

    return decorator


_deferred: list[Callable[[], None]] | None = None


def handle_now(session, event) -> None:
    """Run an event's handlers in the caller's transaction and mark it handled (for a use case whose result must
    hold at commit, such as an erasure: every domain's handler has run when the request ends)."""
    load_handlers()
    for handler in _handlers.get(event.topic, []):
        handler(session, event)
    event.processed_at = clock.now()
    event.attempts += 1


def defer(work: Callable[[], None]) -> None:
    """From a handler: run `work` after the event's transaction commits, in transactions of its own (long,
    batched work such as reconciling an import's history). The event counts as handled once it has succeeded."""
    if _deferred is None:
        raise RuntimeError("jobs.defer is only for outbox handlers")
    _deferred.append(work)


def _handle(event_id: int) -> list[Callable[[], None]] | None:
    """Run the in-transaction handlers of one event; None when there is nothing (more) to do."""
    global _deferred
    # write=True: SQLite takes the write lock before reading the event, so a commit by another connection in
    # between cannot make this transaction's first write fail; PostgreSQL skips an event another worker holds.
    with db.session_scope(write=True) as session:
        event = session.get(OutboxEvent, event_id, with_for_update={"skip_locked": True})
        if event is None or event.processed_at is not None:
            return None
        _deferred = []
        try:
            for handler in _handlers.get(event.topic, []):
                handler(session, event)
            deferred = _deferred
        finally:
            _deferred = None
        if not deferred:
            event.processed_at = clock.now()
            event.attempts += 1
        return deferred


def dispatch_outbox(limit: int = 500) -> int:
    """Hand pending events to their handlers, one transaction per event; returns how many were processed."""
    load_handlers()
    with db.session_scope() as session:
        ids = list(session.scalars(select(OutboxEvent.id).where(OutboxEvent.processed_at.is_(None),
                                                                OutboxEvent.attempts < MAX_ATTEMPTS)
                                   .order_by(OutboxEvent.id).limit(limit)))
    done = 0
    for event_id in ids:
        try:
            deferred = _handle(event_id)
            if deferred is None:
                continue
            if deferred:
                for work in deferred:
                    work()
                with db.session_scope(write=True) as session:
                    event = session.get(OutboxEvent, event_id)
                    event.processed_at = clock.now()
                    event.attempts += 1
            done += 1
        except Exception as exc:  # a failing handler must not stop the others; it is retried later
            log.exception("outbox event %s failed", event_id)
            with db.session_scope(write=True) as session:
                event = session.get(OutboxEvent, event_id)
                event.attempts += 1
                event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    return done


@lru_cache
def queue():
    """The huey instance chosen by SHOPCX_QUEUE: memory (immediate, in process), sqlite or redis."""
    settings = get_settings()
    if settings.queue == "redis":
        return RedisHuey("shopcx", url=settings.redis_url)
    if settings.queue == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("shopcx", filename=str(settings.data_dir / "queue.db"))
    return MemoryHuey("shopcx", immediate=True)


_registered = False


def register_periodic() -> None:
    """Periodic tasks run by `shopcx worker` (registered once per process)."""
    global _registered
    if _registered:
        return
    _registered = True
    huey = queue()

    @huey.periodic_task(crontab(minute="*"), name="dispatch_outbox")
    def _dispatch():
        dispatch_outbox()

    for register in _periodic_loaders:
        register()


def run_embedded(stop: threading.Event, interval: float = 5.0) -> None:
    """The embedded setup's worker, a thread of the web process: dispatch the outbox every few seconds and run
    the periodic tasks (loyalty calendar, daily analysis) when their minute comes."""
    register_periodic()
    huey = queue()
    last_minute = None
    while not stop.wait(interval):
        try:
            dispatch_outbox()
        except Exception:  # the database may be briefly unavailable; try again next round
            log.exception("embedded outbox dispatch failed")
        minute = datetime.now(timezone.utc).replace(tzinfo=None, second=0, microsecond=0)  # huey's UTC clock
        if minute == last_minute:
            continue
        last_minute = minute
        for task in huey.read_periodic(minute):
            if stop.is_set():
                return
            try:
                huey.execute(task)
            except Exception:
                log.exception("embedded periodic task %s failed", task.name)


class EmbeddedWorker:
    """The running embedded worker: `stop()` asks it to end and waits for the round in progress, so nothing it
    started still uses the database after the web process (or a test) has moved on."""

    def __init__(self, interval: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=run_embedded, args=(self._stop, interval),
                                        name="shopcx-embedded-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        self._stop.set()
        self._thread.join(timeout)


def start_embedded(interval: float = 5.0) -> EmbeddedWorker:
    """Start the embedded worker thread; call `stop()` on the result to end it."""
    return EmbeddedWorker(interval)
