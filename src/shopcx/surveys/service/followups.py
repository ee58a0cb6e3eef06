"""Closing the loop: a detractor's submitted answer (NPS 0–6, CSAT 1–2, an overall SERVQUAL gap below
rules.SERVQUAL_DETRACTOR_GAP) opens a follow-up case with an owner and a deadline, and a `survey_detractor`
event the complaint desk can take over. Anonymous answers are never followed up (nobody to contact), nor are
imported ones (collected elsewhere, often long ago). A promoter (NPS 9–10) counts as an advocate in the
insights lifecycle stages (`promoters`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core import clock, events
from ...core.errors import InvalidInput, NotFound
from ...staff import service as staff
from ...staff.service import Actor, audit
from .. import rules
from ..tables import Answer, Followup, Response, Survey, SurveyVersion

FOLLOWUP_HOURS = 48
OWNER_ROLES = ("manager", "operations", "agent", "owner")


def _owner(session: Session, shop_id: int) -> int | None:
    """The active staff member with the fewest open follow-ups, managers first (ties by id)."""
    users = [u for u in staff.list_users(session) if u.is_active and u.role in OWNER_ROLES]
    if not users:
        return None
    load = dict(session.execute(select(Followup.owner_id, func.count(Followup.id))
                                .where(Followup.shop_id == shop_id, Followup.status == "open")
                                .group_by(Followup.owner_id)).all())
    return min(users, key=lambda u: (load.get(u.id, 0), OWNER_ROLES.index(u.role), u.id)).id


def follow_up(session: Session, response: Response) -> Followup | None:
    """Open the follow-up case of a submitted answer when it is a detractor's (once per response)."""
    if response.partial or response.anonymous or response.customer_id is None or response.source == "import":
        return None
    if session.scalar(select(Followup.id).where(Followup.response_id == response.id)):
        return None
    version = session.get(SurveyVersion, response.version_id)
    dimension_of = {q["key"]: q["dimension"] for q in version.questions["questions"] if q["type"] == "servqual"}
    scores, pairs = {}, {}
    for question, value, score in session.execute(select(Answer.question, Answer.value, Answer.score)
                                                  .where(Answer.response_id == response.id)):
        if question in dimension_of and isinstance(value, dict):
            pairs[question] = (int(value["expectation"]), int(value["perception"]))
        elif question in ("nps", "csat") and score is not None:
            scores[question] = score
    if session.get(Survey, response.survey_id).kind == "enps":
        return None
    found = rules.detractor(scores, pairs, dimension_of)
    if found is None:
        return None
    reason, score = found
    now = clock.now()
    case = Followup(shop_id=response.shop_id, response_id=response.id, customer_id=response.customer_id,
                    reason=reason, score=score, status="open", owner_id=_owner(session, response.shop_id),
                    opened_at=now, due_at=now + timedelta(hours=FOLLOWUP_HOURS))
    session.add(case)
    session.flush()
    events.emit(session, "survey_detractor", "survey_followup", case.id, shop_id=response.shop_id,
                response_id=response.id,
                customer_id=response.customer_id, order_id=response.order_id, reason=reason, score=score,
                owner_id=case.owner_id, due_at=case.due_at.isoformat())
    return case


def followups(session: Session, shop_ids, *, status: str | None = "open", survey_id: int | None = None,
              customer_id: int | None = None, limit: int = 100) -> list[Followup]:
    query = select(Followup).where(Followup.shop_id.in_(shop_ids))
    if status:
        query = query.where(Followup.status == status)
    if survey_id is not None:
        query = query.join(Response, Response.id == Followup.response_id).where(Response.survey_id == survey_id)
    if customer_id is not None:
        query = query.where(Followup.customer_id == customer_id)
    return list(session.scalars(query.order_by(Followup.due_at, Followup.id).limit(limit)))


def close_followup(session: Session, shop_ids, followup_id: int, note: str, *, actor: Actor) -> Followup:
    """Close a follow-up with what was done (required, at most 2000 characters)."""
    case = session.get(Followup, followup_id)
    if case is None or case.shop_id not in shop_ids:
        raise NotFound("followup_not_found", "this follow-up does not exist")
    note = (note or "").strip()
    if not note or len(note) > 2000:
        raise InvalidInput("invalid_followup_note", "note: say what was done (1–2000 characters)", field="note")
    case.status, case.note, case.closed_at = "closed", note, clock.now()
    audit(session, actor, "survey.followup_close", "survey_followup", case.id, {"reason": case.reason})
    session.flush()
    return case


def promoters(session: Session, shop_id: int | None) -> set[int]:
    """Customers whose latest submitted NPS answer (not anonymous) is 9–10: advocates in the lifecycle stages."""
    query = (select(Response.customer_id, Answer.score).join(Answer, Answer.response_id == Response.id)
             .join(Survey, Survey.id == Response.survey_id)
             .where(Answer.question == "nps", Survey.kind != "enps", Response.partial.is_(False),
                    Response.anonymous.is_(False), Response.customer_id.is_not(None), Answer.score.is_not(None))
             .order_by(Response.submitted_at, Response.id))
    if shop_id is not None:
        query = query.where(Response.shop_id == shop_id)
    latest = {cid: score for cid, score in session.execute(query)}
    return {cid for cid, score in latest.items() if score >= 9}
