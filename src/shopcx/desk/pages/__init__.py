"""Staff pages of the desk, one module per screen family: tickets (the list, one ticket, SLA settings), answers
(standard answers and macros), authority (compensation and its limits), promises, and staffing (skills, shifts).

The app renders their errors as pages or inline HTMX messages because they live in this `pages` package. Order
matters where paths overlap: the settings screens come before the ticket screens' `/desk/tickets/{id}`.
"""

from __future__ import annotations

from fastapi import APIRouter

from . import answers, authority, promises, staffing, tickets

router = APIRouter(include_in_schema=False)
for screens in (answers, authority, promises, staffing, tickets):
    router.include_router(screens.router)
