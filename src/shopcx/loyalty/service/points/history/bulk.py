"""Rows written in bulk with ids reserved ahead: COPY on PostgreSQL, executemany on SQLite, values converted as
SQLAlchemy would store them."""

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
                with raw.cursor() as cursor, cursor.copy(
                        f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:  # noqa: S608 (fixed names)
                    for value in values:
                        copy.write_row(value)
            else:
                cursor = raw.cursor()
                cursor.executemany(f"INSERT INTO {name} ({', '.join(columns)}) "  # noqa: S608 (fixed names)
                                   f"VALUES ({', '.join('?' * len(columns))})", values)
                cursor.close()


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
