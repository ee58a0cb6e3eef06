"""Care moment screens: each moment's switch, settings, template, control share, last run and uplift; the message
templates with a preview for a real customer; the bought-together pairs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ...core import clock
from ...web.auth import PageSession, Viewer
from ...web.deps import parse_id
from ...web.templating import render
from .. import repository, service
from ..models import moments as rules
from ..models.audience import CHANNELS
from ..models.templating import VARIABLES
from ..service import moments as moment_service
from .base import Reader, Writer, area, chosen_shop

router = APIRouter()


@router.get("/care/moments")
def care_moments(request: Request, shop: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """Every care moment of the shop: on/off, timing, template, control share, last run and results."""
    chosen, listed = chosen_shop(session, shop)
    rows = [{"moment": m, "results": moment_service.moment_results(session, m)}
            for m in moment_service.ensure_moments(session, chosen)]
    return render(request, "care/moments.html", area("moments", chosen, listed, viewer) | {
        "moments": rows, "templates": repository.templates(session, chosen.id), "channels": CHANNELS,
        "holidays": rules.HOLIDAYS}, viewer=viewer)


@router.post("/care/moments/{kind}")
async def care_moment_save(request: Request, kind: str, shop: str = "", viewer: Viewer = Writer,
                           session: Session = PageSession):
    """Switch one moment on or off and tune it."""
    chosen, _ = chosen_shop(session, shop)
    form = await request.form()
    settings = {}
    for key, default in rules.DEFAULTS.get(kind, {}).items():
        if isinstance(default, list):
            settings[key] = form.getlist(key)
        elif isinstance(default, bool):
            settings[key] = form.get(key) == "on"
        elif key in form:
            settings[key] = form.get(key)
    template_id = parse_id(form.get("template") or "")
    moment_service.configure(session, chosen, kind, actor=viewer.actor, enabled=form.get("enabled") == "on",
                             settings=settings, template_id=template_id, channel=form.get("channel") or None,
                             control_share=form.get("control_share") or None)
    return RedirectResponse(f"/care/moments?shop={chosen.code}#moment-{kind}", status_code=303)


@router.post("/care/moments-run")
def care_moments_run(request: Request, shop: str = "", viewer: Viewer = Writer, session: Session = PageSession):
    """Run today's care moments of the shop now (what the daily job does; nobody is queued twice)."""
    chosen, _ = chosen_shop(session, shop)
    moment_service.run_moments(session, chosen)
    return RedirectResponse(f"/care/moments?shop={chosen.code}", status_code=303)


@router.get("/care/templates")
def care_templates(request: Request, shop: str = "", edit: str = "", viewer: Viewer = Reader,
                   session: Session = PageSession):
    """The shop's message templates, the variables they may use, and the editor."""
    chosen, listed = chosen_shop(session, shop)
    templates = repository.templates(session, chosen.id)
    editing = next((t for t in templates if str(t.id) == edit), None)
    return render(request, "care/templates.html", area("templates", chosen, listed, viewer) | {
        "templates": templates, "editing": editing, "variables": VARIABLES}, viewer=viewer)


@router.post("/care/templates")
async def care_template_save(request: Request, shop: str = "", viewer: Viewer = Writer,
                             session: Session = PageSession):
    """Create or change a template (syntax, variables and the platforms' rules are checked)."""
    chosen, _ = chosen_shop(session, shop)
    form = await request.form()
    template = service.save_template(
        session, chosen.id, code=form.get("code", ""), name=form.get("name", ""),
        subject_zh=form.get("subject_zh", ""), body_zh=form.get("body_zh", ""), subject_en=form.get("subject_en", ""),
        body_en=form.get("body_en", ""), actor=viewer.actor, template_id=parse_id(form.get("template_id") or ""))
    return RedirectResponse(f"/care/templates?shop={chosen.code}&edit={template.id}", status_code=303)


@router.post("/care/templates/{template_id}/preview")
async def care_template_preview(request: Request, template_id: int, shop: str = "", viewer: Viewer = Reader,
                                session: Session = PageSession):
    """The template rendered for a real customer (HTMX fragment); an error names the variable or line."""
    chosen, _ = chosen_shop(session, shop)
    form = await request.form()
    customer_id = parse_id(form.get("customer_id") or "")
    from ...core.errors import InvalidInput

    if customer_id is None:
        raise InvalidInput("required", "customer: give a customer id", field="customer")
    shown = service.preview(session, chosen, service.get_template(session, template_id), customer_id,
                            language=form.get("language") or None)
    return render(request, "care/_preview.html", {"preview": shown}, viewer=viewer)


@router.get("/care/recommendations")
def care_recommendations(request: Request, shop: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """The bought-together pairs by lift, as the recommendation job computed them."""
    chosen, listed = chosen_shop(session, shop)
    pairs = repository.top_pairs(session, chosen.id, limit=100)
    names = repository.product_names(session, sorted({p.product_id for p in pairs} | {p.other_id for p in pairs}))
    return render(request, "care/recommendations.html", area("recommendations", chosen, listed, viewer) | {
        "pairs": pairs, "names": names, "now": clock.now()}, viewer=viewer)


@router.post("/care/recommendations")
def care_recommendations_compute(request: Request, shop: str = "", viewer: Viewer = Writer,
                                 session: Session = PageSession):
    """Recompute the bought-together pairs now."""
    chosen, _ = chosen_shop(session, shop)
    service.compute_pairs(session, chosen.id)
    return RedirectResponse(f"/care/recommendations?shop={chosen.code}", status_code=303)
