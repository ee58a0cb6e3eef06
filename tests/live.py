"""A real `shopcx serve` in a subprocess on a free loopback port, for the concurrency tests and the load benchmark.

The tests drive it with real threads (one HTTP connection each), so requests overlap as they do for a busy
shop: SQLite file locking, the connection pool, the thread pool and the admission queue are all the real ones.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from shopcx.core import db

SRC = Path(__file__).resolve().parents[1] / "src"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """`shopcx serve` on database_url; env adds SHOPCX_* settings. Use as a context manager."""

    def __init__(self, database_url: str, data_dir: Path, *, workers: int = 1, env: dict[str, str] | None = None,
                 command: list[str] | None = None):
        self.database_url, self.data_dir, self.workers = database_url, data_dir, workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONPATH": str(SRC), "SHOPCX_DATABASE_URL": database_url,
                    "SHOPCX_DATA_DIR": str(data_dir), "SHOPCX_SECRET_KEY": "live-test-secret",
                    "SHOPCX_QUEUE": "memory", **(env or {})}
        self.command = command or [sys.executable, "-m", "shopcx", "serve", "--host", "127.0.0.1",
                                   "--port", str(self.port), "--workers", str(workers)]
        self.process: subprocess.Popen | None = None
        self.log = data_dir / f"server-{self.port}.log"

    def __enter__(self) -> LiveServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"server did not start in 60 s: {self.log.read_text()[-3000:]}")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def server_errors(self) -> list[str]:
        """Tracebacks the server logged (a 500 leaves one)."""
        text = self.log.read_text(errors="replace")
        return [part[:2000] for part in text.split("Traceback")[1:]]


@dataclass
class Answer:
    status: int
    seconds: float
    retry_after: str | None
    body: str


def burst(base_url: str, calls: list[Callable[[httpx.Client], httpx.Response]], *,
          timeout: float = 60) -> tuple[list[Answer], float]:
    """Run every call at once on its own thread and connection (released together); the answers in call order and
    the wall time. A request that gets no answer counts as status 0."""
    answers: list[Answer | None] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index: int, call) -> None:
        with httpx.Client(base_url=base_url, timeout=timeout) as client:
            start.wait()
            began = time.perf_counter()
            try:
                response = call(client)
                answers[index] = Answer(response.status_code, time.perf_counter() - began,
                                        response.headers.get("retry-after"), response.text[:500])
            except httpx.HTTPError as exc:
                answers[index] = Answer(0, time.perf_counter() - began, None, repr(exc))

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 30)
    return [a for a in answers if a is not None], time.perf_counter() - began


def committed_session(database_url: str):
    """A session on its own engine (outside the test's rolled-back transaction); the caller commits."""
    engine = db.make_engine(database_url)

    class _Scope:
        def __enter__(self) -> Session:
            self.session = Session(engine, expire_on_commit=False)
            return self.session

        def __exit__(self, kind, *rest) -> None:
            if kind is None:
                self.session.commit()
            self.session.close()
            engine.dispose()

    return _Scope()


@contextlib.contextmanager
def use_database(database_url: str) -> Iterator[Engine]:
    """The process's session_scope on a committed database (not the test's rolled-back transaction), for jobs
    that run beside other threads or processes; the suite's database is restored afterwards."""
    saved = db._engine, db._factory
    engine = db.make_engine(database_url)
    db._engine, db._factory = engine, sessionmaker(bind=engine, expire_on_commit=False)
    try:
        yield engine
    finally:
        engine.dispose()
        db._engine, db._factory = saved
