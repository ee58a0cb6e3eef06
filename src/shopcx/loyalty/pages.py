"""Staff pages of the loyalty domain."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ..web.auth import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
