"""Surveys over JSON: the list, and one survey's results (CSAT / NPS / CES with intervals, the change between the
last two waves, SERVQUAL gaps). Everything needs the `surveys:read` scope, as the pages do."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends

from ..shops import service as shops
from ..staff.service import Actor
from ..web.api import API_ERRORS, SessionDep, bearer_scheme
from ..web.deps import RowId, require_scope
from . import service

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["surveys"])
Reader = Annotated[Actor, Depends(require_scope("surveys:read"))]


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _measure(m) -> dict:
    return {"value": _num(m.value), "low": _num(m.low), "high": _num(m.high), "n": m.n, "unit": m.unit,
            "level": m.level}


@router.get("/surveys", summary="Surveys with their published version and answered count")
def surveys_api_list(actor: Reader, session: SessionDep) -> list[dict]:
    return [{"id": s.id, "shop_id": s.shop_id, "code": s.code, "kind": s.kind, "name_zh": s.name_zh,
             "name_en": s.name_en, "anonymous": s.anonymous, "published_version": s.published_version,
             "answered": answered}
            for s, answered in service.list_surveys(session, [x.id for x in shops.list_shops(session)])]


@router.get("/surveys/{survey_id}/results", summary="A survey's measures with intervals, wave change, SERVQUAL gaps")
def surveys_api_results(survey_id: RowId, actor: Reader, session: SessionDep) -> dict:
    survey = service.get_survey(session, [x.id for x in shops.list_shops(session)], survey_id)
    changes = {key: {"before": c.before, "after": c.after, "difference": _num(c.change.difference),
                     "low": _num(c.change.low), "high": _num(c.change.high), "p_value": _num(c.change.p_value),
                     "significant": c.change.significant}
               for key, c in service.wave_changes(session, survey).items()}
    gaps = service.servqual_gaps(session, survey)
    return {"id": survey.id, "code": survey.code, "kind": survey.kind,
            "measures": {k: _measure(m) for k, m in service.headline_measures(session, survey).items()},
            "wave_changes": changes,
            "servqual": None if gaps is None else {"items": gaps.items, "dimensions": gaps.dimensions,
                                                   "overall": gaps.overall, "weighted": gaps.weighted}}
