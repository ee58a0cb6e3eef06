"""Customer-value pages, one module per screen family: the report screens (`reports`: overview, RFM, lifecycle,
cohorts, at-risk and key customers), starting an analysis with its progress (`run`) and the Excel exports
(`export`); `format` turns the service's figures into chart options and table cells.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ...web.auth import verify_csrf
from . import export, reports, run

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
for screens in (run, export, reports):
    router.include_router(screens.router)
