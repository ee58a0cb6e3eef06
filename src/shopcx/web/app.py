"""The FastAPI application factory: JSON API under /api, pages at /, static assets at /static."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__, domains
from ..core import db
from ..core.errors import InvalidInput, NotFound, ShopCXError
from .auth import LoginRequired
from .capacity import Admission, busy_response, size_thread_pool

STATIC = Path(__file__).resolve().parent / "static"
log = logging.getLogger(__name__)


def _validation_message(exc: RequestValidationError) -> tuple[str, str]:
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(loc)
    return field, f"{field}: {first.get('msg', 'invalid')}" if field else first.get("msg", "invalid input")


def _is_page(request: Request) -> bool:
    """Whether the request was routed to an HTML page (a `pages` module or package), not to the JSON API."""
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    module = getattr(endpoint, "__module__", "")
    return module.endswith(".pages") or ".pages." in module


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and "text/html" in request.headers.get("accept", "")


def create_app() -> FastAPI:
    """Build the web application (pages, API, webhooks) from the domains the composition root lists."""
    domains.install()
    # /docs is a page of ours (web/pages.py) serving Swagger UI from /static/vendor; ReDoc would need a CDN.
    app = FastAPI(title="ShopCX", version=__version__, lifespan=_lifespan, docs_url=None, redoc_url=None,
                  description="Customer satisfaction and loyalty for online shops. "
                              "Money is in minor units (分).")

    @app.exception_handler(ShopCXError)
    async def _business_error(request: Request, exc: ShopCXError):
        if request.headers.get("hx-request") or _is_page(request):
            from .pages import render_error

            return render_error(request, exc)
        return JSONResponse(exc.as_dict(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        field, message = _validation_message(exc)
        if request.headers.get("hx-request") or _is_page(request):
            from .pages import render_error

            return render_error(request, InvalidInput("invalid_input", message, field=field))
        return JSONResponse({"error": "invalid_input", "message": message, "field": field,
                             "details": jsonable(exc.errors())}, status_code=422)

    # A value the database refuses to bind or store (a number past BIGINT, a NUL character PostgreSQL cannot
    # keep, text longer than its column) is bad input, not a server fault; the request's work is rolled back.
    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def _unstorable(request: Request, exc: Exception):
        log.warning("refused a value the database cannot take: %s", str(exc).splitlines()[0])
        return await _business_error(request, InvalidInput(
            "invalid_input", "a value is out of range, too long or contains a character that cannot be stored"))

    # A request that waited its full time for a pooled connection or SQLite's write lock: the server is
    # overloaded, not broken; the client is told to retry (never a bare 500).
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(OperationalError)
    async def _overloaded(request: Request, exc: Exception):
        if isinstance(exc, OperationalError) and not db.is_contention(exc):
            raise exc
        log.warning("busy: %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return busy_response(request.url.path)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired):
        from .pages import login_redirect

        return login_redirect(request, exc.next_url)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404 and _wants_html(request):
            from .pages import render_error

            return render_error(request, NotFound("page_not_found", "there is no page at this address"))
        return await http_exception_handler(request, exc)

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"ok": True, "version": __version__}

    for router in domains.routers():
        app.include_router(router)
    STATIC.mkdir(parents=True, exist_ok=True)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Requests past the process's capacity wait briefly, then get 503 + Retry-After (web/capacity.py).
    app.add_middleware(Admission)
    return app


@contextlib.asynccontextmanager
async def _lifespan(_app: FastAPI):
    from ..core import jobs
    from ..core.settings import get_settings

    size_thread_pool()
    stop = jobs.start_embedded() if get_settings().embedded_worker else None
    try:
        yield
    finally:
        if stop is not None:
            stop.stop()


def jsonable(errors):
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(errors, custom_encoder={Exception: str})
