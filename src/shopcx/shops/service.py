"""Shop use cases."""

from __future__ import annotations

import secrets
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import clock, security
from ..core.errors import InvalidInput, NotFound
from ..core.money import check_currency
from ..customers.rules import check_country, country_for
from .models import PLATFORMS, Shop


def check_timezone(name: str) -> str:
    """An IANA timezone name, or an error naming the field."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("invalid_timezone", f"timezone: '{name}' is not an IANA timezone",
                           field="timezone") from None
    return name


def create_shop(session: Session, *, code: str, name: str, platform: str = "other", timezone: str = "Asia/Shanghai",
                currency: str = "CNY", country: str | None = None) -> Shop:
    """Add a shop (channel); its code is unique. Its country defaults to the one its currency or timezone says."""
    if platform not in PLATFORMS:
        raise InvalidInput("invalid_platform", f"platform: '{platform}' is not one of {', '.join(PLATFORMS)}",
                           field="platform")
    if session.scalar(select(Shop.id).where(Shop.code == code)) is not None:
        raise InvalidInput("shop_exists", f"code: a shop '{code}' already exists", field="code")
    shop = Shop(code=code, name=name, platform=platform, timezone=check_timezone(timezone),
                currency=check_currency(currency),
                country=check_country(country) if country else country_for(currency, timezone),
                webhook_secret=security.encrypt_text(secrets.token_urlsafe(32)), created_at=clock.now())
    session.add(shop)
    session.flush()
    return shop


def get_shop(session: Session, code: str) -> Shop:
    shop = session.scalar(select(Shop).where(Shop.code == code))
    if shop is None:
        raise NotFound("shop_not_found", f"shop: no shop with code '{code}'", field="shop")
    return shop


def shop_exists(session: Session, code: str) -> bool:
    return session.scalar(select(Shop.id).where(Shop.code == code)) is not None


def get_shop_by_id(session: Session, shop_id: int) -> Shop:
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise NotFound("shop_not_found", f"shop: no shop with id {shop_id}", field="shop")
    return shop


def ensure_shop(session: Session, *, code: str, name: str | None = None, platform: str = "other",
                timezone: str = "Asia/Shanghai", currency: str = "CNY") -> Shop:
    """The shop with this code, created with the given defaults when missing."""
    shop = session.scalar(select(Shop).where(Shop.code == code))
    if shop is not None:
        return shop
    try:
        return create_shop(session, code=code, name=name or code, platform=platform, timezone=timezone,
                           currency=currency)
    except InvalidInput as exc:  # another process (two imports started at once) created it since the first look
        if exc.code != "shop_exists":
            raise
        return get_shop(session, code)


def list_shops(session: Session) -> list[Shop]:
    return list(session.scalars(select(Shop).order_by(Shop.id)))


def set_country(session: Session, shop: Shop, code: str, *, actor) -> Shop:
    """Set the country a shop's local phone numbers belong to; audited."""
    from ..staff.service import audit

    shop.country = check_country(code)
    session.flush()
    audit(session, actor, "shop.country", "shop", shop.id, {"country": shop.country})
    return shop
