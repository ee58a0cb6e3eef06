"""The review settings page: per shop and platform the rating and revision windows, reply rule, care deadlines
and DSR benchmarks; the shop's reply templates (add, retire); and the text analysis card (which analyser is in
use, training it from the shop's stored reviews, re-analysing the stored reviews)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from ..core.errors import NotFound, ShopCXError
from ..shops.models import PLATFORMS, Shop
from ..staff.service import Actor, audit
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
                      "templates": service.list_templates(session, chosen)} | _text(chosen)


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


# --- text analysis --------------------------------------------------------------------------------------------

def _instant(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def text_context(session: Session, shop: str) -> dict:
    """The text analysis card of the chosen shop's settings (the fragment the card polls)."""
    _, chosen = shop_choice(session, shop, default_first=True)
    return {"shop": chosen} | _text(chosen)


def _text(chosen: Shop | None) -> dict:
    """The analyser in use (the saved model's header, or none: the untrained default) and the text job's state."""
    from .text import default_model_path
    from .text.model import read_header
    from .text.training import read_status

    path = default_model_path()
    model, model_error = None, None
    if path.is_file():
        try:
            header = read_header(path)
        except ShopCXError as exc:  # the analyser falls back to the untrained default; say why
            model_error = exc.message
        else:
            model = header | {"trained_at": _instant(header.get("trained_at")),
                              "category_rows": dict(header.get("category_rows") or {})}
    job = read_status()
    view = None
    if job is not None:
        percent = min(100, 100 * job.done // job.total) if job.total else (100 if job.status == "done" else 0)
        view = {"kind": job.kind, "stage": job.stage, "status": job.status, "shop": job.shop,
                "started_by": job.started_by, "started_at": _instant(job.started_at),
                "finished_at": _instant(job.finished_at), "done": job.done, "total": job.total, "percent": percent,
                "error": job.error, "result": job.result}
    return {"text_model": model, "text_model_error": model_error, "text_model_path": str(path),
            "text_job": view, "text_tz": chosen.timezone if chosen is not None else None}


def start_training(session: Session, shop: str, *, actor: Actor) -> Callable[[], None]:
    """Audit and claim a training run on the shop's stored reviews; returns the work to run after the response."""
    from .jobs import run_training
    from .text import default_model_path
    from .text.training import claim

    chosen = _shop(session, shop)
    audit(session, actor, "review.text_train", "shop", chosen.id, {"model": str(default_model_path())})
    claim("train", shop=chosen.code, started_by=actor.label)
    code = chosen.code
    return lambda: run_training(code)


def start_reanalysis(session: Session, shop: str, *, actor: Actor) -> Callable[[], None]:
    """Audit and claim a re-analysis of every stored review; returns the work to run after the response."""
    from .jobs import run_reanalysis
    from .text.training import claim

    chosen = _shop(session, shop)
    audit(session, actor, "review.text_reanalyze", "shop", chosen.id, {"scope": "all shops"})
    claim("reanalyze", shop=chosen.code, started_by=actor.label)
    return run_reanalysis
