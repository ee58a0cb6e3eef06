"""The ticket's category suggested from its words by the reviews' text analysis (the same drivers a review's text is
tagged with); staff change it on the ticket page like any category, and the history shows who set what."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...staff.service import Actor
from ..models import Ticket
from ..service import tickets

# The analysis names drivers; the desk's categories are the same words, with security filed as privacy.
_CATEGORY = {"quality": "quality", "description": "description", "service": "service", "logistics": "logistics",
             "packaging": "packaging", "price": "price", "security": "privacy"}
SUGGESTER = Actor(label="system:text", scopes=frozenset({"desk:write"}))


def suggested_category(text: str) -> str | None:
    """The first driver the text mentions, as a desk category; None when it names none (or analysis is missing)."""
    from ...reviews.service.analysis import drivers_of

    return next((_CATEGORY[a] for a in drivers_of(text) if a in _CATEGORY), None)


def suggest(session: Session, ticket: Ticket, text: str) -> str | None:
    """Give an uncategorised ticket the suggested category (a 'category' event by system:text); returns it."""
    if ticket.category is not None:
        return None
    category = suggested_category(f"{ticket.subject}\n{text}")
    if category is not None:
        tickets.set_category(session, ticket, category, actor=SUGGESTER)
    return category
