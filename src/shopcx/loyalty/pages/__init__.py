"""Staff pages of the loyalty program, one module per screen family: members (the list and one member), approvals,
the program's rules, the liability report, rewards and coupons.

Each module holds its routes and what its screens show, composed from the loyalty services and repository; the
app renders their errors as pages or inline HTMX messages because they live in this `pages` package. The buyer's
own member page (signed link, no staff sign-in) is `loyalty/public.py`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ...web.auth import verify_csrf
from . import approvals, export, liability, members, program, rewards

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
# The exports' addresses (/loyalty/approvals/export.xlsx) before the pages' /{id} ones.
for screens in (export, members, approvals, program, liability, rewards):
    router.include_router(screens.router)
