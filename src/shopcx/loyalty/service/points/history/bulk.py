"""Rows written in bulk with ids reserved ahead: a binary COPY on PostgreSQL (the driver's dumpers take the values
as they are, the JSON as json.dumps writes it), executemany on SQLite with values converted as SQLAlchemy would
store them.

On PostgreSQL most of a COPY's time goes to the foreign-key triggers, one lookup per row and key. When the
database role may set `session_replication_role` (as `pg_restore --disable-triggers` does), the COPY runs without
row triggers and each foreign key is then checked once for the whole batch: one statement per key that finds the
referenced rows and locks them `FOR KEY SHARE`, as the triggers would, and refuses the batch if any is missing
(rows the writer itself inserted in this transaction, an account, an earn, a lot, exist and are invisible to others:
they are not looked up again). Without that right the COPY runs with its triggers, only slower."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from functools import lru_cache
from itertools import count
from operator import itemgetter
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
    (a first block of the expected size, then blocks that double up to 50,000; ids left unused are only a gap in the
    sequence)."""

    def __init__(self, session: Session, raw, table: str):
        self.raw, self.table, self.block = raw, table, 1_000
        if session.get_bind().dialect.name == "postgresql":
            self.take = self._reserved().__next__
        else:
            first = (session.scalar(text(f"SELECT max(id) FROM {table}")) or 0) + 1  # noqa: S608 (fixed names)
            self.take = count(first).__next__

    def _reserved(self) -> Iterator[int]:
        with self.raw.cursor() as cursor:  # looked up once: called in the select list it would run for every id
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", (self.table,))
            sequence = cursor.fetchone()[0]
        while True:
            with self.raw.cursor() as cursor:
                cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", (sequence, self.block))
                reserved = [row[0] for row in cursor.fetchall()]
            self.block = min(self.block * 2, 50_000)
            yield from reserved


_REFERENCED = ("loyalty_account", "points_entry", "points_lot")  # the tables whose rows the others point at
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
        self._converted: dict[str, dict] = {"datetime": {}, "date": {}}  # SQLite: values as stored
        self._written: dict[str, set[int]] = defaultdict(set)  # PostgreSQL: ids of the referenced rows written
        self._types: dict[str, list[int]] = {}  # PostgreSQL: each table's column type oids, for the binary COPY

    def expect(self, rows: dict[str, int]) -> None:
        """Size the first id block of each table for the rows expected: a block fetched while the writer thread
        copies waits for the connection (a quarter of a second on the demo shop)."""
        for table, n in rows.items():
            self.ids[table].block = max(100, min(n, 50_000))

    def add(self, table: str, **values) -> dict:
        return self.append(table, values)

    def append(self, table: str, values: dict) -> dict:
        """`add` with the row's dict itself (kept and given its id)."""
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

    def let_write(self) -> None:
        """Hand the interpreter to the writer thread when it has rows: called between two accounts. Left to itself,
        CPython 3.11 switched threads here only when the replay blocked: a woken writer waited for the lock while
        the replay ran (up to 190 ms, 1.6 s of the 10,000-customer shop's 4.4), so the chunks were copied one after
        another instead of alongside the replay. A sleep(0) releases the lock; the writer formats its rows and
        gives it back when it waits on the server."""
        if self._writing is not None and not self._writing.done():
            time.sleep(0)

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
            columns, values = self._values(model, chunk)
            if self.postgres:
                batches.append((model, columns, values))
            else:
                cursor = self.raw.cursor()
                cursor.executemany(f"INSERT INTO {name} ({', '.join(columns)}) "  # noqa: S608 (fixed names)
                                   f"VALUES ({', '.join('?' * len(columns))})", values)
                cursor.close()
        if batches:
            _copy(self.raw, batches, self._written, self._types)

    def _values(self, model: type, chunk: list[dict]) -> tuple[list[str], list]:
        """The rows as value lists in column order, converted column by column: many rows share one moment or day
        (a payment, a midnight), so each distinct value is converted once."""
        columns, get, kinds = _layout(model)
        if self.postgres:  # the binary COPY's dumpers take moments and days as they are; JSON goes as its text
            kinds = [(i, kind) for i, kind in kinds if kind == "json"]
        if not kinds:
            return columns, [get(row) for row in chunk]
        values = [list(get(row)) for row in chunk]
        for i, kind in kinds:
            if kind == "json":
                for value in values:
                    if value[i] is not None:
                        value[i] = _json_text(value[i]) if value[i] else "{}"
                continue
            known = self._converted[kind]
            to_db = _sqlite_datetime if kind == "datetime" else date.isoformat
            for value in values:
                v = value[i]
                if v is not None:
                    text_value = known.get(v)
                    if text_value is None:
                        text_value = known[v] = to_db(v)
                    value[i] = text_value
        return columns, values


