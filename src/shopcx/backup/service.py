"""Backup and restore of the whole database, checked end to end.

A backup is one gzip'd tar file: `manifest.json` (format, backend, schema revision, when, and a fingerprint of
what was copied), the database (`shopcx.sqlite`, a copy made with SQLite's online backup API, or `shopcx.pgdump`,
`pg_dump --format=custom`), and the installation's `secret.key` when it lives in the data folder (signed links and
stored secrets need it). The fingerprint (every table's row count, `shopcx stats`, and each loyalty program's
ledger sums) is read from the copy itself — on PostgreSQL inside the very snapshot `pg_dump` exports — so it
describes exactly what the file holds, however busy the shop was meanwhile.

A restore checks the file before it touches anything (format, checksum, a schema this version of ShopCX knows),
keeps a safety backup of a database that holds data, replaces the database, and compares the restored copy's
fingerprint with the manifest; then it brings an older schema up to date with the migrations.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, column, func, inspect, select, table, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session

from .. import __version__
from ..core import clock, db
from ..core.errors import Conflict, InvalidInput
from ..core.settings import get_settings

FORMAT = "shopcx-backup"
VERSION = 1
MANIFEST = "manifest.json"
SECRET = "secret.key"
FILES = {"sqlite": "shopcx.sqlite", "postgresql": "shopcx.pgdump"}
SUFFIX = ".shopcx-backup"
COPY_CHUNK = 1 << 20
Progress = Callable[[int, int], None]


class BackupRefused(InvalidInput):
    """A file that is not a whole ShopCX backup this version can restore, or a target it cannot restore into."""


@dataclass(frozen=True)
class Manifest:
    """What a backup file says about itself."""

    backend: str
    created_at: datetime
    schema_revision: str | None
    shopcx_version: str
    database_sha256: str
    fingerprint: dict
    has_secret: bool

    def as_dict(self) -> dict:
        """The manifest as stored in the file."""
        return {"format": FORMAT, "version": VERSION, "backend": self.backend,
                "created_at": self.created_at.isoformat(), "schema_revision": self.schema_revision,
                "shopcx_version": self.shopcx_version, "database": FILES[self.backend],
                "database_sha256": self.database_sha256, "secret_key": self.has_secret,
                "fingerprint": self.fingerprint}


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did."""

    manifest: Manifest
    safety_copy: Path | None
    upgraded_from: str | None
    secret: str | None  # "restored", "kept" (this installation's own key differs from the backup's) or None


@dataclass(frozen=True)
class TargetState:
    """What the database a backup would replace holds now."""

    rows: int
    customers: int
    orders: int
    latest_change: datetime | None

    @property
    def empty(self) -> bool:
        return self.rows == 0


def backend_of(engine: Engine) -> str:
    """'sqlite' or 'postgresql'; anything else is refused."""
    name = engine.dialect.name
    if name not in FILES:
        raise BackupRefused("backup_backend", f"database: backups support SQLite and PostgreSQL, not {name}")
    return name


# --- fingerprint ---------------------------------------------------------------------------------------------------

def _table_counts(connection: Connection) -> dict[str, int]:
    names = sorted(n for n in inspect(connection).get_table_names() if n != "alembic_version")
    return {name: int(connection.execute(select(func.count()).select_from(table(name))).scalar_one())
            for name in names}


def _revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def fingerprint(connection: Connection) -> dict:
    """Row counts of every table, `shopcx stats` and each loyalty program's ledger sums, read on connection."""
    from ..customers.models import Customer
    from ..loyalty.models import LoyaltyProgram
    from ..loyalty.service.reports import ledger_totals
    from ..orders import service as orders
    from ..orders.models import Order

    counts = _table_counts(connection)
    found = {"tables": counts, "stats": None, "ledger": {}}
    if Order.__tablename__ in counts and Customer.__tablename__ in counts:  # an older schema may lack them
        session = Session(bind=connection)
        found["stats"] = orders.stats(session)
        if LoyaltyProgram.__tablename__ in counts:
            for program_id in session.scalars(select(LoyaltyProgram.id).order_by(LoyaltyProgram.id)):
                found["ledger"][str(program_id)] = ledger_totals(session, program_id)
        session.close()
    return json.loads(json.dumps(found, default=str))


