"""Delivery care screen: parcels late, at risk, stalled (no scan for N hours) or damaged, each with the buyer's
tracking link to send and the order to act on."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from ...core.errors import InvalidInput
from ...web.auth import PageSession, Viewer
from ...web.deps import parse_id
from ...web.templating import render
from ..service import parcels as parcel_service
from .base import Caller, area, chosen_shop

router = APIRouter()


@router.get("/care/parcels")
def care_parcels(request: Request, shop: str = "", stall_hours: str = "48", viewer: Viewer = Caller,
                 session: Session = PageSession):
    """Late and stalled parcels to act on."""
    chosen, listed = chosen_shop(session, shop)
    hours = parse_id(stall_hours or "48")
    if hours is None:
        raise InvalidInput("invalid_number", f"stall_hours: '{stall_hours}' is not a whole number",
                           field="stall_hours", values={"value": stall_hours})
    rows = parcel_service.attention(session, chosen, stall_hours=hours)
    return render(request, "care/parcels.html", area("parcels", chosen, listed, viewer) | {
        "rows": rows, "stall_hours": hours, "base_url": str(request.base_url).rstrip("/")}, viewer=viewer)
