"""Loyalty over JSON, per shop: the program and its versions (draft, backtest, publish), members with their card,
ledger and tier history, tier floors, manual adjustments and their approval, the liability report, the daily work,
and the rewards, coupons, points payments, quotes and referrals. Reading needs `loyalty:read`, changing
`loyalty:write`. Spending points requires an idempotency key (header `Idempotency-Key` or body field)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ...web.api import API_ERRORS, bearer_scheme
from . import members, program, rewards

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["loyalty"])
for routes in (program, members, rewards):
    router.include_router(routes.router)
