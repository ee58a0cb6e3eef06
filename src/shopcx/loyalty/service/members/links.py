"""Signed links to a member's own page (`/m/<token>`), and the form token that guards the page's buttons.

A token is base64url("<account id>.<expiry as unix seconds>") + "." + HMAC-SHA256 of that text under the site's
secret key, with a purpose prefix so no other signature made with the same key can pass for a member link
(core/tokens.py). The link carries no personal data and is checked without a database row; it simply stops
working when it expires.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ....core import clock, tokens
from ....core.errors import NotFound

LINK_DAYS = 90
_LINK_PURPOSE = b"shopcx.member-link.v1:"
_FORM_PURPOSE = b"shopcx.member-form.v1:"


class LinkRefused(NotFound):
    """A member link that was altered, is malformed or has expired: answered like a page that does not exist."""


def issue(account_id: int, *, days: int = LINK_DAYS) -> str:
    """A fresh link token for one member, valid `days` days from now."""
    return tokens.sign_token(_LINK_PURPOSE, account_id, expires=clock.now() + timedelta(days=days))


def _read(token: str) -> tuple[int, datetime]:
    return tokens.read_id(
        _LINK_PURPOSE, token, invalid=LinkRefused("member_link_invalid", "this member link is not valid"),
        expired=LinkRefused("member_link_expired", "this member link has expired; ask the shop for a new one"))


def expires_at(token: str) -> datetime:
    """When a (valid, unexpired) token stops working."""
    return _read(token)[1]


def verify(token: str) -> int:
    """The account id a token was issued for; LinkRefused when it was forged, altered or has expired."""
    return _read(token)[0]


def form_token(token: str) -> str:
    """The token the member page's forms must return: derived from the link, so only its holder can post."""
    return tokens.form_token(_FORM_PURPOSE, token)


def form_token_matches(token: str, given: str | None) -> bool:
    """Constant-time check of a posted form token against the link's."""
    return tokens.form_token_matches(_FORM_PURPOSE, token, given)
