"""Staff pages: the audit log of every change made by staff and tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from ..core.settings import get_settings
from ..web.auth import PageSession, Viewer, require, verify_csrf
from ..web.pagination import Page, page_number
from ..web.templating import render, wants_fragment
from . import repository

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/audit")
def audit_log(request: Request, action: str = "", actor: str = "", page: str = "1",
              viewer: Viewer = Depends(require("audit:read")), session: Session = PageSession):
    """The audit log, newest first, filtered by actor and action (the table alone for HTMX)."""
    size = get_settings().page_size
    number = page_number(page)
    rows, total = repository.audit_page(session, offset=(number - 1) * size, limit=size,
                                        action=action or None, actor=actor or None)
    context = {"entries": rows, "page": Page(number, size, total), "tz": get_settings().default_timezone}
    if wants_fragment(request, "results"):
        return render(request, "staff/_audit_table.html", context, viewer=viewer)
    context |= {"form": {"action": action, "actor": actor}, "actions": repository.audit_actions(session)}
    return render(request, "staff/audit.html", context, viewer=viewer)
