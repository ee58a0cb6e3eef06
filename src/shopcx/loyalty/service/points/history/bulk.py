"""Rows written in bulk with ids reserved ahead: COPY on PostgreSQL, executemany on SQLite, values converted as
SQLAlchemy would store them.

On PostgreSQL most of a COPY's time goes to the foreign-key triggers, one lookup per row and key. When the
database role may set `session_replication_role` (as `pg_restore --disable-triggers` does), the COPY runs without
row triggers and each foreign key is then checked once for the whole batch: one statement per key that finds the
referenced rows and locks them `FOR KEY SHARE`, as the triggers would, and refuses the batch if any is missing.
Without that right the COPY runs with its triggers, only slower."""

from __future__ import annotations

import json
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from .....core.db import note_bulk_write
from ....models import (
    LoyaltyAccount,
    PointsAllocation,
    PointsEntry,
    PointsLot,
    TierActivity,
    TierChange,
)
from ..ledger import LoyaltyError


class Ids:
    """Row ids for one table, reserved ahead: max+1 on SQLite (the write lock is held), the sequence on PostgreSQL
    (in blocks that double up to 50,000; ids left unused are only a gap in the sequence)."""

    def __init__(self, session: Session, raw, table: str):
        self.raw, self.table, self.free, self.block = raw, table, [], 1_000
        self.postgres = session.get_bind().dialect.name == "postgresql"
        if not self.postgres:
            self.next = (session.scalar(text(f"SELECT max(id) FROM {table}")) or 0) + 1  # noqa: S608 (fixed names)

    def take(self) -> int:
        if not self.postgres:
            self.next += 1
            return self.next - 1
        if not self.free:
            with self.raw.cursor() as cursor:
                cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{self.table}', 'id')) "  # noqa: S608
                               "FROM generate_series(1, %s)", (self.block,))
                self.free = [row[0] for row in reversed(cursor.fetchall())]
            self.block = min(self.block * 2, 50_000)
        return self.free.pop()


_MODELS = {"loyalty_account": LoyaltyAccount, "points_entry": PointsEntry, "points_lot": PointsLot,
           "points_allocation": PointsAllocation, "tier_activity": TierActivity, "tier_change": TierChange}


class BulkWriter:
    """Rows to insert, with their ids, in the order the live path would write them.

    On PostgreSQL each `flush` hands its rows to a second thread and returns: the replay computes the next
    customers while the server inserts (the thread waits on the server, so the two overlap). The next `flush` and
    `close` wait for it and raise what it raised; every chunk is in the caller's transaction (one connection)."""

    def __init__(self, session: Session):
        self.session = session
        self.raw = session.connection().connection.driver_connection
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.ids = {name: Ids(session, self.raw, name) for name in _MODELS}
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self._thread: ThreadPoolExecutor | None = None
        self._writing: Future | None = None

    def add(self, table: str, **values) -> dict:
        values["id"] = self.ids[table].take()
        self.rows[table].append(values)
        return values

    def flush(self) -> None:
        """Insert the rows added so far through the driver: COPY on PostgreSQL (on the writer thread), executemany
        on SQLite (values converted as the column types would, so the ORM reads them back unchanged)."""
        rows, self.rows = self.rows, defaultdict(list)
        for name, added in rows.items():
            note_bulk_write(self.session, name, len(added))
        self.wait()
        if not self.postgres:
            self._write(rows)
            return
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="history-copy")
        self._writing = self._thread.submit(self._write, rows)

    def wait(self) -> None:
        """Wait for the rows being written (raising what the writer raised)."""
        writing, self._writing = self._writing, None
        if writing is not None:
            writing.result()

    def close(self) -> None:
        """Wait for the last rows and let the writer thread go."""
        try:
            self.wait()
        finally:
            if self._thread is not None:
                self._thread.shutdown()
                self._thread = None

    def _write(self, rows: dict[str, list[dict]]) -> None:
        batches: list[tuple[type, list[str], list[list]]] = []
        for name, model in _MODELS.items():
            chunk = rows.get(name)
            if not chunk:
                continue
            columns = [c.name for c in model.__table__.columns]
            convert = [(i, kind) for i, kind in enumerate(_kind(c.type) for c in model.__table__.columns) if kind]
            values = []
            for row in chunk:
                value = [row.get(c) for c in columns]
                for i, kind in convert:
                    if value[i] is not None:
                        value[i] = _to_db(value[i], kind, self.postgres)
                values.append(value)
            if self.postgres:
                batches.append((model, columns, values))
            else:
                cursor = self.raw.cursor()
                cursor.executemany(f"INSERT INTO {name} ({', '.join(columns)}) "  # noqa: S608 (fixed names)
                                   f"VALUES ({', '.join('?' * len(columns))})", values)
                cursor.close()
        if batches:
            _copy(self.raw, batches)


def _copy(raw, batches: list[tuple[type, list[str], list[list]]]) -> None:
    """COPY each table's rows; without row triggers when allowed, then one reference check per foreign key."""
    unchecked = _without_row_triggers(raw)
    for model, columns, values in batches:
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:  # noqa: S608 (fixed)
            for value in values:
                copy.write_row(value)
    if not unchecked:
        return
    raw.execute("SET LOCAL session_replication_role = origin")
    for model, columns, values in batches:
        for key in model.__table__.foreign_keys:
            at = columns.index(key.parent.name)
            wanted = sorted({value[at] for value in values if value[at] is not None})
            if not wanted:
                continue
            target = key.column.table.name
            found = raw.execute(f"SELECT count(*) FROM (SELECT 1 FROM {target} "  # noqa: S608 (names from metadata)
                                f"WHERE {key.column.name} = ANY(%s) FOR KEY SHARE) AS referenced",
                                (wanted,)).fetchone()[0]
            if found != len(wanted):
                raise LoyaltyError("ledger_inconsistent", f"history replay: {len(wanted) - found} "
                                   f"{model.__tablename__}.{key.parent.name} value(s) not found in {target}")


def _without_row_triggers(raw) -> bool:
    """Turn row triggers off for this transaction if the role may (a savepoint keeps a refusal harmless)."""
    import psycopg

    raw.execute("SAVEPOINT bulk_copy")
    try:
        raw.execute("SET LOCAL session_replication_role = replica")
    except psycopg.errors.InsufficientPrivilege:
        raw.execute("ROLLBACK TO SAVEPOINT bulk_copy")
        return False
    finally:
        raw.execute("RELEASE SAVEPOINT bulk_copy")
    return True


def _kind(column_type) -> str | None:
    from sqlalchemy import JSON, Date

    from .....core.db import UTCDateTime

    if isinstance(column_type, UTCDateTime):
        return "datetime"
    if isinstance(column_type, JSON):
        return "json"
    if isinstance(column_type, Date):
        return "date"
    return None


_UTC = ZoneInfo("UTC")


def _to_db(value, kind: str, postgres: bool):
    if kind == "json":
        return json.dumps(value) if value else "{}"
    if postgres:
        return value
    if kind == "datetime":
        return _sqlite_datetime(value)
    return value.isoformat()


@lru_cache(maxsize=65_536)
def _sqlite_datetime(value: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite (many rows share one moment: a payment, a midnight)."""
    return value.astimezone(_UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
