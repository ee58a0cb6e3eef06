"""JSON routes of the loyalty domain."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ..web.api import API_ERRORS, bearer_scheme

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["loyalty"])
