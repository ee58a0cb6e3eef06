"""Staff survey pages: the list and a survey's page (surveys), importing answers (imports)."""

from fastapi import APIRouter

from . import imports, surveys
from .surveys import customer_panel

router = APIRouter()
router.include_router(imports.router)
router.include_router(surveys.router)

__all__ = ["customer_panel", "router"]
