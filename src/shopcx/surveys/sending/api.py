"""Survey sending over JSON: a survey's sending rules (read and change) and a wave to a segment or a seeded sample
of it, with `surveys:read` / `surveys:write` as the pages."""

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
    customer_ids: list[int] = Field(min_length=1, max_length=100_000)
    sample: int | None = Field(default=None, ge=1)
    seed: int = 1
    channel: str | None = None


def _survey(session, survey_id: int):
    return surveys.get_survey(session, [s.id for s in shops.list_shops(session)], survey_id)


@router.get("/surveys/{survey_id}/sending", summary="How a survey is sent")
def surveys_api_sending(survey_id: RowId, actor: Reader, session: SessionDep) -> dict:
    return service.settings_of(session, _survey(session, survey_id))


@router.put("/surveys/{survey_id}/sending", summary="Change how a survey is sent")
def surveys_api_sending_save(survey_id: RowId, values: dict, actor: Writer, session: SessionDep) -> dict:
    return service.update_sending(session, _survey(session, survey_id), values, actor=actor)


@router.post("/surveys/{survey_id}/waves", summary="Send a wave to a segment or a seeded random sample of it")
def surveys_api_wave(survey_id: RowId, data: WaveIn, actor: Writer, session: SessionDep) -> dict:
    result = service.send_wave(session, _survey(session, survey_id), data.customer_ids, wave=data.wave,
                               sample=data.sample, seed=data.seed, channel=data.channel, actor=actor)
    return {"wave": result.wave, "queued": result.queued, "skipped": result.reasons()}
