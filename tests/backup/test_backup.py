"""Backup and restore on the suite's backend: a round trip that keeps every row, `shopcx stats` and the ledger;
a backup taken while someone writes is consistent; a damaged, foreign, altered or newer file is refused before
anything is touched; a database that holds data is replaced only when the user agrees, with a safety copy."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopcx.backup import service
from shopcx.core import clock, db
from shopcx.core.errors import Conflict
from shopcx.core.migrate import upgrade
from shopcx.core.settings import get_settings
from shopcx.customers.models import Customer
from shopcx.demo.service import build_demo
from shopcx.orders import service as orders


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Backups and safety copies go to a throwaway data folder."""
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture
def source(fresh_db_url):
    """A committed database holding a small demo shop (orders, refunds, reviews, a loyalty program with points)."""
    engine = db.make_engine(fresh_db_url)
    with Session(engine) as session:
        build_demo(session, seed=3, customers=60, years=1, shop_code="bk", until="2026-06-30")
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def empty(databases):
    """A new database with nothing in it (not even the schema): where a backup is restored on a new machine."""
    engine = db.make_engine(databases.new_url())
    yield engine
    engine.dispose()


def _stats(engine):
    with Session(engine) as session:
        return orders.stats(session)


def _fingerprint(engine):
    with engine.connect() as connection:
        return service.fingerprint(connection)


def _refuse(_state, _manifest):
    raise AssertionError("an empty database must be restored without asking")


def test_round_trip_keeps_every_row_the_stats_and_the_ledger(source, empty, tmp_path):
    before = _fingerprint(source)
    assert before["stats"]["orders"] > 50 and before["ledger"], "the demo shop should have orders and points"
    manifest = service.create_backup(source, tmp_path / "a.shopcx-backup")
    assert manifest.fingerprint == before and manifest.backend == source.dialect.name

    result = service.restore_backup(empty, tmp_path / "a.shopcx-backup", confirm=_refuse)
    assert result.safety_copy is None and result.upgraded_from is None
    assert _fingerprint(empty) == before
    assert _stats(empty) == _stats(source)


def test_a_backup_taken_while_someone_writes_describes_exactly_what_it_holds(source, empty, tmp_path):
    stop = threading.Event()
    written = []

    def writer():
        engine = db.make_engine(source.url.render_as_string(hide_password=False))
        try:
            while not stop.is_set() and len(written) < 400:
                with Session(engine) as session:
                    session.add(Customer(name=f"writer {len(written)}", created_at=clock.now(), updated_at=clock.now()))
                    session.commit()
                written.append(1)
        finally:
            engine.dispose()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        manifest = service.create_backup(source, tmp_path / "busy.shopcx-backup")
    finally:
        stop.set()
        thread.join(timeout=60)
    assert written, "the writer should have committed while the backup ran"
    # The restore verifies the restored copy against the manifest's counts, stats and ledger sums.
    service.restore_backup(empty, tmp_path / "busy.shopcx-backup", confirm=_refuse)
    assert _fingerprint(empty) == manifest.fingerprint


def test_replacing_a_database_that_holds_data_needs_a_yes_and_keeps_a_safety_copy(source, databases, tmp_path):
    service.create_backup(source, tmp_path / "shop.shopcx-backup")
    target = db.make_engine(databases.new_url())
    upgrade(target)
    try:
        with Session(target) as session:
            build_demo(session, seed=9, customers=20, years=1, shop_code="other", until="2026-06-30")
            session.commit()
        there = _fingerprint(target)
        asked = []

        def no(state, manifest):
            asked.append((state, manifest))
            return False

        with pytest.raises(Conflict) as refused:
            service.restore_backup(target, tmp_path / "shop.shopcx-backup", confirm=no)
        assert refused.value.code == "restore_cancelled"
        assert asked and asked[0][0].customers == there["tables"]["customer"]
        # Made after the backup, so the prompt can say the database is newer than the backup.
        assert asked[0][0].latest_change > asked[0][1].created_at
        assert _fingerprint(target) == there

        result = service.restore_backup(target, tmp_path / "shop.shopcx-backup", confirm=lambda *_: True,
                                        safety_dir=tmp_path / "safety")
        assert _fingerprint(target) == _fingerprint(source)
        assert result.safety_copy is not None
        assert service.read_manifest(result.safety_copy).fingerprint == there
    finally:
        target.dispose()


def _untouched(engine, action):
    before = _fingerprint(engine)
    with pytest.raises(service.BackupRefused) as refused:
        action()
    assert _fingerprint(engine) == before
    return refused.value


