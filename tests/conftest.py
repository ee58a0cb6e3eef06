"""Test databases: the whole suite runs on SQLite (default) or PostgreSQL (SHOPCX_TEST_DB=postgresql).

Each test runs inside a transaction that is rolled back; application code that calls
`session_scope()` commits only a savepoint of it.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from shopcx import domains
from shopcx.core import db
from shopcx.core.migrate import upgrade
from shopcx.core.settings import get_settings

domains.install()  # what the app, the CLI and the worker do first: labels, handlers, periodic jobs

PG_ADMIN_URL = os.environ.get("SHOPCX_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SHARED_DATA = Path(os.environ.get("SHOPCX_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def backend() -> str:
    return os.environ.get("SHOPCX_TEST_DB", "sqlite")


class _Database:
    """Creates throwaway databases on the chosen backend and drops them afterwards."""

    def __init__(self, tmp_root: Path):
        self.tmp_root = tmp_root
        self.created: list[str] = []

    def new_url(self) -> str:
        name = f"shopcx_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        if backend() == "sqlite":
            return f"sqlite:///{self.tmp_root / (name + '.db')}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    def drop_all(self) -> None:
        if not self.created:
            return
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    factory = _Database(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def engine(databases, tmp_path_factory):
    """The suite's database, migrated to head by Alembic (so every test also exercises the migrations)."""
    settings = get_settings()
    settings.data_dir = tmp_path_factory.mktemp("data")
    settings.secret_key = "test-secret-key"
    # The home page computes its figures on every view however loaded the machine is; the snapshot tests set it.
    settings.home_quick_ms = 10**9
    url = databases.new_url()
    eng = db.configure(url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    """A session inside a transaction that is rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
    db.use_session_factory(factory)
    session = factory()
    try:
        yield session
    finally:
        session.close()
        db.use_session_factory(sessionmaker(bind=engine, expire_on_commit=False))
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture
def fresh_db_url(databases):
    """The URL of a new, migrated, committed database (for subprocess tests such as a killed import)."""
    url = databases.new_url()
    eng = db.make_engine(url)
    upgrade(eng)
    eng.dispose()
    return url


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data; missing data fails the run when SHOPCX_REQUIRE_SHARED_DATA=1, else skips."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("SHOPCX_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"shared data folder {SHARED_DATA} is missing and SHOPCX_REQUIRE_SHARED_DATA=1")
        pytest.skip(f"shared data folder {SHARED_DATA} is missing")
    return SHARED_DATA


@pytest.fixture
def actor():
    from shopcx.staff.service import SYSTEM

    return SYSTEM


def pytest_collection_modifyitems(config, items):
    """A test that uses no database (pure rules, models, text) runs on SQLite only: on PostgreSQL it would repeat
    the same computation, so that run deselects it (STYLE.md: pure-rule tests need one backend). Browser tests
    (marked `browser`) run on SQLite only too: they check what a page draws and does in Chromium; what the pages
    store is checked on both backends by the page and service tests under each domain."""
    if backend() != "postgresql":
        return
    pure = [item for item in items if not {"engine", "databases"} & set(getattr(item, "fixturenames", ()))
            or item.get_closest_marker("browser") is not None]
    if pure:
        config.hook.pytest_deselected(items=pure)
        items[:] = [item for item in items if item not in pure]


def pytest_report_header(config):
    return f"shopcx test database: {backend()}"


