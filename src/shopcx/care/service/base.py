"""What the care use cases share: the care error, the shop lookup and checks of names and shares."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...core.errors import InvalidInput, NotFound, ShopCXError
from ...shops import service as shops


class CareError(ShopCXError):
    """A care rule refused the request (status 409)."""

    status = 409


def shop_of(session: Session, shop: str | int | None):
    """The shop by code or id; the only shop when none is named and there is one."""
    if isinstance(shop, int):
        return shops.get_shop_by_id(session, shop)
    if shop:
        return shops.get_shop(session, shop)
    listed = shops.list_shops(session)
    if len(listed) == 1:
        return listed[0]
    if not listed:
        raise NotFound("shop_not_found", "shop: there is no shop yet", field="shop")
    raise InvalidInput("shop_required", "shop: name the shop (there are several)", field="shop")


def check_share(value, field: str = "control_share") -> float:
    """A control-group share in [0, 0.5]."""
    try:
        share = float(value)
    except (TypeError, ValueError):
        raise InvalidInput("invalid_number", f"{field}: '{value}' is not a number", field=field,
                           values={"value": str(value)}) from None
    if not 0 <= share <= 0.5:
        raise InvalidInput("out_of_range", f"{field}: {share} must be between 0 and 0.5", field=field)
    return share


def check_name(value: str | None, field: str, limit: int = 120) -> str:
    """A required short text."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput("required", f"{field}: required", field=field)
    if len(text) > limit:
        raise InvalidInput("too_long", f"{field}: at most {limit} characters", field=field, values={"limit": limit})
    return text
