"""Signed buyer links: a few fields and an expiry, readable by anyone, that only this site can have made.

A token is `<payload>.<signature>`: the payload is base64url("<field>.<field>….<expiry as unix seconds>") (or,
with `clear=True`, those fields as they are: ids and digits only, the layout ticket and tracking links were sent
with), the signature is HMAC-SHA256 in lowercase hex under the site's secret key over `purpose + payload`. Each
kind of link has its own purpose (b"shopcx.member-link.v1:"), so one kind can never pass for another: a purpose
ends with ":" and no payload or token contains one, so no purpose plus payload can spell another purpose's.

Reading refuses anything not made here, altered, malformed, oversized or expired with TokenInvalid / TokenExpired
(or the caller's own error), never with a decoding error, before any database row is read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from datetime import datetime, timezone

from . import clock
from .errors import NotFound
from .settings import get_settings

MAX_TOKEN = 200
_B64 = re.compile(r"[A-Za-z0-9_-]+")
_CLEAR = re.compile(r"[A-Za-z0-9]+")
_HEX = re.compile(r"[0-9a-f]{64}")
_ID = re.compile(r"[0-9]{1,18}")  # a BIGINT primary key
_SECONDS = re.compile(r"[0-9]{1,11}")  # up to the year 5138: datetime can still hold it


class TokenError(NotFound):
    """A signed link refused: answered like a page that does not exist."""


class TokenInvalid(TokenError):
    """Forged, altered, malformed or made for another purpose."""


class TokenExpired(TokenError):
    """Signed here, but its time is over."""


def mac(purpose: bytes, text: str | bytes) -> str:
    """HMAC-SHA256 (hex) of purpose + text under the site's secret key: a keyed hash no other purpose can match."""
    if not purpose.endswith(b":"):
        raise ValueError(f"a purpose ends with ':' so none is the start of another: {purpose!r}")
    body = text if isinstance(text, bytes) else text.encode()
    return hmac.new(get_settings().resolved_secret_key().encode(), purpose + body, hashlib.sha256).hexdigest()


def mac_matches(purpose: bytes, text: str | bytes, given: str | None, *, length: int = 64) -> bool:
    """Constant-time check of a mac given by a buyer: the whole one, or its first `length` characters (a short
    tag in a mail subject)."""
    if not isinstance(given, str) or len(given) != length or not given.isascii():
        return False
    return hmac.compare_digest(mac(purpose, text)[:length], given)


def sign_token(purpose: bytes, *fields: str | int, expires: datetime | None, clear: bool = False) -> str:
    """A token carrying fields (and the expiry, when given) for one purpose. Only the last field may hold dots."""
    texts = [str(f) for f in fields] + ([str(int(expires.timestamp()))] if expires is not None else [])
    if any("." in t for t in texts[:len(fields) - 1]) or clear and not all(_CLEAR.fullmatch(t) for t in texts):
        raise ValueError(f"fields cannot be signed in this layout: {fields!r}")
    payload = ".".join(texts)
    if not clear:
        payload = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"{payload}.{mac(purpose, payload)}"


def read_token(purpose: bytes, token: str | None, *, fields: int, expiring: bool = True, clear: bool = False,
               max_len: int = MAX_TOKEN, invalid: Exception | None = None,
               expired: Exception | None = None) -> tuple[tuple[str, ...], datetime | None]:
    """The fields of a token made by sign_token for this purpose, and its expiry (None when `expiring` is off).
    Refused with `invalid` (default TokenInvalid) or, at or after its expiry by clock.now(), `expired`
    (default TokenExpired)."""
    try:
        return _read(purpose, token, fields, expiring, clear, max_len)
    except TokenExpired:
        if expired is None:
            raise
        raise expired from None
    except TokenInvalid:
        if invalid is None:
            raise
        raise invalid from None


def read_id(purpose: bytes, token: str | None, **options) -> tuple[int, datetime | None]:
    """read_token for the usual one-field link: the record id it names (digits, else refused) and its expiry."""
    (text,), until = read_token(purpose, token, fields=1, **options)
    if not _ID.fullmatch(text):
        raise options.get("invalid") or TokenInvalid("link_invalid", "this link is not valid")
    return int(text), until


def _read(purpose: bytes, token, fields: int, expiring: bool, clear: bool, max_len: int):
    refused = TokenInvalid("link_invalid", "this link is not valid")
    if not isinstance(token, str) or not token or len(token) > max_len or not token.isascii():
        raise refused
    payload, _, signature = token.rpartition(".")
    pieces = payload.split(".") if clear else [payload]
    if not _HEX.fullmatch(signature) or not all((_CLEAR if clear else _B64).fullmatch(p) for p in pieces):
        raise refused
    if not hmac.compare_digest(mac(purpose, payload), signature):
        raise refused
    try:
        text = payload if clear else base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        raise refused from None
    until = None
    if expiring:
        text, dot, seconds = text.rpartition(".")
        if not dot or not _SECONDS.fullmatch(seconds):
            raise refused
        until = datetime.fromtimestamp(int(seconds), tz=timezone.utc)
    parts = tuple(text.split(".", fields - 1))
    if len(parts) != fields:
        raise refused
    if until is not None and clock.now() >= until:
        raise TokenExpired("link_expired", "this link has expired")
    return parts, until


def form_token(purpose: bytes, token: str) -> str:
    """The token a link's page forms must send back: derived from the link, so only its holder can post."""
    return mac(purpose, token)


def form_token_matches(purpose: bytes, token: str, given: str | None) -> bool:
    """Constant-time check of a posted form token against the link's."""
    return mac_matches(purpose, token, given)
