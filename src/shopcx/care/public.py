"""The buyer's tracking page by signed link (`/track/<token>`, no sign-in): each parcel's milestones against the
promised date, phone-first, in zh or en (`?lang=`). A bad or expired link gets a friendly "not found" page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from ..core import i18n
from ..core.errors import NotFound
from ..shops import service as shops
from ..web.auth import PageSession
from ..web.templating import render
from .service import parcels

router = APIRouter(include_in_schema=False)
LANGS = ("zh", "en")


@router.get("/track/{token}")
def care_tracking(request: Request, token: str, lang: str = "", session: Session = PageSession):
    """The order's parcels for the buyer holding the link."""
    locale = lang if lang in LANGS else i18n.DEFAULT_LOCALE
    try:
        view = parcels.tracking(session, parcels.verify_token(token))
    except NotFound:
        return render(request, "care/track_gone.html", {"locale": locale, "csrf": None}, status=404)
    shop = shops.get_shop_by_id(session, view["order"].shop_id)
    return render(request, "care/track.html", view | {"locale": locale, "csrf": None, "tz": shop.timezone,
                                                      "shop_name": shop.name, "token": token})
