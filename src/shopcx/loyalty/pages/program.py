"""The program page: the published rules as tables, the draft as a form (JSON as the advanced view), backtest,
publish."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ...core.errors import Conflict, InvalidInput, NotFound
from ...staff.service import Actor
from ...web.auth import PageSession, Viewer
from ...web.templating import is_htmx, render
from ..config import ProgramConfig, parse_config
from ..models import ProgramVersion
from ..service.program import backtest as backtests
from ..service.program import versions as programs
from .base import (
    ProgramView,
    Reader,
    Settings,
    changed_part,
    major,
    multiplier,
    program_view,
    redirect,
    tier_name,
    whole_number,
)
from .rules_form import RulesForm, currency_unit, fits_form, read_form, to_form, with_blank_rows

MAX_CONFIG_CHARS = 200_000


def _draft(session: Session, view: ProgramView) -> ProgramVersion | None:
    rows = programs.versions(session, view.program) if view.program else []
    return next((row for row in rows if row.status == "draft"), None)


def _document(config: ProgramConfig | dict) -> str:
    data = config.model_dump(mode="json") if isinstance(config, ProgramConfig) else config
    return json.dumps(data, ensure_ascii=False, indent=2)


def draft_context(session: Session, viewer: Viewer, view: ProgramView, *, text: str | None = None,
                  saved: bool = False, form: RulesForm | None = None) -> dict:
    """The editor: the open draft (else the published rules as a starting point) as the rules form and as JSON."""
    draft = _draft(session, view)
    base = draft.config if draft else (view.config.model_dump(mode="json") if view.config else None)
    try:
        editable = parse_config(base) if base else None
    except InvalidInput:  # a draft stored by an older release may no longer parse; the JSON still shows it
        editable = None
    if form is None and editable is not None and fits_form(editable):
        form = to_form(editable, view.currency)
    return {"view": view, "draft": draft, "saved": saved, "editable": editable, "form": form,
            "currency": view.currency, "currency_unit": currency_unit(view.currency),
            # Codes members and coupons already carry: the form keeps them (renaming one is a JSON-only change).
            "kept_codes": {item.code for item in [*view.config.tiers, *view.config.offers]} if view.config else set(),
            "config_text": text if text is not None else (_document(base) if base else ""),
            "major": lambda amount: major(amount, view.currency),
            "tier_label": lambda code: tier_name(editable, code, viewer.locale)}


def program_context(session: Session, viewer: Viewer, shop: str, form: RulesForm | None = None) -> dict:
    """Everything on the program page."""
    view = program_view(session, shop)
    context = {"view": view, "tz": view.tz, "currency": view.currency, "config": view.config,
               "multiplier": multiplier, "versions": programs.versions(session, view.program) if view.program else [],
               "tier_label": lambda code: tier_name(view.config, code, viewer.locale)}
    if view.program is None:
        return context
    return context | draft_context(session, viewer, view, form=form)


def start(session: Session, shop: str, *, actor: Actor) -> ProgramView:
    """Start the chosen shop's program with the default rules, published at once."""
    view = program_view(session, shop)
    if view.shop is None:
        raise NotFound("shop_not_found", "there is no shop yet: import orders or create a shop first")
    programs.create_program(session, view.shop, actor=actor)
    return program_view(session, str(view.shop.id))


def parse_document(text: str) -> dict:
    """The editor's JSON as a dict; a syntax error names its line and column."""
    if not (text or "").strip():
        raise InvalidInput("invalid_program", "config: the rules are empty", field="config")
    if len(text) > MAX_CONFIG_CHARS:
        raise InvalidInput("invalid_program", f"config: at most {MAX_CONFIG_CHARS:,} characters", field="config")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput("invalid_json", f"config: line {exc.lineno}, column {exc.colno}: {exc.msg}",
                           field="config", values={"line_no": exc.lineno, "column": exc.colno}) from None
    if not isinstance(data, dict):
        raise InvalidInput("invalid_program", "config: the rules are one JSON object {…}", field="config")
    return data


def _require_program(view: ProgramView) -> None:
    if view.program is None:
        raise NotFound("no_program", "this shop has no loyalty program yet")


def save_draft(session: Session, viewer: Viewer, shop: str, text: str, note: str) -> dict:
    """Check and store the editor's rules as the draft."""
    view = program_view(session, shop)
    _require_program(view)
    config = parse_config(parse_document(text))
    programs.save_draft(session, view.program, config, actor=viewer.actor, note=(note or "").strip()[:255] or None)
    return draft_context(session, viewer, view, saved=True)


class FormRejected(Exception):
    """The rules form has errors: the page shows them next to their inputs, with what was typed."""

    def __init__(self, form: RulesForm):
        super().__init__(f"{len(form.errors)} field(s) to correct")
        self.form = form


def read_rules(view: ProgramView, viewer: Viewer, values: dict[str, str]) -> ProgramConfig:
    """The rule set the form describes, or FormRejected naming each field to correct in the viewer's language."""
    config, errors = read_form(values, view.currency, viewer.locale)
    if config is None:
        raise FormRejected(with_blank_rows(RulesForm(values=dict(values), rows={}, errors=errors)))
    return config


def save_form(session: Session, viewer: Viewer, shop: str, values: dict[str, str]) -> dict:
    """Store the rules form as the draft (audited like a JSON save)."""
    view = program_view(session, shop)
    _require_program(view)
    config = read_rules(view, viewer, values)
    note = (values.get("note") or "").strip()[:255] or None
    programs.save_draft(session, view.program, config, actor=viewer.actor, note=note)
    return draft_context(session, viewer, view, saved=True)