def _differences(expected: dict, found: dict) -> list[str]:
    """What differs between two fingerprints, one line per table or figure."""
    lines = []
    for name in sorted(set(expected["tables"]) | set(found["tables"])):
        want, got = expected["tables"].get(name), found["tables"].get(name)
        if want != got:
            lines.append(f"table {name}: {want} rows in the backup, {got} restored")
    for key in ("stats", "ledger"):
        if expected.get(key) != found.get(key):
            lines.append(f"{key}: {expected.get(key)} in the backup, {found.get(key)} restored")
    return lines


# --- backup --------------------------------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(COPY_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupRefused("backup_memory_database", "database: an in-memory SQLite database cannot be backed up")
    return Path(database)


def _sqlite_copy(source: Path, target: Path, progress: Progress | None) -> None:
    """Copy a live SQLite database page by page (the online backup API: consistent while others write)."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30) as src, sqlite3.connect(target) as dst:
        def report(_status, remaining, total):
            if progress:
                progress(total - remaining, total)

        src.backup(dst, pages=4096, progress=report)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, whatever the source used


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """The database as a libpq URL for pg_dump/pg_restore, with the password passed in the environment."""
    url = make_url(engine.url.render_as_string(hide_password=False))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupRefused("backup_tool_missing", f"{command[0]} is not installed: {what} needs PostgreSQL's client "
                                                   "tools (Debian: postgresql-client)")
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise Conflict("backup_tool_failed", f"{what} failed: {done.stderr.strip()[-2000:]}")


def _postgres_copy(engine: Engine, target: Path) -> dict:
    """pg_dump of the database inside an exported snapshot; the fingerprint is read in the same snapshot."""
    dsn, env = _libpq(engine)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            found = fingerprint(connection)
            revision = _revision(connection)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  f"--file={target}", dsn], env, "pg_dump")
    return {"fingerprint": found, "revision": revision}


def create_backup(engine: Engine, destination: Path, *, progress: Progress | None = None) -> Manifest:
    """Write a backup of the database behind engine to destination (a file, written whole or not at all)."""
    backend = backend_of(engine)
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    created_at = clock.now()
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".backup-") as work:
        database = Path(work) / FILES[backend]
        if backend == "sqlite":
            _sqlite_copy(_sqlite_path(engine), database, progress)
            copy = db.make_engine(f"sqlite:///{database}")
            try:
                with copy.connect() as connection:
                    found, revision = fingerprint(connection), _revision(connection)
            finally:
                copy.dispose()
            with sqlite3.connect(database) as tidy:  # the fingerprint's connection turned WAL on again
                tidy.execute("PRAGMA journal_mode=DELETE")
        else:
            measured = _postgres_copy(engine, database)
            found, revision = measured["fingerprint"], measured["revision"]
        secret = get_settings().data_dir / SECRET
        manifest = Manifest(backend=backend, created_at=created_at, schema_revision=revision,
                            shopcx_version=__version__, database_sha256=_sha256(database), fingerprint=found,
                            has_secret=secret.is_file())
        partial = Path(work) / "backup.tar.gz"
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            body = json.dumps(manifest.as_dict(), ensure_ascii=False, indent=1).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(body), int(created_at.timestamp())
            archive.addfile(info, io.BytesIO(body))
            archive.add(database, arcname=FILES[backend])
            if manifest.has_secret:
                archive.add(secret, arcname=SECRET)
        os.replace(partial, destination)
    return manifest


def default_destination(now: datetime | None = None) -> Path:
    """data_dir/backups/shopcx-YYYYmmdd-HHMMSS.shopcx-backup (UTC)."""
    moment = (now or clock.now()).strftime("%Y%m%d-%H%M%S")
    return get_settings().data_dir / "backups" / f"shopcx-{moment}{SUFFIX}"


# --- restore -------------------------------------------------------------------------------------------------------

def _parse_manifest(data: dict) -> Manifest:
    if data.get("format") != FORMAT:
        raise BackupRefused("backup_foreign", "file: this is not a ShopCX backup (its manifest is not ShopCX's)")
    if data.get("version") != VERSION:
        raise BackupRefused("backup_version", f"file: backup format {data.get('version')} is not known to this "
                                              "version of ShopCX")
    try:
        return Manifest(backend=data["backend"], created_at=datetime.fromisoformat(data["created_at"]),
                        schema_revision=data["schema_revision"], shopcx_version=data["shopcx_version"],
                        database_sha256=data["database_sha256"], fingerprint=data["fingerprint"],
                        has_secret=bool(data.get("secret_key")))
    except (KeyError, TypeError, ValueError) as exc:
        raise BackupRefused("backup_corrupt", f"file: the backup's manifest is incomplete ({exc})") from None


def read_manifest(path: Path) -> Manifest:
    """The manifest of a backup file, or BackupRefused when the file is not a readable ShopCX backup."""
    path = Path(path)
    if not path.is_file():
        raise BackupRefused("backup_missing", f"file: {path} does not exist or is not a file")
    try:
        with tarfile.open(path, "r:*") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            data = json.loads(member.read(1 << 20).decode("utf-8"))
    except KeyError:
        raise BackupRefused("backup_foreign", f"file: {path.name} has no ShopCX manifest; it is not a ShopCX "
                                              "backup") from None
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError):
        raise BackupRefused("backup_corrupt", f"file: {path.name} cannot be read as a ShopCX backup (damaged, "
                                              "cut short, or another kind of file)") from None
    if not isinstance(data, dict):
        raise BackupRefused("backup_foreign", f"file: {path.name} is not a ShopCX backup")
    return _parse_manifest(data)


def _extract(path: Path, manifest: Manifest, work: Path) -> tuple[Path, Path | None]:
    """Unpack the database (and the secret) into work, checking the database against the manifest's checksum."""
    wanted = {FILES[manifest.backend]} | ({SECRET} if manifest.has_secret else set())
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive.getmembers():
                if member.name in wanted and member.isfile():
                    source = archive.extractfile(member)
                    with (work / member.name).open("wb") as out:
                        shutil.copyfileobj(source, out, COPY_CHUNK)
    except (tarfile.TarError, EOFError, OSError):
        raise BackupRefused("backup_corrupt", f"file: {path.name} is damaged or cut short") from None
    database = work / FILES[manifest.backend]
    if not database.is_file() or _sha256(database) != manifest.database_sha256:
        raise BackupRefused("backup_corrupt", f"file: the database inside {path.name} does not match its checksum "
                                              "(damaged or altered); nothing was restored")
    secret = work / SECRET
    return database, secret if secret.is_file() else None


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from ..core.migrate import alembic_config

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def check_restorable(engine: Engine, manifest: Manifest) -> None:
    """Refuse a backup of another backend or of a schema newer than this version of ShopCX knows."""
    backend = backend_of(engine)
    if manifest.backend != backend:
        raise BackupRefused("backup_other_backend", f"file: this is a {manifest.backend} backup and the database is "
                                                    f"{backend}; restore it into a {manifest.backend} database")
    if manifest.schema_revision and manifest.schema_revision not in _known_revisions():
        raise BackupRefused("backup_newer_schema", f"file: the backup's schema ({manifest.schema_revision}, ShopCX "
                                                   f"{manifest.shopcx_version}) is newer than this version of "
                                                   f"ShopCX ({__version__}) knows; upgrade ShopCX first")


