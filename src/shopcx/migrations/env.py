"""Alembic environment: the URL comes from the caller (core.migrate) or ShopCX settings."""

from alembic import context

from shopcx.core import db
from shopcx.domains import metadata as all_tables

config = context.config


def _render_item(type_, obj, autogen_context):
    if type_ == "type" and isinstance(obj, db.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = db.make_engine(config.get_main_option("sqlalchemy.url") or db.get_settings().resolved_database_url())
    with engine.connect() as conn:
        _migrate(conn)
        conn.commit()
    engine.dispose()


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=all_tables(), render_as_batch=True,
                      compare_type=True, render_item=_render_item)
    with context.begin_transaction():
        context.run_migrations()


run()
