"""Engine, declarative base with a naming convention, and the one transaction boundary `session_scope`."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import datetime, timezone

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from .settings import get_settings

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


def _sqlite_pragmas(dbapi_connection, _record):
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (savepoints need it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
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
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    return engine


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
    finally:
        session.close()


# Row ids: 64-bit on PostgreSQL, SQLite's INTEGER rowid alias there.
BigId = BigInteger().with_variant(Integer, "sqlite")
