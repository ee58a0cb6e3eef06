"""Throwaway migrated databases for the benchmarks: SQLite files in a work folder, PostgreSQL databases created
on the server named by SHOPCX_BENCH_PG (an admin URL) and dropped at the end; or a named one kept between runs
(a large data set is built once)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from shopcx.core import db
from shopcx.core.migrate import upgrade

PG_ADMIN = os.environ.get("SHOPCX_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


class Databases:
    """Fresh databases migrated to head; `drop()` removes the PostgreSQL ones (SQLite files go with the folder)."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.pg: list[str] = []

    def fresh(self, backend: str) -> str:
        name = f"shopcx_bench_{uuid.uuid4().hex[:8]}"
        if backend == "sqlite":
            url = f"sqlite:///{self.workdir / (name + '.db')}"
        else:
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            self.pg.append(name)
            url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        engine = db.make_engine(url)
        upgrade(engine)
        engine.dispose()
        return url

    def named(self, name: str, backend: str) -> tuple[str, bool]:
        """A database kept between runs: (its URL, whether it existed). Created and migrated when missing, brought
        to head when present; never dropped by `drop()` (drop it by hand)."""
        if backend == "sqlite":
            path = Path(os.environ.get("SHOPCX_BENCH_KEEP_DIR", "var/bench")) / f"{name}.db"
            path.parent.mkdir(parents=True, exist_ok=True)
            existed, url = path.exists(), f"sqlite:///{path}"
        else:
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                existed = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
                if not existed:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        engine = db.make_engine(url)
        upgrade(engine)
        engine.dispose()
        return url, bool(existed)

    def discard(self, name: str, backend: str) -> None:
        """A named database whose building failed: dropped with the others, so the next run builds it again."""
        if backend == "sqlite":
            (Path(os.environ.get("SHOPCX_BENCH_KEEP_DIR", "var/bench")) / f"{name}.db").unlink(missing_ok=True)
        else:
            self.pg.append(name)

    def drop(self) -> None:
        if not self.pg:
            return
        db.configure("sqlite://")  # let go of the last benchmark database
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.pg:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
