"""Results of a survey: the list of surveys, headline measures and their change between waves, the responses,
SERVQUAL gaps and a customer's answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...customers.models import Customer
from .. import rules
from ..questions import SCALES, readable_answers
from ..tables import Answer, Followup, Invitation, Response, Survey, SurveyVersion
from .surveys import published

HEADLINE = ("csat", "nps", "ces", "enps")
_MEASURES = {"csat": rules.csat, "nps": rules.nps, "enps": rules.nps, "ces": rules.ces}
_COMPARE = {"csat": rules.compare_csat, "nps": rules.compare_nps, "enps": rules.compare_nps, "ces": rules.compare_ces}


def list_surveys(session: Session, shop_ids) -> list[tuple[Survey, int]]:
    counts = dict(session.execute(select(Response.survey_id, func.count(Response.id))
                                  .where(Response.partial.is_(False)).group_by(Response.survey_id)).all())
    rows = session.scalars(select(Survey).where(Survey.shop_id.in_(shop_ids)).order_by(Survey.created_at.desc(),
                                                                                        Survey.id.desc()))
    return [(s, counts.get(s.id, 0)) for s in rows]


def _headline_scores(session: Session, survey: Survey) -> dict[str, list[tuple[str | None, int]]]:
    """(wave, score) of the submitted answers to each headline question whose scale is its measure's own."""
    out: dict[str, list[tuple[str | None, int]]] = {}
    for key, fn in _MEASURES.items():
        if not _scale_fits(session, survey, key, fn):
            continue
        rows = session.execute(
            select(Response.wave, Answer.score).join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == survey.id, Response.partial.is_(False), Answer.question == key,
                   Answer.score.is_not(None)).order_by(Response.submitted_at, Response.id)).all()
        if rows:
            out[key] = [(wave, int(score)) for wave, score in rows]
    return out


def headline_measures(session: Session, survey: Survey) -> dict[str, rules.Measure]:
    """CSAT, NPS and CES (with their intervals) of the submitted answers to the survey's main questions."""
    return {key: _MEASURES[key]([s for _, s in rows]) for key, rows in _headline_scores(session, survey).items()}


@dataclass(frozen=True)
class WaveChange:
    before: str
    after: str
    change: rules.Change


def wave_changes(session: Session, survey: Survey, *, before: str | None = None,
                 after: str | None = None) -> dict[str, WaveChange]:
    """Each headline measure's change from the second-latest wave to the latest (or from wave `before` to wave
    `after`), with its significance test (waves in the order they were first answered; at least 2 answers in each)."""
    out: dict[str, WaveChange] = {}
    for key, rows in _headline_scores(session, survey).items():
        waves: dict[str, list[int]] = {}
        for wave, score in rows:
            if wave:
                waves.setdefault(wave, []).append(score)
        usable = [w for w, scores in waves.items() if len(scores) >= 2]
        if len(usable) < 2:
            continue
        first, last = (before, after) if before and after else (usable[-2], usable[-1])
        if first in usable and last in usable:
            out[key] = WaveChange(first, last, _COMPARE[key](waves[first], waves[last]))
    return out


def _scale_fits(session: Session, survey: Survey, key: str, fn) -> bool:
    """The measure's own scale (CSAT 1–5, NPS 0–10, CES 1–7) is the question's in the published version."""
    version = published(session, survey)
    want = {rules.csat: "1-5", rules.nps: "0-10", rules.ces: "1-7"}[fn]
    q = next((q for q in (version.questions["questions"] if version else []) if q["key"] == key), None)
    return q is not None and q.get("scale") == want and want in SCALES


