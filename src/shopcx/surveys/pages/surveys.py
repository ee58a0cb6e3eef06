"""Staff survey pages: the list, a survey's results (CSAT / NPS / CES with their intervals, the responses),
making a survey from a shipped template, publishing it, and personal links for a list of customers exported as
a CSV for agents who send them by platform chat (no e-mail is sent from here)."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core import i18n
from ...core.errors import InvalidInput, NotFound
from ...core.face import Panel
from ...shops import service as shops
from ...staff import service as staff
from ...web.auth import PageSession, Viewer
from ...web.deps import MAX_ID, RowId, parse_id
from ...web.templating import render
from .. import service
from ..presets import PRESETS
from ..public import points
from ..tables import Invitation
from ..tables import Response as Answered
from .base import Reader, Writer, shop_ids

MAX_LINKS = 5000  # one export; a larger wave is sent in parts
PANEL_ROWS = 100  # the customer page lists every response a person gives in practice; beyond, the latest
_CODE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


def customer_ids(text: str) -> list[int]:
    """Customer ids typed or pasted one per line (or separated by commas / spaces); a bad entry is named."""
    ids: list[int] = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        for part in re.split(r"[,，\s]+", line.strip()):
            if not part:
                continue
            value = parse_id(part)
            if value is None or value > MAX_ID:
                raise InvalidInput("invalid_customer_list", f"customers: line {n}: '{part}' is not a customer id",
                                   field="customers", line=n)
            ids.append(value)
    if not ids:
        raise InvalidInput("invalid_customer_list", "customers: give at least one customer id", field="customers")
    if len(ids) > MAX_LINKS:
        raise InvalidInput("invalid_customer_list", f"customers: at most {MAX_LINKS} per export",
                           field="customers")
    return ids


def links_csv(request: Request, issued, skipped, locale: str) -> bytes:
    """The links as a CSV with a BOM (Excel opens it in UTF-8), then the customers left out and why, in the
    reader's language."""
    base = str(request.base_url).rstrip("/")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([i18n.t(f"surveys.links_col.{c}", locale) for c in ("customer_id", "customer", "link",
                                                                        "expires_at", "note")])
    for x in issued:
        writer.writerow((x.customer_id, x.customer_name, f"{base}/s/{x.token}", x.expires_at.isoformat(), ""))
    for cid, reason in skipped:
        writer.writerow((cid, "", "", "", i18n.t(f"surveys.links_skip.{reason}", locale)))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _survey_context(session: Session, survey) -> dict:
    versions = service.versions(session, survey)
    rows, total = service.responses(session, survey, limit=50)
    waves = session.execute(select(Invitation.wave, func.count(Invitation.id),
                                   func.count(Invitation.answered_at))
                            .where(Invitation.survey_id == survey.id).group_by(Invitation.wave)
                            .order_by(Invitation.wave)).all()
    followups = service.followups(session, [survey.shop_id], survey_id=survey.id)
    people = {r.customer_id for r in rows if r.customer_id} | {f.customer_id for f in followups if f.customer_id}
    return {"survey": survey, "versions": versions, "followups": followups,
            "followup_hours": service.FOLLOWUP_HOURS,
            "owners": {u.id: u.display_name for u in staff.list_users(session)},
            "draft": next((v for v in versions if v.status == "draft"), None),
            "measures": service.headline_measures(session, survey), "changes": service.wave_changes(session, survey),
            "servqual": service.servqual_gaps(session, survey),
            "model": service.ecsi_model(session, survey),
            "responses": rows, "total": total,
            "waves": waves,
            "names": service.customer_names(session, people),
            "shop": next((s for s in shops.list_shops(session) if s.id == survey.shop_id), None)}


def customer_panel(session: Session, customer, viewer: Viewer) -> Panel | None:
    """The customer page's section: every survey this customer answered (never anonymous ones), latest first."""
    if not viewer.can("surveys:read"):
        return None
    rows = service.customer_answers(session, customer.id, limit=PANEL_ROWS, locale=viewer.locale)
    if not rows:
        return None
    return Panel("surveys/_customer_panel.html", {"rows": rows})


router = APIRouter()


@router.get("/surveys")
def surveys_list(request: Request, viewer: Viewer = Reader, session: Session = PageSession):
    """Every survey with its published version and how many answered it; templates to start a new one."""
    return render(request, "surveys/list.html", {
        "surveys": service.list_surveys(session, shop_ids(session)), "presets": PRESETS,
        "shops": shops.list_shops(session), "can_write": viewer.can("surveys:write")}, viewer=viewer)


