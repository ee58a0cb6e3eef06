"""The surveys' entries on a customer's timeline: each answered survey (never an anonymous one) with its scores."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..core.face import TimelineEntry
from . import service


def entries(session: Session, customer_id: int, limit: int) -> list[TimelineEntry]:
    """The customer's survey answers, from the same call as the customer page's survey section."""
    out = []
    for row in service.customer_answers(session, customer_id, limit=limit):
        response, survey = row["response"], row["survey"]
        scores = " · ".join(f"{k.upper()} {v}" for k, v in sorted(row["scores"].items()))
        out.append(TimelineEntry(response.submitted_at or response.updated_at, "survey",
                                 "timeline.survey" if not response.partial else "timeline.survey_partial",
                                 {"name_zh": survey.name_zh, "name_en": survey.name_en},
                                 href=f"/surveys/{survey.id}", response=scores or None))
    return out