def responses(session: Session, survey: Survey, *, limit: int = 50, offset: int = 0) -> tuple[list[Response], int]:
    base = select(Response).where(Response.survey_id == survey.id)
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    rows = session.scalars(base.order_by(Response.updated_at.desc(), Response.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def servqual_gaps(session: Session, survey: Survey) -> rules.Servqual | None:
    """SERVQUAL gaps (perception − expectation) of the submitted answers, per item, dimension and overall, and
    weighted by the importance the respondents stated in the `importance` matrix (its mean per dimension)."""
    version = published(session, survey)
    if version is None:
        return None
    questions = version.questions["questions"]
    dimension_of = {q["key"]: q["dimension"] for q in questions if q["type"] == "servqual"}
    if not dimension_of:
        return None
    rows = session.execute(select(Answer.question, Answer.value).join(Response, Response.id == Answer.response_id)
                           .where(Response.survey_id == survey.id, Response.partial.is_(False),
                                  Answer.question.in_([*dimension_of, "importance"]))).all()
    pairs: dict[str, list[tuple[int, int]]] = {}
    stated: dict[str, list[int]] = {}
    for key, value in rows:
        if key == "importance" and isinstance(value, dict):
            for dim, rating in value.items():
                stated.setdefault(dim, []).append(int(rating))
        elif isinstance(value, dict) and "expectation" in value:
            pairs.setdefault(key, []).append((int(value["expectation"]), int(value["perception"])))
    if not pairs:
        return None
    importance = {d: sum(v) / len(v) for d, v in stated.items()} or None
    return rules.servqual(pairs, dimension_of, importance=importance)



def customer_answers(session: Session, customer_id: int, limit: int = 20, *, locale: str = "zh") -> list[dict]:
    """A customer's responses (submitted and partial; anonymous ones are never tied to a person), latest first,
    with the survey, the scores of its headline questions and every answer as the question it answers
    (`answers`, read against the version the buyer answered, in `locale`)."""
    found = session.execute(select(Response, Survey).join(Survey, Survey.id == Response.survey_id)
                            .where(Response.customer_id == customer_id, Response.anonymous.is_(False))
                            .order_by(Response.updated_at.desc(), Response.id.desc()).limit(limit)).all()
    out = []
    for response, survey in found:
        stored = session.execute(select(Answer.question, Answer.value, Answer.score)
                                 .where(Answer.response_id == response.id).order_by(Answer.id)).all()
        followup = session.scalar(select(Followup.status).where(Followup.response_id == response.id))
        version = session.get(SurveyVersion, response.version_id)
        out.append({"response": response, "survey": survey, "followup": followup, "version": version.version,
                    "scores": {k: int(v) for k, _, v in stored if k in HEADLINE and v is not None},
                    "answers": readable_answers(version.questions, {k: v for k, v, _ in stored}, locale)})
    return out


def customer_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Names (or nicknames) of customers for a list of responses."""
    if not ids:
        return {}
    rows = session.execute(select(Customer.id, Customer.name, Customer.nickname).where(Customer.id.in_(ids)))
    return {i: name or nick or f"#{i}" for i, name, nick in rows}


@dataclass
class TicketCsat:
    """The CSAT answer (1–5) that rates one desk ticket."""

    score: int
    survey: Survey
    at: datetime  # when the buyer submitted it


@dataclass
class ClosedTicket:
    """What ticket_csat needs of a desk ticket (the desk's table is the desk's to read)."""

    id: int
    customer_id: int | None
    order_id: int | None
    closed_at: datetime | None


def ticket_csat(session: Session, tickets: list[ClosedTicket]) -> dict[int, TicketCsat]:
    """Each ticket's CSAT: the first submitted answer to the invitation its closing sent (invitation.ticket_id).
    For invitations made before invitations named their ticket (ticket_known false) only, the old inference: the
    first CSAT the same buyer submitted after the close, on the ticket's order or on no order."""
    ids = [t.id for t in tickets]
    if not ids:
        return {}
    scored = (select(Invitation.ticket_id, Response.customer_id, Response.order_id, Response.submitted_at, Survey,
                     Answer.score)
              .join(Response, Response.invitation_id == Invitation.id).join(Survey, Survey.id == Response.survey_id)
              .join(Answer, Answer.response_id == Response.id)
              .where(Answer.question == "csat", Answer.score.is_not(None), Response.submitted_at.is_not(None),
                     Response.anonymous.is_(False)).order_by(Response.submitted_at, Response.id))
    found: dict[int, TicketCsat] = {}
    for ticket_id, _, _, at, survey, score in session.execute(scored.where(Invitation.ticket_id.in_(ids))):
        found.setdefault(ticket_id, TicketCsat(int(score), survey, at))
    legacy = [t for t in tickets if t.id not in found and t.customer_id is not None and t.closed_at is not None]
    if legacy:
        rows = session.execute(scored.where(Invitation.ticket_known.is_(False),
                                            Response.customer_id.in_({t.customer_id for t in legacy}))).all()
        for ticket in legacy:
            hit = next((r for r in rows if r.customer_id == ticket.customer_id and r.submitted_at >= ticket.closed_at
                        and r.order_id in (None, ticket.order_id)), None)
            if hit is not None:
                found[ticket.id] = TicketCsat(int(hit.score), hit.Survey, hit.submitted_at)
    return found
