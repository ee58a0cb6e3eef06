"""The survey's public (anonymous) link `/p/<token>`: anyone with it answers once per visit, nothing ties the
answer to a person. A bot is kept out by a honeypot field (a field people never see; a filled one stores nothing
and is thanked like anyone) and a rate limit per address (at most PUBLIC_PER_HOUR answers an hour from one
address, kept only as a keyed hash)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core import clock, tokens
from ...core.errors import Conflict, TooManyRequests
from ...staff.service import Actor, audit
from ..questions import parse_answers
from ..tables import Answer, Response, Survey, SurveyVersion
from .links import LinkRefused
from .surveys import published

PUBLIC_PER_HOUR = 5
_ADDRESS = b"shopcx.survey-address.v1:"


def open_public_link(session: Session, survey: Survey, *, actor: Actor) -> str:
    """The survey's public link token (made the first time; the same one after)."""
    if published(session, survey) is None:
        raise Conflict("survey_not_published", "publish the survey before making links")
    if survey.public_token is None:
        survey.public_token = secrets.token_urlsafe(18)
        survey.updated_at = clock.now()
        audit(session, actor, "survey.public_open", "survey", survey.id, {})
        session.flush()
    return survey.public_token


def close_public_link(session: Session, survey: Survey, *, actor: Actor) -> None:
    """The public link stops working (answers already given stay)."""
    if survey.public_token is not None:
        survey.public_token, survey.updated_at = None, clock.now()
        audit(session, actor, "survey.public_close", "survey", survey.id, {})
        session.flush()


def public_survey(session: Session, token: str) -> tuple[Survey, SurveyVersion]:
    """The survey and version a public token opens; LinkRefused when it is unknown or closed."""
    survey = session.scalar(select(Survey).where(Survey.public_token == token)) \
        if token and len(token) <= 40 and token.isascii() else None
    version = published(session, survey) if survey is not None else None
    if version is None:
        raise LinkRefused("survey_link_invalid", "this survey link is not valid")
    return survey, version


def address_hash(address: str | None) -> str:
    """The address as a keyed hash: enough to count answers from one place, not to find where it is."""
    return tokens.mac(_ADDRESS, address or "-")


def answered_version(session: Session, survey: Survey, current: SurveyVersion, seen: int | None) -> SurveyVersion:
    """The version a public answer is read against: the one the buyer's form was drawn from (`seen`, sent back with
    the form) when the shop published a newer one meanwhile, so a survey changed while someone answers neither
    loses nor misreads what they said; a published version is never edited, so the old questions are still
    exactly what they saw. A number that is no version this survey ever published falls back to the current."""
    if seen is None or seen == current.version:
        return current
    old = session.scalar(select(SurveyVersion).where(SurveyVersion.survey_id == survey.id,
                                                      SurveyVersion.version == seen,
                                                      SurveyVersion.status == "retired"))
    return old or current


def answer_public(session: Session, token: str, form: dict, *, locale: str, address: str | None,
                  honeypot: str = "", seen_version: int | None = None) -> Response | None:
    """Store a final anonymous answer through the public link, against the version the buyer saw
    (`answered_version`); None (nothing stored) when the honeypot is filled.
    TooManyRequests when this address gave PUBLIC_PER_HOUR answers in the last hour."""
    survey, current = public_survey(session, token)
    version = answered_version(session, survey, current, seen_version)
    if honeypot.strip():
        return None
    now = clock.now()
    key = address_hash(address)
    recent = session.scalar(select(func.count(Response.id)).where(
        Response.address_hash == key, Response.source == "public", Response.started_at >= now - timedelta(hours=1)))
    if recent >= PUBLIC_PER_HOUR:
        raise TooManyRequests("survey_rate_limited", f"at most {PUBLIC_PER_HOUR} answers an hour from one address",
                              values={"n": PUBLIC_PER_HOUR})
    parsed = parse_answers(version.questions, form, complete=True)
    response = Response(shop_id=survey.shop_id, survey_id=survey.id, version_id=version.id, customer_id=None,
                        order_id=None, wave=now.strftime("%Y-%m"), locale=locale, partial=False, anonymous=True,
                        source="public", address_hash=key, started_at=now, updated_at=now, submitted_at=now)
    session.add(response)
    session.flush()
    for question, (value, score) in parsed.items():
        session.add(Answer(response_id=response.id, question=question, value=value, score=score))
    session.flush()
    return response
