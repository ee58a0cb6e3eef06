"""Reviews over JSON: idempotent upserts (one or a batch), lists, one review in full, reply, 追评, revisions,
care cases and contacts, the inbox, ratings metrics, settings and reply templates.

Scopes: `reviews:read` for reading, `reviews:write` for changes (settings and templates included: API tokens
are issued by managers). Text written by buyers or staff is masked (phones, emails) without `pii`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ...web.api import API_ERRORS, bearer_scheme
from . import care, ratings, reviews, settings

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["reviews"])
for routes in (reviews, care, ratings, settings):
    router.include_router(routes.router)