def _latest_change(connection: Connection) -> datetime | None:
    """The newest created/updated time stored in any table (what 'newer than the backup' is measured by)."""
    inspector = inspect(connection)
    latest = None
    for name in inspector.get_table_names():
        columns = {c["name"] for c in inspector.get_columns(name)}
        for field in ("updated_at", "created_at"):
            if field in columns:
                value = connection.execute(select(func.max(column(field))).select_from(table(name))).scalar()
                value = clock.as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)
                if value is not None and (latest is None or value > latest):
                    latest = value
    return latest


def target_state(engine: Engine) -> TargetState:
    """What the database a restore would replace holds now."""
    with engine.connect() as connection:
        counts = _table_counts(connection)
        latest = _latest_change(connection) if any(counts.values()) else None
    return TargetState(rows=sum(counts.values()), customers=counts.get("customer", 0),
                       orders=counts.get("shop_order", 0), latest_change=latest)


def _sqlite_replace(source: Path, target: Path) -> None:
    """Replace target's content by source's in one step (the backup API, so open connections see old or new)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target, timeout=30) as dst:
        src.backup(dst)


def _postgres_replace(engine: Engine, dump: Path) -> None:
    """Empty the public schema and load the dump in one transaction of pg_restore."""
    dsn, env = _libpq(engine)
    engine.dispose()
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    _run(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
          f"--dbname={dsn}", str(dump)], env, "pg_restore")


def restore_backup(engine: Engine, path: Path, *, confirm: Callable[[TargetState, Manifest], bool],
                   safety_dir: Path | None = None) -> RestoreResult:
    """Replace the database behind engine with the backup at path, after confirm() agreed to replace what is there.

    Nothing is touched unless the file is whole and restorable; a database holding data is first backed up to
    safety_dir (default data_dir/backups) and put back if loading the backup fails.
    """
    from ..core.migrate import upgrade

    path = Path(path)
    manifest = read_manifest(path)
    check_restorable(engine, manifest)
    state = target_state(engine)
    if not state.empty and not confirm(state, manifest):
        raise Conflict("restore_cancelled", "restore cancelled: the database was left as it was")
    safety = None
    with tempfile.TemporaryDirectory(prefix=".restore-") as work:
        database, secret = _extract(path, manifest, Path(work))
        if not state.empty:
            safety = (safety_dir or get_settings().data_dir / "backups") / \
                f"before-restore-{clock.now().strftime('%Y%m%d-%H%M%S')}{SUFFIX}"
            create_backup(engine, safety)
        try:
            _replace(engine, manifest.backend, database)
            with engine.connect() as connection:
                problems = _differences(manifest.fingerprint, fingerprint(connection))
            if problems:
                raise Conflict("restore_mismatch", "the restored database differs from the backup: "
                               + "; ".join(problems[:10]))
        except Exception:
            if safety is not None:
                with tempfile.TemporaryDirectory(prefix=".undo-") as undo:
                    back, _ = _extract(safety, read_manifest(safety), Path(undo))
                    _replace(engine, manifest.backend, back)
            raise
        secret_outcome = _restore_secret(secret)
    upgraded_from = None
    if manifest.schema_revision != _head_revision():
        upgrade(engine)
        upgraded_from = manifest.schema_revision
    return RestoreResult(manifest=manifest, safety_copy=safety, upgraded_from=upgraded_from, secret=secret_outcome)


def _replace(engine: Engine, backend: str, database: Path) -> None:
    if backend == "sqlite":
        engine.dispose()
        _sqlite_replace(database, _sqlite_path(engine))
        engine.dispose()
    else:
        _postgres_replace(engine, database)


def _restore_secret(secret: Path | None) -> str | None:
    """Bring the backup's secret key along when this installation keeps its key in the data folder and has none;
    'kept' when this installation has a different key (links signed before the backup then no longer verify)."""
    if secret is None:
        return None
    settings = get_settings()
    target = settings.data_dir / SECRET
    if settings.secret_key or target.exists():
        current = settings.secret_key.encode() if settings.secret_key else target.read_bytes()
        return None if current.strip() == secret.read_bytes().strip() else "kept"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(secret, target)
    target.chmod(0o600)
    return "restored"


def _head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    from ..core.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
