"""What the care screens share: the tabs, the chosen shop and permissions."""

from __future__ import annotations

from fastapi import Depends
from sqlalchemy.orm import Session

from ...core.errors import NotFound
from ...shops import service as shops
from ...web.auth import require

TABS = (("campaigns", "/care"), ("moments", "/care/moments"), ("templates", "/care/templates"),
        ("callbacks", "/care/callbacks"), ("parcels", "/care/parcels"), ("recommendations", "/care/recommendations"))
Reader = Depends(require("care:read"))
Writer = Depends(require("care:write"))
Caller = Depends(require("callbacks:work"))


def chosen_shop(session: Session, shop: str | None):
    """The shop named by `?shop=<code>`, else the first one; NotFound when there is no shop yet."""
    listed = shops.list_shops(session)
    if shop:
        found = next((s for s in listed if s.code == shop), None)
        if found is None:
            raise NotFound("shop_not_found", f"shop: there is no shop '{shop}'", field="shop")
        return found, listed
    if not listed:
        raise NotFound("shop_not_found", "shop: there is no shop yet", field="shop")
    return listed[0], listed


def area(tab: str, shop, listed, viewer) -> dict:
    """The layout's context: tabs, the shop picker and what the viewer may do."""
    return {"tab": tab, "tabs": TABS, "shop": shop, "shops": listed, "can_write": viewer.can("care:write"),
            "can_call": viewer.can("callbacks:work")}
