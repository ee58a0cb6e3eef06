"""The review settings page: per shop and platform the rating and revision windows, reply rule, care deadlines
and DSR benchmarks; the shop's reply templates (add, retire); and the text analysis card (which analyser is in
use, training it from the shop's stored reviews, re-analysing the stored reviews)."""

# (field, low, high) of the whole-number settings, as the schema bounds them.
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from ...core import i18n
from ...core.errors import NotFound, ShopCXError
from ...shops.models import PLATFORMS, Shop
from ...staff.service import Actor, audit
from ...web.auth import PageSession, Viewer
from ...web.deps import RowId
from ...web.templating import is_htmx, render
from .. import rules, service
from ..schemas import SettingsIn, TemplateIn
from .base import Manager
from .parts import form_float, form_int, shop_choice, validated

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
    from ..text import default_model_path
    from ..text.model import read_header
    from ..text.training import read_status

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
    from ..jobs import run_training
    from ..text import default_model_path
    from ..text.training import claim

    chosen = _shop(session, shop)
    audit(session, actor, "review.text_train", "shop", chosen.id, {"model": str(default_model_path())})
    claim("train", shop=chosen.code, started_by=actor.label)
    code = chosen.code
    return lambda: run_training(code)


def start_reanalysis(session: Session, shop: str, *, actor: Actor) -> Callable[[], None]:
    """Audit and claim a re-analysis of every stored review; returns the work to run after the response."""
    from ..jobs import run_reanalysis
    from ..text.training import claim

    chosen = _shop(session, shop)
    audit(session, actor, "review.text_reanalyze", "shop", chosen.id, {"scope": "all shops"})
    claim("reanalyze", shop=chosen.code, started_by=actor.label)
    return run_reanalysis


router = APIRouter()


@router.get("/reviews/settings")
def review_settings(request: Request, shop: str = "", platform: str = "", done: str = "", viewer: Viewer = Manager,
                    session: Session = PageSession):
    """Platform windows, DSR benchmarks and reply templates of a shop."""
    context = settings_context(session, shop, platform)
    return render(request, "reviews/settings.html", context | {"done": done or None}, viewer=viewer)


def _settings_back(request: Request, session: Session, viewer: Viewer, shop: str, platform: str, form_name: str,
                   values: dict, action: Callable[[], None]):
    """Run a settings change; then back to the page (Post/Redirect/Get), or the page with the refusal."""
    try:
        action()
    except ShopCXError as exc:
        session.rollback()
        context = settings_context(session, shop, platform)
        context |= {"errors": {form_name: i18n.error_text(exc, viewer.locale)}, "values": {form_name: values}}
        return render(request, "reviews/settings.html", context, viewer=viewer, status=exc.status)
    query = urlencode({k: v for k, v in (("shop", shop), ("platform", platform), ("done", form_name)) if v})
    return RedirectResponse(f"/reviews/settings?{query}", status_code=303)


@router.post("/reviews/settings")
def review_settings_save(request: Request, shop: str = Form(""), platform: str = Form(""),
                         rating_days: str = Form(""), revision_days: str = Form(""), max_revisions: str = Form(""),
                         care_due_hours: str = Form(""), followup_due_hours: str = Form(""),
                         reply_allowed: str = Form(""), benchmark_description: str = Form(""),
                         benchmark_service: str = Form(""), benchmark_logistics: str = Form(""),
                         viewer: Viewer = Manager, session: Session = PageSession):
    """Store the windows, reply rule, care deadlines and benchmarks of the shop on the platform."""
    form = {"rating_days": rating_days, "revision_days": revision_days, "max_revisions": max_revisions,
            "care_due_hours": care_due_hours, "followup_due_hours": followup_due_hours,
            "reply_allowed": reply_allowed, "benchmark_description": benchmark_description,
            "benchmark_service": benchmark_service, "benchmark_logistics": benchmark_logistics}
    return _settings_back(request, session, viewer, shop, platform, "settings", form,
                          lambda: update(session, shop, platform, form, actor=viewer.actor))


@router.post("/reviews/settings/templates")
def review_template_add(request: Request, shop: str = Form(""), platform: str = Form(""),
                        rating_class: str = Form(""), locale: str = Form("zh"), body: str = Form(""),
                        viewer: Viewer = Manager, session: Session = PageSession):
    """Add a reply template ({name}, {product}, {shop}); the platform-rule guard applies."""
    values = {"rating_class": rating_class, "locale": locale, "body": body}
    return _settings_back(request, session, viewer, shop, platform, "template", values,
                          lambda: add_template(session, shop, rating_class, locale, body,
                                                              actor=viewer.actor))


@router.post("/reviews/settings/templates/{template_id}/retire")
def review_template_retire(request: Request, template_id: RowId, shop: str = Form(""), platform: str = Form(""),
                           viewer: Viewer = Manager, session: Session = PageSession):
    """Stop suggesting a reply template."""
    return _settings_back(request, session, viewer, shop, platform, "retire", {},
                          lambda: retire_template(session, shop, template_id, actor=viewer.actor))


def run_in_thread(work: Callable[[], None]) -> None:
    """Run a text job in a daemon thread; it opens its own sessions and reports to the status file."""
    threading.Thread(target=work, name="review-text-job", daemon=True).start()


# How a started text job runs; tests set this to call the work directly so it finishes inside the request.
text_runner: Callable[[Callable[[], None]], None] = run_in_thread


def _run_text_job(work: Callable[[], None]) -> None:
    text_runner(work)


@router.get("/reviews/settings/text")
def review_text_status(request: Request, shop: str = "", viewer: Viewer = Manager, session: Session = PageSession):
    """The text analysis card: the analyser in use and the job's progress (polled every 2 s while it runs)."""
    return render(request, "reviews/_text_status.html", text_context(session, shop), viewer=viewer)


def _text_started(request: Request, session: Session, viewer: Viewer, shop: str, platform: str,
                  start: Callable[[], Callable[[], None]]):
    """Claim and audit a text job; it runs after the response (this request's audit entry is committed first)."""
    try:
        work = start()
    except ShopCXError as exc:
        session.rollback()
        error = i18n.error_text(exc, viewer.locale)
        if is_htmx(request):
            context = text_context(session, shop) | {"text_error": error}
            return render(request, "reviews/_text_status.html", context, viewer=viewer, status=exc.status)
        context = settings_context(session, shop, platform) | {"text_error": error}
        return render(request, "reviews/settings.html", context, viewer=viewer, status=exc.status)
    if is_htmx(request):
        response = render(request, "reviews/_text_status.html", text_context(session, shop),
                          viewer=viewer)
    else:
        query = urlencode({k: v for k, v in (("shop", shop), ("platform", platform)) if v})
        response = RedirectResponse(f"/reviews/settings?{query}#text-analysis", status_code=303)
    response.background = BackgroundTask(_run_text_job, work)
    return response


@router.post("/reviews/settings/text/train")
def review_text_train(request: Request, shop: str = Form(""), platform: str = Form(""), viewer: Viewer = Manager,
                      session: Session = PageSession):
    """Start training the text model from this shop's stored reviews (one text job at a time)."""
    return _text_started(request, session, viewer, shop, platform,
                         lambda: start_training(session, shop, actor=viewer.actor))


@router.post("/reviews/settings/text/reanalyze")
def review_text_reanalyze(request: Request, shop: str = Form(""), platform: str = Form(""),
                          viewer: Viewer = Manager, session: Session = PageSession):
    """Start re-analysing every stored review with the analyser now in use."""
    return _text_started(request, session, viewer, shop, platform,
                         lambda: start_reanalysis(session, shop, actor=viewer.actor))