@lru_cache(maxsize=None)
def _layout(model: type) -> tuple[list[str], itemgetter, list[tuple[int, str]]]:
    """A table's columns, a getter of their values from a row dict, and the columns whose values need converting."""
    columns = [c.name for c in model.__table__.columns]
    kinds = [(i, kind) for i, kind in enumerate(_kind(c.type) for c in model.__table__.columns) if kind]
    return columns, itemgetter(*columns), kinds


def _copy(raw, batches: list[tuple[type, list[str], list[list]]], written: dict[str, set[int]],
          types: dict[str, list[int]]) -> None:
    """COPY each table's rows (binary: half the client's work of text); without row triggers when allowed, then
    one reference check per foreign key."""
    unchecked = _without_row_triggers(raw)
    for model, columns, values in batches:
        name = model.__tablename__
        if name not in types:
            found = dict(raw.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
                                     "AND attnum > 0 AND NOT attisdropped", (name,)).fetchall())
            # a json column's binary form is its text: the rows carry the text (see _json_text), sent as text
            types[name] = [_TEXT if found[column] == _JSON else found[column] for column in columns]
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:  # noqa: S608 (fixed)
            copy.set_types(types[name])
            for value in values:
                copy.write_row(value)
    if not unchecked:
        return
    for model, columns, values in batches:
        if model.__tablename__ in _REFERENCED:
            at = columns.index("id")
            written[model.__tablename__].update(value[at] for value in values)
    raw.execute("SET LOCAL session_replication_role = origin")
    checked: dict[tuple[str, str], set[int]] = defaultdict(set)
    for model, columns, values in batches:
        for key in model.__table__.foreign_keys:
            at = columns.index(key.parent.name)
            target = key.column.table.name
            # rows this writer inserted in this transaction exist and no other transaction can delete them; a
            # row another key of this batch already found is locked already
            ours = written.get(target, set()) if key.column.name == "id" else set()
            seen = checked[target, key.column.name]
            wanted = sorted({value[at] for value in values
                             if value[at] is not None and value[at] not in ours and value[at] not in seen})
            if not wanted:
                continue
            found = raw.execute(f"SELECT count(*) FROM (SELECT 1 FROM {target} "  # noqa: S608 (names from metadata)
                                f"WHERE {key.column.name} = ANY(%s) FOR KEY SHARE) AS referenced",
                                (wanted,)).fetchone()[0]
            if found != len(wanted):
                raise LoyaltyError("ledger_inconsistent", f"history replay: {len(wanted) - found} "
                                   f"{model.__tablename__}.{key.parent.name} value(s) not found in {target}")
            seen.update(wanted)


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


_JSON, _TEXT = 114, 25  # PostgreSQL's type oids of json and text

if json.encoder.c_make_encoder is not None:
    # json.dumps with its default arguments (as SQLAlchemy stores JSON) through one C encoder made once: dumps
    # makes a new one for every value, half the time of encoding a ledger entry's detail
    _encode = json.encoder.c_make_encoder(None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii,
                                          None, ": ", ", ", False, False, True)

    def _json_text(value) -> str:
        return "".join(_encode(value, 0))
else:  # an interpreter without the C accelerator
    _json_text = json.dumps


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


def _sqlite_datetime(value: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite."""
    return value.astimezone(_UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
