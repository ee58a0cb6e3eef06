"""What every review page needs: the shop chosen, how names, text and figures are shown, and form values read
safely (a bad value is refused naming its field). No routes here; the screen modules have them."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from ...core import clock, i18n
from ...core.errors import InvalidInput
from ...shops import service as shops
from ...shops.models import Shop
from ...staff import service as staff
from ...staff.rules import can
from ...web.auth import Viewer
from ...web.deps import parse_id
from ...web.format import finite, mask_text, percent
from .. import service
from ..repository import ReviewFilter
from ..service import views

_WHOLE = re.compile(r"-?[0-9]{1,19}")
CUSTOMER_REVIEWS_SHOWN = 10
EXCERPT_CHARS = 90


def shop_choice(session: Session, raw: str, *, default_first: bool) -> tuple[list[Shop], Shop | None]:
    """All shops and the one `?shop=<id>` names (else the first one, when asked to default)."""
    listed = shops.list_shops(session)
    wanted = parse_id(raw) if raw else None
    chosen = next((s for s in listed if s.id == wanted), None)
    if chosen is None and default_first and listed:
        chosen = listed[0]
    return listed, chosen


def shown_name(name: str | None, reveal: bool) -> str | None:
    """A buyer's name in full for roles with 'pii', else its first character and stars (王** / A**)."""
    if not name or reveal:
        return name
    return name.strip()[:1] + "**"


def excerpt(text: str | None, reveal: bool, size: int = EXCERPT_CHARS) -> str:
    """The start of a review text, phones and emails masked without 'pii'."""
    if not text:
        return ""
    shown = text if reveal else (mask_text(text) or "")
    return shown if len(shown) <= size else shown[:size].rstrip() + "…"




def signed_percent(value, digits: int = 1) -> str:
    """A gap already in percent (−16.67) as '−16.7%' or '+2.1%'; '—' when unknown."""
    number = finite(value)
    if number is None:
        return "—"
    rounded = round(number, digits)
    sign = "+" if rounded > 0 else "−" if rounded < 0 else "±"
    return f"{sign}{abs(rounded):.{digits}f}%"


def fixed(value, digits: int = 2) -> str:
    """A mean (4.3333) as '4.33'; '—' when unknown."""
    number = finite(value)
    return "—" if number is None else f"{number:.{digits}f}"


def age_label(since: datetime, locale: str, now: datetime | None = None) -> str:
    """How long ago: whole days, or hours within the first day."""
    seconds = max(((now or clock.now()) - clock.as_utc(since)).total_seconds(), 0)
    if seconds >= 86400:
        return i18n.t("reviews.age_days", locale, n=int(seconds // 86400))
    return i18n.t("reviews.age_hours", locale, n=int(seconds // 3600))


def helpers() -> dict[str, Any]:
    """The formatting functions the review templates call."""
    return {"pct": percent, "signed_pct": signed_percent, "fixed": fixed}


# --- form values ---------------------------------------------------------------------------------------------


def form_date(text: str, field: str) -> date | None:
    """A YYYY-MM-DD field; None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("invalid_date", f"{field}: '{text[:40]}' is not a date (YYYY-MM-DD)", field=field) from None


def form_datetime(text: str, field: str, tz: str) -> datetime | None:
    """A local date and time (YYYY-MM-DDTHH:MM from a datetime-local field) in the shop's timezone, as UTC."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("invalid_datetime", f"{field}: '{text[:40]}' is not a date and time "
                           "(YYYY-MM-DD HH:MM)", field=field) from None
    return clock.to_utc(value, tz)


def form_int(text: str, field: str, *, low: int, high: int) -> int | None:
    """A whole number between low and high; None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    if not _WHOLE.fullmatch(text) or not low <= int(text) <= high:
        raise InvalidInput("invalid_input", f"{field}: a whole number from {low} to {high}", field=field)
    return int(text)


def form_float(text: str, field: str, *, low: float, high: float) -> float | None:
    """A number between low and high; None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    number = finite(text) if len(text) <= 20 else None
    if number is None or not low <= number <= high:
        raise InvalidInput("invalid_input", f"{field}: a number from {low:g} to {high:g}", field=field)
    return number


def validated(schema: type[BaseModel], **values) -> BaseModel:
    """The schema built from form values; its first complaint as an error naming the field."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or "form"
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise InvalidInput("invalid_input", f"{field}: {message}", field=field) from None


# --- people --------------------------------------------------------------------------------------------------


def review_owners(session: Session) -> list:
    """Active staff whose role may answer reviews (who a case can be given to)."""
    return [u for u in staff.list_users(session) if u.is_active and can(u.role, "reviews:write")]


def customer_reviews(session: Session, customer_id: int, viewer: Viewer) -> dict | None:
    """The customer page's reviews section (None for a role that may not read reviews)."""
    if not viewer.can("reviews:read"):
        return None
    rows, total = service.search_reviews(session, ReviewFilter(customer_id=customer_id), offset=0,
                                         limit=CUSTOMER_REVIEWS_SHOWN)
    names = views.product_names(session, rows)
    zones = {s.id: s.timezone for s in shops.list_shops(session)}
    reveal = viewer.can("pii")
    return {"total": total, "rows": [{"review": r, "product": names.get(r.id), "tz": zones.get(r.shop_id),
                                      "excerpt": excerpt(r.text, reveal)} for r in rows]}
