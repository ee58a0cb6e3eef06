"""Staff survey pages: the list and a survey's page (surveys), the draft builder (builder), importing answers
(imports), the results dashboard and the responses list (results)."""

from fastapi import APIRouter

from . import builder, imports, results, surveys
from .surveys import customer_panel

router = APIRouter()
router.include_router(builder.router)
router.include_router(imports.router)
router.include_router(results.router)
router.include_router(surveys.router)

__all__ = ["customer_panel", "router"]
