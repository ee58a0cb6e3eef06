"""Engine, declarative base with a naming convention, and the one transaction boundary `session_scope`."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import random
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import TypeVar

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from .settings import get_settings

log = logging.getLogger("shopcx.db")
T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always returns them aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use core.clock")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection, _record):
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (savepoints need it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A writer that finds the write lock taken waits this long for it (BEGIN IMMEDIATE, see _sqlite_begin).
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MB: bulk imports are twice as fast as with the 2 MB default
    cursor.close()


# Set while session_scope(write=True) opens its transaction: SQLite then takes the write lock at BEGIN.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("shopcx_write_intent", default=False)


def _sqlite_begin(conn) -> None:
    # A deferred transaction that read first and writes later fails at once (SQLITE_BUSY_SNAPSHOT) when another
    # writer committed in between; one that begins IMMEDIATE waits its turn (busy_timeout) and then sees the latest
    # data. Units of work that read a balance and then spend it must therefore begin IMMEDIATE.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for url with the pragmas and pool settings ShopCX relies on."""
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    size, overflow = pool_size()
    # A request holds one connection from its first query to its commit; the pool has one for every thread that
    # can run a request (settings.web_concurrency) plus the background threads, so a request never waits for a
    # connection. Should it ever, it gives up after a few seconds rather than the default 30.
    pool = {"pool_size": size, "max_overflow": overflow, "pool_timeout": POOL_TIMEOUT_S}
    if url.startswith("sqlite"):
        if ":memory:" in url or url.rstrip("/") in ("sqlite:", "sqlite+pysqlite:"):
            pool = {}  # one in-memory database per connection: SQLAlchemy's own pool choice stays
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
                               **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True, **pool)
    return engine


POOL_TIMEOUT_S = 5
# Threads besides the request threads that hold a connection at times: the embedded worker, a page-started
# import or analysis, the token-use stamps written after a response.
BACKGROUND_CONNECTIONS = 4


def pool_size() -> tuple[int, int]:
    """(pool_size, max_overflow) for one process, from settings.web_concurrency (see README 'Production')."""
    threads = max(get_settings().web_concurrency, 1)
    return threads + BACKGROUND_CONNECTIONS, max(threads // 2, 2)


_engine: Engine | None = None
_factory: sessionmaker | None = None


def configure(url: str | None = None) -> Engine:
    """Point the process at a database (the settings' URL by default) and return its engine."""
    global _engine, _factory
    if _engine is not None:
        _engine.dispose()
    _engine = make_engine(url or get_settings().resolved_database_url())
    _factory = sessionmaker(bind=_engine, expire_on_commit=False)
    return _engine


def get_engine() -> Engine:
    """The configured engine, configuring from settings on first use."""
    return _engine if _engine is not None else configure()


def session_factory() -> sessionmaker:
    get_engine()
    assert _factory is not None
    return _factory


def use_session_factory(factory: sessionmaker | None) -> None:
    """Tests bind every session to one connection inside a rolled-back transaction."""
    global _factory
    _factory = factory


@contextlib.contextmanager
def session_scope(*, write: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error. The only place that commits.

    write=True is for work that reads and then writes what it read (redeeming points): on SQLite it begins with
    the database's write lock; PostgreSQL locks rows itself (SELECT ... FOR UPDATE in the repository).
    """
    session = session_factory()()
    try:
        if write:
            token = _write_intent.set(True)
            try:
                session.connection()
            finally:
                _write_intent.reset(token)
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    else:
        _refresh_statistics(session)
    finally:
        session.close()


def note_bulk_write(session: Session, table: str, rows: int) -> None:
    """Record rows written in bulk (COPY, multi-row inserts): when the unit of work commits, a table that grew
    by more than a tenth is re-analysed, so the planner does not keep an empty table's plan for a million rows."""
    if rows:
        written = session.info.setdefault("bulk_rows", {})
        written[table] = written.get(table, 0) + rows


def carry_bulk_writes(session: Session, carried: dict[str, int], *, last: bool) -> None:
    """For a series of units of work that write in bulk one after another (a history replayed 2,000 customers at
    a time): the rows this one wrote are carried to the next instead of re-analysing its tables at its commit, and
    the last one re-analyses once for them all. Nothing in the series plans a query on the tables it fills (their
    rows are written, not read back), and an ANALYZE of the ledger cost a sixth of each replayed batch on
    PostgreSQL. Call it inside the unit of work, after its writes."""
    for table, rows in session.info.pop("bulk_rows", {}).items():
        carried[table] = carried.get(table, 0) + rows
    if last and carried:
        session.info["bulk_rows"] = dict(carried)


def _refresh_statistics(session: Session) -> None:
    """ANALYZE the tables a committed bulk write changed by more than autovacuum's own threshold (50 rows + 10 %
    of the table). Measured: with the statistics of the empty tables a demo shop of 10,000 customers just loaded
    took 4.2 s for the points liability (a nested loop over every account) against 0.14 s once analysed; an
    import is read right after it ends, and autovacuum may be late or, on some servers, switched off."""
    written = session.info.pop("bulk_rows", None)
    if not written or session.get_bind().dialect.name != "postgresql":
        return
    try:
        known = dict(session.execute(text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:names) "
                                          "AND relkind = 'r'"), {"names": list(written)}).all())
        stale = sorted(t for t, n in written.items() if t in known and n > 50 + 0.1 * max(known[t], 0))
        for table in stale:
            session.execute(text(f'ANALYZE "{table}"'))  # a name from pg_class, not user input
        session.commit()
    except Exception as exc:  # the work is committed; statistics are a hint the next ANALYZE also gives
        session.rollback()
        log.warning("statistics not refreshed after a bulk write: %s", _first_line(exc))


