"""Signed links to a member's own page (`/m/<token>`), and the form token that guards the page's buttons.

A token is base64url("<account id>.<expiry as unix seconds>") + "." + HMAC-SHA256 of that text under the site's
secret key, with a purpose prefix so no other signature made with the same key can pass for a member link. The
link carries no personal data and is checked without a database row; it simply stops working when it expires.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta, timezone

from ....core import clock
from ....core.errors import NotFound
from ....core.security import hmac_sha256_hex, signature_matches
from ....core.settings import get_settings

LINK_DAYS = 90
_LINK_PURPOSE = b"shopcx.member-link.v1:"
_FORM_PURPOSE = b"shopcx.member-form.v1:"
_MAX_TOKEN = 200


class LinkRefused(NotFound):
    """A member link that was altered, is malformed or has expired: answered like a page that does not exist."""


def _secret() -> str:
    return get_settings().resolved_secret_key()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(account_id: int, *, days: int = LINK_DAYS) -> str:
    """A fresh link token for one member, valid `days` days from now."""
    expires = int((clock.now() + timedelta(days=days)).timestamp())
    payload = _b64(f"{account_id}.{expires}".encode())
    return f"{payload}.{hmac_sha256_hex(_secret(), _LINK_PURPOSE + payload.encode())}"


def expires_at(token: str) -> datetime:
    """When a (valid) token stops working."""
    return datetime.fromtimestamp(_parts(token)[1], tz=timezone.utc)


def _parts(token: str) -> tuple[int, int]:
    if not token or len(token) > _MAX_TOKEN or token.count(".") != 1 or not token.isascii():
        raise LinkRefused("member_link_invalid", "this member link is not valid")
    payload, signature = token.split(".")
    if not signature_matches(_secret(), _LINK_PURPOSE + payload.encode(), signature):
        raise LinkRefused("member_link_invalid", "this member link is not valid")
    try:
        account_text, expires_text = _unb64(payload).decode().split(".")
        return int(account_text), int(expires_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise LinkRefused("member_link_invalid", "this member link is not valid") from None


def verify(token: str) -> int:
    """The account id a token was issued for; LinkRefused when it was forged, altered or has expired."""
    account_id, expires = _parts(token)
    if clock.now().timestamp() >= expires:
        raise LinkRefused("member_link_expired", "this member link has expired; ask the shop for a new one")
    return account_id


def form_token(token: str) -> str:
    """The token the member page's forms must return: derived from the link, so only its holder can post."""
    return hmac_sha256_hex(_secret(), _FORM_PURPOSE + token.encode())


def form_token_matches(token: str, given: str | None) -> bool:
    """Constant-time check of a posted form token against the link's."""
    return signature_matches(_secret(), _FORM_PURPOSE + token.encode(), given)
