"""Signed links to a ticket's status page (`/t/<token>`) and the form token that guards its buttons.

token = "<ticket id>.<expiry, unix seconds>.<HMAC-SHA256 under the site's secret, purpose-prefixed>" (core/tokens.py,
the clear layout these links were first sent with): no database row, no personal data; an altered or expired token
is refused like a page that does not exist.
"""

from __future__ import annotations

from datetime import timedelta

from ...core import clock, tokens
from ...core.errors import NotFound

LINK_DAYS = 365
_LINK = b"shopcx.ticket-link.v1:"
_FORM = b"shopcx.ticket-form.v1:"


class TicketLinkRefused(NotFound):
    """A ticket link that was altered, is malformed or has expired."""


def issue(ticket_id: int, *, days: int = LINK_DAYS, purpose: bytes = _LINK) -> str:
    """A status-page token for one ticket (or, with another purpose, one record), valid `days` days."""
    return tokens.sign_token(purpose, ticket_id, expires=clock.now() + timedelta(days=days), clear=True)


def verify(token: str, *, purpose: bytes = _LINK) -> int:
    """The ticket (record) id of a valid token; TicketLinkRefused otherwise."""
    return tokens.read_id(
        purpose, token, clear=True, invalid=TicketLinkRefused("ticket_link_invalid", "this ticket link is not valid"),
        expired=TicketLinkRefused("ticket_link_expired", "this ticket link has expired; write to the shop again"))[0]


def form_token(token: str) -> str:
    """What the status page's forms return: derived from the link, so only its holder can post."""
    return tokens.form_token(_FORM, token)


def form_token_matches(token: str, given: str | None) -> bool:
    return tokens.form_token_matches(_FORM, token, given)
