"""Personal links and the buyer's answers through them.

A personal link's token is base64url("<invitation id>.<expiry>") + "." + HMAC-SHA256 under the site's secret
with a purpose prefix; the invitation stores only the token's SHA-256, so the link is single-use (the
invitation is answered once) and a forged, altered or expired token is refused before any row is read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import clock, tokens
from ...core.errors import Conflict, InvalidInput, NotFound
from ...customers.models import Customer, CustomerIdentity
from ...staff.service import Actor, audit
from ..questions import parse_answers
from ..tables import CHANNELS, Answer, Invitation, Response, Survey, SurveyVersion
from .followups import follow_up
from .surveys import published

LINK_DAYS = 30
_PURPOSE = b"shopcx.survey-link.v1:"


class LinkRefused(NotFound):
    """A survey link that was forged, altered, has expired or was already answered."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _sign(invitation_id: int, expires: datetime) -> str:
    return tokens.sign_token(_PURPOSE, invitation_id, expires=expires)


def link_token(inv: Invitation) -> str:
    """The token of an invitation's link again (for a reminder): the same signature over its id and expiry."""
    return _sign(inv.id, clock.as_utc(inv.expires_at))


@dataclass(frozen=True)
class IssuedLink:
    customer_id: int
    customer_name: str
    invitation_id: int
    token: str
    expires_at: datetime


def _is_demo(session: Session, customer_id: int) -> bool:
    return bool(session.scalar(select(CustomerIdentity.id).where(CustomerIdentity.customer_id == customer_id,
                                                                 CustomerIdentity.source == "demo")))


def invite(session: Session, survey: Survey, customer_ids: list[int], *, wave: str, channel: str = "chat",
           days: int = LINK_DAYS, actor: Actor) -> tuple[list[IssuedLink], list[tuple[int, str]]]:
    """Personal links to the published version for a list of customers, one per person per wave; returns the
    links and the customers skipped with the reason (unknown, erased, demo, already invited in this wave)."""
    if channel not in CHANNELS:
        raise InvalidInput("invalid_channel", f"channel: {channel!r} is not one of {', '.join(CHANNELS)}",
                           field="channel")
    wave = wave.strip()
    if not wave or len(wave) > 20:
        raise InvalidInput("invalid_wave", "wave: give a name of 1–20 characters, e.g. 2026-12", field="wave")
    if not 1 <= days <= 365:
        raise InvalidInput("invalid_days", "days: a link lives 1–365 days", field="days")
    version = published(session, survey)
    if version is None:
        raise Conflict("survey_not_published", "publish the survey before making links")
    now = clock.now()
    expires = now + timedelta(days=days)
    issued, skipped = [], []
    for cid in dict.fromkeys(customer_ids):
        customer = session.get(Customer, cid)
        if customer is None or customer.erased_at is not None:
            skipped.append((cid, "unknown"))
            continue
        if _is_demo(session, cid):
            skipped.append((cid, "demo"))
            continue
        if session.scalar(select(Invitation.id).where(Invitation.survey_id == survey.id, Invitation.wave == wave,
                                                      Invitation.customer_id == cid)):
            skipped.append((cid, "already_invited"))
            continue
        inv = Invitation(shop_id=survey.shop_id, survey_id=survey.id, version_id=version.id, customer_id=cid,
                         channel=channel, token_hash="-" * 64, wave=wave, expires_at=expires, created_at=now)
        session.add(inv)
        session.flush()
        token = _sign(inv.id, expires)
        inv.token_hash = token_hash(token)
        issued.append(IssuedLink(cid, customer.name or customer.nickname or f"#{cid}", inv.id, token, expires))
    audit(session, actor, "survey.invite", "survey", survey.id, {"wave": wave, "links": len(issued)})
    session.flush()
    return issued, skipped


def _refused(code: str, message: str) -> LinkRefused:
    return LinkRefused(code, message)


def open_link(session: Session, token: str) -> Invitation:
    """The invitation a token was issued for; LinkRefused (forged, expired, used) with the reason's code."""
    invitation_id, _ = tokens.read_id(
        _PURPOSE, token, invalid=_refused("survey_link_invalid", "this survey link is not valid"),
        expired=_refused("survey_link_expired", "this survey link has expired"))
    inv = session.get(Invitation, invitation_id)
    if inv is None or inv.token_hash != token_hash(token):
        raise _refused("survey_link_invalid", "this survey link is not valid")
    if clock.now() >= clock.as_utc(inv.expires_at):
        raise _refused("survey_link_expired", "this survey link has expired")
    return inv


def response_for(session: Session, inv: Invitation) -> Response | None:
    return session.scalar(select(Response).where(Response.invitation_id == inv.id))


def answers_of(session: Session, response: Response | None) -> dict:
    if response is None:
        return {}
    return {a.question: a.value for a in session.scalars(select(Answer).where(Answer.response_id == response.id))}


def answer(session: Session, inv: Invitation, form: dict, *, locale: str, final: bool) -> Response:
    """Store the buyer's answers: `final` checks every required shown question and closes the link; otherwise
    what is given is kept as a partial answer. A second final submission is refused."""
    survey = session.get(Survey, inv.survey_id)
    version = session.get(SurveyVersion, inv.version_id)
    response = response_for(session, inv)
    if inv.answered_at is not None or (response is not None and not response.partial):
        raise Conflict("survey_already_answered", "this survey was already answered through this link")
    parsed = parse_answers(version.questions, form, complete=final)
    now = clock.now()
    if response is None:
        response = Response(shop_id=inv.shop_id, survey_id=inv.survey_id, version_id=inv.version_id,
                            invitation_id=inv.id, customer_id=None if survey.anonymous else inv.customer_id,
                            order_id=None if survey.anonymous else inv.order_id, wave=inv.wave, locale=locale,
                            partial=True, anonymous=survey.anonymous, started_at=now, updated_at=now)
        session.add(response)
        session.flush()
    stored = {a.question: a for a in session.scalars(select(Answer).where(Answer.response_id == response.id))}
    for key, (value, score) in parsed.items():
        if key in stored:
            stored[key].value, stored[key].score = value, score
        else:
            session.add(Answer(response_id=response.id, question=key, value=value, score=score))
    if final:
        # what the buyer cleared or what show-if now hides is not part of the final answer
        for key, row in stored.items():
            if key not in parsed:
                session.delete(row)
        response.partial, response.submitted_at = False, now
        inv.answered_at = now
    response.updated_at, response.locale = now, locale
    session.flush()
    if final:
        follow_up(session, response)
    return response
