"""Mystery-shopper audits over JSON, twins of the audits pages: the list with scores (managers, `desk:settings`,
filtered by shop as the page is) and one audit's scores and notes (`desk:write`, as its scoring page).

The scenario and the auditor's comment are free text: masked (phones, e-mails) without `pii`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from ...shops import service as shops
from ...staff.service import Actor
from ...web.api import API_ERRORS, SessionDep, bearer_scheme
from ...web.deps import RowId, require_scope
from ...web.format import mask_text
from ..reports.api import shop_or_first
from . import rules, service

Manager = Annotated[Actor, Depends(require_scope("desk:settings"))]
Writer = Annotated[Actor, Depends(require_scope("desk:write"))]


class ScoreOut(BaseModel):
    tangibles: int
    reliability: int
    responsiveness: int
    assurance: int
    empathy: int
    overall: float = Field(description="The mean of the five SERVQUAL dimensions (1–5)")
    response_minutes: int | None


class AuditOut(BaseModel):
    id: int
    shop: str
    title: str
    channel: str
    due_on: date
    status: str
    agent_id: int | None = Field(description="The agent checked; null: the whole desk")
    auditor_user_id: int | None
    auditor_name: str | None
    score: ScoreOut | None


class AuditDetailOut(AuditOut):
    scenario: str
    comment: str | None
    contacted_at: datetime | None
    answered_at: datetime | None
    scored_by: str | None
    scored_at: datetime | None


class AuditList(BaseModel):
    shop: str
    items: list[AuditOut]


def _score(s) -> ScoreOut | None:
    if s is None:
        return None
    values = {d: getattr(s, d) for d in rules.DIMENSIONS}
    return ScoreOut(**values, overall=round(rules.overall(values), 2), response_minutes=s.response_minutes)


def _values(a, s, code: str) -> dict:
    return dict(id=a.id, shop=code, title=a.title, channel=a.channel, due_on=a.due_on, status=a.status,
                agent_id=a.agent_id, auditor_user_id=a.auditor_user_id, auditor_name=a.auditor_name, score=_score(s))


router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["desk"])


@router.get("/desk/audits", response_model=AuditList)
def list_audits(actor: Manager, session: SessionDep,
                shop: Annotated[str | None, Query(max_length=40)] = None) -> AuditList:
    """The shop's audit plans (latest due first, as on the page) with their scores once done."""
    found = shop_or_first(session, shop)
    return AuditList(shop=found.code, items=[AuditOut(**_values(a, s, found.code))
                                             for a, s in service.audits(session, found.id)])


@router.get("/desk/audits/{audit_id}", response_model=AuditDetailOut)
def get_audit(audit_id: RowId, actor: Writer, session: SessionDep) -> AuditDetailOut:
    """One audit: its scenario, scores, measured response time and the auditor's notes."""
    found = service.get_audit(session, audit_id)
    code = shops.get_shop_by_id(session, found.shop_id).code
    s = service.score_of(session, found.id)
    masked = (lambda t: t) if actor.allows("pii") else mask_text
    return AuditDetailOut(**_values(found, s, code), scenario=masked(found.scenario),
                          comment=masked(s.comment) if s else None, contacted_at=s.contacted_at if s else None,
                          answered_at=s.answered_at if s else None, scored_by=s.scored_by if s else None,
                          scored_at=s.scored_at if s else None)
