"""A survey's sending page: how it is sent (channel, trigger and delay, reminders, fatigue cap, quota), a wave to
a segment or a seeded sample of it, a test send, and the link list of a wave as an Excel file for agents who send
by platform chat."""

from __future__ import annotations

import io
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ...core import clock, i18n
from ...core.errors import InvalidInput
from ...insights import service as insights
from ...messaging import service as messaging
from ...shops import service as shops
from ...web.auth import PageSession, Viewer
from ...web.deps import RowId, parse_id
from ...web.sheets import XLSX, Column, Sheet, write
from ...web.templating import render
from .. import service as surveys
from ..pages.base import Reader, Writer, shop_ids
from ..pages.surveys import customer_ids
from ..service.links import link_token
from . import service

LINK_COLUMNS = [Column("customer_id", "surveys.send.col.customer_id", "int", 12),
                Column("customer", "surveys.send.col.customer", "text", 16),
                Column("link", "surveys.send.col.link", "text", 70),
                Column("expires_at", "surveys.send.col.expires_at", "datetime", 20)]
router = APIRouter()


def audience_choice(value: str) -> tuple[str | None, str | None]:
    """(segment, stage) from the wave form's audience select: "", "segment:<code>" or "stage:<code>"."""
    kind, _, code = (value or "").partition(":")
    if not value:
        return None, None
    if kind not in ("segment", "stage") or not code:
        raise InvalidInput("survey_wave_audience", "audience: choose listed customers, a segment or a stage",
                           field="audience")
    return (code, None) if kind == "segment" else (None, code)


@router.get("/surveys/{survey_id}/sending")
def surveys_sending(request: Request, survey_id: RowId, result: str = "", viewer: Viewer = Reader,
                    session: Session = PageSession):
    """How the survey is sent, its waves, and the forms to send a wave or a test."""
    survey = surveys.get_survey(session, shop_ids(session), survey_id)
    return render(request, "surveys/sending.html", {
        "survey": survey, "values": service.settings_of(session, survey), "waves": service.waves(session, survey),
        "triggers": service.TRIGGERS, "channels": service.SEND_CHANNELS, "result": result,
        "segments": insights.SEGMENT_CODES, "stages": insights.STAGE_ORDER,
        "default_wave": clock.today_in(shops.get_shop_by_id(session, survey.shop_id).timezone).strftime("%Y-%m"),
        "can_write": viewer.can("surveys:write")}, viewer=viewer)


@router.post("/surveys/{survey_id}/sending")
def surveys_sending_save(request: Request, survey_id: RowId, channel: str = Form("email"), trigger: str = Form(""),
                         delay_days: str = Form("3"), reminders: str = Form("1"), reminder_days: str = Form("3"),
                         fatigue_days: str = Form("30"), quota: str = Form("0"), link_days: str = Form("30"),
                         viewer: Viewer = Writer, session: Session = PageSession):
    """Save how the survey is sent."""
    survey = surveys.get_survey(session, shop_ids(session), survey_id)
    service.update_sending(session, survey, {
        "channel": channel, "trigger": trigger, "delay_days": delay_days, "reminders": reminders,
        "reminder_days": reminder_days, "fatigue_days": fatigue_days, "quota": quota, "link_days": link_days},
        actor=viewer.actor)
    return RedirectResponse(f"/surveys/{survey.id}/sending?result=saved", status_code=303)


@router.post("/surveys/{survey_id}/sending/wave")
def surveys_sending_wave(request: Request, survey_id: RowId, customers: str = Form(""), audience: str = Form(""),
                         wave: str = Form(""), sample: str = Form(""), seed: str = Form("1"), viewer: Viewer = Writer,
                         session: Session = PageSession):
    """Send a wave to the listed customers, an RFM segment or a lifecycle stage, or a seeded random sample."""
    survey = surveys.get_survey(session, shop_ids(session), survey_id)
    size = parse_id(sample) if sample.strip() else None
    chosen_seed = parse_id(seed or "1")
    if (sample.strip() and size is None) or chosen_seed is None:
        raise InvalidInput("invalid_survey_sending", "sample: a whole number", field="sample",
                           values={"low": 1, "high": 1_000_000})
    segment, stage = audience_choice(audience)
    people, named = service.wave_audience(session, survey, segment=segment, stage=stage,
                                          customer_ids=customer_ids(customers) if customers.strip() else None)
    result = service.send_wave(session, survey, people, wave=wave.strip(), sample=size, seed=chosen_seed,
                               audience=named, actor=viewer.actor)
    return RedirectResponse(f"/surveys/{survey.id}/sending?result=wave_{result.queued}_{len(result.skipped)}",
                            status_code=303)


@router.post("/surveys/{survey_id}/sending/test")
def surveys_sending_test(request: Request, survey_id: RowId, to: str = Form(""), channel: str = Form("email"),
                         viewer: Viewer = Writer, session: Session = PageSession):
    """Send the invitation as a buyer would get it (with a preview link) to a staff address."""
    survey = surveys.get_survey(session, shop_ids(session), survey_id)
    shop = shops.get_shop_by_id(session, survey.shop_id)
    url = f"{messaging.public_url()}/surveys/{survey.id}/preview"
    subject, body = service.invitation_texts(survey, shop.name, i18n.t("surveys.send.test_name", viewer.locale), url,
                                   clock.now(), shop.timezone, viewer.locale, reminder=False)
    message = messaging.send_test(session, shop_id=shop.id, channel=channel, address=to, subject=subject,
                                  body=body, sandbox=messaging.current(session, shop.id)["sandbox"],
                                  actor=viewer.actor)
    return RedirectResponse(f"/surveys/{survey.id}/sending?result=test_{message.status}", status_code=303)


@router.get("/surveys/{survey_id}/sending/links.xlsx")
def surveys_sending_links(request: Request, survey_id: RowId, wave: str = "", viewer: Viewer = Writer,
                          session: Session = PageSession):
    """A wave's open links (not answered, not expired) as an Excel list for agents."""
    survey = surveys.get_survey(session, shop_ids(session), survey_id)
    shop = shops.get_shop_by_id(session, survey.shop_id)
    rows = service.open_links(session, survey, wave)
    names = surveys.customer_names(session, {r.customer_id for r in rows if r.customer_id})
    base = messaging.public_url()
    sheet = Sheet(i18n.t("surveys.send.links_title", viewer.locale), LINK_COLUMNS, tz=shop.timezone,
                  locale=viewer.locale)
    out = io.BytesIO()
    write(sheet, ({"customer_id": r.customer_id, "customer": names.get(r.customer_id, ""),
                   "link": f"{base}/s/{link_token(r)}", "expires_at": r.expires_at} for r in rows), out)
    name = quote(f"survey-links-{survey.code}-{wave or 'all'}.xlsx")
    return Response(out.getvalue(), media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})
