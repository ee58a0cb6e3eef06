"""Alembic from empty must produce exactly the tables the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shopcx.core import db
from shopcx.core.migrate import current_revision, upgrade
from shopcx.domains import metadata as all_tables


def test_upgrade_from_empty_matches_models(fresh_db_url):
    engine = db.make_engine(fresh_db_url)
    try:
        assert current_revision(engine) is not None
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), all_tables())
        assert diff == []
        upgrade(engine)  # a second upgrade is a no-op
    finally:
        engine.dispose()
