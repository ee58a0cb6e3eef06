"""Surveys over JSON, twin of the staff pages: the list, a survey from a template, its versions, draft and
publishing; results (CSAT / NPS / CES with intervals, the change between the last two waves, SERVQUAL gaps), the
measure by segment, drivers (IPA), the satisfaction index and its ECSI model; the responses; detractor follow-ups.
Reading needs `surveys:read`, changing `surveys:write`, as the pages do (staff/scope_map.py)."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from pydantic import BaseModel, Field

from ..core.errors import InvalidInput
from ..shops import service as shops
from ..staff.service import Actor
from ..web.api import API_ERRORS, SessionDep, bearer_scheme
from ..web.deps import RowId, require_scope
from . import service
from .pages.imports import keep_upload, upload_path
from .service import imports
from .tables import SOURCES

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["surveys"])
Reader = Annotated[Actor, Depends(require_scope("surveys:read"))]
Writer = Annotated[Actor, Depends(require_scope("surveys:write"))]


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _measure(m) -> dict:
    return {"value": _num(m.value), "low": _num(m.low), "high": _num(m.high), "n": m.n, "unit": m.unit,
            "level": m.level}


def _shop_ids(session) -> list[int]:
    return [x.id for x in shops.list_shops(session)]


def _survey(session, survey_id: int):
    return service.get_survey(session, _shop_ids(session), survey_id)


def _summary(s, answered: int | None = None) -> dict:
    out = {"id": s.id, "shop_id": s.shop_id, "code": s.code, "kind": s.kind, "name_zh": s.name_zh,
           "name_en": s.name_en, "anonymous": s.anonymous, "published_version": s.published_version}
    return out if answered is None else out | {"answered": answered}


def _version(v) -> dict:
    return {"version": v.version, "status": v.status, "template": v.template, "created_at": v.created_at,
            "published_at": v.published_at, "questions": v.questions["questions"]}


class SurveyIn(BaseModel):
    shop: str = Field(min_length=1, max_length=40, description="the shop's code")
    template: str = Field(min_length=1, max_length=40, description="csat_delivery, nps, ces_ticket, servqual, ecsi, "
                                                                    "enps")
    code: str | None = Field(default=None, max_length=40, description="the survey's code (default: the template)")


class DraftIn(BaseModel):
    questions: list[dict[str, Any]] = Field(min_length=1, max_length=200,
                                            description="the questions document (see surveys/questions.py)")


class CloseIn(BaseModel):
    note: str = Field(max_length=4000, description="what was done (1–2000 characters)")


@router.get("/surveys", summary="Surveys with their published version and answered count")
def surveys_api_list(actor: Reader, session: SessionDep) -> list[dict]:
    return [_summary(s, answered) for s, answered in service.list_surveys(session, _shop_ids(session))]


@router.post("/surveys", status_code=201, summary="A new survey (version 1, a draft) from a shipped template")
def surveys_api_create(data: SurveyIn, actor: Writer, session: SessionDep) -> dict:
    shop = shops.get_shop(session, data.shop)
    return _summary(service.create_from_preset(session, shop.id, data.template, code=data.code, actor=actor))


@router.get("/surveys/{survey_id}/versions", summary="A survey's versions with their questions")
def surveys_api_versions(survey_id: RowId, actor: Reader, session: SessionDep) -> list[dict]:
    return [_version(v) for v in service.versions(session, _survey(session, survey_id))]


@router.put("/surveys/{survey_id}/draft", summary="Replace the draft's questions (a published version never changes: "
                                                  "a new draft is started after it)")
def surveys_api_draft(survey_id: RowId, data: DraftIn, actor: Writer, session: SessionDep) -> dict:
    survey = _survey(session, survey_id)
    return _version(service.save_draft(session, survey, {"questions": data.questions}, actor=actor))


@router.post("/surveys/{survey_id}/publish", summary="Publish the draft; the version before is retired")
def surveys_api_publish(survey_id: RowId, actor: Writer, session: SessionDep) -> dict:
    return _version(service.publish(session, _survey(session, survey_id), actor=actor))


@router.get("/surveys/{survey_id}/results", summary="A survey's measures with intervals, wave change, SERVQUAL gaps")
def surveys_api_results(survey_id: RowId, actor: Reader, session: SessionDep) -> dict:
    survey = _survey(session, survey_id)
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


@router.get("/surveys/{survey_id}/segments", summary="CSAT / NPS / CES with intervals by window, carrier, delivery, "
                                                     "product, category, agent, review, tier and lifecycle stage")
def surveys_api_segments(survey_id: RowId, actor: Reader, session: SessionDep,
                         measure: Annotated[str | None, Query(max_length=10)] = None) -> dict:
    survey = _survey(session, survey_id)
    if measure is not None and measure not in service.HEADLINE:
        raise InvalidInput("survey_unknown_measure", f"measure: '{measure}' is not one of "
                           f"{', '.join(service.HEADLINE)}", field="measure",
                           values={"value": measure, "choices": ", ".join(service.HEADLINE)})
    key = measure or service.headline_key(session, survey)
    found = service.segments(session, survey, key=key) if key in service.headline_measures(session, survey) else {}
    return {"measure": key, "segments": {kind: [{"segment": s.segment, **_measure(s.measure),
                                                 "versus_all": _num(s.versus_all)} for s in rows]
                                         for kind, rows in found.items()}}


@router.get("/surveys/{survey_id}/drivers", summary="Importance–performance analysis: quadrants and what to fix first")
def surveys_api_drivers(survey_id: RowId, actor: Reader, session: SessionDep) -> dict:
    found = service.ipa_for(session, _survey(session, survey_id))
    if found is None:
        return {"ipa": None}
    ipa = found.ipa
    return {"ipa": {"source": found.source, "importance_cut": _num(ipa.importance_cut),
                    "performance_cut": _num(ipa.performance_cut),
                    "items": [{"name": i.name, "importance": _num(i.importance), "performance": _num(i.performance),
                               "quadrant": i.quadrant} for i in ipa.items],
                    "fix_first": [i.name for i in ipa.fix_first]}}


@router.get("/surveys/{survey_id}/index", summary="The satisfaction index 0–100 by wave and the ECSI model (PLS): "
                                                  "paths, R², outer weights and loadings, effects, GoF")
def surveys_api_index(survey_id: RowId, actor: Reader, session: SessionDep) -> dict:
    survey = _survey(session, survey_id)
    method, waves = service.index_by_wave(session, survey)
    outcome = service.ecsi_model(session, survey)
    model = problem = None
    if outcome is not None and outcome.result is not None:
        model = outcome.result.to_dict()
    elif outcome is not None and outcome.problem is not None:
        problem = outcome.problem.as_dict()
    return {"method": method, "index": _num(waves[-1].index) if waves else None,
            "waves": [{"wave": w.wave, "index": _num(w.index), "n": w.n} for w in waves],
            "model": model, "model_problem": problem, "model_rows": outcome.rows if outcome else 0}


@router.get("/surveys/{survey_id}/responses", summary="A page of responses with their answers, latest first")
def surveys_api_responses(survey_id: RowId, actor: Reader, session: SessionDep,
                          wave: Annotated[str, Query(max_length=20)] = "",
                          source: Annotated[Literal[SOURCES] | None, Query()] = None,  # type: ignore[valid-type]
                          state: Literal["submitted", "partial"] | None = None,
                          followup: Literal["open", "closed", "any"] | None = None,
                          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
                          limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict:
    survey = _survey(session, survey_id)
    where = service.ResponseFilter(wave=wave.strip(), source=source or "", state=state or "", followup=followup or "")
    rows, total = service.filtered_responses(session, survey, where, offset=offset, limit=limit)
    return {"total": total, "items": [
        {"id": r.id, "wave": r.wave, "source": r.source, "partial": r.partial, "anonymous": r.anonymous,
         "customer_id": r.customer_id, "order_id": r.order_id, "locale": r.locale, "submitted_at": r.submitted_at,
         "updated_at": r.updated_at, "answers": answers} for r, answers in rows]}


def _followup(case) -> dict:
    return {"id": case.id, "response_id": case.response_id, "customer_id": case.customer_id, "reason": case.reason,
            "score": _num(case.score), "status": case.status, "owner_id": case.owner_id, "opened_at": case.opened_at,
            "due_at": case.due_at, "closed_at": case.closed_at, "note": case.note}


@router.get("/surveys/{survey_id}/followups", summary="Detractors' follow-up cases of a survey, soonest due first")
def surveys_api_followups(survey_id: RowId, actor: Reader, session: SessionDep,
                          status: Literal["open", "closed", "all"] = "open",
                          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
    survey = _survey(session, survey_id)
    return [_followup(c) for c in service.followups(session, [survey.shop_id], status=None if status == "all"
                                                    else status, survey_id=survey.id, limit=limit)]


@router.post("/survey-followups/{followup_id}/close", summary="Close a detractor's follow-up with what was done")
def surveys_api_followup_close(followup_id: RowId, data: CloseIn, actor: Writer, session: SessionDep) -> dict:
    return _followup(service.close_followup(session, _shop_ids(session), followup_id, data.note, actor=actor))


@router.post("/surveys/{survey_id}/imports", summary="Import answers from a CSV / XLSX export (问卷星, SurveyMonkey, "
                                                     "any sheet); returns the rejected lines with their reasons")
def surveys_api_import(survey_id: RowId, actor: Writer, session: SessionDep, file: Annotated[UploadFile, File()],
                       mapping: Annotated[str, Form(max_length=20_000, description=(
                           'JSON {"column": "target"}: a question key, key.e / key.p, key.row, key=option, '
                           "@respondent, @submitted, @customer; empty: the mapping suggested from the column names"))]
                       = "",
                       wave: Annotated[str, Form(max_length=20)] = "",
                       lang: Annotated[Literal["zh", "en"], Form(description="the language of the reasons")] = "zh"
                       ) -> dict:
    survey = _survey(session, survey_id)
    version = service.published(session, survey)
    if version is None:
        raise InvalidInput("survey_not_published", "publish the survey before importing answers")
    path = upload_path(keep_upload(file))
    try:
        chosen = _mapping(mapping) if mapping.strip() else \
            imports.suggest_mapping(version, imports.read_sheet(path))
        outcome = imports.import_answers(session, survey, path, chosen, wave=wave.strip(), locale=lang, actor=actor)
    finally:
        path.unlink(missing_ok=True)
    return {"stored": outcome.stored, "already": outcome.already, "mapping": chosen,
            "rejected": [{"line": line, "reason": reason} for line, reason in outcome.rejects]}


def _mapping(text: str) -> dict[str, str]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidInput("survey_mapping_json", 'mapping: give a JSON object {"column": "target", …}',
                           field="mapping")
    return value
