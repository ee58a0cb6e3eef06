"""A shop's sending rules: quiet hours (in its timezone), frequency caps, opt-in, sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import InvalidInput
from ...shops import service as shops
from ...staff.service import Actor, audit
from .. import repository, rules
from ..models import MessageSetting

DEFAULTS = {"sandbox": False, "require_opt_in": True, "quiet_start": "21:00", "quiet_end": "09:00",
            "cap_day": 2, "cap_week": 4, "cap_month": 10}
MAX_CAP = 1000


@dataclass(frozen=True)
class ShopRules:
    """What the sender needs to know about one shop."""

    shop_id: int
    tz: str
    sandbox: bool
    require_opt_in: bool
    quiet_start: time
    quiet_end: time
    caps: rules.Caps


def current(session: Session, shop_id: int) -> dict:
    """The shop's settings as plain values (the defaults when never changed)."""
    row = repository.setting(session, shop_id)
    if row is None:
        return dict(DEFAULTS)
    return {name: getattr(row, name) for name in DEFAULTS}


def shop_rules(session: Session, shop_id: int) -> ShopRules:
    values = current(session, shop_id)
    tz = shops.get_shop_by_id(session, shop_id).timezone
    return ShopRules(shop_id, tz, values["sandbox"], values["require_opt_in"],
                     rules.parse_clock(values["quiet_start"], "quiet_start"),
                     rules.parse_clock(values["quiet_end"], "quiet_end"),
                     rules.Caps(values["cap_day"], values["cap_week"], values["cap_month"]))


def update_settings(session: Session, shop_id: int, values: dict, *, actor: Actor) -> dict:
    """Change a shop's sending rules; bad values are refused naming the field and nothing is changed."""
    merged = current(session, shop_id) | {k: v for k, v in values.items() if k in DEFAULTS}
    for field in ("quiet_start", "quiet_end"):
        try:
            merged[field] = rules.parse_clock(str(merged[field]), field).strftime("%H:%M")
        except ValueError:
            raise InvalidInput("invalid_quiet_hours", f"{field}: '{merged[field]}' is not a time like 21:00",
                               field=field) from None
    for field in ("cap_day", "cap_week", "cap_month"):
        try:
            merged[field] = int(merged[field])
        except (TypeError, ValueError):
            merged[field] = -1
        if not 0 <= merged[field] <= MAX_CAP:
            raise InvalidInput("invalid_message_cap", f"{field}: a whole number from 0 (no limit) to {MAX_CAP}",
                               field=field)
    for field in ("sandbox", "require_opt_in"):
        merged[field] = bool(merged[field])
    row = repository.setting(session, shop_id)
    if row is None:
        row = MessageSetting(shop_id=shop_id)
        session.add(row)
    for name, value in merged.items():
        setattr(row, name, value)
    row.updated_at = clock.now()
    session.flush()
    audit(session, actor, "messaging.settings", "shop", shop_id, merged)
    return merged
