"""Care staff pages, one module per screen family: campaigns (list, audience builder with a live count, results),
moments (switches and settings, templates with preview, bought-together pairs), callbacks (the agent's list and the
task page) and parcels (late and stalled). Under the user menu; tabs inside the area."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ...web.auth import verify_csrf
from . import callbacks, campaigns, moments, parcels

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
for screens in (campaigns, moments, callbacks, parcels):
    router.include_router(screens.router)
