"""Surveys and their versions: make a survey from a shipped preset, keep a draft, publish a version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import Conflict, InvalidInput, NotFound
from ...staff.service import Actor, audit
from ..presets import PRESETS, preset
from ..questions import validate_questions
from ..tables import Survey, SurveyVersion


def create_from_preset(session: Session, shop_id: int, preset_code: str, *, code: str | None = None,
                       actor: Actor) -> Survey:
    """A new survey with version 1 (a draft) holding a shipped preset's questions."""
    if preset_code not in PRESETS:
        raise InvalidInput("unknown_preset", f"template: {preset_code!r} is not one of {', '.join(PRESETS)}",
                           field="template")
    kind, zh, en, anonymous, doc = preset(preset_code)
    code = (code or preset_code).strip().lower()
    if session.scalar(select(Survey.id).where(Survey.shop_id == shop_id, Survey.code == code)):
        raise Conflict("survey_exists", f"code: this shop already has a survey {code}", field="code")
    now = clock.now()
    survey = Survey(shop_id=shop_id, code=code, kind=kind, name_zh=zh, name_en=en, anonymous=anonymous,
                    created_at=now, updated_at=now)
    session.add(survey)
    session.flush()
    session.add(SurveyVersion(survey_id=survey.id, version=1, status="draft", questions=doc, template=preset_code,
                              created_at=now, created_by=actor.label))
    audit(session, actor, "survey.create", "survey", survey.id, {"template": preset_code})
    session.flush()
    return survey


def get_survey(session: Session, shop_ids, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None or survey.shop_id not in shop_ids:
        raise NotFound("survey_not_found", "this survey does not exist")
    return survey


def versions(session: Session, survey: Survey) -> list[SurveyVersion]:
    return list(session.scalars(select(SurveyVersion).where(SurveyVersion.survey_id == survey.id)
                                .order_by(SurveyVersion.version)))


def latest_draft(session: Session, survey: Survey) -> SurveyVersion | None:
    return next((v for v in reversed(versions(session, survey)) if v.status == "draft"), None)


def published(session: Session, survey: Survey) -> SurveyVersion | None:
    if survey.published_version is None:
        return None
    return session.scalar(select(SurveyVersion).where(SurveyVersion.survey_id == survey.id,
                                                      SurveyVersion.version == survey.published_version))


def save_draft(session: Session, survey: Survey, questions: dict, *, actor: Actor) -> SurveyVersion:
    """The questions of the draft (a new draft after the published version if there is none)."""
    doc = validate_questions(questions)
    draft = latest_draft(session, survey)
    if draft is None:
        last = max((v.version for v in versions(session, survey)), default=0)
        draft = SurveyVersion(survey_id=survey.id, version=last + 1, status="draft", created_at=clock.now(),
                              created_by=actor.label, questions=doc)
        session.add(draft)
    else:
        draft.questions = doc
    session.flush()
    return draft


def publish(session: Session, survey: Survey, *, actor: Actor) -> SurveyVersion:
    """Publish the draft: it becomes the version new links use; the one before is retired (its links still work)."""
    draft = latest_draft(session, survey)
    if draft is None:
        raise Conflict("nothing_to_publish", "this survey has no draft to publish")
    validate_questions(draft.questions)
    if (old := published(session, survey)) is not None:
        old.status = "retired"
    now = clock.now()
    draft.status, draft.published_at, draft.published_by = "published", now, actor.label
    survey.published_version, survey.updated_at = draft.version, now
    audit(session, actor, "survey.publish", "survey", survey.id, {"version": draft.version})
    session.flush()
    return draft
