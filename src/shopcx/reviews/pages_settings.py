"""The review settings page: per shop and platform the rating and revision windows, reply rule, care deadlines
and DSR benchmarks; and the shop's reply templates (add, retire)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..core.errors import NotFound
from ..shops.models import PLATFORMS, Shop
from ..staff.service import Actor
from . import rules, service
from .pages_parts import form_float, form_int, shop_choice, validated
from .schemas import SettingsIn, TemplateIn

# (field, low, high) of the whole-number settings, as the schema bounds them.
WINDOW_FIELDS = (("rating_days", 1, 365), ("revision_days", 0, 365), ("max_revisions", 0, 10),
                 ("care_due_hours", 1, 24 * 30), ("followup_due_hours", 1, 24 * 30))
BENCHMARK_FIELDS = ("benchmark_description", "benchmark_service", "benchmark_logistics")


def settings_context(session: Session, shop: str, platform: str) -> dict:
    """The chosen shop's settings on the chosen platform (default: the shop's own) and its templates."""
    listed, chosen = shop_choice(session, shop, default_first=True)
    context: dict = {"shops": listed, "shop": chosen, "platforms": PLATFORMS, "classes": rules.CLASSES,
                     "errors": {}, "values": {}, "done": None}
    if chosen is None:
        return context
    name = platform if platform in PLATFORMS else chosen.platform
    current = service.settings_for(session, chosen.id, name)
    w = current.windows
    values = {"rating_days": w.rating_days, "revision_days": w.revision_days, "max_revisions": w.max_revisions,
              "reply_allowed": w.reply_allowed, "care_due_hours": w.care_due_hours,
              "followup_due_hours": w.followup_due_hours,
              **{f"benchmark_{dim}": current.benchmarks.get(dim) for dim in rules.DIMENSIONS}}
    return context | {"platform": name, "current": current, "settings": values,
                      "templates": service.list_templates(session, chosen)}


def _shop(session: Session, shop: str) -> Shop:
    _, chosen = shop_choice(session, shop, default_first=True)
    if chosen is None:
        raise NotFound("shop_not_found", "shop: there is no shop yet; create one first", field="shop")
    return chosen


def update(session: Session, shop: str, platform: str, form: dict[str, str], *, actor: Actor) -> None:
    """Store the settings form: whole numbers for the windows, an empty benchmark means none."""
    chosen = _shop(session, shop)
    values: dict = {}
    for name, low, high in WINDOW_FIELDS:
        number = form_int(form.get(name, ""), name, low=low, high=high)
        if number is not None:  # an empty field keeps what is stored
            values[name] = number
    for name in BENCHMARK_FIELDS:
        values[name] = form_float(form.get(name, ""), name, low=1, high=5)
    values["reply_allowed"] = form.get("reply_allowed", "") in ("1", "on", "true")
    data = validated(SettingsIn, **values)
    service.update_settings(session, chosen, platform or chosen.platform, data, actor=actor)


def add_template(session: Session, shop: str, rating_class: str, locale: str, body: str, *, actor: Actor) -> None:
    """Add a reply template (placeholders and the platform-rule guard are checked by the service)."""
    chosen = _shop(session, shop)
    data = validated(TemplateIn, rating_class=rating_class, locale=locale or "zh", body=body.strip())
    service.add_template(session, chosen, data, actor=actor)


def retire_template(session: Session, shop: str, template_id: int, *, actor: Actor) -> None:
    """Stop suggesting a template."""
    service.retire_template(session, _shop(session, shop), template_id, actor=actor)
