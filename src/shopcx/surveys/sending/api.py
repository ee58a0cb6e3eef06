"""Survey sending over JSON: a survey's sending rules (channel, trigger, reminders, fatigue cap, quota; read and
change), its waves, and a wave to listed customers, an RFM segment or a lifecycle stage of the latest analysis, or a
seeded sample of them, with `surveys:read` / `surveys:write` as the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from ...shops import service as shops
from ...staff.service import Actor
from ...web.api import API_ERRORS, SessionDep, bearer_scheme
from ...web.deps import RowId, require_scope
from .. import service as surveys
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
    people = service.wave_audience(session, survey, customer_ids=data.customer_ids, segment=data.segment,
                                   stage=data.stage)
    audience = "+".join(f"{kind}:{code}" for kind, code in (("segment", data.segment), ("stage", data.stage))
                        if code) or "list"
    result = service.send_wave(session, survey, people, wave=data.wave, sample=data.sample, seed=data.seed,
                               channel=data.channel, audience=audience, actor=actor)
    return {"wave": result.wave, "drawn": result.drawn, "queued": result.queued, "skipped": result.reasons()}
