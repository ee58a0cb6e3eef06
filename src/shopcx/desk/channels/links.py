"""Signed links to a ticket's status page (`/t/<token>`) and the form token that guards its buttons.

token = "<ticket id>.<expiry, unix seconds>.<HMAC-SHA256 under the site's secret, purpose-prefixed>": no database
row, no personal data; an altered or expired token is refused like a page that does not exist.
"""

from __future__ import annotations

from datetime import timedelta

from ...core import clock
from ...core.errors import NotFound
from ...core.security import hmac_sha256_hex, signature_matches
from ...core.settings import get_settings

LINK_DAYS = 365
_LINK = b"shopcx.ticket-link.v1:"
_FORM = b"shopcx.ticket-form.v1:"


class TicketLinkRefused(NotFound):
    """A ticket link that was altered, is malformed or has expired."""


def _secret() -> str:
    return get_settings().resolved_secret_key()


def issue(ticket_id: int, *, days: int = LINK_DAYS, purpose: bytes = _LINK) -> str:
    """A status-page token for one ticket (or, with another purpose, one record), valid `days` days."""
    payload = f"{ticket_id}.{int((clock.now() + timedelta(days=days)).timestamp())}"
    return f"{payload}.{hmac_sha256_hex(_secret(), purpose + payload.encode())}"


def verify(token: str, *, purpose: bytes = _LINK) -> int:
    """The ticket (record) id of a valid token; TicketLinkRefused otherwise."""
    parts = (token or "").split(".")
    if len(parts) != 3 or len(token) > 200 or not all(p.isalnum() for p in parts):
        raise TicketLinkRefused("ticket_link_invalid", "this ticket link is not valid")
    payload = f"{parts[0]}.{parts[1]}"
    if not signature_matches(_secret(), purpose + payload.encode(), parts[2]) or not parts[0].isdigit():
        raise TicketLinkRefused("ticket_link_invalid", "this ticket link is not valid")
    if not parts[1].isdigit() or clock.now().timestamp() >= int(parts[1]):
        raise TicketLinkRefused("ticket_link_expired", "this ticket link has expired; write to the shop again")
    return int(parts[0])


def form_token(token: str) -> str:
    """What the status page's forms return: derived from the link, so only its holder can post."""
    return hmac_sha256_hex(_secret(), _FORM + token.encode())


def form_token_matches(token: str, given: str | None) -> bool:
    return signature_matches(_secret(), _FORM + token.encode(), given)
