"""The home page over JSON: the same figures (with trend, target and as-of date) and today's list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ..customers import service as customers
from ..staff.service import Actor
from ..web.api import API_ERRORS, SessionDep, TokenActor, bearer_scheme
from ..web.deps import RowId, require_scope
from . import attention as today_list
from . import figures as loop
from . import targets as goals
from . import timeline as activity
from .pages import chosen_shop

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["home"])


@router.get("/home")
def home_figures(actor: TokenActor, session: SessionDep,
                 shop: Annotated[str, Query(description="A shop's id; empty = all shops")] = "") -> dict:
    """The home page's figures and today's list that the token's scopes reach (any valid token; one shop or all)."""
    listed, one = chosen_shop(session, shop)
    found = loop.figures(session, listed, one, can=actor.allows,
                         targets=goals.targets_for(session, one.id if one else None))
    items = today_list.attention(session, listed, one, can=actor.allows)
    return {"shop": one.code if one else None, "figures": [f.as_dict() for f in found],
            "attention": [i.as_dict() for i in items]}


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
