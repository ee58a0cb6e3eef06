"""The outside auditor's page at a signed link (`/audit/<token>`), without a staff sign-in (see pages.py)."""

from .pages import public_router as router

__all__ = ["router"]
