"""The FastAPI application factory: JSON API under /api, pages at /, static assets at /static."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..core.errors import ShopCXError

STATIC = Path(__file__).resolve().parent / "static"


def _validation_message(exc: RequestValidationError) -> tuple[str, str]:
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(loc)
    return field, f"{field}: {first.get('msg', 'invalid')}" if field else first.get("msg", "invalid input")


def create_app() -> FastAPI:
    """Build the web application (pages, API, webhooks)."""
    app = FastAPI(title="ShopCX", version=__version__,
                  description="Customer satisfaction and loyalty for online shops. Money is in minor units (分).")

    @app.exception_handler(ShopCXError)
    async def _business_error(request: Request, exc: ShopCXError):
        if request.headers.get("hx-request"):
            from .pages import render_error

            return render_error(request, exc)
        return JSONResponse(exc.as_dict(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        field, message = _validation_message(exc)
        return JSONResponse({"error": "invalid_input", "message": message, "field": field,
                             "details": jsonable(exc.errors())}, status_code=422)

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"ok": True, "version": __version__}

    for router in _routers():
        app.include_router(router)
    STATIC.mkdir(parents=True, exist_ok=True)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def jsonable(errors):
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(errors, custom_encoder={Exception: str})


def _routers():
    """Every domain's JSON routes and pages."""
    from importlib import import_module

    modules = ["shopcx.customers.api", "shopcx.orders.api", "shopcx.shops.api", "shopcx.staff.api",
               "shopcx.web.pages", "shopcx.customers.pages", "shopcx.orders.pages", "shopcx.imports.pages"]
    for name in modules:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        yield module.router
