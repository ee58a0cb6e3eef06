"""`shopcx serve`, `shopcx worker` and `shopcx demo`."""

from __future__ import annotations

import socket
import threading
import time

import typer


def proxy_options(trusted_proxies: str) -> dict:
    """uvicorn's forwarded-header options: X-Forwarded-For is believed only from the configured proxies (none by
    default; uvicorn alone would trust loopback, so a local proxy-less setup could be fooled into any address)."""
    trusted = ",".join(part.strip() for part in trusted_proxies.split(",") if part.strip())
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted}


def announce_when_ready(host: str, port: int, *, timeout: float = 600.0, echo=print) -> threading.Thread:
    """Print "Open http://…/" once the server accepts connections (not before: `make demo` used to print it
    a minute early), from a daemon thread that polls the port."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else host  # noqa: S104

    def wait() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((shown.strip("[]"), port), timeout=1):
                    echo(f"Open http://{shown}:{port}/ — the server is ready.", flush=True)
                    return
            except OSError:
                time.sleep(0.2)

    thread = threading.Thread(target=wait, name="shopcx-ready", daemon=True)
    thread.start()
    return thread


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(host: str = typer.Option(None, help="Default SHOPCX_HOST (127.0.0.1)"),
              port: int = typer.Option(None, help="Default SHOPCX_PORT (8000)"),
              workers: int = typer.Option(1, help="Web worker processes (use PostgreSQL for more than one)")):
        """Run the web app and API (with the in-process worker on the embedded setup)."""
        import uvicorn

        from ..core.settings import get_settings

        settings = get_settings()
        import os

        if settings.database_url:
            os.environ["SHOPCX_DATABASE_URL"] = settings.database_url
        if settings.queue == "memory" and workers == 1:
            # One command runs everything on one machine: the outbox and periodic jobs in the web process
            # (this process builds the app itself with one worker; the variable is for a reloader's child).
            settings.embedded_worker = True
            os.environ["SHOPCX_EMBEDDED_WORKER"] = "1"
        from .capacity import serve_options

        host, port = host or settings.host, port or settings.port
        announce_when_ready(host, port)
        uvicorn.run("shopcx.web.app:create_app", factory=True, host=host, port=port,
                    **proxy_options(settings.trusted_proxies), **serve_options(workers))

    @app.command()
    def worker(workers: int = typer.Option(2, help="Worker threads"),
               once: bool = typer.Option(False, help="Dispatch pending events once and exit")):
        """Run background jobs from the queue (SHOPCX_QUEUE=redis in production) and dispatch the outbox."""
        from rich.console import Console

        from ..core import jobs
        from ..core.db import get_engine

        console = Console(stderr=True)
        get_engine()
        if once:
            console.print(f"dispatched {jobs.dispatch_outbox()} events")
            return
        jobs.register_periodic()
        jobs.queue().create_consumer(workers=workers, worker_type="thread", periodic=True).run()
