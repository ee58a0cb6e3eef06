"""`shopcx serve`, `shopcx worker` and `shopcx demo`."""

from __future__ import annotations

import typer


def proxy_options(trusted_proxies: str) -> dict:
    """uvicorn's forwarded-header options: X-Forwarded-For is believed only from the configured proxies (none by
    default; uvicorn alone would trust loopback, so a local proxy-less setup could be fooled into any address)."""
    trusted = ",".join(part.strip() for part in trusted_proxies.split(",") if part.strip())
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted}


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

        uvicorn.run("shopcx.web.app:create_app", factory=True, host=host or settings.host,
                    port=port or settings.port, **proxy_options(settings.trusted_proxies), **serve_options(workers))

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