@router.post("/surveys")
def surveys_create(request: Request, template: str = Form(""), code: str = Form(""), shop: str = Form(""),
                   viewer: Viewer = Writer, session: Session = PageSession):
    """A new survey (version 1, a draft) from a shipped template."""
    listed = shops.list_shops(session)
    chosen = next((s for s in listed if s.id == parse_id(shop or "")), listed[0] if listed and not shop else None)
    if chosen is None:
        raise InvalidInput("invalid_shop", "shop: choose one of the shops", field="shop")
    code = code.strip().lower() or template
    if not _CODE.match(code):
        raise InvalidInput("invalid_survey_code", f"code: '{code}' must be 1–40 lower-case letters, digits, - or _",
                           field="code")
    survey = service.create_from_preset(session, chosen.id, template, code=code, actor=viewer.actor)
    return RedirectResponse(f"/surveys/{survey.id}", status_code=303)


@router.get("/surveys/{survey_id}")
def surveys_detail(request: Request, survey_id: RowId, viewer: Viewer = Reader, session: Session = PageSession):
    """One survey's results: CSAT / NPS / CES with intervals, versions, waves of links and the latest responses."""
    survey = service.get_survey(session, shop_ids(session), survey_id)
    context = _survey_context(session, survey)
    model = context["model"]
    problem = i18n.error_text(model.problem, viewer.locale) if model and model.problem else None
    return render(request, "surveys/detail.html", context | {"can_write": viewer.can("surveys:write"),
                                                             "model_problem": problem,
                                                             "base_url": str(request.base_url).rstrip("/")},
                  viewer=viewer)


@router.post("/surveys/{survey_id}/public")
def surveys_public_link(request: Request, survey_id: RowId, open: str = Form("1"), viewer: Viewer = Writer,
                        session: Session = PageSession):
    """Open the survey's public (anonymous) link, or close it."""
    survey = service.get_survey(session, shop_ids(session), survey_id)
    if open == "1":
        service.open_public_link(session, survey, actor=viewer.actor)
    else:
        service.close_public_link(session, survey, actor=viewer.actor)
    return RedirectResponse(f"/surveys/{survey.id}", status_code=303)


@router.post("/surveys/{survey_id}/publish")
def surveys_publish(request: Request, survey_id: RowId, viewer: Viewer = Writer, session: Session = PageSession):
    """Publish the draft: new links use it; the version before is retired."""
    survey = service.get_survey(session, shop_ids(session), survey_id)
    service.publish(session, survey, actor=viewer.actor)
    return RedirectResponse(f"/surveys/{survey.id}", status_code=303)


@router.post("/surveys/{survey_id}/links")
def surveys_links(request: Request, survey_id: RowId, customers: str = Form(""), wave: str = Form(""),
                  days: str = Form("30"), viewer: Viewer = Writer, session: Session = PageSession):
    """Personal links for the listed customers, as a CSV to hand to agents (one link per person per wave)."""
    survey = service.get_survey(session, shop_ids(session), survey_id)
    ids = customer_ids(customers)
    lifetime = parse_id(days or "")
    if lifetime is None:
        raise InvalidInput("invalid_days", f"days: '{days}' is not a whole number", field="days")
    issued, skipped = service.invite(session, survey, ids, wave=wave, channel="chat", days=lifetime,
                                     actor=viewer.actor)
    name = quote(f"survey-links-{survey.code}-{wave.strip()}.csv")
    return Response(links_csv(request, issued, skipped, viewer.locale), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


@router.get("/surveys/{survey_id}/preview")
def surveys_preview(request: Request, survey_id: RowId, lang: str = "", version: str = "", viewer: Viewer = Reader,
                    session: Session = PageSession):
    """The survey as the buyer sees it (the draft by default, else the published version), in zh or en; its
    buttons do nothing."""
    survey = service.get_survey(session, shop_ids(session), survey_id)
    versions = service.versions(session, survey)
    wanted = parse_id(version) if version else None
    chosen = next((v for v in versions if v.version == wanted), None) if wanted else \
        next((v for v in reversed(versions) if v.status == "draft"), None) or service.published(session, survey)
    if chosen is None:
        raise NotFound("survey_version_not_found", "this survey has no such version")
    locale = lang if lang in ("zh", "en") else viewer.locale
    questions = chosen.questions["questions"]
    return render(request, "surveys/answer.html", {
        "locale": locale, "preview": True, "token": "", "survey": survey, "questions": questions,
        "shop_name": next((s.name for s in shops.list_shops(session) if s.id == survey.shop_id), ""),
        "values": {}, "points": points, "hidden": {q["key"] for q in questions if q.get("show_if")},
        "message": None, "error": None, "error_field": None, "other_lang": "en" if locale == "zh" else "zh",
        "preview_version": chosen.version}, viewer=viewer)


@router.post("/surveys/followups/{followup_id}/close")
def surveys_followup_close(request: Request, followup_id: RowId, note: str = Form(""), viewer: Viewer = Writer,
                           session: Session = PageSession):
    """Close a detractor's follow-up with what was done."""
    case = service.close_followup(session, shop_ids(session), followup_id, note, actor=viewer.actor)
    survey_id = session.scalar(select(Answered.survey_id).where(Answered.id == case.response_id))
    return RedirectResponse(f"/surveys/{survey_id}", status_code=303)
