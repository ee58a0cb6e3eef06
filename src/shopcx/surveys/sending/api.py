"""Survey sending over JSON: a survey's sending rules (channel, trigger, reminders, fatigue cap, quota; read and
change), its waves, a wave to listed customers, an RFM segment or a lifecycle stage of the latest analysis, or a
seeded sample of them; personal links for agents who send by platform chat, a wave's open links, and the public
link opened or closed; with `surveys:read` / `surveys:write` as the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from ...messaging import service as messaging
from ...shops import service as shops
from ...staff.service import Actor
from ...web.api import API_ERRORS, SessionDep, bearer_scheme
from ...web.deps import RowId, require_scope
from .. import service as surveys
from ..service.links import link_token
from . import service

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["surveys"])
Reader = Annotated[Actor, Depends(require_scope("surveys:read"))]
Writer = Annotated[Actor, Depends(require_scope("surveys:write"))]


class WaveIn(BaseModel):
    wave: str = Field(min_length=1, max_length=20)
    customer_ids: list[int] | None = Field(default=None, max_length=100_000,
                                           description="the segment as a list; or give `segment` / `stage`")
    segment: str | None = Field(default=None, max_length=20, description="an RFM segment code: champions, at_risk, …")
    stage: str | None = Field(default=None, max_length=20, description="a lifecycle stage: first_time, repeat, …")
    sample: int | None = Field(default=None, ge=1, le=1_000_000)
    seed: int = Field(default=1, ge=0, le=2**31)
    channel: str | None = Field(default=None, max_length=10)


class SendingIn(BaseModel):
    """The rules to change; a field left out keeps its value."""

    channel: str | None = Field(default=None, max_length=10, description="email, sms, wechat or agent")
    trigger: str | None = Field(default=None, max_length=20,
                                description="order_delivered, ticket_closed, review_received, or \"\" for none")
    delay_days: int | None = None
    reminders: int | None = Field(default=None, description="reminders to a non-responder at most")
    reminder_days: int | None = Field(default=None, description="days between reminders")
    fatigue_days: int | None = Field(default=None, description="no person surveyed twice within these days")
    quota: int | None = Field(default=None, description="answers per wave at most; 0 = no quota")
    link_days: int | None = None


class LinksIn(BaseModel):
    customer_ids: list[int] = Field(min_length=1, max_length=5000)
    wave: str = Field(min_length=1, max_length=20)
    days: int = Field(default=30, ge=1, le=365, description="how many days each link works")


class PublicLinkIn(BaseModel):
    open: bool = Field(description="true: open (or keep) the anonymous public link; false: close it")


def _survey(session, survey_id: int):
    return surveys.get_survey(session, [s.id for s in shops.list_shops(session)], survey_id)


@router.get("/surveys/{survey_id}/sending", summary="How a survey is sent")
def surveys_api_sending(survey_id: RowId, actor: Reader, session: SessionDep) -> dict:
    return service.settings_of(session, _survey(session, survey_id))


@router.put("/surveys/{survey_id}/sending", summary="Change how a survey is sent")
def surveys_api_sending_save(survey_id: RowId, values: SendingIn, actor: Writer, session: SessionDep) -> dict:
    return service.update_sending(session, _survey(session, survey_id), values.model_dump(exclude_unset=True),
                                  actor=actor)


@router.get("/surveys/{survey_id}/waves", summary="A survey's waves: invited and answered")
def surveys_api_waves(survey_id: RowId, actor: Reader, session: SessionDep) -> list[dict]:
    return [{"wave": wave, "invited": invited, "answered": answered}
            for wave, invited, answered in service.waves(session, _survey(session, survey_id))]


@router.post("/surveys/{survey_id}/waves",
             summary="Send a wave to listed customers, an RFM segment or a lifecycle stage, or a seeded sample")
def surveys_api_wave(survey_id: RowId, data: WaveIn, actor: Writer, session: SessionDep) -> dict:
    survey = _survey(session, survey_id)
    people, audience = service.wave_audience(session, survey, customer_ids=data.customer_ids, segment=data.segment,
                                             stage=data.stage)
    result = service.send_wave(session, survey, people, wave=data.wave, sample=data.sample, seed=data.seed,
                               channel=data.channel, audience=audience, actor=actor)
    return {"wave": result.wave, "drawn": result.drawn, "queued": result.queued, "skipped": result.reasons()}


@router.post("/surveys/{survey_id}/links", summary="Personal links for listed customers, for agents who send them "
                                                   "by platform chat (nothing is sent)")
def surveys_api_links(survey_id: RowId, data: LinksIn, actor: Writer, session: SessionDep) -> dict:
    issued, skipped = surveys.invite(session, _survey(session, survey_id), data.customer_ids, wave=data.wave,
                                     channel="chat", days=data.days, actor=actor)
    base = messaging.public_url()
    return {"links": [{"customer_id": x.customer_id, "url": f"{base}/s/{x.token}", "expires_at": x.expires_at}
                      for x in issued],
            "skipped": [{"customer_id": cid, "reason": reason} for cid, reason in skipped]}


@router.get("/surveys/{survey_id}/open-links", summary="A wave's links not yet answered nor expired (all waves "
                                                       "without one)")
def surveys_api_open_links(survey_id: RowId, actor: Writer, session: SessionDep,
                           wave: Annotated[str, Query(max_length=20)] = "") -> list[dict]:
    base = messaging.public_url()
    return [{"customer_id": r.customer_id, "wave": r.wave, "url": f"{base}/s/{link_token(r)}",
             "expires_at": r.expires_at} for r in service.open_links(session, _survey(session, survey_id), wave)]


@router.put("/surveys/{survey_id}/public-link", summary="Open or close the survey's anonymous public link")
def surveys_api_public_link(survey_id: RowId, data: PublicLinkIn, actor: Writer, session: SessionDep) -> dict:
    survey = _survey(session, survey_id)
    if not data.open:
        surveys.close_public_link(session, survey, actor=actor)
        return {"open": False, "url": None}
    return {"open": True, "url": f"{messaging.public_url()}/p/{surveys.open_public_link(session, survey, actor=actor)}"}
