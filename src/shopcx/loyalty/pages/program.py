"""The program page: the published rules as tables, the draft as JSON (or a thresholds form), backtest, publish."""

from __future__ import annotations

import json

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ...core.errors import Conflict, InvalidInput, NotFound
from ...core.money import to_minor
from ...staff.service import Actor
from ...web.auth import PageSession, Viewer
from ...web.templating import render
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

MAX_CONFIG_CHARS = 200_000


def _draft(session: Session, view: ProgramView) -> ProgramVersion | None:
    rows = programs.versions(session, view.program) if view.program else []
    return next((row for row in rows if row.status == "draft"), None)


def _document(config: ProgramConfig | dict) -> str:
    data = config.model_dump(mode="json") if isinstance(config, ProgramConfig) else config
    return json.dumps(data, ensure_ascii=False, indent=2)


def draft_context(session: Session, viewer: Viewer, view: ProgramView, *, text: str | None = None,
                  saved: bool = False) -> dict:
    """The editor: the open draft (else the published rules as a starting point) and the thresholds form."""
    draft = _draft(session, view)
    base = draft.config if draft else (view.config.model_dump(mode="json") if view.config else None)
    try:
        editable = parse_config(base) if base else None
    except InvalidInput:  # a draft stored by an older release may no longer parse; the JSON still shows it
        editable = None
    return {"view": view, "draft": draft, "saved": saved, "editable": editable,
            "config_text": text if text is not None else (_document(base) if base else ""),
            "major": lambda amount: major(amount, view.currency),
            "tier_label": lambda code: tier_name(editable, code, viewer.locale)}


def program_context(session: Session, viewer: Viewer, shop: str) -> dict:
    """Everything on the program page."""
    view = program_view(session, shop)
    context = {"view": view, "tz": view.tz, "currency": view.currency, "config": view.config,
               "multiplier": multiplier, "versions": programs.versions(session, view.program) if view.program else [],
               "tier_label": lambda code: tier_name(view.config, code, viewer.locale)}
    if view.program is None:
        return context
    return context | draft_context(session, viewer, view)


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


def save_thresholds(session: Session, viewer: Viewer, shop: str, min_spend: list[str],
                    min_orders: list[str]) -> dict:
    """Put new qualifying thresholds (spend in major units, order counts) into the draft, tier by tier."""
    view = program_view(session, shop)
    _require_program(view)
    current = draft_context(session, viewer, view)["editable"]
    if current is None:
        raise InvalidInput("invalid_program", "config: fix the draft's JSON first", field="config")
    if len(min_spend) != len(current.tiers) or len(min_orders) != len(current.tiers):
        raise InvalidInput("invalid_input", "tiers: the form does not match the draft's tiers; reload the page",
                           field="tiers")
    data = current.model_dump(mode="json")
    for i, tier in enumerate(data["tiers"]):
        spend_field, orders_field = f"tiers.{i}.min_spend_amount", f"tiers.{i}.min_orders"
        spend_text = min_spend[i].strip() or "0"
        if spend_text.startswith("-"):
            raise InvalidInput("invalid_number", f"{spend_field}: cannot be negative", field=spend_field)
        tier["min_spend_amount"] = to_minor(spend_text, view.currency, field=spend_field)
        tier["min_orders"] = whole_number(min_orders[i], orders_field) or 0
    config = parse_config(data)
    programs.save_draft(session, view.program, config, actor=viewer.actor, note="thresholds")
    return draft_context(session, viewer, view, saved=True)


def backtest(session: Session, viewer: Viewer, shop: str, text: str) -> dict:
    """The editor's rules applied to the stored history as of today (nothing is written)."""
    view = program_view(session, shop)
    if view.active is None:
        raise Conflict("no_published_rules", "publish a first version before backtesting changes against it")
    candidate = parse_config(parse_document(text))
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


@router.post("/loyalty/program/thresholds")
def loyalty_thresholds(request: Request, shop: str = Form(""), min_spend: list[str] = Form([]),
                       min_orders: list[str] = Form([]), viewer: Viewer = Settings, session: Session = PageSession):
    """Change the tiers' qualifying thresholds (in the tiers' order) in the draft with a simple form."""
    context = save_thresholds(session, viewer, shop, min_spend, min_orders)
    return changed_part(request, f"/loyalty/program{context['view'].shop_query}", "loyalty/_draft.html", context,
                        viewer)


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