@event.listens_for(Session, "before_flush")
def _warn_read_only_flush(session: Session, _context, _instances) -> None:
    where = session.info.get("read_only")
    if where and (session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)):
        log.warning("a read-only unit of work writes (%s): on SQLite it can fail when another writer commits "
                    "first; write outside the request (see web/token_use.py) or make the route a POST", where)


# --- contention --------------------------------------------------------------------------------------------
# PostgreSQL SQLSTATEs worth running a unit of work again for: serialization failure, deadlock, lock timeout.
_RETRY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def is_contention(exc: BaseException) -> bool:
    """Whether exc is a transient clash with another writer (SQLite 'database is locked', a PostgreSQL
    serialization failure or deadlock): the same unit of work, run again, can succeed."""
    if not isinstance(exc, DBAPIError):
        return False
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if code in _RETRY_SQLSTATES:
        return True
    message = str(exc.orig).lower()
    return "database is locked" in message or "database table is locked" in message or "database is busy" in message


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


def is_unique_violation(exc: BaseException) -> bool:
    """Whether exc is a unique-constraint violation (another writer stored the same key first)."""
    if not isinstance(exc, IntegrityError):
        return False
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code == "23505" or "unique constraint failed" in str(exc.orig).lower()


def retrying(work: Callable[[], T], *, attempts: int = 5, what: str = "unit of work",
             pause: float = 0.2) -> T:
    """Run work (which opens its own session_scope) again when it clashed with another writer.

    For jobs: each attempt is a whole transaction, so a retry starts from what is committed. Other errors, and
    the last clash, are raised.
    """
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            if not is_contention(exc) or attempt == attempts:
                raise
            wait = pause * attempt * (1 + random.random())
            log.warning("%s clashed with another writer (%s); attempt %s of %s in %.1f s", what,
                        _first_line(exc.orig), attempt + 1, attempts, wait)
            time.sleep(wait)
    raise AssertionError("unreachable")


def savepoint_retrying(session: Session, work: Callable[[], T], *, attempts: int = 3) -> T:
    """Run work inside a savepoint; when another transaction stored the same key first (a unique violation),
    roll back to the savepoint and run it again, so it finds and reuses what the other one stored.

    For concurrent identical deliveries (a webhook sent twice at once, an API upsert retried by the client).
    """
    for attempt in range(1, attempts + 1):
        try:
            with session.begin_nested():
                return work()
        except IntegrityError as exc:
            if not is_unique_violation(exc) or attempt == attempts:
                raise
            log.info("a concurrent writer stored the same key first (%s); reading it again",
                     _first_line(exc.orig))
    raise AssertionError("unreachable")


def xact_lock(session: Session, *keys: str) -> None:
    """Hold PostgreSQL advisory transaction locks on keys (in a fixed order, so two holders never deadlock).

    Concurrent deliveries of the same order or customer then run one after the other and the second finds what
    the first stored. SQLite needs none: its write transactions already run one at a time (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    # Locks are held to the end of the transaction; bulk work (an import upserting thousands of people in one
    # batch) would fill PostgreSQL's lock table, so past a few per transaction it goes on without them: the
    # unique keys and the savepoint retry still store each record once.
    transaction = session.get_transaction()
    held = session.info.get("xact_locks")
    if held is None or held[0] is not transaction:
        held = (transaction, set())
        session.info["xact_locks"] = held
    for key in sorted(set(keys) - held[1]):
        if len(held[1]) >= MAX_XACT_LOCKS:
            return
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"shopcx:{key}"})
        held[1].add(key)


MAX_XACT_LOCKS = 16


# Row ids: 64-bit on PostgreSQL, SQLite's INTEGER rowid alias there.
BigId = BigInteger().with_variant(Integer, "sqlite")
