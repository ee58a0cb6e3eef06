"""The home page over JSON: the same figures (with trend, target and as-of date) and today's list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ..customers import service as customers
from ..staff.service import Actor
from ..web.api import API_ERRORS, SessionDep, TokenActor, bearer_scheme
from ..web.deps import RowId, require_scope
from . import timeline as activity
from .pages import home_context

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["home"])


@router.get("/home")
def home_figures(actor: TokenActor, session: SessionDep,
                 shop: Annotated[str, Query(description="A shop's id; empty = all shops")] = "") -> dict:
    """The home page's figures and today's list that the token's scopes reach (any valid token; one shop or all),
    with when the figures were computed and whether a recomputation is under way (a large shop's are kept)."""
    context = home_context(session, actor.allows, shop)
    one, kept = context["shop"], context["kept"]
    return {"shop": one.code if one else None, "computed_at": kept.computed_at.isoformat(),
            "refreshing": kept.refreshing, "figures": [f.as_dict() for f in context["figures"]],
            "attention": [i.as_dict() for i in context["items"]]}


@router.get("/customers/{customer_id}/timeline", tags=["customers"])
def customer_timeline(customer_id: RowId, actor: Annotated[Actor, Depends(require_scope("customers:read"))],
                      session: SessionDep,
                      kind: Annotated[str, Query(description="Kinds to keep, comma-separated: "
                                                 + ", ".join(activity.KINDS) + "; empty = all")] = "",
                      limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    """The customer's timeline across domains, latest first: when, kind, who, the page, the customer's response
    (only the kinds the token's scopes reach)."""
    customer = customers.get_customer(session, customer_id)
    entries = activity.timeline(session, customer.id, can=actor.allows, kinds=activity.parse_kinds(kind),
                                limit=limit)
    return {"customer_id": customer.id, "entries": [e.as_dict() for e in entries]}