def test_damaged_foreign_altered_and_newer_files_are_refused_before_anything_changes(source, tmp_path):
    good = tmp_path / "good.shopcx-backup"
    service.create_backup(source, good)
    restore = lambda path: service.restore_backup(source, path, confirm=lambda *_: True)  # noqa: E731

    cut = tmp_path / "cut.shopcx-backup"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert _untouched(source, lambda: restore(cut)).code == "backup_corrupt"

    text = tmp_path / "notes.txt"
    text.write_text("not a backup", encoding="utf-8")
    assert _untouched(source, lambda: restore(text)).code == "backup_corrupt"

    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as archive:
        info = tarfile.TarInfo("readme.txt")
        info.size = 5
        archive.addfile(info, io.BytesIO(b"hello"))
    assert _untouched(source, lambda: restore(foreign)).code == "backup_foreign"

    def rewritten(name, change_manifest=None, change_database=None):
        path = tmp_path / name
        with tarfile.open(good, "r:gz") as src, tarfile.open(path, "w:gz") as dst:
            for member in src.getmembers():
                data = src.extractfile(member).read()
                if member.name == service.MANIFEST and change_manifest:
                    data = json.dumps(change_manifest(json.loads(data))).encode()
                elif member.name != service.MANIFEST and member.name != service.SECRET and change_database:
                    data = change_database(data)
                member.size = len(data)
                dst.addfile(member, io.BytesIO(data))
        return path

    altered = rewritten("altered.shopcx-backup", change_database=lambda data: data[:-1] + bytes([data[-1] ^ 1]))
    assert "checksum" in _untouched(source, lambda: restore(altered)).message

    newer = rewritten("newer.shopcx-backup", change_manifest=lambda m: m | {"schema_revision": "9999"})
    refused = _untouched(source, lambda: restore(newer))
    assert refused.code == "backup_newer_schema" and "upgrade ShopCX first" in refused.message

    other = "postgresql" if source.dialect.name == "sqlite" else "sqlite"
    elsewhere = rewritten("other.shopcx-backup", change_manifest=lambda m: m | {"backend": other})
    assert _untouched(source, lambda: restore(elsewhere)).code == "backup_other_backend"

    unknown = rewritten("v9.shopcx-backup", change_manifest=lambda m: m | {"version": 9})
    assert _untouched(source, lambda: restore(unknown)).code == "backup_version"


def test_an_older_schema_is_restored_and_then_migrated(databases, tmp_path):
    engine = db.make_engine(databases.new_url())
    try:
        upgrade(engine, "0005")
        manifest = service.create_backup(engine, tmp_path / "old.shopcx-backup")
        assert manifest.schema_revision == "0005"
        target = db.make_engine(databases.new_url())
        try:
            result = service.restore_backup(target, tmp_path / "old.shopcx-backup", confirm=_refuse)
            assert result.upgraded_from == "0005"
            from shopcx.core.migrate import current_revision

            assert current_revision(target) == service._head_revision()
        finally:
            target.dispose()
    finally:
        engine.dispose()


def _shopcx(url, data_dir, *args, answer=None):
    env = {**os.environ, "SHOPCX_DATABASE_URL": url, "SHOPCX_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "shopcx", *args], capture_output=True, text=True, env=env,
                          input=answer, timeout=300)


def test_the_commands_back_up_and_restore_with_a_yes(source, databases, tmp_path, data_dir):
    url = source.url.render_as_string(hide_password=False)
    fresh_db_url = databases.new_url()
    other = db.make_engine(fresh_db_url)
    upgrade(other)  # a database made with `shopcx init`: it holds the default shop, so restoring asks first
    with Session(other) as session:
        build_demo(session, seed=4, customers=10, years=1, shop_code="mine", until="2026-06-30")
        session.commit()
    other.dispose()
    path = tmp_path / "cli.shopcx-backup"
    made = _shopcx(url, data_dir, "backup", "--to", str(path))
    assert made.returncode == 0, made.stderr
    assert "backup written" in made.stderr and path.is_file()
    with gzip.open(path) as raw:
        assert raw.read(512)  # a gzip'd tar, readable by ordinary tools

    asked = _shopcx(fresh_db_url, data_dir, "restore", str(path), answer="n\n")
    assert asked.returncode == 1 and "Replace it with the backup?" in asked.stderr
    assert "cancelled" in asked.stderr

    done = _shopcx(fresh_db_url, data_dir, "restore", str(path), "--yes")
    assert done.returncode == 0, done.stderr
    assert "matches the backup" in done.stderr and "before-restore" in done.stderr
    restored = db.make_engine(fresh_db_url)
    try:
        with Session(restored) as session:
            assert session.scalar(select(func.count(Customer.id))) == _fingerprint(source)["tables"]["customer"]
    finally:
        restored.dispose()

    junk = tmp_path / "junk.shopcx-backup"
    junk.write_bytes(b"\x00" * 100)
    refused = _shopcx(fresh_db_url, data_dir, "restore", str(junk), "--yes")
    assert refused.returncode == 1 and "cannot be read as a ShopCX backup" in refused.stderr
