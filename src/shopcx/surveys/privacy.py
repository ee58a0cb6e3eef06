"""The surveys' part of a buyer's data rights: export their (non-anonymous) responses and answers; erase the text
they typed (scores stay, so results do not move)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.privacy import ERASED, Erasure
from ..core.rows import row_dict
from .tables import Answer, Response


def erase(session: Session, erasure: Erasure) -> None:
    ids = list(session.scalars(select(Response.id).where(Response.customer_id == erasure.customer_id)))
    if ids:
        for a in session.scalars(select(Answer).where(Answer.response_id.in_(ids))):
            if isinstance(a.value, str) and a.score is None:
                a.value = ERASED
            else:
                a.value = erasure.scrub_json(a.value)
    session.flush()


def export(session: Session, customer_id: int) -> dict[str, list[dict]]:
    responses = list(session.scalars(select(Response).where(Response.customer_id == customer_id,
                                                            Response.anonymous.is_(False))))
    ids = [r.id for r in responses]
    answers = session.scalars(select(Answer).where(Answer.response_id.in_(ids))) if ids else []
    return {"survey_response": [row_dict(r) for r in responses], "survey_answer": [row_dict(a) for a in answers]}
