"""One timeline per customer across the domains (each contributes its entries through its face's `timeline`):
the customer page's section, its own page with filters by kind, and the values both show."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from ..core import i18n
from ..core.face import Panel, TimelineEntry
from ..web import format as fmt
from ..web.panels import customer_timeline

# The permission that opens the page behind each kind: a viewer sees only the kinds they could open anyway.
KIND_PERMISSION = {"order": "orders:read", "delivery": "orders:read", "refund": "orders:read",
                   "review": "reviews:read", "care": "reviews:read", "ticket": "desk:read", "note": "desk:read",
                   "survey": "surveys:read", "points": "loyalty:read", "tier": "loyalty:read",
                   "consent": "customers:read", "message": "messaging:read"}
KINDS = tuple(KIND_PERMISSION)
PANEL_SIZE = 20


def parse_kinds(raw: str) -> set[str]:
    """?kind=order,review -> {"order", "review"}; unknown words are ignored (empty: every kind)."""
    return {k for k in raw.replace(" ", ",").split(",") if k in KIND_PERMISSION}


def timeline(session: Session, customer_id: int, *, can: Callable[[str], bool], kinds: set[str] | None = None,
             limit: int = 100) -> list[TimelineEntry]:
    """The customer's timeline, latest first, limited to the kinds the viewer may open (and those asked for)."""
    allowed = {k for k, p in KIND_PERMISSION.items() if can(p)}
    wanted = allowed & kinds if kinds else allowed
    return [e for e in customer_timeline(session, customer_id, kinds=wanted, limit=limit) if e.kind in wanted]


def _word(value, locale: str) -> str:
    key = f"timeline.code.{value}"
    return i18n.t(key, locale) if i18n.has(key, locale) else str(value)


def _named(word, value, locale: str):
    """A code named by the entry's `words` (a catalog prefix or names by language), or None."""
    if isinstance(word, dict):
        return word.get(locale) or None
    if isinstance(word, str) and isinstance(value, str) and i18n.has(word + value, locale):
        return i18n.t(word + value, locale)
    return None


def sentence(entry: TimelineEntry, locale: str) -> str:
    """The entry as one line in the viewer's language (money formatted, codes named)."""
    values = {}
    for key, value in entry.vars.items():
        named = _named(entry.words.get(key), value, locale)
        if named is not None:
            values[key] = named
        elif isinstance(value, bool):
            values[key] = _word("yes" if value else "no", locale)
        elif key == "amount":
            values[key] = fmt.money(value, entry.vars.get("currency"))
        elif key in ("name_zh", "name_en"):
            values["name"] = entry.vars["name_zh" if locale == "zh" else "name_en"]
        else:
            values[key] = _word(value, locale) if isinstance(value, str) else value
    text = i18n.t(entry.label, locale, **values)
    if entry.vars.get("late"):
        text += " · " + _word("late", locale)
    if entry.vars.get("damaged"):
        text += " · " + _word("damaged", locale)
    return text


def view(entries: list[TimelineEntry], locale: str) -> list[dict]:
    """What the templates show of each entry."""
    return [{"entry": e, "text": sentence(e, locale)} for e in entries]


def panel(session: Session, customer, viewer) -> Panel | None:
    """The customer page's timeline section: the latest entries of every kind the viewer may open."""
    entries = timeline(session, customer.id, can=viewer.can, limit=PANEL_SIZE)
    if not entries:
        return None
    kinds = [k for k in KINDS if viewer.can(KIND_PERMISSION[k])]
    return Panel("dashboard/_timeline.html", {"rows": view(entries, viewer.locale), "customer_id": customer.id,
                                              "kinds": kinds, "chosen": set(), "more": len(entries) >= PANEL_SIZE},
                 stylesheet="/static/dashboard.css")
