"""A killed `shopcx import` does not stay 'running' forever (issue 12 item 11): running jobs beat a heartbeat, also
while they read a large file, and one whose heartbeat stopped becomes 'interrupted' and can be resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import text

from shopcx.core import clock, db
from shopcx.imports import order_import, repository, service

from ..live import SRC, use_database
from .test_real_data import _big_generic_file


def _job(session_id: int = 1):
    with db.session_scope() as session:
        return repository.get_job(session, session_id)


def test_a_killed_cli_import_becomes_interrupted_and_can_be_resumed(fresh_db_url, tmp_path):
    path = tmp_path / "big.csv"
    _big_generic_file(path, 6_000)
    env = {**os.environ, "PYTHONPATH": str(SRC), "SHOPCX_DATA_DIR": str(tmp_path / "data"),
           "SHOPCX_IMPORT_BATCH_ORDERS": "100"}
    command = [sys.executable, "-m", "shopcx", "--database-url", fresh_db_url, "import", "orders", str(path),
               "--format", "generic"]
    with use_database(fresh_db_url) as engine:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and process.poll() is None:
                with engine.connect() as conn:
                    if conn.execute(text("SELECT max(processed_rows) FROM import_job")).scalar():
                        break
                time.sleep(0.02)
            process.send_signal(signal.SIGKILL)
            process.wait(30)
        finally:
            if process.poll() is None:
                process.kill()
        assert _job().status == "running"  # as the killed process left it
        assert service.mark_interrupted() == 0  # its heartbeat is fresh: it might still be running
        with clock.frozen_at(clock.now() + service.STALE_AFTER + timedelta(seconds=1)):
            assert service.mark_interrupted() == 1
        job = _job()
        assert (job.status, job.error) == ("interrupted", service.INTERRUPTED_MESSAGE)
        assert service.is_interrupted(job)
        with db.session_scope() as session:
            kept = service.resumable_path(session, job.id)
        finished = service.run_job(job.id, kept)
        assert (finished.status, finished.rejected_rows) == ("done", 0)
        assert finished.stored_rows + finished.unchanged_rows == finished.total_rows


def test_a_running_import_beats_while_it_reads_a_large_file(fresh_db_url, tmp_path, monkeypatch):
    from .helpers import SAMPLES

    monkeypatch.setattr(service, "HEARTBEAT", timedelta(seconds=0.05))
    seen = []
    real_run = order_import.run

    def slow_to_read(job_id, path, progress):
        # Reading and checking a large file commits no batch for a long while.
        first = _job(job_id).heartbeat_at
        time.sleep(1.5)
        seen.append(_job(job_id).heartbeat_at - first)
        real_run(job_id, path, progress)

    monkeypatch.setattr(order_import, "run", slow_to_read)
    with use_database(fresh_db_url):
        with db.session_scope() as session:
            job_id = service.create_job(session, kind="orders", format="generic", filename="generic.csv",
                                        shop_code=None, actor_label="cli").id
        assert service.run_job(job_id, SAMPLES / "generic.csv").status == "done"
        beat_after = _job(job_id).heartbeat_at
        time.sleep(0.2)
        assert _job(job_id).heartbeat_at == beat_after  # a finished job beats no more
    assert seen and seen[0] > timedelta(0)  # it beat while nothing was committed
