"""How much one web worker process takes on at once, and a fast 503 for what it cannot take.

Every page and API route is a plain function that runs on a thread of the process's pool and holds one database
connection from its first query to its commit. `settings.web_concurrency` sizes both (the thread pool here, the
connection pool in core.db), and admission keeps at most that many requests inside the app: a request past it
waits in a bounded queue (no thread, no connection) for at most `web_queue_wait` seconds; when the queue is full
or the wait is over it gets 503 with Retry-After at once, never a 30 s stall on an exhausted connection pool.
"""

from __future__ import annotations

import asyncio
import json
import math

import anyio.to_thread
from starlette.responses import Response

from ..core.db import BACKGROUND_CONNECTIONS
from ..core.settings import get_settings

# Paths that never touch the database or a request thread for long.
EXEMPT_PREFIXES = ("/healthz", "/static/")


def size_thread_pool() -> None:
    """Give this event loop's thread pool one thread per admitted request, plus a few for background work."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = (get_settings().web_concurrency
                                                                     + BACKGROUND_CONNECTIONS)


def serve_options(workers: int = 1) -> dict:
    """uvicorn's options for `shopcx serve` (and the load benchmark's reference server)."""
    settings = get_settings()
    # uvicorn's own hard ceiling (a 503 without Retry-After) sits well above what admission queues.
    ceiling = settings.web_concurrency + settings.web_queue + 256
    return {"workers": workers, "limit_concurrency": ceiling, "backlog": 2048, "timeout_keep_alive": 5}


class Admission:
    """ASGI middleware: at most `concurrency` requests in the app, `queue` more waiting at most `wait` seconds."""

    def __init__(self, app, *, concurrency: int | None = None, queue: int | None = None,
                 wait: float | None = None):
        settings = get_settings()
        self.app = app
        self.concurrency = concurrency or settings.web_concurrency
        self.queue = settings.web_queue if queue is None else queue
        self.wait = settings.web_queue_wait if wait is None else wait
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.waiting = 0
        self.rejected = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            # One per event loop: a server has one; a test client may start a new loop per request.
            self._slots, self._loop = asyncio.Semaphore(self.concurrency), loop
        slots = self._slots
        if slots.locked():
            if self.waiting >= self.queue or self.wait <= 0:
                await self._busy(scope, send)
                return
            self.waiting += 1
            try:
                await asyncio.wait_for(slots.acquire(), timeout=self.wait)
            except TimeoutError:
                await self._busy(scope, send)
                return
            finally:
                self.waiting -= 1
        else:
            await slots.acquire()
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()

    async def _busy(self, scope, send) -> None:
        self.rejected += 1
        retry = max(1, math.ceil(self.wait / 2))
        body, kind = busy_body(scope["path"], retry)
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", kind.encode()), (b"content-length", str(len(body)).encode()),
                                (b"retry-after", str(retry).encode()), (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})


def busy_body(path: str, retry: int) -> tuple[bytes, str]:
    """The 503 answer's body and content type: JSON for the API, a short bilingual page otherwise."""
    if path.startswith("/api"):
        return (json.dumps({"error": "busy", "message": f"the server is busy; retry after {retry} s"}).encode(),
                "application/json")
    return (("<!doctype html><meta charset=utf-8><title>503</title>"
             f"<p>服务器繁忙，请 {retry} 秒后重试。 The server is busy; retry in {retry} s.</p>").encode(),
            "text/html; charset=utf-8")


def busy_response(path: str, retry: int = 2) -> Response:
    """503 + Retry-After, for a request that found the database pool or write lock taken for too long."""
    body, kind = busy_body(path, retry)
    return Response(body, status_code=503, media_type=kind,
                    headers={"Retry-After": str(retry), "Cache-Control": "no-store"})
