"""Staff pages of the reviews domain, one module per screen family: the inbox, the ratings dashboard, the review
settings (with the text analysis card), and one review with its care actions; `parts` draws the pieces other
pages show (the customer page's reviews).

Each module holds its routes and what its screens show, composed from the reviews service; the app renders their
errors as pages or inline HTMX messages because they live in this `pages` package. A refused action is rolled back
and shown next to its form, with what was typed kept.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ...web.auth import verify_csrf
from . import dashboard, export, inbox, review, settings

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
# /reviews/dashboard, /reviews/settings and /reviews/export.xlsx before /reviews/{review_id}
for screens in (inbox, dashboard, settings, export, review):
    router.include_router(screens.router)
