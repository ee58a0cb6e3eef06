"""Reviews and their care cases with a link to the review, for the audit log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.links import Links, int_ids
from .models import Review, ReviewCase


def entity_links(session: Session, entity: str, ids: set[str]) -> Links:
    if entity == "review":
        rows = session.execute(select(Review.id, Review.external_id).where(Review.id.in_(int_ids(ids))))
        return {str(i): (external, f"/reviews/{i}") for i, external in rows}
    if entity == "review_case":
        rows = session.execute(select(ReviewCase.id, Review.id, Review.external_id)
                               .join(Review, Review.id == ReviewCase.review_id)
                               .where(ReviewCase.id.in_(int_ids(ids))))
        return {str(i): (external, f"/reviews/{review_id}") for i, review_id, external in rows}
    return {}