def backtest(session: Session, viewer: Viewer, shop: str, text: str | None = None,
             values: dict[str, str] | None = None) -> dict:
    """The editor's rules (JSON text or the form's values) applied to the stored history as of today (nothing
    is written)."""
    view = program_view(session, shop)
    if view.active is None:
        raise Conflict("no_published_rules", "publish a first version before backtesting changes against it")
    candidate = read_rules(view, viewer, values) if values is not None else parse_config(parse_document(text))
    draft = _draft(session, view)
    result = backtests.run(session, view.active, candidate, today=view.today,
                           candidate_version=draft.version if draft else None)
    return {"view": view, "result": result, "currency": view.currency,
            "name": lambda row: row["name_zh"] if viewer.locale == "zh" else row["name_en"]}


def publish(session: Session, shop: str, version: str, *, actor: Actor) -> ProgramView:
    """Publish the draft version named by the form."""
    view = program_view(session, shop)
    _require_program(view)
    number = whole_number(version, "version")
    if number is None:
        raise InvalidInput("invalid_input", "version: which draft to publish", field="version")
    programs.publish_version(session, view.program, number, actor=actor)
    return program_view(session, str(view.shop.id))


router = APIRouter()


@router.get("/loyalty/program")
def loyalty_program(request: Request, shop: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """The published rules, the draft being edited, versions, backtest and publishing."""
    context = program_context(session, viewer, shop)
    return render(request, "loyalty/program.html", context, viewer=viewer)


@router.post("/loyalty/program/start")
def loyalty_start(shop: str = Form(""), viewer: Viewer = Settings, session: Session = PageSession):
    """Start the shop's program with the default rules (published at once)."""
    view = start(session, shop, actor=viewer.actor)
    return RedirectResponse(f"/loyalty/program{view.shop_query}", status_code=303)


@router.post("/loyalty/program/draft")
def loyalty_draft(request: Request, shop: str = Form(""), config: str = Form(""), note: str = Form(""),
                  viewer: Viewer = Settings, session: Session = PageSession):
    """Store the edited rules as the draft (checked completely; an error names the field)."""
    context = save_draft(session, viewer, shop, config, note)
    return changed_part(request, f"/loyalty/program{context['view'].shop_query}", "loyalty/_draft.html", context,
                        viewer)


async def form_values(request: Request) -> dict[str, str]:
    """A posted form as {input name: text} (the rules form's inputs are named by their place in the rules)."""
    form = await request.form(max_fields=5000)  # the form has ~250 inputs plus ~2 per multiplier row
    return {key: value for key, value in form.multi_items() if isinstance(value, str)}


FormValues = Depends(form_values)


def _rejected(request: Request, session: Session, viewer: Viewer, shop: str, rejected: FormRejected) -> Response:
    """The form again with its errors: the draft part for HTMX, else the whole page (status 422 either way)."""
    if is_htmx(request):
        view = program_view(session, shop)
        context = draft_context(session, viewer, view, form=rejected.form)
        return render(request, "loyalty/_draft.html", context, viewer=viewer, status=422,
                      headers={"HX-Retarget": "#draft", "HX-Reswap": "innerHTML"})
    context = program_context(session, viewer, shop, form=rejected.form)
    return render(request, "loyalty/program.html", context, viewer=viewer, status=422)


@router.post("/loyalty/program/rules")
def loyalty_rules(request: Request, values: dict[str, str] = FormValues, viewer: Viewer = Settings,
                  session: Session = PageSession):
    """Store the rules form as the draft; a field to correct is shown next to its input with what was typed."""
    shop = values.get("shop", "")
    try:
        context = save_form(session, viewer, shop, values)
    except FormRejected as rejected:
        return _rejected(request, session, viewer, shop, rejected)
    return changed_part(request, f"/loyalty/program{context['view'].shop_query}", "loyalty/_draft.html", context,
                        viewer)


@router.post("/loyalty/program/rules/backtest")
def loyalty_rules_backtest(request: Request, values: dict[str, str] = FormValues, viewer: Viewer = Reader,
                           session: Session = PageSession):
    """Backtest the form's values without saving them (the result part for HTMX, else the page with it)."""
    shop = values.get("shop", "")
    try:
        context = backtest(session, viewer, shop, values=values)
    except FormRejected as rejected:
        return _rejected(request, session, viewer, shop, rejected)
    if is_htmx(request):
        return render(request, "loyalty/_backtest.html", context, viewer=viewer)
    form = with_blank_rows(RulesForm(values=dict(values), rows={}))
    page = program_context(session, viewer, shop, form=form) | context
    return render(request, "loyalty/program.html", page, viewer=viewer)


@router.post("/loyalty/program/backtest")
def loyalty_backtest(request: Request, shop: str = Form(""), config: str = Form(""), viewer: Viewer = Reader,
                     session: Session = PageSession):
    """Apply the rules in the editor to the stored history and show what would change (writes nothing)."""
    context = backtest(session, viewer, shop, config)
    return render(request, "loyalty/_backtest.html", context, viewer=viewer)


@router.post("/loyalty/program/publish")
def loyalty_publish(request: Request, shop: str = Form(""), version: str = Form(""), viewer: Viewer = Settings,
                    session: Session = PageSession):
    """Publish the draft: its rules govern points and tiers from now on."""
    view = publish(session, shop, version, actor=viewer.actor)
    return redirect(request, f"/loyalty/program{view.shop_query}&result=published" if view.shop_query
               else "/loyalty/program?result=published")
