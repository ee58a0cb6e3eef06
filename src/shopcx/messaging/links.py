"""Signed links in messages: the one-click unsubscribe page and tracked redirects (a click is recorded, then the
buyer goes on to the real address). A token is base64(kind.message id.target) and its HMAC-SHA256 with the
secret key, so neither the message nor the target can be changed without breaking it."""

from __future__ import annotations

import base64
import binascii
import re

from ..core.errors import NotFound
from ..core.security import hmac_sha256_hex, signature_matches
from ..core.settings import get_settings
from .config import get_messaging_settings

_PURPOSE = b"shopcx-message:"
_URL = re.compile(r"https?://[^\s<>\"'）)】]+")
MAX_TOKEN = 4000


class LinkRefused(NotFound):
    """A message link that is forged or changed."""


def _secret() -> str:
    return get_settings().resolved_secret_key()


def sign(kind: str, message_id: int, target: str = "") -> str:
    """A token for one message and kind ('u' unsubscribe, 'c' click with its target address)."""
    payload = base64.urlsafe_b64encode(f"{kind}.{message_id}.{target}".encode()).decode().rstrip("=")
    return f"{payload}.{hmac_sha256_hex(_secret(), _PURPOSE + payload.encode())}"


def verify(token: str, kind: str) -> tuple[int, str]:
    """(message id, target) of a token of this kind; LinkRefused for anything forged or changed."""
    if not token or len(token) > MAX_TOKEN or token.count(".") != 1 or not token.isascii():
        raise LinkRefused("message_link_invalid", "this link is not valid")
    payload, signature = token.split(".")
    if not signature_matches(_secret(), _PURPOSE + payload.encode(), signature):
        raise LinkRefused("message_link_invalid", "this link is not valid")
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
        got_kind, message_id, target = raw.split(".", 2)
        number = int(message_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise LinkRefused("message_link_invalid", "this link is not valid") from None
    if got_kind != kind:
        raise LinkRefused("message_link_invalid", "this link is not valid")
    return number, target


def base_url() -> str:
    return get_messaging_settings().public_url.rstrip("/")


def unsubscribe_url(message_id: int) -> str:
    """The signed one-click unsubscribe page of a message."""
    return f"{base_url()}/msg/u/{sign('u', message_id)}"


def tracked(message_id: int, url: str) -> str:
    """A signed redirect to url that records the click on the message."""
    return f"{base_url()}/msg/c/{sign('c', message_id, url)}"


def track_links(text: str, message_id: int) -> str:
    """Every http(s) address in a text replaced by its tracked redirect."""
    return _URL.sub(lambda m: tracked(message_id, m.group(0)), text)
