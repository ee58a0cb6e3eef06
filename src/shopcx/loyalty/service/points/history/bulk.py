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
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

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

    def __init__(self, session: Session, table: str):
        self.session, self.table, self.free, self.block = session, table, [], 1_000
        self.postgres = session.get_bind().dialect.name == "postgresql"
        if not self.postgres:
            self.next = (session.scalar(text(f"SELECT max(id) FROM {table}")) or 0) + 1  # noqa: S608 (fixed names)

    def take(self) -> int:
        if not self.postgres:
            self.next += 1
            return self.next - 1
        if not self.free:
            raw = self.session.connection().connection.driver_connection
            with raw.cursor() as cursor:
                cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{self.table}', 'id')) "  # noqa: S608
                               "FROM generate_series(1, %s)", (self.block,))
                self.free = [row[0] for row in reversed(cursor.fetchall())]
            self.block = min(self.block * 2, 50_000)
        return self.free.pop()


class BulkWriter:
    """Rows to insert, with their ids, in the order the live path would write them."""

    def __init__(self, session: Session):
        self.session = session
        self.ids = {name: Ids(session, name) for name in ("loyalty_account", "points_entry", "points_lot",
                                                          "points_allocation", "tier_activity", "tier_change")}
        self.rows: dict[str, list[dict]] = defaultdict(list)

    def add(self, table: str, **values) -> dict:
        values["id"] = self.ids[table].take()
        self.rows[table].append(values)
        return values

    def flush(self) -> None:
        """Insert the rows through the driver: COPY on PostgreSQL, executemany on SQLite (values converted as the
        column types would, so the ORM reads them back unchanged)."""
        models = {"loyalty_account": LoyaltyAccount, "points_entry": PointsEntry, "points_lot": PointsLot,
                  "points_allocation": PointsAllocation, "tier_activity": TierActivity, "tier_change": TierChange}
        connection = self.session.connection()
        postgres = connection.dialect.name == "postgresql"
        raw = connection.connection.driver_connection
        batches: list[tuple[type, list[str], list[list]]] = []
        for name, model in models.items():
            rows = self.rows.pop(name, [])
            if not rows:
                continue
            columns = [c.name for c in model.__table__.columns]
            kinds = [_kind(c.type) for c in model.__table__.columns]
            convert = [(i, kind) for i, kind in enumerate(kinds) if kind]
            values = []
            for row in rows:
                value = [row.get(c) for c in columns]
                for i, kind in convert:
                    if value[i] is not None:
                        value[i] = _to_db(value[i], kind, postgres)
                values.append(value)
            if postgres:
                batches.append((model, columns, values))
            else:
                cursor = raw.cursor()
                cursor.executemany(f"INSERT INTO {name} ({', '.join(columns)}) "  # noqa: S608 (fixed names)
                                   f"VALUES ({', '.join('?' * len(columns))})", values)
                cursor.close()
        if batches:
            _copy(raw, batches)


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
