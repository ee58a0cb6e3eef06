"""core.db's contention helpers: which errors are a clash with another writer, and running a job again on one."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from shopcx.core import db


class _PgError(Exception):
    def __init__(self, sqlstate: str, message: str = "error"):
        super().__init__(message)
        self.sqlstate = sqlstate


def _operational(orig: Exception) -> OperationalError:
    return OperationalError("UPDATE t SET x = 1", {}, orig)


@pytest.mark.parametrize(("orig", "clash"), [
    (Exception("database is locked"), True),
    (Exception("database table is locked"), True),
    (_PgError("40001", "could not serialize access due to concurrent update"), True),
    (_PgError("40P01", "deadlock detected"), True),
    (_PgError("55P03", "lock not available"), True),
    (Exception("no such table: shop"), False),
    (_PgError("42P01", "relation does not exist"), False),
])
def test_which_errors_are_a_clash_with_another_writer(orig, clash):
    assert db.is_contention(_operational(orig)) is clash


def test_unique_violations_are_recognised_on_both_databases():
    assert db.is_unique_violation(IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: shop.code")))
    assert db.is_unique_violation(IntegrityError("INSERT", {}, _PgError("23505", "duplicate key value")))
    assert not db.is_unique_violation(IntegrityError("INSERT", {}, _PgError("23503", "foreign key")))
    assert not db.is_unique_violation(IntegrityError("INSERT", {}, Exception("CHECK constraint failed: points")))


def test_a_job_is_run_again_after_a_clash_and_other_errors_are_raised_at_once():
    calls = []

    def clashes_twice() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _operational(Exception("database is locked"))
        return "stored"

    assert db.retrying(clashes_twice, pause=0.001) == "stored" and len(calls) == 3

    calls.clear()

    def broken() -> None:
        calls.append(1)
        raise _operational(Exception("no such column: x"))

    with pytest.raises(OperationalError):
        db.retrying(broken, pause=0.001)
    assert len(calls) == 1

    calls.clear()

    def always_locked() -> None:
        calls.append(1)
        raise _operational(Exception("database is locked"))

    with pytest.raises(OperationalError):
        db.retrying(always_locked, attempts=3, pause=0.001)
    assert len(calls) == 3


def test_the_pool_has_a_connection_for_every_request_thread_and_the_background(monkeypatch, tmp_path):
    from shopcx.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "web_concurrency", 12)
    size, overflow = db.pool_size()
    assert size == 12 + db.BACKGROUND_CONNECTIONS and overflow >= 2
    engine = db.make_engine(f"sqlite:///{tmp_path / 'pool.db'}")  # not connected: only its pool is read
    try:
        assert engine.pool.size() == size and engine.pool._timeout == db.POOL_TIMEOUT_S
    finally:
        engine.dispose()


def test_a_bulk_write_that_grows_a_table_refreshes_its_planner_statistics(session):
    """A table loaded in bulk is analysed when the unit of work commits, so the next query is planned for its real
    size (an import or a replayed history read right away with an empty table's plan took seconds)."""
    from sqlalchemy import func, select, text

    from shopcx.core import clock
    from shopcx.customers.models import Customer
    from shopcx.imports.bulk import insert_many

    def reltuples():
        return session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'customer'"))

    postgres = session.get_bind().dialect.name == "postgresql"
    before = reltuples() if postgres else None
    now = clock.now()
    with db.session_scope() as unit:
        insert_many(unit, Customer.__table__, [{"name": f"bulk {i}", "preferences": {}, "created_at": now,
                                                "updated_at": now} for i in range(3000)])
        assert unit.info["bulk_rows"] == {"customer": 3000}
    stored = session.scalar(select(func.count(Customer.id)))
    assert stored >= 3000  # SQLite: nothing to analyse, and nothing fails
    if postgres:
        assert before < 3000 <= reltuples() == stored


def test_a_series_of_bulk_writes_is_analysed_once_at_its_end(session):
    """A history replayed in several units of work re-analyses at the last commit, for the rows of them all; the
    earlier commits carry their rows on (loyalty.jobs.sync_shop)."""
    from sqlalchemy import func, select, text

    from shopcx.core import clock
    from shopcx.customers.models import Customer
    from shopcx.imports.bulk import insert_many

    def reltuples():
        return session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'customer'"))

    postgres = session.get_bind().dialect.name == "postgresql"
    before = reltuples() if postgres else None
    now = clock.now()
    carried: dict[str, int] = {}
    seen = []
    for n, last in ((3000, False), (1500, True)):
        with db.session_scope() as unit:
            insert_many(unit, Customer.__table__, [{"name": f"bulk {i}", "preferences": {}, "created_at": now,
                                                    "updated_at": now} for i in range(n)])
            db.carry_bulk_writes(unit, carried, last=last)
            seen.append(dict(unit.info.get("bulk_rows", {})))
        if postgres and not last:  # the first commit left the statistics as they were
            assert reltuples() == before
    assert seen == [{}, {"customer": 4500}] and carried == {"customer": 4500}
    if postgres:
        assert reltuples() == session.scalar(select(func.count(Customer.id))) >= 4500
