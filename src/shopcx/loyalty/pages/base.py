"""What every loyalty page needs: the shop and program it is about, tier names, and form values read safely."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import InvalidInput, NotFound
from ...core.money import exponent
from ...core.settings import get_settings
from ...shops import service as shops
from ...shops.models import Shop
from ...web.auth import Viewer, require
from ...web.deps import parse_id
from ...web.format import local_date
from ...web.templating import is_htmx, render
from ..config import ProgramConfig
from ..models import LoyaltyProgram
from ..service.program import versions as programs
from ..service.program.versions import ActiveProgram

_SIGNED = re.compile(r"^[+-]?[0-9]+$")
_UNSIGNED = re.compile(r"^[0-9]+$")
MAX_POINTS_FIELD = 10**12  # larger than any balance; a longer number is a typo, refused before it reaches a query


@dataclass(frozen=True)
class ProgramView:
    """The shop a page is about, its program (if any) and the published rules (if any)."""

    shops: list[Shop]
    shop: Shop | None
    program: LoyaltyProgram | None
    active: ActiveProgram | None

    @property
    def tz(self) -> str:
        return self.shop.timezone if self.shop else get_settings().default_timezone

    @property
    def currency(self) -> str:
        return self.shop.currency if self.shop else get_settings().default_currency

    @property
    def today(self) -> date:
        return clock.today_in(self.tz)

    @property
    def config(self) -> ProgramConfig | None:
        return self.active.config if self.active else None

    @property
    def shop_query(self) -> str:
        """`?shop=<id>` when there is more than one shop to choose from, so links keep the choice."""
        return f"?shop={self.shop.id}" if self.shop and len(self.shops) > 1 else ""


def program_view(session: Session, shop: str = "") -> ProgramView:
    """The shop asked for by `?shop=<id>`, else the first shop that has a program, else the first shop."""
    listed = shops.list_shops(session)
    chosen_id = parse_id(shop) if shop else None
    chosen = next((s for s in listed if s.id == chosen_id), None)
    if chosen is None:
        chosen = next((s for s in listed if programs.get_program(session, s.id) is not None), None)
    chosen = chosen or (listed[0] if listed else None)
    program = programs.get_program(session, chosen.id) if chosen else None
    active = programs.active(session, chosen.id) if chosen else None
    return ProgramView(shops=listed, shop=chosen, program=program, active=active)


def view_for_shop(session: Session, shop_id: int) -> ProgramView:
    """The view of one member's shop (a member page is always about the shop the member belongs to)."""
    return program_view(session, str(shop_id))


def tier_name(config: ProgramConfig | None, code: str | None, locale: str) -> str:
    """A tier's name in the viewer's language; a code the rules no longer know is shown as it is."""
    if code is None:
        return "—"
    tier = config.tier(code) if config else None
    if tier is None:
        return code
    return tier.name_zh if locale == "zh" else tier.name_en


def multiplier(per_mille: int) -> str:
    """A per-mille multiplier as people write it: 1000 → '1×', 1500 → '1.5×', 1250 → '1.25×' (no floats)."""
    whole, rest = divmod(per_mille, 1000)
    return f"{whole}.{rest:03d}".rstrip("0").rstrip(".") + "×"


def major(amount: int, currency: str) -> str:
    """Minor units as a plain number in major units for a form field: 100000 CNY → '1000', 12345 → '123.45'."""
    digits = exponent(currency)
    if digits == 0:
        return str(amount)
    whole, rest = divmod(amount, 10**digits)
    return f"{whole}.{rest:0{digits}d}".rstrip("0").rstrip(".")


def last_day(valid_until: datetime | None, tz: str) -> str:
    """The last shop-local day something valid until an (exclusive) instant can be used: what people read."""
    if valid_until is None:
        return "∞"
    return local_date(clock.as_utc(valid_until) - timedelta(microseconds=1), tz)


def percent_of(part: int, whole: int | None) -> int:
    """Whole percent (0–100) of a progress bar; an empty target counts as reached."""
    if not whole or whole <= 0:
        return 100
    return max(0, min(100, part * 100 // whole))


def whole_number(text: str, field: str, *, allow_negative: bool = False) -> int | None:
    """An integer typed into a form ('' = none); refused with the field's name when it is not one."""
    cleaned = (text or "").strip().replace(",", "").replace("，", "")
    if not cleaned:
        return None
    pattern = _SIGNED if allow_negative else _UNSIGNED
    if not pattern.match(cleaned):
        raise InvalidInput("invalid_number", f"{field}: '{text}' is not a whole number", field=field)
    value = int(cleaned)
    if abs(value) > MAX_POINTS_FIELD:
        raise InvalidInput("invalid_number", f"{field}: '{text}' is too large", field=field)
    return value


def day_field(text: str, field: str) -> date | None:
    """A date typed into a form (YYYY-MM-DD; '' = none)."""
    if not (text or "").strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("invalid_date", f"{field}: '{text}' is not a date (YYYY-MM-DD)", field=field) from None


# The permission each kind of loyalty page action needs.
Reader = Depends(require("loyalty:read"))
Writer = Depends(require("loyalty:write"))
Approver = Depends(require("loyalty:approve"))
Settings = Depends(require("loyalty:settings"))


def changed_part(request: Request, url: str, name: str, context: dict, viewer: Viewer):
    """The changed part for HTMX; without JavaScript, back to the page (Post/Redirect/Get)."""
    if not is_htmx(request):
        return RedirectResponse(url, status_code=303)
    return render(request, name, context, viewer=viewer)


def redirect(request: Request, target: str) -> Response:
    """After a change, the page to show: a 303 for a form, HX-Redirect for HTMX (which cannot see a 303)."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def require_active(view: ProgramView) -> None:
    """NotFound unless the shop has a published program."""
    if view.active is None:
        raise NotFound("no_program", "this shop has no published loyalty program")
